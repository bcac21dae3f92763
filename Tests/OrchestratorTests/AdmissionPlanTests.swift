import FlightdeckCore
import AgentManifests
import Foundation
import KubeModel
import Orchestrator
import Testing

/// `AdmissionPlan`: which queued Jobs start now and why the others wait.
@Suite struct AdmissionPlanTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// A Job submitted `minute` minutes after `t0`.
    static func job(_ id: String, _ priority: TaskPriority = .normal, minute: Double = 0, state: AdmissionCandidate.State = .queued,
        queue: String? = nil, cpu: Quantity? = nil, memory: Quantity? = nil) -> AdmissionCandidate
    {
        AdmissionCandidate(id: id, queue: queue, priority: priority, submitted: t0.addingTimeInterval(minute * 60),
            state: state, cpu: cpu, memory: memory)
    }

    static func queues(_ queues: QueueSettings...) -> QueueConfiguration { QueueConfiguration(queues: queues) }

    static let homelab = queues(QueueSettings(name: "homelab", limit: 2))

    /// The scenario: limit 2, five tasks of mixed priorities.
    @Test func limitTwoWithFiveTasksOfMixedPriorities() {
        let jobs = [
            Self.job("a", .low, minute: 0), Self.job("b", .normal, minute: 1), Self.job("c", .high, minute: 2),
            Self.job("d", .normal, minute: 3), Self.job("e", .high, minute: 4),
        ]
        let plan = AdmissionPlan(queues: Self.homelab, jobs: jobs, now: Self.t0.addingTimeInterval(300))
        #expect(plan.admit == ["c", "e"])
        #expect(plan.entries.map(\.id) == ["c", "e", "b", "d", "a"])
        #expect(plan.entries.map(\.position) == [1, 2, 3, 4, 5])
        for id in ["b", "d", "a"] {
            #expect(plan.entry(id)?.reason == "queue homelab: 0/2 running, 2 starting", "\(id)")
        }
        #expect(plan.entry("c")?.isAdmitted == true)

        // Once c and e run, nothing more starts; when c finishes, b (normal, first come) does.
        let running = jobs.map { job in
            var job = job
            if job.id == "c" || job.id == "e" { job.state = .running }
            return job
        }
        #expect(AdmissionPlan(queues: Self.homelab, jobs: running, now: Self.t0).admit == [])
        let cDone = running.map { job in
            var job = job
            if job.id == "c" { job.state = .finished }
            return job
        }
        let next = AdmissionPlan(queues: Self.homelab, jobs: cDone, now: Self.t0.addingTimeInterval(600))
        #expect(next.admit == ["b"])
        #expect(next.entry("d")?.position == 2)
        #expect(next.entry("d")?.reason == "queue homelab: 1/2 running, 1 starting")
    }

    @Test func sameSubmissionTimeIsFirstComeByName() {
        let jobs = [Self.job("agent-b"), Self.job("agent-a"), Self.job("agent-c", minute: -1)]
        let plan = AdmissionPlan(queues: Self.queues(QueueSettings(name: "q", limit: 1)), jobs: jobs, now: Self.t0)
        #expect(plan.entries.map(\.id) == ["agent-c", "agent-a", "agent-b"])
        #expect(plan.admit == ["agent-c"])
    }

    @Test func nothingToAdmitWhenNothingWaits() {
        let jobs = [Self.job("a", state: .running), Self.job("b", state: .finished)]
        let plan = AdmissionPlan(queues: Self.homelab, jobs: jobs, now: Self.t0)
        #expect(plan.admit.isEmpty)
        #expect(plan.entries.isEmpty)
        #expect(AdmissionPlan(queues: Self.homelab, jobs: [], now: Self.t0).admit.isEmpty)
    }

    @Test func finishedJobsFreeTheirSlots() {
        let jobs = [Self.job("old-1", state: .finished), Self.job("old-2", state: .finished), Self.job("old-3", state: .running),
            Self.job("new-1", minute: 1), Self.job("new-2", minute: 2)]
        let plan = AdmissionPlan(queues: Self.homelab, jobs: jobs, now: Self.t0)
        #expect(plan.admit == ["new-1"])
        #expect(plan.entry("new-2")?.reason == "queue homelab: 1/2 running, 1 starting")
    }

    /// The queue's CPU quota counts the running Jobs' requests; the first that does not fit
    /// waits, saying how much is in use, and holds the line (strict FIFO).
    @Test func cpuQuotaAdmitsWhatFitsAndTheFirstThatDoesNotHoldsTheLine() {
        let queues = Self.queues(QueueSettings(name: "homelab", limit: 10, cpu: "4"))
        let jobs = [
            Self.job("run", state: .running, cpu: "2500m"),
            Self.job("a", minute: 1, cpu: "1"),
            Self.job("b", minute: 2, cpu: "1"),
            Self.job("c", minute: 3, cpu: "100m"),
        ]
        let plan = AdmissionPlan(queues: queues, jobs: jobs, now: Self.t0)
        #expect(plan.admit == ["a"])
        #expect(plan.entry("b")?.reason == "queue homelab: cpu 3.5/4 in use, needs 1")
        #expect(plan.entry("c")?.reason == "queue homelab: waiting behind b (cpu 3.5/4 in use, needs 1)",
            "a small Job does not overtake the first in line")
    }

    @Test func memoryQuotaIsCountedInBytes() {
        let queues = Self.queues(QueueSettings(name: "homelab", limit: 10, memory: "8Gi"))
        let jobs = [Self.job("run", state: .running, memory: "6Gi"), Self.job("a", minute: 1, memory: "2048Mi"),
            Self.job("b", minute: 2, memory: "512Mi")]
        let plan = AdmissionPlan(queues: queues, jobs: jobs, now: Self.t0)
        #expect(plan.admit == ["a"], "6Gi + 2048Mi is exactly the quota")
        #expect(plan.entry("b")?.reason == "queue homelab: memory 8Gi/8Gi in use, needs 512Mi")
    }

    /// A Job that alone needs more than the quota could never start; it must not block the queue.
    @Test func aJobLargerThanTheQuotaIsPassedOver() {
        let queues = Self.queues(QueueSettings(name: "homelab", limit: 10, cpu: "4"))
        let jobs = [Self.job("huge", .high, cpu: "6"), Self.job("small", minute: 1, cpu: "1")]
        let plan = AdmissionPlan(queues: queues, jobs: jobs, now: Self.t0)
        #expect(plan.admit == ["small"])
        #expect(plan.entry("huge")?.reason == "queue homelab: needs cpu 6, more than the queue's quota of 4")
    }

    @Test func promotionRaisesAJobThatWaitedLongEnoughOneLevel() {
        let queues = Self.queues(QueueSettings(name: "homelab", limit: 1, promoteAfter: 1_800))
        let jobs = [
            Self.job("busy", state: .running),
            Self.job("old-low", .low, minute: 0),
            Self.job("new-normal", .normal, minute: 20),
            Self.job("new-high", .high, minute: 25),
        ]
        // At minute 29 nobody is promoted: normal before low.
        let early = AdmissionPlan(queues: queues, jobs: jobs, now: Self.t0.addingTimeInterval(29 * 60))
        #expect(early.entries.map(\.id) == ["new-high", "new-normal", "old-low"])
        #expect(early.entry("old-low")?.promoted == false)
        // At minute 30 old-low counts as normal and, submitted first, goes before new-normal.
        let later = AdmissionPlan(queues: queues, jobs: jobs, now: Self.t0.addingTimeInterval(30 * 60))
        #expect(later.entries.map(\.id) == ["new-high", "old-low", "new-normal"])
        #expect(later.entry("old-low")?.priority == .normal)
        #expect(later.entry("old-low")?.promoted == true)
        #expect(later.entry("new-high")?.promoted == false, "high cannot go higher")
        // Promotion is one level: at minute 61 old-low is normal still, never high.
        let much = AdmissionPlan(queues: queues, jobs: jobs, now: Self.t0.addingTimeInterval(61 * 60))
        #expect(much.entry("old-low")?.priority == .normal)
        #expect(much.entry("new-normal")?.priority == .high, "new-normal has waited 41 minutes by then")
        #expect(much.entries.map(\.id) == ["new-normal", "new-high", "old-low"])
        // Without promoteAfter nothing is ever raised.
        let never = AdmissionPlan(queues: Self.queues(QueueSettings(name: "homelab", limit: 1)), jobs: jobs,
            now: Self.t0.addingTimeInterval(86_400))
        #expect(never.entries.map(\.priority) == [.high, .normal, .low])
    }

    @Test func aJobNamingAnUnknownQueueWaitsSayingSo() {
        let queues = Self.queues(QueueSettings(name: "homelab", limit: 2), QueueSettings(name: "batch", limit: 1))
        let jobs = [Self.job("lost", queue: "gpu"), Self.job("ok", minute: 1, queue: "batch"), Self.job("default", minute: 2)]
        let plan = AdmissionPlan(queues: queues, jobs: jobs, now: Self.t0)
        #expect(plan.admit == ["default", "ok"], "queues in config order; no queue named: the default (first)")
        #expect(plan.entry("default")?.queue == "homelab")
        #expect(plan.entry("lost")?.reason == "queue gpu is not configured (queues: homelab, batch)")
        #expect(plan.entry("lost")?.position == 1)
        #expect(plan.entries.last?.id == "lost")
    }

    @Test func queuesAreIndependent() {
        let queues = Self.queues(QueueSettings(name: "homelab", limit: 1), QueueSettings(name: "batch", limit: 1))
        let jobs = [Self.job("h-run", state: .running, queue: "homelab"), Self.job("h", queue: "homelab"),
            Self.job("b", queue: "batch")]
        let plan = AdmissionPlan(queues: queues, jobs: jobs, now: Self.t0)
        #expect(plan.admit == ["b"])
        #expect(plan.entry("h")?.reason == "queue homelab: 1/1 running")
    }

    @Test func aSpentBudgetAdmitsNothing() {
        let plan = AdmissionPlan(queues: Self.homelab, jobs: [Self.job("a"), Self.job("b", minute: 1)], now: Self.t0,
            budgetSpent: ["homelab"])
        #expect(plan.admit.isEmpty)
        #expect(plan.entries.map(\.reason) == ["queue homelab: budget for today spent", "queue homelab: budget for today spent"])
    }

    /// No `queues:` section: the implicit queue has no limit, so everything queued starts.
    @Test func theImplicitQueueAdmitsEverything() {
        let jobs = (0..<20).map { Self.job("j\($0)", minute: Double($0), cpu: "4", memory: "16Gi") }
            + [Self.job("r", state: .running)]
        let plan = AdmissionPlan(queues: QueueConfiguration(), jobs: jobs, now: Self.t0)
        #expect(plan.admit == (0..<20).map { "j\($0)" })
        #expect(plan.entries.allSatisfy { $0.isAdmitted })
    }

    /// What an admitter reads off a Job: labels, suspension, conditions, the pod's requests.
    @Test func aCandidateIsReadOffAnAgentJob() throws {
        let task = AgentTask(uuid: "3f2a9c1e-4b7d-4e2a-9f10-6c5d8e7a1b20", image: "img", prompt: "p", queue: "homelab",
            priority: .high)
        var job = Job(json: TaskManifests.job(task, settings: ClusterSettings(), suspended: true))
        job.metadata.creationTimestamp = Self.t0
        #expect(AdmissionCandidate(job: job).state == .preparing, "suspended, submission not finished: not in line")
        job.metadata.labels[FlightdeckLabels.admission] = FlightdeckLabels.admissionQueued
        let queued = AdmissionCandidate(job: job)
        #expect(queued.id == "agent-3f2a9c1e4b7d")
        #expect(queued.queue == "homelab")
        #expect(queued.priority == .high)
        #expect(queued.state == .queued)
        #expect(queued.submitted == Self.t0)
        #expect((queued.cpu?.value ?? 0) >= Decimal(string: "0.5")!, "at least the agent's own 500m")

        job.spec.suspend = false
        #expect(AdmissionCandidate(job: job).state == .running)

        let finished = try Job(decoding: """
            {"metadata":{"name":"agent-x"},"spec":{"suspend":false,"template":{"spec":{
              "containers":[{"name":"agent","resources":{"requests":{"cpu":"500m","memory":"2Gi"}}},
                            {"name":"other","resources":{"requests":{"cpu":"250m"}}}],
              "initContainers":[{"name":"restore","resources":{"requests":{"cpu":"4","memory":"8Gi"}}},
                                {"name":"shipper","restartPolicy":"Always","resources":{"requests":{"cpu":"100m","memory":"64Mi"}}}]}}},
             "status":{"conditions":[{"type":"Complete","status":"True"}]}}
            """)
        let done = AdmissionCandidate(job: finished)
        #expect(done.state == .finished)
        #expect(done.queue == nil && done.priority == .normal, "no labels: the default queue, normal")
        #expect(done.cpu == Quantity("850m"), "containers and native sidecars; not the init container")
        #expect(done.memory == Quantity("2112Mi"))
    }
}
