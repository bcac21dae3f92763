import FlightdeckCore
import Foundation
import KubeModel
import SimAgent
import Synchronization

/// The simulated container runtime: runs each container as an in-process task whose
/// behaviour comes from `ContainerBehavior` — the simulated agent, a log shipper, a service
/// (the egress proxy, NATS), a workspace restore or snapshot, a log generator, a tiny
/// `sh -c` — writing its stdout to the container's log file and its files through the
/// container's filesystem mapping. Every wait is in simulated seconds, scaled by `timing`.
///
/// Signals: `stop(gracePeriod:)` delivers SIGTERM (the agent finishes its step and exits 143,
/// the shipper, the services and the snapshot flush and exit 0, a shell script dies with 143)
/// and cancels the task after the grace period (SIGKILL: 137).
public struct SimContainerRuntime: ContainerRuntime {
    public let timing: SimTiming
    /// Where agents listen for operator commands (`cmd.agent.<JOB_ID>`).
    public let commands: CommandBus
    public let clock: @Sendable () -> Date
    /// Connects agents to the message bus (NATS) besides their log.
    public let bus: (@Sendable (AgentBusRequest) -> AgentBusLink?)?

    public init(timing: SimTiming, commands: CommandBus, clock: @escaping @Sendable () -> Date = { Date() },
        bus: (@Sendable (AgentBusRequest) -> AgentBusLink?)? = nil)
    {
        self.timing = timing
        self.commands = commands
        self.clock = clock
        self.bus = bus
    }

    public func start(_ launch: ContainerLaunch) -> any ContainerProcess {
        let behavior = ContainerBehavior.of(launch.container, isSidecar: launch.isSidecar)
        let process = SimProcess()
        let timing = timing
        let commands = commands
        let clock = clock
        let bus = bus
        process.begin {
            await Self.run(behavior, launch, process: process, timing: timing, commands: commands, clock: clock,
                bus: bus)
        }
        return process
    }

    static func run(_ behavior: ContainerBehavior, _ launch: ContainerLaunch, process: SimProcess, timing: SimTiming,
        commands: CommandBus, clock: @escaping @Sendable () -> Date,
        bus: (@Sendable (AgentBusRequest) -> AgentBusLink?)? = nil) async -> ContainerExitStatus
    {
        let log = launch.log
        let env = launch.environment
        let jobID = env["JOB_ID"] ?? launch.podName
        switch behavior {
        case .agent:
            let filesystem = launch.filesystem
            // Making the link reads the pod's credentials file: on a thread of its own, not the pool's.
            let request = AgentBusRequest(jobID: jobID, environment: env, resolvePath: { filesystem.hostPath($0) })
            let link: AgentBusLink? = if let bus {
                await withCheckedContinuation { continuation in
                    DispatchQueue.global().async { continuation.resume(returning: bus(request)) }
                }
            } else {
                nil
            }
            let exit = await SimAgent.run(environment: env, resolvePath: launch.filesystem.hostPath,
                timeScale: timing.scale,
                sink: FanOutSink([LineSink { log.append($0) }] + [link?.sink].compactMap { $0 }),
                control: process.control,
                commands: link?.commands ?? commands, clock: clock)
            await link?.close()
            if Task.isCancelled { return .killed }
            return ContainerExitStatus(code: exit.code, oomKilled: exit.oomKilled)

        case .logShipper:
            let image = (launch.container.image ?? "").lowercased()
            let shipper = image.contains("timberio/vector") ? LogShipperBanner.vector : LogShipperBanner.fluentBit
            for line in shipper.startLines(container: launch.container, at: clock()) { log.append(line) }
            guard await process.waitForTerminate() else { return .killed }
            for line in shipper.stopLines(at: clock()) { log.append(line) }
            return ContainerExitStatus(code: 0)

        case .service(let program):
            let config = program.configPath(launch.container).flatMap {
                try? String(contentsOfFile: launch.filesystem.hostPath($0), encoding: .utf8)
            }
            if let store = program.jetStreamDirectory(config) {
                try? FileManager.default.createDirectory(atPath: launch.filesystem.hostPath(store),
                    withIntermediateDirectories: true)
            }
            for line in program.startLines(container: launch.container, config: config, podName: launch.podName,
                at: clock())
            {
                log.append(line)
            }
            guard await process.waitForTerminate() else { return .killed }
            for line in program.stopLines(container: launch.container, config: config, at: clock()) { log.append(line) }
            return ContainerExitStatus(code: 0)

        case .restore:
            let bucket = env["SNAPSHOT_BUCKET"] ?? "s3://workspaces"
            log.append("restore: looking for \(bucket)/\(jobID)/ ...")
            guard await process.sleep(seconds: 0.5, timing: timing) else { return .killed }
            let workspace = env["WORKSPACE_PATH"] ?? "/workspace"
            let real = launch.filesystem.hostPath(workspace)
            let present = (try? FileManager.default.contentsOfDirectory(atPath: real))?.isEmpty == false
            log.append(present
                ? "restore: \(workspace) already has content; keeping it"
                : "restore: no snapshot for \(jobID); starting with an empty workspace")
            return ContainerExitStatus(code: 0)

        case .snapshotSidecar:
            let bucket = env["SNAPSHOT_BUCKET"] ?? "s3://workspaces"
            let interval = Double(env["SNAPSHOT_INTERVAL_SECONDS"] ?? "") ?? 30
            let workspace = env["WORKSPACE_PATH"] ?? "/workspace"
            func sync(_ label: String) {
                let database = launch.filesystem.hostPath(workspace + "/checkpoints/job_\(jobID).db")
                let size = (try? FileManager.default.attributesOfItem(atPath: database)[.size] as? NSNumber)?.int64Value
                log.append("snapshot: \(label) checkpoints/job_\(jobID).db (\(size ?? 0) bytes) -> \(bucket)/\(jobID)/")
            }
            log.append("snapshot: syncing \(workspace) to \(bucket)/\(jobID)/ every \(Int(interval))s")
            while true {
                let terminated = await process.sleepUnlessTerminated(seconds: interval, timing: timing)
                if Task.isCancelled { return .killed }
                if terminated {
                    sync("final sync of")
                    return ContainerExitStatus(code: 0)
                }
                sync("synced")
            }

        case .logGenerator(let lines, let lineBytes):
            // A thousand lines per append: one lock, one stamp and one wake-up of followers
            // per batch, as a runtime reading a busy pipe hands the kubelet what it got.
            let generator = SyntheticLogLines(lineBytes: lineBytes)
            var next = 1
            while next <= lines {
                if Task.isCancelled { return .killed }
                if process.control.current.terminateRequested { return ContainerExitStatus(code: 143) }
                let last = min(lines, next + 999)
                log.append(generator.text(next...last))
                next = last + 1
                await Task.yield()
            }
            return ContainerExitStatus(code: 0)

        case .shell(let script):
            for step in ShellSketch(script).steps {
                switch step {
                case .print(let text): log.append(text)
                case .sleep(let seconds):
                    if await process.sleepUnlessTerminated(seconds: seconds, timing: timing) {
                        return Task.isCancelled ? .killed : ContainerExitStatus(code: 143)
                    }
                case .exit(let code): return ContainerExitStatus(code: code)
                }
            }
            return ContainerExitStatus(code: 0)
        }
    }
}

/// One simulated process: its task, its signals, its exit.
final class SimProcess: ContainerProcess {
    /// The agent's control doubles as the SIGTERM flag for every behaviour.
    let control = AgentControl()
    private let task = Mutex<Task<ContainerExitStatus, Never>?>(nil)
    private let killer = Mutex<Task<Void, Never>?>(nil)

    func begin(_ body: @escaping @Sendable () async -> ContainerExitStatus) {
        let started = Task { await body() }
        task.withLock { $0 = started }
    }

    func wait() async -> ContainerExitStatus {
        guard let task = task.withLock({ $0 }) else { return .killed }
        let status = await task.value
        killer.withLock { $0?.cancel() }
        return status
    }

    func stop(gracePeriod: Duration) {
        control.terminate()
        let target = task.withLock { $0 }
        let kill = Task {
            try? await Task.sleep(for: gracePeriod)
            if !Task.isCancelled { target?.cancel() }
        }
        killer.withLock { $0 = kill }
    }

    /// Waits for SIGTERM; `false` when killed instead.
    func waitForTerminate() async -> Bool {
        while true {
            let generation = control.changes.generation
            if control.current.terminateRequested { return !Task.isCancelled }
            if Task.isCancelled { return false }
            await control.changes.wait(after: generation)
        }
    }

    /// Sleeps; `false` when killed.
    func sleep(seconds: Double, timing: SimTiming) async -> Bool {
        try? await timing.sleep(seconds: seconds)
        return !Task.isCancelled
    }

    /// Sleeps unless SIGTERM (or SIGKILL) comes first; `true` when interrupted.
    func sleepUnlessTerminated(seconds: Double, timing: SimTiming) async -> Bool {
        let generation = control.changes.generation
        if control.current.terminateRequested { return true }
        await control.changes.wait(after: generation, timeout: timing.duration(seconds: seconds))
        return control.current.terminateRequested || Task.isCancelled
    }
}

/// What the log shipper prints, by its image: the simulation's stand-in for the program's own
/// start-up and shutdown lines. Vector (the sidecar Flightdeck deploys) says which config it
/// loads and what it tails; Fluent Bit (what it deployed before, still recognised) prints its
/// banner. Nested here because it is the runtime's business only.
extension SimContainerRuntime {
    enum LogShipperBanner {
        case vector
        case fluentBit

        func startLines(container: Container, at now: Date) -> [String] {
            switch self {
            case .vector:
                // `vector --config PATH` (or `--config=PATH`); the version from the image tag.
                let words = container.command + container.args
                var configs: [String] = []
                for (index, word) in words.enumerated() {
                    if word.hasPrefix("--config=") { configs.append(String(word.dropFirst("--config=".count))) }
                    if word == "--config" || word == "-c", index + 1 < words.count { configs.append(words[index + 1]) }
                }
                if configs.isEmpty { configs = ["/etc/vector/vector.yaml"] }
                let tag = (container.image ?? "").split(separator: ":").last.map(String.init) ?? ""
                let version = tag.split(separator: "-").first.map(String.init) ?? tag
                let stamp = Self.vectorStamp(now)
                let paths = configs.map { "\"\($0)\"" }.joined(separator: ", ")
                return [
                    "\(stamp)  INFO vector::app: Log level is enabled. level=\"info\"",
                    "\(stamp)  INFO vector::app: Loading configs. paths=[\(paths)]",
                    "\(stamp)  INFO vector::topology::running: Running healthchecks.",
                    "\(stamp)  INFO vector: Vector has started. debug=\"false\" version=\"\(version)\" arch=\"x86_64\" revision=\"\"",
                    "\(stamp)  INFO vector::app: API is disabled, enable by setting `api.enabled` to `true` and use commands like `vector top`.",
                    "\(stamp)  INFO source{component_kind=\"source\" component_id=agent_logs component_type=file}: vector::sources::file: Starting file server. include=[\"/var/log/agent/*.log\"] exclude=[]",
                    "\(stamp)  INFO vector::topology::builder: Healthcheck passed.",
                ]
            case .fluentBit:
                let stamp = Self.fluentBitStamp(now)
                return [
                    "Fluent Bit v3.1.4",
                    "* Copyright (C) 2015-2024 The Fluent Bit Authors",
                    "\(stamp) [ info] [fluent bit] version=3.1.4, commit=9d17f1d3ef, pid=1",
                    "\(stamp) [ info] [input:tail:tail.0] initializing",
                    "\(stamp) [ info] [input:tail:tail.0] storage_strategy='memory' (memory only)",
                    "\(stamp) [ info] [output:forward:forward.0] worker #0 started",
                    "\(stamp) [ info] [sp] stream processor started",
                ]
            }
        }

        func stopLines(at now: Date) -> [String] {
            switch self {
            case .vector:
                let stamp = Self.vectorStamp(now)
                return [
                    "\(stamp)  INFO vector::signal: Signal received. signal=\"SIGTERM\"",
                    "\(stamp)  INFO vector: Vector has stopped.",
                ]
            case .fluentBit:
                let stamp = Self.fluentBitStamp(now)
                return [
                    "\(stamp) [engine] caught signal (SIGTERM)",
                    "\(stamp) [ info] [input] pausing tail.0",
                    "\(stamp) [ info] [engine] service has stopped (0 pending tasks)",
                ]
            }
        }

        /// Vector's (tracing's) stamp: `2026-11-29T04:23:08.123456Z`.
        static func vectorStamp(_ date: Date) -> String {
            let text = RFC3339.string(from: date)  // 2026-11-29T04:23:08.123Z
            return text.dropLast() + "000Z"
        }

        /// Fluent Bit's stamp: `[2026/11/29 04:23:08]`.
        static func fluentBitStamp(_ date: Date) -> String {
            let text = RFC3339.string(from: date)
            return "[" + text.prefix(10).replacingOccurrences(of: "-", with: "/") + " " + text.dropFirst(11).prefix(8) + "]"
        }
    }
}
