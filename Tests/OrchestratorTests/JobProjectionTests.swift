import FlightdeckCore
import KubeModel
import Orchestrator
import Testing

/// The pure projection from cluster objects to what history shows, on hand-made objects.
@Suite struct JobProjectionTests {
    func job(_ extra: JSONValue = .emptyObject, status: JSONValue = .emptyObject) -> Job {
        var json: JSONValue = [
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": ["name": "agent-7", "namespace": "agents", "uid": "u-1", "creationTimestamp": "2026-11-29T07:00:00Z"],
            "spec": ["backoffLimit": 3, "template": ["spec": ["containers": [[
                "name": "agent", "image": "ghcr.io/x/agent:1", "env": [["name": "JOB_ID", "value": "a7"]],
            ]]]]],
            "status": status,
        ]
        for member in extra.members ?? [] { json[path: ["spec", member.key]] = member.value }
        return Job(json: json)
    }

    func pod(phase: String, conditions: JSONValue = [], statuses: JSONValue = []) -> Pod {
        Pod(json: ["metadata": ["name": "agent-7-abcde", "creationTimestamp": "2026-11-29T07:00:01Z",
            "labels": ["batch.kubernetes.io/job-name": "agent-7"]],
            "spec": ["nodeName": "node-1"],
            "status": ["phase": .string(phase), "conditions": conditions, "containerStatuses": statuses]])
    }

    func warning(_ reason: String, _ message: String) -> CoreEvent {
        CoreEvent(json: ["metadata": ["name": "e1"], "type": "Warning", "reason": .string(reason), "message": .string(message),
            "involvedObject": ["kind": "Job", "name": "agent-7"]])
    }

    @Test func theAgentsJobIDComesFromItsEnvironment() {
        let projected = JobProjection.agentJob(job: job(), pods: [], claim: nil, warnings: [], context: "lab")
        #expect(projected.id == "a7")
        #expect(projected.name == "agent-7")
        #expect(projected.backoffLimit == 3)
        #expect(projected.image == "ghcr.io/x/agent:1")
        #expect(projected.status == .pending)
        #expect(projected.pendingReason == "waiting for its pod")
    }

    @Test func pendingReasonsInOrder() {
        #expect(JobProjection.agentJob(job: job(["suspend": true]), pods: [], claim: nil, warnings: [], context: nil)
            .pendingReason == "suspended")
        let rejected = JobProjection.agentJob(job: job(), pods: [], claim: nil,
            warnings: [warning("FailedCreate", "pods \"agent-7-x\" is forbidden: violates PodSecurity \"restricted:latest\": runAsNonRoot != true")],
            context: nil)
        #expect(rejected.pendingReason?.hasPrefix("cannot create its pod: pods \"agent-7-x\" is forbidden: violates PodSecurity") == true)
        let unschedulable = JobProjection.agentJob(job: job(), pods: [pod(phase: "Pending", conditions: [
            ["type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/1 nodes are available: 1 Insufficient memory."],
        ])], claim: nil, warnings: [], context: nil)
        #expect(unschedulable.pendingReason == "unschedulable: 0/1 nodes are available: 1 Insufficient memory.")
        let pulling = JobProjection.agentJob(job: job(), pods: [pod(phase: "Pending", statuses: [
            ["name": "agent", "state": ["waiting": ["reason": "ImagePullBackOff", "message": "Back-off pulling image \"x\""]]],
        ])], claim: nil, warnings: [], context: nil)
        #expect(pulling.pendingReason == "image pull (ImagePullBackOff): Back-off pulling image \"x\"")
        let unbound = JobProjection.agentJob(job: job(), pods: [pod(phase: "Pending")],
            claim: ["metadata": ["name": "workspace-agent-7"], "status": ["phase": "Pending"]], warnings: [], context: nil)
        #expect(unbound.pendingReason == "waiting for volume workspace-agent-7 to bind")
    }

    @Test func outcomesAndHostileMessages() {
        let failed = JobProjection.agentJob(job: job(status: [
            "failed": 4,
            "conditions": [["type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                "message": "boom \u{1B}[2J token=ghp_abcdefghijklmnopqrstuvwxyz0123456789", "lastTransitionTime": "2026-11-29T07:05:00Z"]],
        ]), pods: [], claim: nil, warnings: [], context: nil)
        #expect(failed.status == .failed)
        #expect(failed.retries == 4)
        #expect(failed.finishedAt != nil)
        let reason = failed.pendingReason ?? ""
        #expect(reason.hasPrefix("BackoffLimitExceeded: boom"))
        #expect(!reason.contains("\u{1B}"), "no escape reaches the terminal")
        #expect(!reason.contains("ghp_abcdefghijklmnopqrstuvwxyz0123456789"), "the token is redacted")
        let running = JobProjection.agentJob(job: job(status: ["active": 1, "ready": 1]),
            pods: [pod(phase: "Running")], claim: nil, warnings: [], context: nil)
        #expect(running.status == .running)
        #expect(running.node == "node-1")
        #expect(running.pendingReason == nil)
    }
}
