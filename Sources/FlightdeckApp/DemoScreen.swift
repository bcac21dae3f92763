import AgentManifests
import CockpitUI
import FlightdeckCore
import Foundation
import HistoryStore
import Orchestrator
import SimAgent
import Synchronization
import TerminalIO

/// The cockpit as `flightdeck demo` shows it, at one fixed moment: the screen at the top of
/// the README (`script/readme-screen` writes it, and a test fails when it drifts).
///
/// Everything on it is made by the product's own parts, only the clock is fixed: the demo's
/// simulated agents run their scripts flat out on a virtual clock, each message goes through
/// the trace decoder into a real history file, the cockpit reads its pages, timeline and
/// workspace from there as it does live, and the frame is presented through a terminal
/// session onto the recording backend, whose screen is the text returned.
///
/// The moment: the six demo tasks a few minutes in — one finished, one failed for good on a
/// logic error, one waiting for a node, and three running, two of them resumed after an
/// OOM kill or a rate limit. The selected one ("pagination") is back from its OOM kill.
/// Sized for the full layout (all four panes: 140×40 and up).
public enum DemoScreen {
    public static let width = 140
    public static let height = 40

    /// When the demo started, on the virtual clock.
    static let start = Date(timeIntervalSince1970: 1_796_300_000)  // 2026-12-03 12:13:20 UTC
    /// The moment the screen shows.
    static let now = start.addingTimeInterval(200)
    static let seed: UInt64 = 7
    /// Virtual seconds between two things an agent says.
    static let tick = 2.5

    /// How far each task has got at `now`: the records of each attempt to keep (nil: the
    /// attempt ran to its end), and the job's state.
    struct Moment {
        var attempts: [Int?]
        var status: JobStatus
        var startedAfter: Double
        /// The one-liner `JobProjection.reason` gives a Job in that state.
        var why: String? = nil
    }

    static let moments: [Moment] = [
        Moment(attempts: [nil], status: .succeeded, startedAfter: 4),  // flaky retry
        Moment(attempts: [nil, 14], status: .running, startedAfter: 5),  // pagination: OOM at step 4, resumed
        Moment(attempts: [nil, 9], status: .running, startedAfter: 6),  // dependency bump: rate limited, retried
        Moment(attempts: [nil, nil, nil, nil], status: .failed, startedAfter: 6,
               why: "BackoffLimitExceeded: Job has reached the specified backoff limit"),  // migration: fatal every attempt
        Moment(attempts: [22], status: .running, startedAfter: 8),  // docs
        Moment(attempts: [], status: .pending, startedAfter: 0, why: "unschedulable: 0/1 nodes are available: 1 Insufficient memory."),
    ]

    /// The screen's rows, trailing blanks trimmed. `directory` holds the history file and the
    /// agents' workspaces; the caller removes it.
    public static func capture(directory: String) async throws -> [String] {
        let tasks = DemoScenario.tasks(count: moments.count, seed: seed, image: DemoRun.simulatedImage)
        var writes: [HistoryWrite] = []
        for (index, (task, moment)) in zip(tasks, moments).enumerated() {
            let jobID = TaskManifests.jobID(task)
            let began = start.addingTimeInterval(moment.startedAfter)
            var clock = began
            for (attempt, keep) in moment.attempts.enumerated() {
                let emissions = await run(task, jobID: jobID, workspace: directory + "/workspace-\(index)", from: clock, keep: keep)
                writes += Self.writes(emissions, jobID: jobID, attempt: attempt)
                clock = (emissions.last?.time ?? clock).addingTimeInterval(10)
            }
            let finished = moment.status.isFinished ? clock.addingTimeInterval(-10) : nil
            writes.append(.job(AgentJob(id: jobID, name: TaskManifests.jobName(task), namespace: DemoRun.settings.namespace,
                context: DemoRun.context, taskUUID: task.uuid, taskText: task.prompt, image: task.image,
                createdAt: start, startedAt: moment.attempts.isEmpty ? nil : began, finishedAt: finished,
                status: moment.status, retries: max(0, moment.attempts.count - 1), backoffLimit: task.backoffLimit,
                node: moment.attempts.isEmpty ? nil : "k3s-node-1", pvc: "workspace-" + jobID,
                pendingReason: moment.why)))
        }
        let selected = TaskManifests.jobID(tasks[1])
        // The history file and the cockpit's reads of it: SQLite, off the cooperative pool.
        let state = try await offThePool { [writes] in
            let store = try HistoryStore(path: directory + "/history.db")
            _ = try store.write(writes)
            return try cockpit(store: store, selecting: selected)
        }
        return try await present(Cockpit.render(state))
    }

    /// The cockpit after it listed the jobs, selected `selected` and had its effects answered.
    static func cockpit(store: HistoryStore, selecting selected: String) throws -> CockpitState {
        var state = CockpitState(width: width, height: height, now: now, theme: .default, glyphs: .unicode,
            timeZone: TimeZone(identifier: "UTC")!)
        var inbox: [CockpitMessage] = [
            .contextInfo(context: DemoRun.context, cluster: "https://127.0.0.1:6443"),
            .connectionChanged(ConnectionStatus(api: .connected, nats: .connected)),
            .capabilitiesLoaded(allowed: Set(JobIntentKind.allCases), readOnly: false),
            .jobsListed(try store.jobs(JobQuery(namespace: DemoRun.settings.namespace, context: DemoRun.context))),
        ]
        func settle() throws {
            while !inbox.isEmpty {
                for effect in Cockpit.update(&state, inbox.removeFirst()) { inbox += try answer(effect, store: store) }
            }
        }
        try settle()
        for _ in state.jobs.visible where state.jobs.selectedID != selected {
            inbox.append(.terminal(.key(.character("j"))))
            try settle()
        }
        return state
    }

    /// What the cockpit's history and workspace effects find, as `CockpitEffects` answers them
    /// when the volume is not on this node: from the store.
    static func answer(_ effect: CockpitEffect, store: HistoryStore) throws -> [CockpitMessage] {
        switch effect {
        case .loadWorkspace(let jobID):
            return [.workspaceListed(jobID: jobID, listing: try CockpitEffects.snapshotListing(jobID: jobID, store: store))]
        default:
            return try CockpitEffects.historyAnswer(effect, store: store)
        }
    }

    struct Emission: Sendable {
        var channel: OperatorCommand.Channel
        var payload: JSONValue
        var time: Date
    }

    /// One attempt of the agent, flat out on the virtual clock; stopped (as a SIGKILL would)
    /// once it has said `keep` trace records.
    static func run(_ task: AgentTask, jobID: String, workspace: String, from: Date, keep: Int?) async -> [Emission] {
        let attempt = Attempt(from: from, keep: keep)
        var environment = task.environment
        environment["JOB_ID"] = jobID
        environment["WORKSPACE_PATH"] = workspace
        environment["SIM_AGENT_PACE"] = "0"
        let settings = environment
        let sink = CollectingSink { attempt.collect($0) }
        let virtualNow: @Sendable () -> Date = { attempt.now }
        // The lock is held while the task starts, so a sink that stops it finds it.
        let agent = attempt.running.withLock { slot in
            let agent = Task { await SimAgent.run(environment: settings, timeScale: 0, sink: sink, clock: virtualNow) }
            slot = agent
            return agent
        }
        _ = await agent.value
        return attempt.kept
    }

    /// One attempt's clock and what it said.
    final class Attempt: Sendable {
        let keep: Int?
        let clock: Mutex<Date>
        let collected = Mutex<[Emission]>([])
        let running = Mutex<Task<AgentExit, Never>?>(nil)

        init(from: Date, keep: Int?) {
            self.keep = keep
            clock = Mutex(from)
        }

        var now: Date { clock.withLock { $0 } }

        func collect(_ emission: AgentEmission) {
            let time = clock.withLock { now in
                defer { now += DemoScreen.tick }
                return now
            }
            let traced = collected.withLock { list in
                list.append(Emission(channel: emission.channel, payload: emission.payload, time: time))
                return list.count(where: { $0.channel == .logs })
            }
            if let keep, traced >= keep { running.withLock { $0?.cancel() } }
        }

        /// What it said up to its `keep`th trace record (a stopped agent may say a little more).
        var kept: [Emission] {
            collected.withLock { list in
                guard let keep else { return list }
                var traced = 0
                let cut = list.firstIndex { emission in
                    if emission.channel == .logs { traced += 1 }
                    return traced == keep
                }
                return cut.map { Array(list[...$0]) } ?? list
            }
        }
    }

    /// The history writes of an attempt's messages, as the NATS ingester makes them. A
    /// workspace listing's file times are the agent's virtual clock, not the files' real ones.
    static func writes(_ emissions: [Emission], jobID: String, attempt: Int) -> [HistoryWrite] {
        let decoder = TraceDecoder()
        var phases = PhaseTracker()
        return emissions.enumerated().flatMap { index, emission in
            let subject = "\(emission.channel.rawValue).agent.\(jobID)"
            let payload = Array(emission.payload.serialized.utf8)
            return decoder.decode(subject: subject, payload: payload, sourceID: "demo:\(attempt)/\(index)",
                receivedAt: emission.time, phases: &phases).map { write -> HistoryWrite in
                guard case .workspace(let job, var entries, let asOf, let source) = write else { return write }
                for index in entries.indices where entries[index].modified != nil { entries[index].modified = asOf }
                return .workspace(jobID: job, entries: entries, asOf: asOf, sourceID: source)
            }
        }
    }

    /// The frame presented through a terminal session onto the recording backend.
    static func present(_ frame: CellGrid) async throws -> [String] {
        let backend = RecordingBackend(width: width, height: height)
        let session = try TerminalSession(backend: backend)
        return try await offThePool {
            session.present(frame)
            session.flush()
            defer { session.shutdown() }
            return backend.screen.lines.map { String($0.reversed().drop { $0 == " " }.reversed()) }
        }
    }
}

/// Hands each emission to a closure.
private struct CollectingSink: TraceSink {
    let collect: @Sendable (AgentEmission) -> Void
    func emit(_ emission: AgentEmission) { collect(emission) }
}
