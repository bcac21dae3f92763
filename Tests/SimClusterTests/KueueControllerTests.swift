import FlightdeckCore
import Foundation
import KubeModel
import Testing
@testable import SimCluster

/// The sim's Kueue through the store, with the test playing the kubelet (pods stay Pending
/// until `finishPod`), so which Job runs when is decided by the controller alone.
@Suite(.timeLimit(.minutes(3))) struct KueueControllerTests {
    /// A control plane with Kueue, and a `default-flavor` ResourceFlavor, the three priority
    /// classes, ClusterQueue `homelab` (`pods` quota, StrictFIFO) and LocalQueue `homelab` in
    /// `default`.
    static func withKueue(pods: Int = 2, _ body: (APIStore) async throws -> Void) async throws {
        let clock = SimClock(start: Date(timeIntervalSince1970: 1_780_000_000), timing: fastTiming)
        let store = APIStore(configuration: APIStoreConfiguration(historyLimit: 5000, watchBufferSize: 1000,
            clock: clock.closure, seed: 11))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flightdeck-kueue-\(UUID().uuidString)")
        let controlPlane = ControlPlane(store: store, configuration: ControlPlane.Configuration(
            dataDirectory: directory, timing: fastTiming, kueue: true))
        controlPlane.start()
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            _ = try store.create(["apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "ResourceFlavor",
                "metadata": ["name": "default-flavor"]], type: .resourceFlavors)
            for (name, value) in [("flightdeck-high", 300), ("flightdeck-normal", 200), ("flightdeck-low", 100)] {
                _ = try store.create(["apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "WorkloadPriorityClass",
                    "metadata": ["name": .string(name)], "value": .integer(Int64(value))], type: .workloadPriorityClasses)
            }
            _ = try store.create(clusterQueue("homelab", pods: pods), type: .clusterQueues)
            _ = try store.create(localQueue("homelab", clusterQueue: "homelab"), type: .localQueues, namespace: "default")
            try await body(store)
            await controlPlane.stop()
        } catch {
            await controlPlane.stop()
            throw error
        }
    }

    static func clusterQueue(_ name: String, pods: Int) -> JSONValue {
        ["apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "ClusterQueue", "metadata": ["name": .string(name)],
            "spec": [
                "namespaceSelector": .emptyObject, "queueingStrategy": "StrictFIFO",
                "resourceGroups": [[
                    "coveredResources": ["pods", "cpu", "memory"],
                    "flavors": [["name": "default-flavor", "resources": [
                        ["name": "pods", "nominalQuota": .integer(Int64(pods))],
                        ["name": "cpu", "nominalQuota": "100"], ["name": "memory", "nominalQuota": "1Ti"],
                    ]]],
                ]],
            ]]
    }

    static func localQueue(_ name: String, clusterQueue: String) -> JSONValue {
        ["apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "LocalQueue",
            "metadata": ["name": .string(name), "namespace": "default"], "spec": ["clusterQueue": .string(clusterQueue)]]
    }

    /// A suspended Job in `queue` with `priority` (a class name), as Flightdeck's submit leaves it.
    static func queuedJob(_ name: String, queue: String = "homelab", priority: String? = "flightdeck-normal") -> JSONValue {
        var job = agentJob(name, spec: ["suspend": true],
            podSpec: ["containers": [["name": "agent", "image": "agent:1",
                "resources": ["requests": ["cpu": "500m", "memory": "256Mi"]]]]])
        var labels: JSONValue = ["kueue.x-k8s.io/queue-name": .string(queue)]
        if let priority { labels.setMember("kueue.x-k8s.io/priority-class", .string(priority)) }
        job[path: ["metadata", "labels"]] = labels
        return job
    }

    static func workload(_ store: APIStore, job: String) -> JSONValue? {
        guard let uid = uid(fetch(store, .jobs, "default", job)) else { return nil }
        let list = try? store.list(type: .workloads, namespace: "default",
            options: ListOptions(labelSelector: "kueue.x-k8s.io/job-uid=\(uid)"))
        return list?["items"]?.arrayValue?.first
    }

    static func isRunning(_ store: APIStore, _ job: String) -> Bool {
        fetch(store, .jobs, "default", job)?[path: ["spec", "suspend"]] == false
    }

    @Test func createsAWorkloadShapedLikeKueues() async throws {
        try await Self.withKueue { store in
            let job = try store.create(Self.queuedJob("a", priority: "flightdeck-high"), type: .jobs, namespace: "default")
            let jobUID = try #require(uid(job))
            let workload = try await eventually { Self.workload(store, job: "a") }
            let name = try #require(workload[path: ["metadata", "name"]]?.stringValue)
            #expect(name.hasPrefix("job-a-") && name.count == "job-a-".count + 5)
            #expect(workload[path: ["metadata", "ownerReferences"]] == [[
                "apiVersion": "batch/v1", "kind": "Job", "name": "a", "uid": .string(jobUID), "controller": true,
                "blockOwnerDeletion": true,
            ]])
            #expect(workload[path: ["spec", "queueName"]] == "homelab")
            #expect(workload[path: ["spec", "priority"]] == 300)
            #expect(workload[path: ["spec", "priorityClassName"]] == "flightdeck-high")
            #expect(workload[path: ["spec", "priorityClassSource"]] == "kueue.x-k8s.io/workloadpriorityclass")
            let podSet = try #require(workload[path: ["spec", "podSets"]]?.arrayValue?.first)
            #expect(podSet["name"] == "main")
            #expect(podSet["count"] == 1)
            #expect(podSet[path: ["template", "spec", "containers"]] == job[path: ["spec", "template", "spec", "containers"]])
            try await eventually { hasEvent(store, "a", "CreatedWorkload", "Created Workload: default/\(name)") }
        }
    }

    @Test func jobWithoutPriorityClassGetsPriorityZero() async throws {
        try await Self.withKueue { store in
            _ = try store.create(Self.queuedJob("plain", priority: nil), type: .jobs, namespace: "default")
            let workload = try await eventually { Self.workload(store, job: "plain") }
            #expect(workload[path: ["spec", "priority"]] == 0)
            #expect(workload[path: ["spec", "priorityClassName"]] == nil)
        }
    }

    /// Quota of two pods, three Jobs: two admitted and started, the third pending with
    /// Kueue's message; finishing one admits the third.
    @Test func admitsWithinQuotaAndFinishingFreesIt() async throws {
        try await Self.withKueue { store in
            for name in ["a", "b", "c"] {
                _ = try store.create(Self.queuedJob(name), type: .jobs, namespace: "default")
                // Distinct creation times (seconds) for the Workloads: FIFO order is theirs.
                try await Task.sleep(for: .milliseconds(20))
            }
            try await eventually { Self.isRunning(store, "a") && Self.isRunning(store, "b") }
            let pending = try await eventually {
                matching(Self.workload(store, job: "c")) { condition($0, "QuotaReserved")?["reason"] == "Pending" }
            }
            #expect(!Self.isRunning(store, "c"))
            #expect(condition(pending, "QuotaReserved")?["status"] == "False")
            #expect(condition(pending, "QuotaReserved")?["message"]
                == "couldn't assign flavors to pod set main: insufficient unused quota for pods in flavor default-flavor, 1 more needed")

            let admitted = try #require(Self.workload(store, job: "a"))
            #expect(condition(admitted, "QuotaReserved")?["status"] == "True")
            #expect(condition(admitted, "QuotaReserved")?["reason"] == "QuotaReserved")
            #expect(condition(admitted, "QuotaReserved")?["message"] == "Quota reserved in ClusterQueue homelab")
            #expect(condition(admitted, "Admitted")?["status"] == "True")
            #expect(condition(admitted, "Admitted")?["reason"] == "Admitted")
            #expect(condition(admitted, "Admitted")?["lastTransitionTime"]?.stringValue != nil)
            #expect(admitted[path: ["status", "admission"]] == [
                "clusterQueue": "homelab",
                "podSetAssignments": [[
                    "name": "main",
                    "flavors": ["cpu": "default-flavor", "memory": "default-flavor", "pods": "default-flavor"],
                    "resourceUsage": ["cpu": "500m", "memory": "256Mi", "pods": "1"],
                    "count": 1,
                ]],
            ])

            let cq = try await eventually {
                matching(fetch(store, .clusterQueues, nil, "homelab")) { $0[path: ["status", "pendingWorkloads"]] == 1 }
            }
            #expect(cq[path: ["status", "reservingWorkloads"]] == 2)
            #expect(cq[path: ["status", "admittedWorkloads"]] == 2)
            let usage = cq[path: ["status", "flavorsUsage"]]?.arrayValue?.first
            #expect(usage?["name"] == "default-flavor")
            #expect(usage?["resources"]?.arrayValue?.first { $0["name"] == "pods" }?["total"] == "2")
            let lq = try await eventually {
                matching(fetch(store, .localQueues, "default", "homelab")) { $0[path: ["status", "pendingWorkloads"]] == 1 }
            }
            #expect(lq[path: ["status", "admittedWorkloads"]] == 2)

            // a finishes: its Workload is Finished and c takes its place.
            let pod = try await eventually { jobPods(store, job: "a").first }
            try finishPod(store, name(pod), exitCode: 0)
            let finished = try await eventually {
                matching(Self.workload(store, job: "a")) { condition($0, "Finished")?["status"] == "True" }
            }
            #expect(condition(finished, "Finished")?["reason"] == "Succeeded")
            try await eventually { Self.isRunning(store, "c") }
        }
    }

    @Test func higherPriorityGoesFirstAndAPriorityChangeFollowsTheLabel() async throws {
        try await Self.withKueue(pods: 1) { store in
            _ = try store.create(Self.queuedJob("first"), type: .jobs, namespace: "default")
            try await eventually { Self.isRunning(store, "first") }
            _ = try store.create(Self.queuedJob("low", priority: "flightdeck-low"), type: .jobs, namespace: "default")
            try await Task.sleep(for: .milliseconds(20))
            _ = try store.create(Self.queuedJob("normal", priority: "flightdeck-normal"), type: .jobs, namespace: "default")
            _ = try await eventually { matching(Self.workload(store, job: "normal")) { _ in true } }
            _ = try await eventually { matching(Self.workload(store, job: "low")) { _ in true } }

            // Raising low above normal while it waits updates its Workload's priority.
            _ = try store.patch(type: .jobs, namespace: "default", name: "low",
                patch: ["metadata": ["labels": ["kueue.x-k8s.io/priority-class": "flightdeck-high"]]])
            try await eventually { Self.workload(store, job: "low")?[path: ["spec", "priority"]] == 300 }
            #expect(Self.workload(store, job: "low")?[path: ["spec", "priorityClassName"]] == "flightdeck-high")

            let pod = try await eventually { jobPods(store, job: "first").first }
            try finishPod(store, name(pod), exitCode: 0)
            try await eventually { Self.isRunning(store, "low") }
            #expect(!Self.isRunning(store, "normal"))
        }
    }

    @Test func inadmissibleWorkloadsSayWhy() async throws {
        try await Self.withKueue { store in
            _ = try store.create(Self.queuedJob("lost", queue: "nowhere"), type: .jobs, namespace: "default")
            let lost = try await eventually {
                matching(Self.workload(store, job: "lost")) { condition($0, "QuotaReserved") != nil }
            }
            #expect(condition(lost, "QuotaReserved")?["status"] == "False")
            #expect(condition(lost, "QuotaReserved")?["reason"] == "Inadmissible")
            #expect(condition(lost, "QuotaReserved")?["message"] == "LocalQueue nowhere doesn't exist")

            _ = try store.create(Self.localQueue("orphan", clusterQueue: "missing"), type: .localQueues, namespace: "default")
            _ = try store.create(Self.queuedJob("stray", queue: "orphan"), type: .jobs, namespace: "default")
            try await eventually {
                condition(Self.workload(store, job: "stray") ?? .null, "QuotaReserved")?["message"]
                    == "ClusterQueue missing doesn't exist"
            }

            // Relabelling the waiting Job moves its Workload to a queue that exists.
            _ = try store.patch(type: .jobs, namespace: "default", name: "lost",
                patch: ["metadata": ["labels": ["kueue.x-k8s.io/queue-name": "homelab"]]])
            try await eventually { Self.isRunning(store, "lost") }
            #expect(Self.workload(store, job: "lost")?[path: ["spec", "queueName"]] == "homelab")
            #expect(!Self.isRunning(store, "stray"))
        }
    }

    @Test func garbageCollectorDeletesTheWorkloadOfADeletedJob() async throws {
        try await Self.withKueue { store in
            _ = try store.create(Self.queuedJob("gone"), type: .jobs, namespace: "default")
            let workload = try await eventually { Self.workload(store, job: "gone") }
            let workloadName = try #require(workload[path: ["metadata", "name"]]?.stringValue)
            _ = try store.delete(type: .jobs, namespace: "default", name: "gone",
                options: DeleteOptions(propagationPolicy: .background))
            try await eventually { fetch(store, .workloads, "default", workloadName) == nil }
        }
    }

    /// A ClusterQueue naming a flavor that does not exist is inactive, and says so; so does a
    /// Workload from a namespace its selector does not admit.
    @Test func inactiveClusterQueueAndForeignNamespace() async throws {
        try await Self.withKueue { store in
            var broken = Self.clusterQueue("broken", pods: 1)
            broken[path: ["spec", "resourceGroups"]] = [[
                "coveredResources": ["pods"],
                "flavors": [["name": "no-such-flavor", "resources": [["name": "pods", "nominalQuota": 1]]]],
            ]]
            _ = try store.create(broken, type: .clusterQueues)
            _ = try store.create(Self.localQueue("broken", clusterQueue: "broken"), type: .localQueues, namespace: "default")
            _ = try store.create(Self.queuedJob("blocked", queue: "broken"), type: .jobs, namespace: "default")
            try await eventually {
                condition(Self.workload(store, job: "blocked") ?? .null, "QuotaReserved")?["message"]
                    == "ClusterQueue broken is inactive"
            }
            let cq = try await eventually {
                matching(fetch(store, .clusterQueues, nil, "broken")) { condition($0, "Active") != nil }
            }
            #expect(condition(cq, "Active")?["status"] == "False")
            #expect(condition(cq, "Active")?["reason"] == "FlavorNotFound")

            var picky = Self.clusterQueue("picky", pods: 1)
            picky[path: ["spec", "namespaceSelector"]] = ["matchLabels": ["kubernetes.io/metadata.name": "elsewhere"]]
            _ = try store.create(picky, type: .clusterQueues)
            _ = try store.create(Self.localQueue("picky", clusterQueue: "picky"), type: .localQueues, namespace: "default")
            _ = try store.create(Self.queuedJob("foreign", queue: "picky"), type: .jobs, namespace: "default")
            try await eventually {
                condition(Self.workload(store, job: "foreign") ?? .null, "QuotaReserved")?["message"]
                    == "Workload namespace doesn't match ClusterQueue selector"
            }
            #expect(!Self.isRunning(store, "blocked") && !Self.isRunning(store, "foreign"))
        }
    }

    /// A labelled Job that starts unsuspended runs only once admitted: Kueue suspends it,
    /// then starts it with its flavor's node labels as node selector.
    @Test func anUnsuspendedJobWaitsForAdmissionAndGetsTheFlavorsNodeLabels() async throws {
        try await Self.withKueue(pods: 1) { store in
            _ = try store.create(["apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "ResourceFlavor",
                "metadata": ["name": "labelled"], "spec": ["nodeLabels": ["flightdeck.dev/pool": "agents"]]],
                type: .resourceFlavors)
            var queue = Self.clusterQueue("pool", pods: 1)
            queue[path: ["spec", "resourceGroups"]] = [[
                "coveredResources": ["pods", "cpu", "memory"],
                "flavors": [["name": "labelled", "resources": [
                    ["name": "pods", "nominalQuota": 1], ["name": "cpu", "nominalQuota": "8"],
                    ["name": "memory", "nominalQuota": "8Gi"],
                ]]],
            ]]
            _ = try store.create(queue, type: .clusterQueues)
            _ = try store.create(Self.localQueue("pool", clusterQueue: "pool"), type: .localQueues, namespace: "default")
            var holder = Self.queuedJob("holder", queue: "pool")
            holder[path: ["spec", "backoffLimit"]] = 0
            _ = try store.create(holder, type: .jobs, namespace: "default")
            try await eventually { Self.isRunning(store, "holder") }
            let started = try #require(fetch(store, .jobs, "default", "holder"))
            #expect(started[path: ["spec", "template", "spec", "nodeSelector"]] == ["flightdeck.dev/pool": "agents"])

            var eager = Self.queuedJob("eager", queue: "pool")
            eager[path: ["spec", "suspend"]] = false
            _ = try store.create(eager, type: .jobs, namespace: "default")
            try await eventually { fetch(store, .jobs, "default", "eager")?[path: ["spec", "suspend"]] == true }
            try await eventually { hasEvent(store, "eager", "Stopped", "Not admitted by cluster queue") }

            // The holder fails: its Workload finishes as Failed and the eager Job is started.
            let pod = try await eventually { jobPods(store, job: "holder").first }
            try finishPod(store, name(pod), exitCode: 1)
            let finished = try await eventually {
                matching(Self.workload(store, job: "holder")) { condition($0, "Finished")?["status"] == "True" }
            }
            #expect(condition(finished, "Finished")?["reason"] == "Failed")
            try await eventually { Self.isRunning(store, "eager") }
        }
    }

    @Test func bestEffortFIFOLetsASmallerWorkloadPass() async throws {
        try await Self.withKueue { store in
            var queue = Self.clusterQueue("effort", pods: 3)
            queue[path: ["spec", "queueingStrategy"]] = "BestEffortFIFO"
            queue[path: ["spec", "resourceGroups"]] = [[
                "coveredResources": ["pods", "cpu", "memory"],
                "flavors": [["name": "default-flavor", "resources": [
                    ["name": "pods", "nominalQuota": 3], ["name": "cpu", "nominalQuota": "1"],
                    ["name": "memory", "nominalQuota": "8Gi"],
                ]]],
            ]]
            _ = try store.create(queue, type: .clusterQueues)
            _ = try store.create(Self.localQueue("effort", clusterQueue: "effort"), type: .localQueues, namespace: "default")
            var big = Self.queuedJob("big", queue: "effort", priority: "flightdeck-high")
            big[path: ["spec", "template", "spec", "containers"]] = [["name": "agent", "image": "agent:1",
                "resources": ["requests": ["cpu": "2"]]]]
            _ = try store.create(big, type: .jobs, namespace: "default")
            _ = try store.create(Self.queuedJob("small", queue: "effort", priority: "flightdeck-low"), type: .jobs,
                namespace: "default")
            try await eventually { Self.isRunning(store, "small") }
            let pending = try #require(Self.workload(store, job: "big"))
            #expect(condition(pending, "QuotaReserved")?["message"]
                == "couldn't assign flavors to pod set main: insufficient quota for cpu in flavor default-flavor, request > maximum capacity")
        }
    }

    @Test func validationNamesTheField() async throws {
        try await Self.withKueue { store in
            do {
                _ = try store.create(["apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "LocalQueue",
                    "metadata": ["name": "bad", "namespace": "default"], "spec": .emptyObject],
                    type: .localQueues, namespace: "default")
                Issue.record("a LocalQueue without spec.clusterQueue was stored")
            } catch let error as Status {
                #expect(error.code == 422)
                #expect(error.details?.causes.first?.field == "spec.clusterQueue")
            }
            var queue = Self.clusterQueue("bad", pods: 1)
            queue[path: ["spec", "queueingStrategy"]] = "Random"
            do {
                _ = try store.create(queue, type: .clusterQueues)
                Issue.record("a ClusterQueue with an unknown strategy was stored")
            } catch let error as Status {
                #expect(error.code == 422)
                #expect(error.details?.causes.first?.field == "spec.queueingStrategy")
            }
            do {
                _ = try store.create(["apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "WorkloadPriorityClass",
                    "metadata": ["name": "wordy"], "value": "high"], type: .workloadPriorityClasses)
                Issue.record("a WorkloadPriorityClass with a string value was stored")
            } catch let error as Status {
                #expect(error.code == 422)
                #expect(error.details?.causes.first?.field == "value")
            }
            var defaulted = Self.clusterQueue("defaulted", pods: 1)
            defaulted[path: ["spec", "queueingStrategy"]] = nil
            let stored = try store.create(defaulted, type: .clusterQueues)
            #expect(stored[path: ["spec", "queueingStrategy"]] == "BestEffortFIFO")
        }
    }
}
