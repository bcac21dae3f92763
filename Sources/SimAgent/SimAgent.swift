import FlightdeckCore
import Foundation

/// A simulated LangGraph/ReAct coding agent: what runs in the agent container of a simulated
/// pod (and could run as a process of its own).
///
/// It plays `AgentScript` for its seed one step at a time — STRATEGIC thoughts, then TACTICAL
/// tool calls and observations — emitting each record in the trace protocol to its sink,
/// applying the step's edits to the real workspace, touching the heartbeat file, and saving a
/// checkpoint row (`CheckpointStore`) after every step. Started again on the same workspace
/// it resumes after the last checkpoint and says so (`Resumed from checkpoint step N`).
///
/// Configuration: `SimAgentConfiguration` (env variables `JOB_ID`, `WORKSPACE_PATH`,
/// `CHECKPOINT_PATH`, `HEARTBEAT_PATH`, `SIM_AGENT_SEED`, `SIM_AGENT_STEPS`, `SIM_AGENT_FAIL`,
/// `SIM_AGENT_FATAL_CODE`, `SIM_AGENT_PACE`, `SIM_AGENT_TIME_SCALE`).
///
/// Exit codes (`AgentExit`):
/// - 0: objective met, or cancelled by the operator (a final `Cancelled by operator` record
///   and a `cancelled` status event; 0 so the Job does not retry a cancelled agent);
/// - 137 + OOM-killed: the `oom` fault; 137 alone: killed (the task was cancelled: SIGKILL);
/// - 75: the `ratelimit` fault (EX_TEMPFAIL; the Job retries);
/// - `SIM_AGENT_FATAL_CODE` (42): the `fatal` fault;
/// - 143: stopped by SIGTERM (`AgentControl.terminate()`) after finishing its step;
/// - 1: the workspace or checkpoint database failed; 2: bad configuration (see `run(environment:…)`).
///
/// Operator commands arrive through `AgentControl` (fed from `commands`, e.g. a `CommandBus`):
/// pause takes effect between steps (the heartbeat keeps beating while paused), resume
/// continues, cancel ends after the current step, and an instruction is quoted in the next
/// STRATEGIC thought.
public struct SimAgent: Sendable {
    public let configuration: SimAgentConfiguration
    public let script: AgentScript
    public let sink: any TraceSink
    public let control: AgentControl
    public let commands: (any CommandSource)?
    public let clock: @Sendable () -> Date

    public init(configuration: SimAgentConfiguration, sink: any TraceSink, control: AgentControl = AgentControl(),
        commands: (any CommandSource)? = nil, clock: @escaping @Sendable () -> Date = { Date() })
    {
        self.configuration = configuration
        script = AgentScript(seed: configuration.seed, totalSteps: configuration.steps)
        self.sink = sink
        self.control = control
        self.commands = commands
        self.clock = clock
    }

    /// Reads the configuration from `environment` and runs; a bad variable is printed (as a
    /// plain line, the way a crashing program's stderr reaches the log) and exits 2.
    public static func run(environment: [String: String], resolvePath: (String) -> String = { $0 },
        timeScale: Double? = nil, sink: any TraceSink, control: AgentControl = AgentControl(),
        commands: (any CommandSource)? = nil, clock: @escaping @Sendable () -> Date = { Date() }) async -> AgentExit
    {
        do {
            var configuration = try SimAgentConfiguration(environment: environment, resolvePath: resolvePath)
            if let timeScale { configuration.timeScale = timeScale }
            return await SimAgent(configuration: configuration, sink: sink, control: control, commands: commands,
                clock: clock).run()
        } catch {
            sink.emit(AgentEmission(channel: .logs, payload: .string("sim-agent: \(error)")))
            return AgentExit(code: 2, reason: .configuration)
        }
    }

    /// Runs until the script ends, a fault fires, the operator cancels, SIGTERM arrives, or
    /// the task is cancelled (SIGKILL).
    public func run() async -> AgentExit {
        var run = Run(agent: self)
        let pump = commands.map { source in
            let control = control
            let jobID = configuration.jobID
            return Task {
                for await delivery in source.commands(forJob: jobID) { control.apply(delivery) }
            }
        }
        defer { pump?.cancel() }
        return await run.execute()
    }
}

/// How a simulated agent ended.
public struct AgentExit: Sendable, Hashable {
    public enum Reason: String, Sendable, Hashable {
        case completed, cancelled, terminated, killed, oom, rateLimited, fatal, crashed, configuration
    }

    public var code: Int32
    /// The kernel's OOM killer ended it (the runtime reports `OOMKilled`).
    public var oomKilled: Bool
    public var reason: Reason

    public init(code: Int32, oomKilled: Bool = false, reason: Reason) {
        self.code = code
        self.oomKilled = oomKilled
        self.reason = reason
    }
}

/// One execution of the loop: the mutable part (sequence numbers, current phase).
private struct Run {
    let agent: SimAgent
    var seq: Int64 = 0
    var phase: Phase?
    var paused = false

    init(agent: SimAgent) { self.agent = agent }

    var configuration: SimAgentConfiguration { agent.configuration }
    var now: String { RFC3339.string(from: agent.clock()) }

    // MARK: Emitting

    mutating func trace(_ record: ScriptRecord) {
        if record.phase != phase {
            phase = record.phase
            event(["type": "phase", "phase": .string(record.phase.rawValue)])
        }
        seq += 1
        agent.sink.emit(AgentEmission(channel: .logs, payload: record.line(ts: now, seq: seq)))
    }

    mutating func message(_ text: String, kind: TraceKind = .message) {
        trace(ScriptRecord(kind: kind, phase: phase ?? .strategic, text: text))
    }

    func event(_ payload: JSONValue) {
        var payload = payload
        payload.setMember("ts", .string(now))
        agent.sink.emit(AgentEmission(channel: .events, payload: payload))
    }

    func status(_ state: String, _ summary: String) {
        event(["type": "status", "state": .string(state), "summary": .string(summary)])
    }

    func heartbeat() {
        AgentWorkspace.touchHeartbeat(configuration.heartbeatPath, now: agent.clock())
        event(["type": "heartbeat"])
    }

    /// Sleeps `seconds` simulated seconds; `false` when the task was cancelled (SIGKILL).
    func pace(_ seconds: Double) async -> Bool {
        let wall = seconds * configuration.timeScale
        if wall > 0 { try? await Task.sleep(for: .nanoseconds(Int64(wall * 1e9))) } else { await Task.yield() }
        return !Task.isCancelled
    }

    static let killed = AgentExit(code: 137, reason: .killed)

    // MARK: The loop

    mutating func execute() async -> AgentExit {
        let workspace = AgentWorkspace(root: configuration.workspacePath)
        let store: CheckpointStore
        let last: CheckpointStore.Checkpoint?
        var fired: Set<FaultPlan.Fault>
        do {
            if !workspace.isSeeded {
                let entries = try workspace.apply(agent.script.initialTree)
                event(["type": "files", "entries": .array(entries.map(Self.entryJSON))])
            }
            store = try CheckpointStore(path: configuration.checkpointPath, threadID: configuration.jobID)
            last = try store.last()
            fired = try store.firedFaults()
        } catch {
            message("agent crashed while opening its workspace: \(error)", kind: .error)
            status("failed", "workspace or checkpoint database unusable")
            return AgentExit(code: 1, reason: .crashed)
        }

        let total = agent.script.totalSteps
        if let last {
            seq = last.seq
            message("Resumed from checkpoint step \(last.step) (\(configuration.checkpointDisplayPath)); "
                + "continuing with step \(min(last.step + 1, total))/\(total)")
        } else {
            message("Agent started: job \(configuration.jobID), objective: \(agent.script.theme.objective) "
                + "(\(total) steps, seed \(configuration.seed))")
        }
        status("running", agent.script.theme.objective)
        heartbeat()

        var step = (last?.step ?? 0) + 1
        while step <= total {
            if let exit = await boundary(after: step - 1) { return exit }
            heartbeat()
            // An instruction delivered again after a crash, whose step was saved, is confirmed
            // and dropped: each is carried out once.
            var taken = agent.control.takePendingInstructions()
            let done = (try? store.appliedCommands(among: taken.compactMap(\.id))) ?? []
            for instruction in taken where instruction.id.map(done.contains) == true { instruction.acknowledge() }
            taken.removeAll { $0.id.map(done.contains) == true }
            let instructions = taken.map(\.text)
            let planned = agent.script.step(step, instructions: instructions)
            let fault = configuration.faults.fault(at: step, alreadyFired: fired)
            let totalWeight = max(planned.records.reduce(0) { $0 + $1.weight }, 0.001)
            var sawAction = false
            for record in planned.records {
                guard await pace(configuration.pace * record.weight / totalWeight) else { return Self.killed }
                AgentWorkspace.touchHeartbeat(configuration.heartbeatPath, now: agent.clock())
                if let fault, let exit = await strike(fault, before: record, sawAction: sawAction, store: store) {
                    return exit
                }
                trace(record)
                sawAction = sawAction || record.kind == .action
            }
            let entries: [WorkspaceEntry]
            do {
                entries = try workspace.apply(planned.edits)
                try store.save(CheckpointStore.Checkpoint(step: step, seq: seq + 1, summary: planned.summary), ts: now,
                    instructions: instructions, commandIDs: taken.compactMap(\.id))
            } catch {
                message("agent crashed at step \(step): \(error)", kind: .error)
                status("failed", "could not write the workspace or checkpoint")
                return AgentExit(code: 1, reason: .crashed)
            }
            for instruction in taken { instruction.acknowledge() }
            if !entries.isEmpty { event(["type": "files", "entries": .array(entries.map(Self.entryJSON))]) }
            message("Checkpoint saved: step \(step)/\(total) -> \(configuration.checkpointDisplayPath)")
            event(["type": "checkpoint", "path": .string(configuration.checkpointDisplayPath),
                "step": .integer(Int64(step))])
            step += 1
        }
        message("Done: objective met in \(total) steps. \(agent.script.theme.objective).")
        status("done", "objective met in \(total) steps")
        return AgentExit(code: 0, reason: .completed)
    }

    /// Between steps: honours cancel, SIGTERM and pause. `nil` means carry on.
    mutating func boundary(after completed: Int) async -> AgentExit? {
        while true {
            let signal = agent.control.changes.generation
            let state = agent.control.current
            if state.terminateRequested {
                message("Received SIGTERM: stopping after step \(completed) (checkpoint saved)")
                status("terminated", "stopped by SIGTERM after step \(completed)")
                return AgentExit(code: 143, reason: .terminated)
            }
            if state.cancelRequested {
                message("Cancelled by operator after step \(completed); checkpoint saved, exiting")
                status("cancelled", "cancelled by operator after step \(completed)")
                agent.control.acknowledgeCancel()
                return AgentExit(code: 0, reason: .cancelled)
            }
            if state.paused {
                if !paused {
                    paused = true
                    message("Paused by operator after step \(completed); waiting for resume")
                    status("paused", "paused after step \(completed)")
                }
                heartbeat()
                // Wake for the next command, or to beat again (every 5 simulated seconds).
                await agent.control.changes.wait(after: signal,
                    timeout: .nanoseconds(Int64(max(5 * configuration.timeScale, 0.001) * 1e9)))
                if Task.isCancelled { return Self.killed }
                continue
            }
            if paused {
                paused = false
                message("Resumed by operator; continuing with step \(completed + 1)")
                status("running", "resumed after step \(completed)")
            }
            return nil
        }
    }

    /// Fires `fault` at its moment in the step: rate limit and hang at the first (planning)
    /// record, OOM and fatal at the first tool call. `nil` when it is not its moment yet.
    mutating func strike(_ fault: FaultPlan.Fault, before record: ScriptRecord, sawAction: Bool,
        store: CheckpointStore) async -> AgentExit?
    {
        func remember() { try? store.recordFault(fault, ts: now) }
        switch fault.kind {
        case .ratelimit:
            remember()
            message("LLM call failed: 429 Too Many Requests (rate limit exceeded for model; retry after 20s); "
                + "exiting with \(FaultPlan.rateLimitExitCode) so the job retries", kind: .error)
            status("failed", "rate limited")
            return AgentExit(code: FaultPlan.rateLimitExitCode, reason: .rateLimited)
        case .hang:
            remember()
            // Deadlocked on a dropped LLM response: silent, no heartbeat, until killed.
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            return Self.killed
        case .oom:
            guard record.kind == .action, !sawAction else { return nil }
            trace(record)
            remember()
            return AgentExit(code: FaultPlan.oomExitCode, oomKilled: true, reason: .oom)
        case .fatal:
            guard record.kind == .action, !sawAction else { return nil }
            trace(record)
            message("""
                Traceback (most recent call last):
                  File "/app/agent/graph.py", line 214, in run_step
                    state = self.reduce(state, observation)
                  File "/app/agent/state.py", line 88, in reduce
                    assert state.plan is not None, "plan vanished between STRATEGIC and TACTICAL"
                AssertionError: plan vanished between STRATEGIC and TACTICAL
                """, kind: .error)
            status("failed", "logic error at step \(fault.step)")
            return AgentExit(code: configuration.fatalExitCode, reason: .fatal)
        }
    }

    static func entryJSON(_ entry: WorkspaceEntry) -> JSONValue {
        var json: JSONValue = ["path": .string(entry.path), "kind": .string(entry.kind.rawValue), "size": .integer(entry.size)]
        if let modified = entry.modified { json.setMember("mtime", .string(RFC3339.string(from: modified))) }
        return json
    }
}
