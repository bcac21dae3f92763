import ArgumentParser
import FlightdeckApp
import Foundation
import HistoryStore
import KubeClient
import NATSAuth
import SimCluster
import SimServer

extension Flightdeck {
    /// Runs everything on the embedded simulated cluster: installs Flightdeck's bundle,
    /// submits a handful of agents (real ones on the agent runtime, else simulated) through
    /// the real submit flow, keeps a history with the reconciler, and follows the agents'
    /// traces through the API — until Ctrl-C.
    ///
    /// On a terminal it opens the cockpit; otherwise (or with `--plain`) it prints a live feed.
    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run agents on an embedded simulated k3s cluster and follow them live.",
            discussion: """
                Everything goes through the same paths as against a real cluster: HTTPS to the
                simulated API server, the submit flow, watches, log follows. While it runs,
                `kubectl` works against it (the kubeconfig is printed). Stop it with Ctrl-C.
                With the agent runtime installed (script/bootstrap), the agents are real
                LangGraph agents on a scripted model, run as local processes; otherwise they
                are simulated.
                """)

        @Option(help: "How many agents to start.") var agents: Int = 4
        @Option(name: .customLong("queue-limit"), help: "Queue the agents in one queue that runs at most this many at once (default: no queue, all start at once).")
        var queueLimit: Int?
        @Option(help: "Simulated seconds per wall second (2 runs twice as fast).") var speed: Double = 1
        @Option(help: "Seed of the agents' behaviour and the task ids.") var seed: UInt64 = 7
        @Option(help: "Stop by itself after this many seconds (default: at Ctrl-C).") var duration: Double?
        @Option(name: .customLong("data-dir"), help: "Where the demo cluster and its history live, kept afterwards (default: a fresh temporary directory, removed when the demo stops unless --keep).")
        var dataDirectory: String?
        @Flag(help: "Keep the temporary directory (the simulated cluster, its history) when the demo stops.")
        var keep = false
        @Flag(help: "Print the live feed as lines instead of opening the cockpit (the default when not on a terminal).")
        var plain = false
        @Option(help: "The cockpit's theme.") var theme: String = "dark"
        @Flag(help: "In the cockpit, clicks focus panes and select jobs, the wheel scrolls (Shift+drag then selects text).") var mouse = false
        @Flag(name: .customLong("no-nats"), help: "Carry the trace over pod logs even when nats-server is installed.")
        var noNATS = false
        @Option(name: .customLong("agent-runtime"), help: "Run real LangGraph agents (the agent runtime, with a scripted model) as local processes (python), simulated agents (sim), or python when it is installed (auto).")
        var agentRuntime: AgentRuntimeOption = .auto

        func validate() throws {
            guard (1...24).contains(agents) else { throw ValidationError("--agents must be between 1 and 24, not \(agents)") }
            guard speed > 0, speed <= 100 else { throw ValidationError("--speed must be above 0 and at most 100, not \(speed)") }
            if let queueLimit, !(1...24).contains(queueLimit) {
                throw ValidationError("--queue-limit must be between 1 and 24, not \(queueLimit)")
            }
        }

        func run() async throws {
            let python = try agentRuntime.interpreter()
            let data = URL(fileURLWithPath: dataDirectory
                ?? NSTemporaryDirectory() + "flightdeck-demo-\(getpid())")
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            // A temporary directory goes when the demo does (after everything in it stopped:
            // this runs last), unless asked to keep it; a named one always stays.
            let keepData = keep || dataDirectory != nil
            let history = data.appendingPathComponent("history.db").path
            let farewell = keepData ? "stopped; history kept in \(history)"
                : "stopped; removed \(data.path) (--keep or --data-dir keeps it)"
            defer { if !keepData { try? FileManager.default.removeItem(at: data) } }
            // The trace goes over NATS JetStream when nats-server is installed, else through pod
            // logs; NATS with JWT authorization from keys made for this demo, as an install's.
            let bus = noNATS ? nil : try BusIdentity.generate(in: data.path)
            let natsServer = noNATS ? nil : try await LocalNATSServer.startIfInstalled(
                storeDirectory: data.appendingPathComponent("nats").path, keys: bus?.keys)
            defer { natsServer?.stop() }
            let cluster: SimulatedCluster
            do {
                cluster = try await SimulatedCluster.start(.init(dataDirectory: data, timing: SimTiming(scale: 1 / speed),
                    seed: seed, bookmarkInterval: .seconds(5), natsURL: natsServer?.url, natsAuthorized: bus != nil,
                    agentRuntimePython: python))
            } catch {
                throw OperatorError("cannot start the simulated cluster in \(data.path): \(error)")
            }
            let feed = DemoFeed()
            for line in DemoRun.introduction(version: Discovery.gitVersion, server: cluster.url,
                kubeconfig: cluster.kubeconfigURL.path, natsURL: natsServer?.url, python: python)
            {
                feed.say(line)
            }
            let cockpit = !plain && isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0
            if !cockpit { feed.say("the demo's live feed, one line per event (Ctrl-C stops it; on a terminal without --plain it opens the cockpit)") }

            let connection = try KubeconfigLoader(environment: [:], homeDirectory: data.path, workingDirectory: data.path,
                k3sConfigPath: data.path + "/none", serviceAccountDirectory: data.path + "/none")
                .load(kubeconfig: cluster.kubeconfigURL.path)
            let demo = DemoRun(api: KubeAPI(connection: connection, qps: 50, burst: 100), store: try await HistoryStore.opening(path: history),
                feed: feed, server: cluster.url, natsPort: natsServer?.port, bus: natsServer == nil ? nil : bus,
                realAgents: python != nil, agents: agents, seed: seed,
                speed: speed, queueLimit: queueLimit)
            try await demo.install()

            if cockpit {
                defer { feed.say(farewell) }
                let signal = try await demo.runCockpit(theme: theme, mouse: mouse, quitAfter: duration)
                await cluster.stop()
                // (The deferred steps stop nats-server, say where history is kept, and remove a
                // temporary directory.)
                if let signal { throw ExitCode(128 + signal) }
                return
            }
            let duration = duration
            await demo.runPlain {
                if let duration { try? await Task.sleep(for: .seconds(duration)) } else { await Signals.waitForTermination() }
            }
            await cluster.stop()
            feed.say(farewell)
        }
    }
}
