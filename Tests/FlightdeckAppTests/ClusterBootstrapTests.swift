import AgentManifests
import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import NATSAuth
import Foundation
import Testing

/// `flightdeck install --apply` against the simulated cluster: created, then unchanged, then
/// configured where the settings changed — one kubectl-like line per object.
@Suite(.timeLimit(.minutes(2))) struct ClusterBootstrapTests {
    @Test func applyingTwiceChangesNothingAndAChangedSettingIsPatched() async throws {
        let fixture = try await SimulatedClusterFixture("flightdeck-bootstrap")
        var settings = ClusterSettings(namespace: "fleet")
        // The bus keys as `flightdeck install` makes them: the same keys give the same bundle.
        let authorization = NATSAuthorization.jwt(NATSAuthorizationSettings(keys: BusKeys.generate()))
        var first: [String] = []
        try await ClusterBootstrap.apply(settings, authorization: authorization, api: fixture.api) { first.append($0) }
        #expect(first.count == InstallManifests.all(settings, natsAuthorization: authorization).count)
        #expect(first.allSatisfy { $0.hasSuffix(" created") }, "\(first)")
        #expect(first.contains("namespace/fleet created"))
        #expect(first.contains("deployment.apps/egress-proxy created"))

        var second: [String] = []
        try await ClusterBootstrap.apply(settings, authorization: authorization, api: fixture.api) { second.append($0) }
        #expect(second.allSatisfy { $0.hasSuffix(" unchanged") }, "\(second)")
        #expect(second.map { $0.replacingOccurrences(of: " unchanged", with: "") }
            == first.map { $0.replacingOccurrences(of: " created", with: "") })

        settings.egressProxy.port = 3129
        var third: [String] = []
        try await ClusterBootstrap.apply(settings, authorization: authorization, api: fixture.api) { third.append($0) }
        #expect(third.contains { $0.hasSuffix(" configured") }, "\(third)")
        #expect(!third.contains { $0.hasSuffix(" created") }, "\(third)")
        await fixture.stop()
    }

    @Test func anObjectThisClientDoesNotKnowIsOneLine() async throws {
        let fixture = try await SimulatedClusterFixture("flightdeck-bootstrap-unknown")
        let widget: JSONValue = ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w"]]
        await #expect(throws: OperatorError("cannot apply a Widget this client does not know")) {
            _ = try await ClusterBootstrap.apply(widget, api: fixture.api)
        }
        let label = try ClusterBootstrap.identify(["apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": ["name": "deny-all", "namespace": "agents"]]).label
        #expect(label == "networkpolicy.networking.k8s.io/deny-all")
        await fixture.stop()
    }
}
