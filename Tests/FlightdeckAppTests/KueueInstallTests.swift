import AgentManifests
import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeClient
import KubeModel
import SimCluster
import SimServer
import Testing

/// `flightdeck install --apply` and Kueue: the queues' Kueue objects are applied when the
/// cluster serves Kueue, and nothing is when it does not.
@Suite(.timeLimit(.minutes(2))) struct KueueInstallTests {
    static func queues() throws -> QueueConfiguration {
        try ManifestConfig.parse("""
            queues:
              - name: homelab
                limit: 2
            """, file: "/c/config.yaml").queues
    }

    static func withSim(kueue: Bool, _ body: (KubeAPI) async throws -> Void) async throws {
        let directory = TemporaryDirectory("flightdeck-kueue-install")
        let sim = try await SimulatedCluster.start(.init(dataDirectory: URL(fileURLWithPath: directory.file("data")),
            timing: SimTiming(scale: 0.02), kueue: kueue))
        do {
            let connection = try SimulatedClusterFixture.loader(home: directory.path).load(kubeconfig: sim.kubeconfigURL.path)
            try await body(KubeAPI(connection: connection))
        } catch {
            await sim.stop()
            throw error
        }
        await sim.stop()
    }

    @Test func appliedWhenTheClusterHasKueueThenUnchanged() async throws {
        try await Self.withSim(kueue: true) { api in
            var lines: [String] = []
            let applied = try await ClusterBootstrap.applyKueue(try Self.queues(), settings: ClusterSettings(), api: api) {
                lines.append($0)
            }
            #expect(applied)
            #expect(lines == [
                "resourceflavor.kueue.x-k8s.io/flightdeck created",
                "workloadpriorityclass.kueue.x-k8s.io/flightdeck-high created",
                "workloadpriorityclass.kueue.x-k8s.io/flightdeck-normal created",
                "workloadpriorityclass.kueue.x-k8s.io/flightdeck-low created",
                "clusterqueue.kueue.x-k8s.io/flightdeck-homelab created",
                "localqueue.kueue.x-k8s.io/homelab created",
            ])
            var again: [String] = []
            try await ClusterBootstrap.applyKueue(try Self.queues(), settings: ClusterSettings(), api: api) { again.append($0) }
            #expect(again.allSatisfy { $0.hasSuffix(" unchanged") }, "\(again)")
        }
    }

    @Test func nothingWithoutKueueOrWithoutQueues() async throws {
        try await Self.withSim(kueue: false) { api in
            var lines: [String] = []
            let applied = try await ClusterBootstrap.applyKueue(try Self.queues(), settings: ClusterSettings(), api: api) {
                lines.append($0)
            }
            #expect(!applied && lines.isEmpty)
        }
        try await Self.withSim(kueue: true) { api in
            let applied = try await ClusterBootstrap.applyKueue(QueueConfiguration(), settings: ClusterSettings(), api: api) { _ in }
            #expect(!applied)
        }
    }

    @Test func theSimsBannerSaysKueueIsServed() {
        let banner = SimulatedClusterLaunch.banner(version: "v1.31.4+k3s1", url: "https://127.0.0.1:6443",
            kubeconfig: "/s/kubeconfig.yaml", python: nil, kueue: true)
        #expect(banner.contains("Kueue: kueue.x-k8s.io/v1beta1 served"))
        #expect(!SimulatedClusterLaunch.banner(version: "v1", url: "u", kubeconfig: "k", python: nil).contains("Kueue"))
    }
}
