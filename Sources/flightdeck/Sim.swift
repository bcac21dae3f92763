import ArgumentParser
import FlightdeckApp
import Foundation
import NATSClient
import SimCluster
import SimServer

extension Flightdeck {
    struct Sim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the embedded simulated k3s cluster headless and write a kubeconfig for kubectl.",
            discussion: """
                The cluster keeps its certificates and port in the data directory, so a kubeconfig
                written by one run keeps working after a restart. Stop it with Ctrl-C.
                """)

        @Option(name: .customLong("data-dir"), help: "Where the simulated cluster keeps its state (default: $XDG_STATE_HOME/flightdeck/sim).")
        var dataDirectory: String?

        @Option(help: "TCP port on 127.0.0.1 (default: the previous run's, else a free one).")
        var port: Int = 0

        @Option(help: "Seed for uids, names and agent behaviour (default: random).")
        var seed: UInt64?

        @Option(name: .customLong("nats-url"), help: "A NATS server the simulated agents publish their trace to and take commands from.")
        var natsURL: String?

        @Flag(name: .customLong("nats"), help: "Start a local nats-server for the agents, with JetStream and the JWT authorization an install has (its keys kept in the data directory).")
        var startNATS = false

        @Option(name: .customLong("agent-runtime"), help: "Containers of the agent runtime's image run as real local processes (python), are simulated (sim), or python when it is installed (auto).")
        var agentRuntime: AgentRuntimeOption = .auto

        @Flag(name: .customLong("plain-http"), help: "Serve plain HTTP instead of HTTPS (no client certificates).")
        var plainHTTP = false

        @Flag(name: .customLong("kueue"), help: "Serve Kueue's API (kueue.x-k8s.io/v1beta1) and run a simulated Kueue that admits labelled Jobs.")
        var kueue = false

        func validate() throws {
            if startNATS, natsURL != nil { throw ValidationError("--nats starts a server of its own: leave out --nats-url") }
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, not \(port)") }
        }

        func run() async throws {
            let data = URL(fileURLWithPath: dataDirectory ?? SimulatedClusterLaunch.defaultDataDirectory(environment: ProcessInfo.processInfo.environment))
            let python = try agentRuntime.interpreter()
            let local = startNATS ? try await SimulatedClusterLaunch.startNATS(in: data.path) : nil
            defer { local?.server.stop() }
            let natsURL = local?.server.url ?? natsURL
            let cluster: SimulatedCluster
            do {
                cluster = try await SimulatedCluster.start(.init(dataDirectory: data, port: port, useTLS: !plainHTTP, seed: seed,
                    natsURL: natsURL, natsAuthorized: local != nil, agentRuntimePython: python, kueue: kueue))
            } catch let error as SimServerError {
                throw OperatorError("\(error)")
            } catch let error as NATSError {
                throw OperatorError("cannot reach NATS at \(natsURL ?? ""): \(error)")
            } catch {
                throw OperatorError("cannot start the simulated cluster in \(data.path): \(error)")
            }
            let banner = SimulatedClusterLaunch.banner(version: Discovery.gitVersion, url: cluster.url,
                kubeconfig: cluster.kubeconfigURL.path, python: python, nats: local.map { ($0.server.url, $0.keysPath) },
                kueue: kueue)
            FileHandle.standardOutput.write(Data(banner.utf8))
            await Signals.waitForTermination()
            await cluster.stop()
        }
    }
}
