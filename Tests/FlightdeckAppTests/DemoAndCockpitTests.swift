import AgentManifests
import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import Synchronization
import Testing

/// The demo's plain feed on the simulated cluster, what the cockpit attaches to, and what
/// `flightdeck sim` says.
@Suite(.timeLimit(.minutes(3))) struct DemoAndCockpitTests {
    final class Output: Sendable {
        let text = Mutex("")
        func write(_ more: String) { text.withLock { $0 += more } }
        var lines: [String] { text.withLock { $0 }.split(separator: "\n").map(String.init) }
    }

    @Test func thePlainDemoSubmitsItsAgentsAndFollowsThem() async throws {
        let fixture = try await SimulatedClusterFixture("flightdeck-demo-run")
        let output = Output()
        let demo = DemoRun(api: fixture.api, store: fixture.store, feed: DemoFeed(width: 300) { output.write($0) },
            server: fixture.sim.url, natsPort: nil, realAgents: false, agents: 2, seed: 7, speed: 20)
        #expect(demo.tasks.count == 2 && demo.tasks.allSatisfy { $0.image == DemoRun.simulatedImage })
        try await demo.install()
        await demo.runPlain {
            try? await eventually {
                let lines = output.lines
                return lines.filter { $0.contains("  submitted agent-") }.count == 2 && lines.contains { $0.contains(" thought ") }
            }
        }
        let lines = output.lines
        #expect(lines.first?.hasSuffix("installed: namespace agents (PodSecurity restricted), RBAC, NetworkPolicies, egress proxy, NATS") == true)
        #expect(!output.text.withLock { $0 }.contains("\u{1B}"))
        let recorded = try await fixture.store.reading { try $0.jobs(JobQuery(namespace: "agents")) }
        #expect(Set(recorded.map(\.name)) == Set(demo.tasks.map { TaskManifests.jobName($0) }))
        await fixture.stop()
    }

    @Test func theDemoSaysWhereItRunsAndWhatTheFormFillsIn() {
        let lines = DemoRun.introduction(version: "v1.31.0+k3s1", server: "https://127.0.0.1:6443", kubeconfig: "/d/kubeconfig.yaml",
            natsURL: nil, python: nil)
        #expect(lines == [
            "simulated k3s v1.31.0+k3s1 at https://127.0.0.1:6443; kubectl: export KUBECONFIG=/d/kubeconfig.yaml",
            "trace over pod logs (nats-server is not installed)",
            "agents: simulated (the agent runtime is not installed: script/bootstrap prepares it)",
        ])
        #expect(DemoRun.introduction(version: "v", server: "s", kubeconfig: "k", natsURL: "nats://127.0.0.1:4222", python: "/py")[1]
            == "trace over NATS JetStream at nats://127.0.0.1:4222")
        #expect(SimulatedClusterLaunch.banner(version: "v1.31.0+k3s1", url: "https://127.0.0.1:6443", kubeconfig: "/s/kubeconfig.yaml",
            python: nil) == """
            Simulated k3s cluster v1.31.0+k3s1 at https://127.0.0.1:6443
            kubeconfig: /s/kubeconfig.yaml
            agents: simulated

                export KUBECONFIG=/s/kubeconfig.yaml

            Ctrl-C stops it.

            """)
        #expect(SimulatedClusterLaunch.defaultDataDirectory(environment: ["XDG_STATE_HOME": "/state", "HOME": "/home/op"])
            == "/state/flightdeck/sim")
        #expect(SimulatedClusterLaunch.defaultDataDirectory(environment: ["XDG_STATE_HOME": "state", "HOME": "/home/op"])
            == "/home/op/.local/state/flightdeck/sim")
    }

    @Test func theCockpitAttachesToAContextWithItsSettings() async throws {
        let fixture = try await SimulatedClusterFixture("flightdeck-cockpit-cluster")
        var config = ManifestConfig(settings: ClusterSettings(namespace: "agents"))
        let cluster = try await CockpitCluster(connection: fixture.connection, config: config, store: fixture.store, readOnly: true)
        #expect(cluster.namespace == "agents")
        #expect(cluster.context == fixture.connection.contextName)
        #expect(cluster.server == fixture.connection.server.absoluteString)
        #expect(cluster.keeper.options.readOnly)
        #expect(cluster.keeper.options.nats == nil)
        #expect(cluster.keeper.options.durableName.hasPrefix("flightdeck"))

        config.settings.natsURL = "nats://127.0.0.1:4222"
        let withNATS = try await CockpitCluster(connection: fixture.connection, config: config, store: fixture.store, readOnly: false)
        #expect(withNATS.keeper.options.nats?.name == "flightdeck cockpit")
        config.settings.natsURL = "http://example.com"
        await #expect(throws: OperatorError("not a NATS URL: http://example.com")) {
            _ = try await CockpitCluster(connection: fixture.connection, config: config, store: fixture.store, readOnly: false)
        }
        try await cluster.keeper.closed()
        try await withNATS.keeper.closed()
        await fixture.stop()
    }
}
