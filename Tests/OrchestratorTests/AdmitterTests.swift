import AgentManifests
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import KubeClient
import KubeModel
import Orchestrator
import Testing

/// Flightdeck's own admission against an API server — the simulated cluster, or a real one
/// (`FLIGHTDECK_TEST_KUBECONFIG`) — judged from the server's own watch (`JobAudit`), never from
/// what the admitter says it did.
@Suite(.timeLimit(.minutes(3))) struct AdmitterTests {
    static let queues = QueueConfiguration(queues: [QueueSettings(name: "homelab", limit: 2)])

    static func options(_ identity: String) -> Admitter.Options {
        Admitter.Options(queues: queues, leaseDuration: 2, identity: identity, resync: 0.5)
    }

    /// Five tasks, priorities low, normal, high, normal, low, all queued before admission
    /// starts: high first, then normal in submission order, then low.
    static let five: [(String, TaskPriority)] = [("q1", .low), ("q2", .normal), ("q3", .high), ("q4", .normal), ("q5", .low)]
    static let expectedOrder = ["q3", "q2", "q4", "q1", "q5"]

    /// Frees a slot at a time — the running Job started first is deleted — until every Job
    /// has started, waiting each time until the admitter has filled both slots again.
    static func drain(_ cluster: AdmissionCluster, _ audit: AuditBox, total: Int, deleted already: Int = 0) async throws {
        for deleted in already..<total {
            try await eventually { audit.value.running.count == min(2, total - deleted) }
            let seen = audit.value
            guard let oldest = seen.starts.first(where: seen.running.contains) else { return }
            try await cluster.delete(oldest)
            try await eventually { !audit.value.running.contains(oldest) }
        }
    }

    func run(admitters identities: [String]) async throws {
        let cluster = try await AdmissionCluster()
        let audit = AuditBox()
        let version = try await cluster.jobsVersion()
        let watch = Task { await JobAudit.watching(cluster.api, namespace: cluster.namespace, from: version, into: audit) }
        for (name, priority) in Self.five { try await cluster.enqueue(name, priority: priority) }
        let admitters = identities.map { identity in
            Task { await Admitter(api: cluster.api, namespace: cluster.namespace, options: Self.options(identity)).run() }
        }
        try await Self.drain(cluster, audit, total: Self.five.count)
        try await eventually { audit.value.starts.count == Self.five.count }
        for admitter in admitters { admitter.cancel() }
        for admitter in admitters { await admitter.value }
        watch.cancel()
        audit.value.expectAdmitted(Self.expectedOrder, limit: 2)
        await cluster.finish()
    }

    @Test func fiveTasksWithALimitOfTwoStartInPriorityThenSubmissionOrder() async throws {
        try await run(admitters: ["keeper-a"])
    }

    @Test func twoAdmittersStartedAtOnceAdmitNothingTwice() async throws {
        try await run(admitters: ["keeper-a", "keeper-b"])
    }

    /// A Job that finishes frees its slot too (the simulated agents run to the end here).
    @Test(.enabled(if: AdmissionCluster.realKubeconfig == nil,
        "a real cluster cannot run the simulated agent's image, so its Jobs never finish"))
    func jobsThatFinishMakeRoomForTheNext() async throws {
        let cluster = try await AdmissionCluster()
        let audit = AuditBox()
        let version = try await cluster.jobsVersion()
        let watch = Task { await JobAudit.watching(cluster.api, namespace: cluster.namespace, from: version, into: audit) }
        for (name, priority) in Self.five { try await cluster.enqueue(name, priority: priority, steps: 3) }
        let admitter = Task {
            await Admitter(api: cluster.api, namespace: cluster.namespace, options: Self.options("keeper-a")).run()
        }
        try await eventually { audit.value.finished.count == Self.five.count }
        admitter.cancel()
        await admitter.value
        watch.cancel()
        audit.value.expectAdmitted(Self.expectedOrder, limit: 2)
        await cluster.finish()
    }

    /// A queue whose jobs used their tokens for today starts nothing more; another queue in the
    /// same pass still does. The use is summed from a real history file's records.
    @Test func aSpentTokenBudgetStartsNothingInItsQueue() async throws {
        let cluster = try await AdmissionCluster()
        let store = try HistoryStore(path: cluster.directory.file("history.db"))
        var earlier = AgentJob(id: "earlier", name: "agent-earlier", namespace: cluster.namespace, queue: "homelab")
        earlier.status = .succeeded
        var answer = TraceRecord(jobID: "earlier", sourceID: "t:1", time: Date(), kind: .thought, text: "plan")
        answer.usage = TokenUsage(inputTokens: 900, outputTokens: 150, model: "m")
        try store.write([.job(earlier), .trace(answer)])
        let queues = QueueConfiguration(queues: [
            QueueSettings(name: "homelab", limit: 2, budget: QueueBudget(tokensPerDay: 1_000)),
            QueueSettings(name: "batch", limit: 1),
        ])
        try await cluster.enqueue("q1", priority: .high)
        try await cluster.enqueue("q2", priority: .normal, queue: "batch")
        let usageToday: @Sendable (Date) async -> [String: [TokenUsage]]? = { since in
            try? await store.reading { try $0.usageByQueue(since: since, defaultQueue: "homelab") }
        }
        let admitter = Task {
            await Admitter(api: cluster.api, namespace: cluster.namespace, options: Admitter.Options(queues: queues,
                leaseDuration: 2, identity: "keeper-a", resync: 0.5, usageToday: usageToday)).run()
        }
        try await eventually { (try? await cluster.running()) == ["q2"] }
        admitter.cancel()
        await admitter.value
        #expect(try await cluster.running() == ["q2"], "homelab's budget is spent: q1 waits")
        let jobs = (try await cluster.api.list(.jobs, namespace: cluster.namespace)["items"]?.arrayValue ?? []).map(Job.init(json:))
        let report = QueueReport(queues: queues, jobs: jobs, mode: .flightdeck, lease: nil,
            usageToday: try store.usageByQueue(since: QueueBudgets.dayStart(Date()), defaultQueue: "homelab"), now: Date())
        #expect(report.waiting.first?.reason == "queue homelab: budget for today spent")
        #expect(report.queues.first?.tokensToday == 1_050 && report.queues.first?.budgetSpent == true)
        await cluster.finish()
    }

    /// A queue whose jobs cost their `costPerDay` today (by the price table) starts nothing
    /// more; a queue whose use is all of an unpriced model is not held back by its cost
    /// budget, since that cost is unknown. The use is read, per model, from a real history file.
    @Test func aSpentCostBudgetStartsNothingInItsQueue() async throws {
        let cluster = try await AdmissionCluster()
        let store = try HistoryStore(path: cluster.directory.file("history.db"))
        var earlier = AgentJob(id: "earlier", name: "agent-earlier", namespace: cluster.namespace, queue: "homelab")
        earlier.status = .succeeded
        var answer = TraceRecord(jobID: "earlier", sourceID: "t:1", time: Date(), kind: .thought, text: "plan")
        answer.usage = TokenUsage(inputTokens: 900, outputTokens: 150, model: "m")  // 0.009 + 0.003
        var local = AgentJob(id: "local", name: "agent-local", namespace: cluster.namespace, queue: "batch")
        local.status = .succeeded
        var free = TraceRecord(jobID: "local", sourceID: "t:1", time: Date(), kind: .thought, text: "plan")
        free.usage = TokenUsage(inputTokens: 5_000_000, outputTokens: 5_000_000, model: "unpriced-llm")
        try store.write([.job(earlier), .trace(answer), .job(local), .trace(free)])
        var queues = QueueConfiguration(queues: [
            QueueSettings(name: "homelab", limit: 2, budget: QueueBudget(costPerDay: Decimal(string: "0.012"))),
            QueueSettings(name: "batch", limit: 1, budget: QueueBudget(costPerDay: Decimal(string: "0.01"))),
        ])
        queues.prices = PriceTable(currency: "EUR", models: ["m": ModelPrice(input: 10, output: 20)])
        try await cluster.enqueue("q1", priority: .high)
        try await cluster.enqueue("q2", priority: .normal, queue: "batch")
        let usageToday: @Sendable (Date) async -> [String: [TokenUsage]]? = { since in
            try? await store.reading { try $0.usageByQueue(since: since, defaultQueue: "homelab") }
        }
        let admitter = Task {
            await Admitter(api: cluster.api, namespace: cluster.namespace, options: Admitter.Options(queues: queues,
                leaseDuration: 2, identity: "keeper-a", resync: 0.5, usageToday: usageToday)).run()
        }
        try await eventually { (try? await cluster.running()) == ["q2"] }
        admitter.cancel()
        await admitter.value
        #expect(try await cluster.running() == ["q2"], "homelab's cost budget is spent: q1 waits")
        let jobs = (try await cluster.api.list(.jobs, namespace: cluster.namespace)["items"]?.arrayValue ?? []).map(Job.init(json:))
        let report = QueueReport(queues: queues, jobs: jobs, mode: .flightdeck, lease: nil,
            usageToday: try store.usageByQueue(since: QueueBudgets.dayStart(Date()), defaultQueue: "homelab"), now: Date())
        #expect(report.waiting.first?.reason == "queue homelab: budget for today spent")
        let homelab = try #require(report.queues.first)
        #expect(homelab.costToday == Decimal(string: "0.012") && homelab.budgetSpent && homelab.unpricedModels.isEmpty)
        let batch = try #require(report.queues.last)
        #expect(batch.costToday == 0 && !batch.budgetSpent && batch.unpricedModels == ["unpriced-llm"])
        await cluster.finish()
    }

    /// A keeper that stops gives the lease up: the other takes over at once and admits.
    @Test func aStoppingKeeperHandsOverAtOnce() async throws {
        let cluster = try await AdmissionCluster()
        for (name, priority) in Self.five.prefix(3) { try await cluster.enqueue(name, priority: priority) }
        let first = Task {
            await Admitter(api: cluster.api, namespace: cluster.namespace, options: Self.options("keeper-a")).run()
        }
        try await eventually { (try? await cluster.running()) == ["q3", "q2"] }
        first.cancel()
        await first.value
        let lease = try await cluster.api.get(Lease.self, namespace: cluster.namespace, name: Admitter.leaseName)
        #expect(lease.holderIdentity == "", "released")
        // With a long lease, only the release lets the second take over within the wait.
        let second = Task {
            var options = Self.options("keeper-b")
            options.leaseDuration = 600
            await Admitter(api: cluster.api, namespace: cluster.namespace, options: options).run()
        }
        try await cluster.delete("q3")
        try await eventually { (try? await cluster.running()) == ["q2", "q1"] }
        second.cancel()
        await second.value
        await cluster.finish()
    }

    /// Leader election itself: one of two candidates leads; the other takes over only once the
    /// leader has not renewed for the lease's duration, as measured on its own clock.
    @Test func aLeaseIsTakenOverOnlyAfterItsHolderStopsRenewing() async throws {
        let cluster = try await AdmissionCluster()
        var a = LeaseElector(api: cluster.api, namespace: cluster.namespace, name: "election", identity: "a", duration: 2)
        var b = LeaseElector(api: cluster.api, namespace: cluster.namespace, name: "election", identity: "b", duration: 2)
        #expect(try await a.acquireOrRenew())
        #expect(try await !b.acquireOrRenew())
        #expect(b.observedHolder == "a")
        try await Task.sleep(for: .seconds(1))
        #expect(try await a.acquireOrRenew(), "renewed")
        #expect(try await !b.acquireOrRenew(), "a renewal restarts the wait")
        try await Task.sleep(for: .seconds(2.2))
        #expect(!a.isLeading(at: Date()), "a leader that has not renewed within the deadline stops acting")
        #expect(try await b.acquireOrRenew(), "taken over")
        #expect(try await !a.acquireOrRenew(), "and the old leader follows")
        let lease = try await cluster.api.get(Lease.self, namespace: cluster.namespace, name: "election")
        #expect(lease.holderIdentity == "b")
        #expect(lease.leaseTransitions == 1)
        await cluster.finish()
    }

    /// Candidates racing for a free lease: the API server's optimistic concurrency lets one win.
    @Test func ofCandidatesRacingExactlyOneWins() async throws {
        let cluster = try await AdmissionCluster()
        let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<6 {
                group.addTask {
                    var elector = LeaseElector(api: cluster.api, namespace: cluster.namespace, name: "race",
                        identity: "c\(index)", duration: 30)
                    return try await elector.acquireOrRenew()
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
        await cluster.finish()
    }
}

/// Lines a concurrent test collects for its failure messages.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}
