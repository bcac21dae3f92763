import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import SimCluster
import SimServer
import Testing

/// The install bundle's Deployments (the egress proxy, NATS) through the real `kubectl`, as
/// an operator checks them on k3s: rolled out, listed with kubectl's columns, scaled,
/// their pods' logs read, deleted with their ReplicaSets and pods.
@Suite(.serialized, .timeLimit(.minutes(3)),
    .enabled(if: installedKubectl != nil, "kubectl is not installed (apt-get install kubectl); the compatibility tests need the real client"))
struct KubectlDeploymentTests {
    @Test func theInstallBundlesDeploymentsRollOut() async throws {
        let session = try await KubectlTests.Session()
        let install = try await ProductProcess("flightdeck").run(["manifests", "install", "-n", "fleet"])
        #expect(install.status == 0, "\(install.stderr)")
        let applied = try await session.kubectl("apply", "-f", try session.write("install.yaml", install.stdout))
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.contains("deployment.apps/egress-proxy created"))
        #expect(applied.stdout.contains("deployment.apps/nats created"))

        for deployment in ["egress-proxy", "nats"] {
            let rollout = try await session.kubectl("rollout", "status", "deployment/\(deployment)", "-n", "fleet",
                "--timeout=60s")
            #expect(rollout.status == 0, "\(rollout.stdout)\(rollout.stderr)")
            #expect(rollout.stdout.contains("deployment \"\(deployment)\" successfully rolled out"))
        }
        let deployments = try await session.kubectl("get", "deployments", "-n", "fleet")
        let deploymentRows = deployments.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(deploymentRows.first == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"])
        #expect(deploymentRows.dropFirst().map { Array($0.prefix(4)) }
            == [["egress-proxy", "1/1", "1", "1"], ["nats", "1/1", "1", "1"]], "\(deployments.stdout)")
        let replicaSets = try await session.kubectl("get", "rs", "-n", "fleet", "-l", "app.kubernetes.io/component=egress-proxy")
        let rsRows = replicaSets.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rsRows.first == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"])
        #expect(rsRows.count == 2 && rsRows[1][0].hasPrefix("egress-proxy-") && rsRows[1][1...3] == ["1", "1", "1"],
            "\(replicaSets.stdout)")

        // The proxy's log, as Squid prints it; the Deployment's events, as the controllers record them.
        let logs = try await session.kubectl("logs", "deployment/egress-proxy", "-n", "fleet")
        #expect(logs.status == 0, "\(logs.stderr)")
        #expect(logs.stdout.contains("Accepting HTTP Socket connections at conn1 local=[::]:3128"), "\(logs.stdout)")
        let describe = try await session.kubectl("describe", "deployment", "egress-proxy", "-n", "fleet")
        #expect(describe.stdout.contains("Scaled up replica set \(rsRows[1][0]) from 0 to 1"), "\(describe.stdout)")
        #expect(describe.stdout.contains("NewReplicaSetAvailable"))

        // kubectl scale goes through the scale subresource.
        let scaled = try await session.kubectl("scale", "deployment/egress-proxy", "-n", "fleet", "--replicas=2")
        #expect(scaled.status == 0, "\(scaled.stderr)")
        #expect(scaled.stdout.contains("deployment.apps/egress-proxy scaled"))
        let rescaled = try await session.kubectl("rollout", "status", "deployment/egress-proxy", "-n", "fleet",
            "--timeout=60s")
        #expect(rescaled.status == 0, "\(rescaled.stdout)\(rescaled.stderr)")
        let ready = try await session.kubectl("get", "deployment", "egress-proxy", "-n", "fleet", "-o",
            "jsonpath={.status.readyReplicas}/{.spec.replicas}")
        #expect(ready.stdout == "2/2")

        // Deleted: its ReplicaSet and pods go with it (garbage collector).
        let deleted = try await session.kubectl("delete", "deployment", "egress-proxy", "-n", "fleet")
        #expect(deleted.stdout.contains("deployment.apps \"egress-proxy\" deleted"))
        try await eventually {
            try await session.kubectl("get", "rs,pods", "-n", "fleet", "-l", "app.kubernetes.io/component=egress-proxy",
                "-o", "name").stdout.isEmpty
        }
        await session.sim.stop()
    }
}
