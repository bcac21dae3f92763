import FlightdeckCore
import Foundation

/// Realistic cockpit content for the UI tests and the render benchmark: jobs in every state
/// (wide-glyph names included), a coding agent's trace, phase spans and a workspace tree.
/// Fixed times, so grids are the same on every run.
public enum CockpitFixtures {
    /// "Now" for every fixture: 2026-11-29 12:00:00 UTC.
    public static let now = Date(timeIntervalSince1970: 1_795_953_600)

    public static func ago(_ seconds: TimeInterval) -> Date { now.addingTimeInterval(-seconds) }

    /// Seven jobs; newest first by creation: deploy-🚀, refactor-db, 日本語のタスク,
    /// fix-login-bug, flaky-tests, write-docs, old-task (deleted).
    public static let jobs: [AgentJob] = [
        AgentJob(id: "j1", name: "fix-login-bug", namespace: "agents", createdAt: ago(3_800), startedAt: ago(3_720),
                 status: .running, retries: 0, backoffLimit: 3, node: "k3s-node-1", phase: .tactical),
        AgentJob(id: "j2", name: "refactor-db", namespace: "agents", createdAt: ago(300), status: .pending, retries: 0,
                 backoffLimit: 3, pendingReason: "0/3 nodes available: insufficient memory"),
        AgentJob(id: "j3", name: "write-docs", namespace: "agents", createdAt: ago(7_300), startedAt: ago(7_200),
                 finishedAt: ago(3_600), status: .succeeded, retries: 0, backoffLimit: 3, node: "k3s-node-2", phase: .strategic),
        AgentJob(id: "j4", name: "flaky-tests", namespace: "agents", createdAt: ago(5_000), startedAt: ago(4_900),
                 finishedAt: ago(1_200), status: .failed, retries: 4, backoffLimit: 3, node: "k3s-node-1",
                 pendingReason: "BackoffLimitExceeded: OOMKilled", phase: .tactical),
        AgentJob(id: "j5", name: "old-task", namespace: "agents", createdAt: ago(9_000), startedAt: ago(8_900),
                 finishedAt: ago(8_000), status: .succeeded, retries: 1, backoffLimit: 3, node: "k3s-node-2",
                 deletedAt: ago(100)),
        AgentJob(id: "j6", name: "日本語のタスク", namespace: "agents", createdAt: ago(1_000), startedAt: ago(950),
                 status: .running, retries: 1, backoffLimit: 3, node: "k3s-node-3", phase: .strategic),
        AgentJob(id: "j7", name: "deploy-🚀", namespace: "agents", createdAt: ago(200), status: .suspended, retries: 0,
                 backoffLimit: 3),
    ]

    /// Record `seq` of a coding agent's trace: a thought, a tool call, its observation, now
    /// and then a message or an error; every tenth thought mentions "needle" (for searches).
    public static func record(job: String, seq: Int64, start: Date? = nil) -> TraceRecord {
        let time = (start ?? ago(3_700)).addingTimeInterval(Double(seq) * 2)
        let phase: Phase = (seq / 25) % 2 == 0 ? .strategic : .tactical
        switch seq % 5 {
        case 1:
            let text = seq % 10 == 1 ? "step \(seq): look for the needle in the auth module"
                : "step \(seq): the login test fails because the session cookie expires early"
            return TraceRecord(jobID: job, seq: seq, sourceID: "f:\(seq)", time: time, kind: .thought, phase: phase, text: text)
        case 2:
            return TraceRecord(jobID: job, seq: seq, sourceID: "f:\(seq)", time: time, kind: .action, phase: phase,
                               text: "", tool: "execute", args: #"{"cmd":"pytest -q tests/test_login.py -k session"}"#)
        case 3:
            let lines = (1...(seq % 3 == 0 ? 9 : 2)).map { "tests/test_login.py::test_session_\($0) PASSED" }
            return TraceRecord(jobID: job, seq: seq, sourceID: "f:\(seq)", time: time, kind: .observation, phase: phase,
                               text: lines.joined(separator: "\n"), exitCode: seq % 7 == 0 ? 1 : 0, durationMs: 1_234)
        case 4:
            return TraceRecord(jobID: job, seq: seq, sourceID: "f:\(seq)", time: time, kind: .message, phase: phase,
                               text: "checkpoint saved at step \(seq)")
        default:
            return TraceRecord(jobID: job, seq: seq, sourceID: "f:\(seq)", time: time, kind: .error, phase: phase,
                               text: "TimeoutError: the dev server did not answer in 30s")
        }
    }

    public static func records(job: String, seq: ClosedRange<Int64>) -> [TraceRecord] {
        seq.map { record(job: job, seq: $0) }
    }

    /// Strategic and tactical spans over the last hour, the last one open.
    public static func spans(job: String) -> [PhaseSpan] {
        [
            PhaseSpan(jobID: job, phase: .strategic, start: ago(3_600), end: ago(3_000)),
            PhaseSpan(jobID: job, phase: .tactical, start: ago(3_000), end: ago(1_800)),
            PhaseSpan(jobID: job, phase: .strategic, start: ago(1_800), end: ago(600)),
            PhaseSpan(jobID: job, phase: .tactical, start: ago(600)),
        ]
    }

    public static func markers(job: String) -> [PhaseMarker] {
        [
            PhaseMarker(jobID: job, kind: .checkpoint, time: ago(200), detail: "step 7"),
            PhaseMarker(jobID: job, kind: .podRestart, time: ago(100), detail: "OOMKilled"),
            PhaseMarker(jobID: job, kind: .failure, time: ago(2_000), detail: "exit 1"),
        ]
    }

    public static let workspace: [WorkspaceEntry] = [
        WorkspaceEntry(path: "src", kind: .directory, size: 0, modified: ago(60)),
        WorkspaceEntry(path: "src/auth.py", kind: .file, size: 12_345, modified: ago(60)),
        WorkspaceEntry(path: "src/session.py", kind: .file, size: 2_048, modified: ago(600)),
        WorkspaceEntry(path: "tests", kind: .directory, size: 0, modified: ago(120)),
        WorkspaceEntry(path: "tests/test_login.py", kind: .file, size: 4_321, modified: ago(120)),
        WorkspaceEntry(path: "README.md", kind: .file, size: 980, modified: ago(86_400)),
        WorkspaceEntry(path: "メモ.txt", kind: .file, size: 42, modified: ago(30)),
    ]
}
