import FlightdeckCore
import FlightdeckTestSupport
import Foundation
@testable import HistoryStore

func record(_ jobID: String, _ n: Int, kind: TraceKind = .thought, text: String? = nil, source: String? = nil) -> TraceRecord {
    TraceRecord(
        jobID: jobID, sourceID: source ?? "test:\(n)", time: Date(timeIntervalSince1970: 1_800_000_000 + Double(n)),
        agentSeq: Int64(n), kind: kind, phase: .tactical, text: text ?? "record \(n)", tool: kind == .action ? "execute" : nil,
        args: kind == .action ? #"{"command":"ls"}"# : nil, exitCode: kind == .observation ? 0 : nil,
        durationMs: kind == .observation ? 12 : nil)
}

func job(_ id: String, status: JobStatus = .running, created: Double = 1_800_000_000, finished: Double? = nil) -> AgentJob {
    AgentJob(
        id: id, uid: "uid-\(id)", name: "agent-\(id)", namespace: "agents", context: "homelab", taskUUID: "task-\(id)",
        taskText: "refactor the \(id) module", image: "ghcr.io/example/agent:1", createdAt: Date(timeIntervalSince1970: created),
        startedAt: Date(timeIntervalSince1970: created + 5), finishedAt: finished.map(Date.init(timeIntervalSince1970:)),
        status: status, retries: 1, backoffLimit: 3, node: "node-a", pvc: "workspace-agent-\(id)")
}

func sqliteScalar(_ path: String, _ sql: String) -> String { SQLiteProbe.scalar(path, sql) }
