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

    /// `kubectl patch --type json` and `kubectl rollout undo` (which sends a JSON patch of
    /// the old ReplicaSet's template): the proxy's image changed, then rolled back to the
    /// ReplicaSet that ran it before, renumbered, as on k3s.
    @Test func aJSONPatchAndARollbackOfTheEgressProxy() async throws {
        let session = try await KubectlTests.Session()
        let install = try await ProductProcess("flightdeck").run(["manifests", "install", "-n", "fleet"])
        #expect(install.status == 0, "\(install.stderr)")
        let applied = try await session.kubectl("apply", "-f", try session.write("install.yaml", install.stdout))
        #expect(applied.status == 0, "\(applied.stderr)")
        func rolledOut() async throws {
            let rollout = try await session.kubectl("rollout", "status", "deployment/egress-proxy", "-n", "fleet",
                "--timeout=60s")
            #expect(rollout.status == 0, "\(rollout.stdout)\(rollout.stderr)")
        }
        func jsonpath(_ kind: String, _ expression: String) async throws -> String {
            try await session.kubectl("get", kind, "-n", "fleet", "-o", "jsonpath=\(expression)").stdout
        }
        try await rolledOut()
        let image = try await jsonpath("deployment/egress-proxy", "{.spec.template.spec.containers[0].image}")
        let firstRS = try await session.kubectl("get", "rs", "-n", "fleet", "-l", "app.kubernetes.io/component=egress-proxy",
            "-o", "jsonpath={.items[*].metadata.name}").stdout
        #expect(image.hasPrefix("docker.io/ubuntu/squid:"))
        #expect(firstRS.hasPrefix("egress-proxy-"), "\(firstRS)")

        // A server-side dry run shows the patched object and changes nothing.
        let dry = try await session.kubectl("patch", "deployment", "egress-proxy", "-n", "fleet", "--type", "json",
            "-p", #"[{"op":"replace","path":"/spec/replicas","value":3}]"#, "--dry-run=server", "-o",
            "jsonpath={.spec.replicas}")
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout == "3")
        #expect(try await jsonpath("deployment/egress-proxy", "{.spec.replicas}") == "1")

        // A JSON patch of the spec.
        let patched = try await session.kubectl("patch", "deployment", "egress-proxy", "-n", "fleet", "--type", "json",
            "-p", #"[{"op":"replace","path":"/spec/replicas","value":2}]"#)
        #expect(patched.status == 0, "\(patched.stderr)")
        #expect(patched.stdout == "deployment.apps/egress-proxy patched\n")
        try await rolledOut()
        #expect(try await jsonpath("deployment/egress-proxy", "{.status.readyReplicas}/{.spec.replicas} {.metadata.generation}")
            == "2/2 2")

        // One that does not apply, and one that is not a patch: kubectl's words for the
        // apiserver's 422 and 400.
        let failed = try await session.kubectl("patch", "deployment", "egress-proxy", "-n", "fleet", "--type", "json",
            "-p", #"[{"op":"test","path":"/spec/replicas","value":5},{"op":"replace","path":"/spec/replicas","value":5}]"#)
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("The request is invalid: the server rejected our request due to an error in our request"),
            "\(failed.stderr)")
        let malformed = try await session.kubectl("patch", "deployment", "egress-proxy", "-n", "fleet", "--type", "json",
            "-p", #"{"op":"replace","path":"/spec/replicas","value":5}"#)
        #expect(malformed.status != 0)
        #expect(malformed.stderr.contains(
            "Error from server (BadRequest): error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp"),
            "\(malformed.stderr)")
        #expect(try await jsonpath("deployment/egress-proxy", "{.spec.replicas}") == "2")

        // A new image is revision 2; undo brings back revision 1's ReplicaSet as revision 3.
        let setImage = try await session.kubectl("set", "image", "deployment/egress-proxy", "-n", "fleet",
            "squid=docker.io/ubuntu/squid:6.10-24.10_beta")
        #expect(setImage.status == 0, "\(setImage.stderr)")
        try await rolledOut()
        let undo = try await session.kubectl("rollout", "undo", "deployment/egress-proxy", "-n", "fleet")
        #expect(undo.status == 0, "\(undo.stderr)")
        #expect(undo.stdout == "deployment.apps/egress-proxy rolled back\n")
        try await rolledOut()
        #expect(try await jsonpath("deployment/egress-proxy", "{.spec.template.spec.containers[0].image}") == image)
        #expect(try await jsonpath("deployment/egress-proxy",
            "{.metadata.annotations.deployment\\.kubernetes\\.io/revision}") == "3")
        #expect(try await jsonpath("rs/\(firstRS)",
            "{.spec.replicas} {.metadata.annotations.deployment\\.kubernetes\\.io/revision} {.metadata.annotations.deployment\\.kubernetes\\.io/revision-history}")
            == "2 3 1")
        let sets = try await session.kubectl("get", "rs", "-n", "fleet", "-l", "app.kubernetes.io/component=egress-proxy",
            "-o", "name")
        #expect(sets.stdout.split(separator: "\n").count == 2, "\(sets.stdout)")
        let history = try await session.kubectl("rollout", "history", "deployment/egress-proxy", "-n", "fleet")
        let revisions = history.stdout.split(separator: "\n").dropFirst(2).compactMap { $0.split(separator: " ").first }
        #expect(revisions == ["2", "3"], "\(history.stdout)")
        let again = try await session.kubectl("rollout", "undo", "deployment/egress-proxy", "-n", "fleet",
            "--to-revision=3")
        #expect(again.stdout == "deployment.apps/egress-proxy skipped rollback (current template already matches revision 3)\n",
            "\(again.stdout)\(again.stderr)")
        await session.sim.stop()
    }
}
