/// How a simulated agent runs, read from its container's environment as the product's Job
/// sets it, plus simulation knobs.
///
/// Product variables (the contract with the orchestrator's Job manifest):
/// - `JOB_ID`: the job id (`cmd.agent.<JOB_ID>` is where commands arrive). Default `local`.
/// - `WORKSPACE_PATH`: the workspace root (the PVC mount). Default `/workspace`.
/// - `CHECKPOINT_PATH`: the checkpoint database, or a directory for it (ends in `/` or has no
///   `.db` suffix). Default `$WORKSPACE_PATH/checkpoints/job_<JOB_ID>.db`.
/// - `HEARTBEAT_PATH`: the file touched every loop (what a liveness probe checks). Default
///   `$WORKSPACE_PATH/.heartbeat`.
///
/// Simulation knobs:
/// - `SIM_AGENT_SEED`: the script's seed (decimal). Default: a hash of `JOB_ID`, so distinct
///   jobs tell distinct stories and a retried job tells the same one.
/// - `SIM_AGENT_STEPS`: steps until success (default 12, at least 2).
/// - `SIM_AGENT_FAIL`: the fault plan, e.g. `oom@3,ratelimit@5`, `fatal@4`, `hang@2`,
///   `random` (see `FaultPlan`). Default none.
/// - `SIM_AGENT_FATAL_CODE`: exit code of the `fatal` fault (default 42).
/// - `SIM_AGENT_PACE`: simulated seconds per step (default 3; 0 runs flat out).
/// - `SIM_AGENT_TIME_SCALE`: wall seconds per simulated second (default 1). In the simulated
///   cluster the kubelet passes its `SimTiming` scale instead.
///
/// Path values are passed through a resolver, so a container's view (`/workspace`) can be
/// mapped to the real directory behind it.
public struct SimAgentConfiguration: Sendable, Hashable {
    public var jobID: String
    public var workspacePath: String
    public var checkpointPath: String
    public var heartbeatPath: String
    public var seed: UInt64
    public var steps: Int
    public var faults: FaultPlan
    public var fatalExitCode: Int32
    /// Simulated seconds per step.
    public var pace: Double
    /// Wall seconds per simulated second.
    public var timeScale: Double

    public init(jobID: String = "local", workspacePath: String, checkpointPath: String? = nil,
        heartbeatPath: String? = nil, seed: UInt64? = nil, steps: Int = 12, faults: FaultPlan = FaultPlan(),
        fatalExitCode: Int32 = 42, pace: Double = 3, timeScale: Double = 1)
    {
        self.jobID = jobID
        self.workspacePath = workspacePath
        self.checkpointPath = checkpointPath ?? Self.joined(workspacePath, "checkpoints/job_\(jobID).db")
        self.heartbeatPath = heartbeatPath ?? Self.joined(workspacePath, ".heartbeat")
        self.seed = seed ?? Self.seed(forJob: jobID)
        self.steps = max(2, steps)
        self.faults = faults
        self.fatalExitCode = fatalExitCode
        self.pace = max(0, pace)
        self.timeScale = max(0, timeScale)
    }

    /// Reads the variables above; `resolvePath` maps each path-valued one (after defaults
    /// are applied in the container's view).
    public init(environment env: [String: String], resolvePath: (String) -> String = { $0 })
        throws(ConfigurationError)
    {
        let jobID = env["JOB_ID"].flatMap { $0.isEmpty ? nil : $0 } ?? "local"
        let workspace = env["WORKSPACE_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "/workspace"
        var checkpoint = env["CHECKPOINT_PATH"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Self.joined(workspace, "checkpoints/job_\(jobID).db")
        if checkpoint.hasSuffix("/") || !checkpoint.hasSuffix(".db") {
            checkpoint = Self.joined(checkpoint, "job_\(jobID).db")
        }
        let heartbeat = env["HEARTBEAT_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.joined(workspace, ".heartbeat")

        func number<T: LosslessStringConvertible>(_ key: String, _ fallback: T) throws(ConfigurationError) -> T {
            guard let text = env[key]?.trimmingSpaces, !text.isEmpty else { return fallback }
            guard let value = T(text) else { throw ConfigurationError("\(key): \"\(text)\" is not a number") }
            return value
        }
        let seed: UInt64 = try number("SIM_AGENT_SEED", Self.seed(forJob: jobID))
        let steps: Int = try number("SIM_AGENT_STEPS", 12)
        let faults = try FaultPlan(parsing: env["SIM_AGENT_FAIL"] ?? "", seed: seed, totalSteps: max(2, steps))
        self.init(jobID: jobID, workspacePath: resolvePath(workspace), checkpointPath: resolvePath(checkpoint),
            heartbeatPath: resolvePath(heartbeat), seed: seed, steps: steps, faults: faults,
            fatalExitCode: try number("SIM_AGENT_FATAL_CODE", Int32(42)), pace: try number("SIM_AGENT_PACE", 3.0),
            timeScale: try number("SIM_AGENT_TIME_SCALE", 1.0))
    }

    /// FNV-1a of the job id: stable across runs and platforms (`Hasher` is seeded per process).
    public static func seed(forJob jobID: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in jobID.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    static func joined(_ base: String, _ relative: String) -> String {
        base.hasSuffix("/") ? base + relative : base + "/" + relative
    }

    /// The checkpoint database's path relative to the workspace (as the trace reports it),
    /// or the full path when it lies elsewhere.
    public var checkpointDisplayPath: String {
        let prefix = workspacePath.hasSuffix("/") ? workspacePath : workspacePath + "/"
        return checkpointPath.hasPrefix(prefix) ? String(checkpointPath.dropFirst(prefix.count)) : checkpointPath
    }
}
