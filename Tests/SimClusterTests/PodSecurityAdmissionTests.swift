import FlightdeckCore
import Foundation
import KubeModel
import Testing
@testable import SimCluster

/// PodSecurity admission through the store: namespace labels decide; messages are the
/// real apiserver's, word for word.
@Suite struct PodSecurityAdmissionTests {
    func store(labels: [String: String]) throws -> APIStore {
        let store = makeStore()
        ControlPlane.installAdmission(on: store)
        _ = try store.create(["apiVersion": "v1", "kind": "Namespace",
            "metadata": ["name": "agents", "labels": .sortedStringMap(labels)]], type: .namespaces)
        return store
    }

    func pod(_ name: String, spec: JSONValue) -> JSONValue {
        ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)], "spec": spec]
    }

    let plainSpec: JSONValue = ["containers": [["name": "agent", "image": "agent:1"]]]

    /// What the restricted level asks of a pod.
    let restrictedSpec: JSONValue = [
        "securityContext": ["runAsNonRoot": true, "seccompProfile": ["type": "RuntimeDefault"]],
        "containers": [[
            "name": "agent", "image": "agent:1",
            "securityContext": ["allowPrivilegeEscalation": false, "capabilities": ["drop": ["ALL"]]],
        ]],
        "volumes": [["name": "ws", "persistentVolumeClaim": ["claimName": "ws"]], ["name": "tmp", "emptyDir": [:]]],
    ]

    @Test func restrictedRejectsAPlainPodWithTheRealMessage() throws {
        let store = try store(labels: ["pod-security.kubernetes.io/enforce": "restricted"])
        let status = thrownStatus { () throws(Status) in
            try store.create(pod("agent-x", spec: plainSpec), type: .pods, namespace: "agents")
        }
        #expect(status?.code == 403)
        #expect(status?.reason == "Forbidden")
        #expect(status?.message == #"pods "agent-x" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "agent" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "agent" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "agent" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "agent" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#)
        #expect(thrownStatus { () throws(Status) in try store.get(type: .pods, namespace: "agents", name: "agent-x") }?.code == 404)
    }

    @Test func restrictedAcceptsACompliantPod() throws {
        let store = try store(labels: ["pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/warn": "restricted"])
        let written = try store.createWithWarnings(pod("ok", spec: restrictedSpec), type: .pods, namespace: "agents")
        #expect(written.warnings.isEmpty)
        #expect(written.object[path: ["status", "phase"]] == "Pending")
    }

    @Test func sidecarsAndBaselineChecksComeFirstAndPlural() throws {
        let store = try store(labels: ["pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "v1.30"])
        var spec = restrictedSpec
        spec.setMember("initContainers", [[
            "name": "log-shipper", "image": "shipper:1", "restartPolicy": "Always",
            "securityContext": ["privileged": true, "runAsUser": 0],
        ]])
        spec.setMember("hostNetwork", true)
        var volumes = spec["volumes"]?.arrayValue ?? []
        volumes.append(["name": "host", "hostPath": ["path": "/var/run"]])
        spec.setMember("volumes", .array(volumes))
        let status = thrownStatus { () throws(Status) in
            try store.create(pod("p", spec: spec), type: .pods, namespace: "agents")
        }
        #expect(status?.message == #"pods "p" is forbidden: violates PodSecurity "restricted:v1.30": host namespaces (hostNetwork=true), privileged (container "log-shipper" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "log-shipper" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "log-shipper" must set securityContext.capabilities.drop=["ALL"]), restricted volume types (volume "host" uses restricted volume type "hostPath"), runAsUser=0 (container "log-shipper" must not set runAsUser=0)"#)
    }

    @Test func baselineAllowsWhatOnlyRestrictedForbids() throws {
        let store = try store(labels: ["pod-security.kubernetes.io/enforce": "baseline"])
        _ = try store.create(pod("plain", spec: plainSpec), type: .pods, namespace: "agents")
        let privileged: JSONValue = [
            "containers": [["name": "agent", "image": "a", "securityContext": ["privileged": true,
                "capabilities": ["add": ["NET_ADMIN", "CHOWN"]]]]],
            "volumes": [["name": "host", "hostPath": ["path": "/"]]],
        ]
        let status = thrownStatus { () throws(Status) in
            try store.create(pod("bad", spec: privileged), type: .pods, namespace: "agents")
        }
        #expect(status?.message == #"pods "bad" is forbidden: violates PodSecurity "baseline:latest": privileged (container "agent" must not set securityContext.privileged=true), non-default capabilities (container "agent" must not include "NET_ADMIN" in securityContext.capabilities.add), hostPath volumes (volume "host")"#)
    }

    @Test func workloadsOnlyWarnPerTheWarnLabel() throws {
        let warned = try store(labels: ["pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/warn": "restricted"])
        let written = try warned.createWithWarnings(agentJob("j"), type: .jobs, namespace: "agents")
        #expect(written.warnings == [#"would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "agent" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "agent" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "agent" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "agent" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#])
        #expect(written.object[path: ["metadata", "name"]] == "j")

        // Enforce alone never touches workloads (upstream: audit/warn only).
        let enforced = try store(labels: ["pod-security.kubernetes.io/enforce": "restricted"])
        #expect(try enforced.createWithWarnings(agentJob("j"), type: .jobs, namespace: "agents").warnings.isEmpty)
    }

    @Test func unlabelledAndPrivilegedNamespacesAllowEverything() throws {
        let store = try store(labels: ["pod-security.kubernetes.io/enforce": "privileged"])
        let privileged: JSONValue = ["hostPID": true,
            "containers": [["name": "agent", "image": "a", "securityContext": ["privileged": true]]]]
        #expect(try store.createWithWarnings(pod("a", spec: privileged), type: .pods, namespace: "agents").warnings.isEmpty)
        _ = try store.create(pod("b", spec: privileged), type: .pods, namespace: "default")
    }

    @Test func bindingAPodIsNotReEvaluated() throws {
        let store = try store(labels: [:])
        _ = try store.create(pod("p", spec: plainSpec), type: .pods, namespace: "agents")
        _ = try store.patch(type: .namespaces, name: "agents",
            patch: ["metadata": ["labels": ["pod-security.kubernetes.io/enforce": "restricted"]]])
        let bound = try store.patch(type: .pods, namespace: "agents", name: "p", patch: ["spec": ["nodeName": "n"]])
        #expect(bound[path: ["spec", "nodeName"]] == "n")
        // A change to what the checks read is evaluated.
        let status = thrownStatus { () throws(Status) in
            try store.patch(type: .pods, namespace: "agents", name: "p", patch: ["spec": ["hostIPC": true]])
        }
        #expect(status?.code == 403)
    }
}
