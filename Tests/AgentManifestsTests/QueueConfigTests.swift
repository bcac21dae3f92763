import AgentManifests
import FlightdeckCore
import Foundation
import KubeModel
import Testing

/// The `queues:` section, a task's queue and priority, and where they end up: the Job's
/// labels and the spec history keeps.
@Suite struct QueueConfigTests {
    @Test func aFullQueuesSectionIsRead() throws {
        let config = try ManifestConfig.parse("""
            queues:
              - name: homelab
                limit: 3
                cpu: "4"
                memory: 16Gi
                budget: {tokensPerDay: 2000000, costPerDay: 25.50}
                promoteAfter: 30m
              - name: batch
                limit: 1
                cpu: 3500m
                default: true
            """, file: "/c/config.yaml")
        let queues = config.queues
        #expect(queues.isConfigured)
        #expect(queues.queues.map(\.name) == ["homelab", "batch"])
        #expect(queues.defaultQueueName == "batch")
        let homelab = try #require(queues.queue(named: "homelab"))
        #expect(homelab.limit == 3)
        #expect(homelab.cpu == Quantity("4"))
        #expect(homelab.memory?.value == Decimal(16) * Decimal(1 << 30))
        #expect(homelab.budget == QueueBudget(tokensPerDay: 2_000_000, costPerDay: Decimal(string: "25.50")))
        #expect(homelab.promoteAfter == 1_800)
        let batch = try #require(queues.queue(named: "batch"))
        #expect(batch.cpu == Quantity("3.5"), "3500m and 3.5 are the same quantity")
        #expect(batch.memory == nil && batch.budget == nil && batch.promoteAfter == nil)
        #expect(queues.resolve(nil)?.name == "batch")
        #expect(queues.resolve("homelab")?.name == "homelab")
        #expect(queues.resolve("gpu") == nil)
    }

    @Test func withoutADefaultMarkTheFirstQueueIsTheDefault() throws {
        let config = try ManifestConfig.parse("queues:\n  - {name: a, limit: 2}\n  - {name: b, limit: 1}\n", file: "c")
        #expect(config.queues.defaultQueueName == "a")
        #expect(config.queues.defaultQueue.limit == 2)
    }

    /// No `queues:` section: one implicit queue without any limit, i.e. what Flightdeck did before queues.
    @Test func withoutQueuesThereIsOneImplicitUnlimitedQueue() throws {
        for text in ["", "cluster: {namespace: lab}\n", "queues:\n", "queues: []\n"] {
            let queues = try ManifestConfig.parse(text, file: "c").queues
            #expect(!queues.isConfigured, "\(text)")
            #expect(queues.queues == [QueueSettings(name: "default")])
            #expect(queues.resolve(nil)?.name == "default")
            #expect(queues.resolve(nil)?.limit == nil)
            #expect(queues.resolve("homelab") == nil)
        }
        #expect(try ManifestConfig.parse("", file: "c") == ManifestConfig())
    }

    @Test(arguments: [
        ("queues:\n  - name: a\n    limit: 1\n    limt: 2\n",
            "/c/config.yaml:4:5: queues[0].limt is not a known field (known: budget, cpu, default, limit, memory, name, promoteAfter)"),
        ("queues:\n  - {name: a, limit: 1}\n  - {name: a, limit: 2}\n",
            "/c/config.yaml:3:12: queues[1].name \"a\" is already the name of queues[0]"),
        ("queues:\n  - {name: a, limit: 1, default: true}\n  - {name: b, limit: 1, default: true}\n",
            "/c/config.yaml:3:34: queues[1].default: queue \"a\" (queues[0]) is already the default; at most one queue may be"),
        ("queues:\n  - {name: a, limit: 0}\n",
            "/c/config.yaml:2:22: queues[0].limit should be a number of agents running at once (at least 1), not \"0\""),
        ("queues:\n  - {name: a}\n", "/c/config.yaml:2:5: queues[0].limit is missing"),
        ("queues:\n  - {limit: 1}\n", "/c/config.yaml:2:5: queues[0].name is missing"),
        ("queues:\n  - {name: Home_Lab, limit: 1}\n",
            "/c/config.yaml:2:12: queues[0].name should be a queue name (a DNS label: lower-case letters, digits, '-'), not \"Home_Lab\""),
        ("queues:\n  - {name: a, limit: 1, cpu: lots}\n",
            "/c/config.yaml:2:30: queues[0].cpu should be a CPU quantity like 4 or 3500m, not \"lots\""),
        ("queues:\n  - {name: a, limit: 1, cpu: 0}\n",
            "/c/config.yaml:2:30: queues[0].cpu should be a CPU quantity like 4 or 3500m, not \"0\""),
        ("queues:\n  - {name: a, limit: 1, memory: 16GB}\n",
            "/c/config.yaml:2:33: queues[0].memory should be a memory quantity like 16Gi, not \"16GB\""),
        ("queues:\n  - {name: a, limit: 1, promoteAfter: soon}\n",
            "/c/config.yaml:2:39: queues[0].promoteAfter should be a duration like 90s, 30m, 2h or 1d, not \"soon\""),
        ("queues:\n  - {name: a, limit: 1, budget: {tokens: 5}}\n",
            "/c/config.yaml:2:34: queues[0].budget.tokens is not a known field (known: costPerDay, tokensPerDay)"),
        ("queues:\n  - {name: a, limit: 1, budget: {}}\n",
            "/c/config.yaml:2:33: queues[0].budget should set tokensPerDay, costPerDay or both"),
        ("queues:\n  - {name: a, limit: 1, budget: {costPerDay: -3}}\n",
            "/c/config.yaml:2:46: queues[0].budget.costPerDay should be an amount like 25 or 25.50, not \"-3\""),
        ("queues:\n  - {name: a, limit: 1, budget: {tokensPerDay: many}}\n",
            "/c/config.yaml:2:48: queues[0].budget.tokensPerDay should be a whole number of tokens, not \"many\""),
        ("queues: {name: a, limit: 1}\n",
            "/c/config.yaml:1:9: queues should be a list of queues (- name: homelab, limit: 3), not a mapping"),
        ("queues:\n  - homelab\n", "/c/config.yaml:2:5: queues[0] should be a queue (a mapping with name:, limit:), not \"homelab\""),
        ("queues:\n  - {name: a, limit: 1}\nagents:\n  queue: b\n",
            "/c/config.yaml:4:10: agents.queue \"b\" is not a configured queue (queues: a)"),
        ("agents:\n  priority: urgent\n", "/c/config.yaml:2:13: agents.priority should be high|normal|low, not \"urgent\""),
    ])
    func aBadQueueIsOneLineNamingFileLineColumnAndField(text: String, message: String) {
        do {
            _ = try ManifestConfig.parse(text, file: "/c/config.yaml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description == message)
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func aTemplateNamesQueueAndPriorityAndFlagsOverlayThem() throws {
        let template = try TaskTemplate.parse("prompt: p\nqueue: homelab\npriority: low\n", file: "t.yaml")
        #expect(template.queue == "homelab")
        #expect(template.priority == .low)
        var flags = TaskTemplate()
        flags.priority = .high
        let task = flags.overlaid(on: template).task(uuid: "u", secretFiles: [:])
        #expect(task.queue == "homelab")
        #expect(task.priority == .high)
        let plain = TaskTemplate().task(uuid: "u", secretFiles: [:])
        #expect(plain.queue == nil && plain.priority == .normal)
        #expect(throws: ConfigFileError.self) { try TaskTemplate.parse("priority: asap\n", file: "t.yaml") }
    }

    /// Queue and priority are the Job's labels (what an admitter selects by); the pod, PVC and
    /// Secret are not queued and do not carry them.
    @Test func theJobIsLabelledWithItsQueueAndPriority() throws {
        var task = AgentTask(uuid: "q-1", image: "img", prompt: "p", queue: "homelab", priority: .low)
        let job = TaskManifests.job(task, settings: ClusterSettings(), suspended: true)
        #expect(job[path: ["metadata", "labels", FlightdeckLabels.queue]]?.stringValue == "homelab")
        #expect(job[path: ["metadata", "labels", FlightdeckLabels.priority]]?.stringValue == "low")
        #expect(job[path: ["spec", "template", "metadata", "labels", FlightdeckLabels.queue]] == nil)
        #expect(job[path: ["metadata", "labels", FlightdeckLabels.kueueQueueName]] == nil, "Kueue's label comes later")
        task.queue = nil
        let unqueued = TaskManifests.job(task, settings: ClusterSettings(), suspended: true)
        #expect(unqueued[path: ["metadata", "labels", FlightdeckLabels.queue]] == nil)
        task.queue = "Not_A_Queue"
        #expect(task.validationErrors.contains { $0.hasPrefix("queue \"Not_A_Queue\"") })
    }

    @Test func historyKeepsQueueAndPriorityAndReadsOlderSpecs() throws {
        let task = AgentTask(uuid: "a", image: "img", prompt: "p", queue: "batch", priority: .high)
        let spec = TaskSpec(task: task, secretFilePaths: [:])
        let decoded = try #require(TaskSpec.decode(spec.json))
        #expect(decoded.task.queue == "batch")
        #expect(decoded.task.priority == .high)
        #expect(try decoded.retry(uuid: "b", previousJobID: "a-job") { _ in "" }.priority == .high)

        // A spec history wrote before tasks had a queue or a priority.
        let old = """
            {"promptRedacted":false,"secretFilePaths":{},"task":{"backoffLimit":3,"environment":{},"image":"img",\
            "labels":{},"prompt":"p","resources":{"cpu":"500m","cpuLimit":"2","memory":"2Gi","shmSize":"256Mi",\
            "workspaceSize":"5Gi"},"secretFiles":{},"ttlSecondsAfterFinished":86400,"uuid":"old"}}
            """
        let read = try #require(TaskSpec.decode(old))
        #expect(read.task.uuid == "old")
        #expect(read.task.queue == nil)
        #expect(read.task.priority == .normal)
        #expect(TaskSpec.decode(old.replacingOccurrences(of: "\"uuid\":\"old\"", with: "\"uuid\":\"old\",\"priority\":\"urgent\"")) == nil,
            "an unknown priority is not silently normal")
    }

    @Test func prioritiesOrderAndRaise() {
        #expect(TaskPriority.low < .normal && TaskPriority.normal < .high)
        #expect(TaskPriority.low.raised == .normal)
        #expect(TaskPriority.normal.raised == .high)
        #expect(TaskPriority.high.raised == .high)
    }
}
