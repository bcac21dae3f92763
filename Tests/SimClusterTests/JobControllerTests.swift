import FlightdeckCore
import Foundation
import KubeModel
import Testing
@testable import SimCluster

/// The Job controller through the store, with the test playing the kubelet.
@Suite(.timeLimit(.minutes(3))) struct JobControllerTests {
    @Test func successCreatesOneTrackedPodThenCompletes() async throws {
        try await withControlPlane { store, _ in
            let job = try store.create(agentJob("a"), type: .jobs, namespace: "default")
            let uid = try #require(job[path: ["metadata", "uid"]]?.stringValue)
            #expect(job[path: ["spec", "selector"]] == ["matchLabels": ["batch.kubernetes.io/controller-uid": .string(uid)]])
            #expect(job[path: ["spec", "backoffLimit"]] == 6)
            let pod = try await eventually { jobPods(store, job: "a").first }
            let podName = name(pod)
            #expect(podName.hasPrefix("a-") && podName.count == 7)
            #expect(pod[path: ["metadata", "generateName"]] == "a-")
            #expect(pod[path: ["metadata", "labels"]] == [
                "batch.kubernetes.io/controller-uid": .string(uid), "batch.kubernetes.io/job-name": "a",
                "controller-uid": .string(uid), "job-name": "a",
            ])
            #expect(pod[path: ["metadata", "finalizers"]] == ["batch.kubernetes.io/job-tracking"])
            #expect(pod[path: ["metadata", "ownerReferences"]] == [[
                "apiVersion": "batch/v1", "kind": "Job", "name": "a", "uid": .string(uid), "controller": true,
                "blockOwnerDeletion": true,
            ]])
            try await eventually { hasEvent(store, "a", "SuccessfulCreate", "Created pod: \(podName)") }
            try await eventually { fetch(store, .jobs, "default", "a")?[path: ["status", "active"]] == 1 }

            try finishPod(store, podName, exitCode: 0)
            let done = try await eventually { () -> JSONValue? in
                let job = fetch(store, .jobs, "default", "a")
                return job.map(Job.init(json:))?.isFinished == true ? job : nil
            }
            #expect(conditionTypes(done) == ["SuccessCriteriaMet", "Complete"])
            #expect(condition(done, "Complete")?["reason"] == "CompletionsReached")
            #expect(done[path: ["status", "succeeded"]] == 1)
            #expect(done[path: ["status", "active"]] == nil)
            #expect(done[path: ["status", "uncountedTerminatedPods"]] == .emptyObject)
            #expect(done[path: ["status", "completionTime"]] != nil)
            #expect(fetch(store, .pods, "default", podName)?[path: ["metadata", "finalizers"]] == nil)
            try await eventually { hasEvent(store, "a", "Completed", "Job completed") }
            #expect(jobPods(store, job: "a").count == 1)
        }
    }

    @Test func failuresAreRetriedWithDoublingBackoffUntilTheLimit() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(agentJob("b", spec: ["backoffLimit": 2]), type: .jobs, namespace: "default")
            var finishedAt: [Date] = []
            for attempt in 0..<3 {
                let pod = try await eventually { () -> JSONValue? in
                    let pods = jobPods(store, job: "b")
                    return pods.count == attempt + 1 ? pods.last : nil
                }
                if attempt > 0 {
                    // The replacement waited 10 s, then 20 s (simulated) after the last failure.
                    let created = try #require(date(pod[path: ["metadata", "creationTimestamp"]]))
                    let waited = created.timeIntervalSince(finishedAt[attempt - 1])
                    #expect(waited >= JobController.backoffSeconds(failures: attempt), "attempt \(attempt)")
                }
                try finishPod(store, name(pod), exitCode: 1)
                finishedAt.append(try #require(date(fetch(store, .pods, "default", name(pod))?[path:
                    ["status", "containerStatuses"]]?[0]?[path: ["state", "terminated", "finishedAt"]])))
            }
            let failed = try await eventually { () -> JSONValue? in
                let job = fetch(store, .jobs, "default", "b")
                return condition(job ?? .null, "Failed") != nil ? job : nil
            }
            #expect(conditionTypes(failed) == ["FailureTarget", "Failed"])
            #expect(condition(failed, "Failed")?["reason"] == "BackoffLimitExceeded")
            #expect(condition(failed, "Failed")?["message"] == "Job has reached the specified backoff limit")
            #expect(failed[path: ["status", "failed"]] == 3)
            #expect(failed[path: ["status", "completionTime"]] == nil)
            #expect(jobPods(store, job: "b").count == 3)
            try await eventually { hasEvent(store, "b", "BackoffLimitExceeded", "Job has reached the specified backoff limit") }
        }
        #expect(JobController.backoffSeconds(failures: 1) == 10)
        #expect(JobController.backoffSeconds(failures: 3) == 40)
        #expect(JobController.backoffSeconds(failures: 20) == 360)
    }

    @Test func podFailurePolicyFailJobEndsTheJobAtOnce() async throws {
        try await withControlPlane { store, _ in
            let policy: JSONValue = ["rules": [
                ["action": "FailJob", "onExitCodes": ["containerName": "agent", "operator": "In", "values": [42]]],
                ["action": "Ignore", "onPodConditions": [["type": "DisruptionTarget", "status": "True"]]],
            ]]
            _ = try store.create(agentJob("c", spec: ["podFailurePolicy": policy]), type: .jobs, namespace: "default")
            let pod = try await eventually { jobPods(store, job: "c").first }
            try finishPod(store, name(pod), exitCode: 42)
            let failed = try await eventually { () -> JSONValue? in
                let job = fetch(store, .jobs, "default", "c")
                return condition(job ?? .null, "Failed") != nil ? job : nil
            }
            let message = "Container agent for pod default/\(name(pod)) failed with exit code 42 matching FailJob rule at index 0"
            #expect(condition(failed, "Failed")?["reason"] == "PodFailurePolicy")
            #expect(condition(failed, "Failed")?["message"] == .string(message))
            #expect(condition(failed, "FailureTarget")?["message"] == .string(message))
            #expect(failed[path: ["status", "failed"]] == 1)
            #expect(jobPods(store, job: "c").count == 1)
            try await eventually { hasEvent(store, "c", "PodFailurePolicy", message) }
        }
    }

    @Test func podFailurePolicyIgnoreReplacesWithoutCounting() async throws {
        try await withControlPlane { store, _ in
            let policy: JSONValue = ["rules": [
                ["action": "Ignore", "onPodConditions": [["type": "DisruptionTarget", "status": "True"]]],
            ]]
            _ = try store.create(agentJob("d", spec: ["podFailurePolicy": policy, "backoffLimit": 0]), type: .jobs,
                namespace: "default")
            let first = try await eventually { jobPods(store, job: "d").first }
            try finishPod(store, name(first), exitCode: 137, conditions: [[
                "type": "DisruptionTarget", "status": "True", "reason": "EvictionByEvictionAPI",
            ]])
            let second = try await eventually { () -> JSONValue? in
                let pods = jobPods(store, job: "d")
                return pods.count == 2 ? Optional(pods[1]) : nil
            }
            let job = try #require(fetch(store, .jobs, "default", "d"))
            #expect(job[path: ["status", "failed"]] == nil)
            #expect(!Job(json: job).isFinished)
            // An ordinary failure still counts (and, with backoffLimit 0, fails the Job).
            try finishPod(store, name(second), exitCode: 1)
            try await eventually { condition(fetch(store, .jobs, "default", "d") ?? .null, "Failed") != nil }
        }
    }

    @Test func suspendDeletesPodsAndResumeResetsStartTime() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(agentJob("e", spec: ["suspend": true]), type: .jobs, namespace: "default")
            let suspended = try await eventually { () -> JSONValue? in
                let job = fetch(store, .jobs, "default", "e")
                return condition(job ?? .null, "Suspended")?["status"] == "True" ? job : nil
            }
            #expect(condition(suspended, "Suspended")?["reason"] == "JobSuspended")
            #expect(suspended[path: ["status", "startTime"]] == nil)
            #expect(jobPods(store, job: "e").isEmpty)
            try await eventually { hasEvent(store, "e", "Suspended", "Job suspended") }

            _ = try store.patch(type: .jobs, namespace: "default", name: "e", patch: ["spec": ["suspend": false]])
            let pod = try await eventually { jobPods(store, job: "e").first }
            let resumed = try await eventually { () -> JSONValue? in
                let job = fetch(store, .jobs, "default", "e")
                return condition(job ?? .null, "Suspended")?["status"] == "False" ? job : nil
            }
            #expect(condition(resumed, "Suspended")?["reason"] == "JobResumed")
            let start = try #require(date(resumed[path: ["status", "startTime"]]))
            #expect(start >= date(suspended[path: ["metadata", "creationTimestamp"]])!)
            try await eventually { hasEvent(store, "e", "Resumed", "Job resumed") }

            // Suspending a running Job deletes its pod.
            _ = try store.patch(type: .jobs, namespace: "default", name: "e", patch: ["spec": ["suspend": true]])
            try await eventually { fetch(store, .pods, "default", name(pod)) == nil }
            try await eventually { hasEvent(store, "e", "SuccessfulDelete", "Deleted pod: \(name(pod))") }
            #expect(jobPods(store, job: "e").isEmpty)
        }
    }

    @Test func activeDeadlineFailsTheJobAndDeletesItsPod() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(agentJob("f", spec: ["activeDeadlineSeconds": 30]), type: .jobs, namespace: "default")
            let pod = try await eventually { jobPods(store, job: "f").first }
            let failed = try await eventually { () -> JSONValue? in
                let job = fetch(store, .jobs, "default", "f")
                return condition(job ?? .null, "Failed") != nil ? job : nil
            }
            #expect(condition(failed, "Failed")?["reason"] == "DeadlineExceeded")
            #expect(condition(failed, "Failed")?["message"] == "Job was active longer than specified deadline")
            let start = try #require(date(failed[path: ["status", "startTime"]]))
            let end = try #require(date(condition(failed, "Failed")?["lastTransitionTime"]))
            #expect(end.timeIntervalSince(start) >= 30)
            #expect(fetch(store, .pods, "default", name(pod)) == nil)
            try await eventually { hasEvent(store, "f", "DeadlineExceeded", "Job was active longer than specified deadline") }
        }
    }

    @Test func podSecurityRejectionIsAFailedCreateEvent() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "agents",
                "labels": ["pod-security.kubernetes.io/enforce": "restricted"]]], type: .namespaces)
            var job = agentJob("g")
            job[path: ["metadata", "namespace"]] = "agents"
            _ = try store.create(job, type: .jobs, namespace: "agents")
            let event = try await eventually { eventsAbout(store, "g", in: "agents").first { $0.reason == "FailedCreate" } }
            #expect(event.message.hasPrefix("Error creating: pods \"g-"))
            #expect(event.message.hasSuffix(#"is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "agent" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "agent" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "agent" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "agent" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#))
            #expect(jobPods(store, "agents", job: "g").isEmpty)
        }
    }

    @Test func ttlDeletesTheFinishedJobAndItsPods() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(agentJob("h", spec: ["ttlSecondsAfterFinished": 5]), type: .jobs, namespace: "default")
            let pod = try await eventually { jobPods(store, job: "h").first }
            try finishPod(store, name(pod), exitCode: 0)
            try await eventually { fetch(store, .jobs, "default", "h") == nil }
            try await eventually { fetch(store, .pods, "default", name(pod)) == nil }
            #expect(store.propagationPolicy(type: .jobs, namespace: "default", name: "h") == .background)
        }
    }
}
