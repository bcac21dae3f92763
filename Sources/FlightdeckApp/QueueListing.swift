import AgentManifests
import FlightdeckCore
import HistoryStore
import Foundation
import KubeClient
import KubeModel
import Orchestrator

/// `flightdeck queue`: the task queues' state read from the cluster — who admits, what runs
/// and waits in each queue against its limit and quotas, and every waiting Job's place and
/// reason — as a table, or one JSON document.
public enum QueueListing {
    /// Reads what the report needs: the agent Jobs, the admission Lease (an identity that may
    /// not read it is told nothing about it), and under Kueue its Workloads' reasons.
    /// `history`: where the day's token use is summed and priced, for the budgets (`nil`: not shown).
    public static func report(api: KubeAPI, namespace: String, queues: QueueConfiguration, history: HistoryStore?,
        now: Date = Date()) async throws -> QueueReport
    {
        var usage: [String: [TokenUsage]]?
        if let history, QueueBudgets.anyBudget(queues) {
            let since = QueueBudgets.dayStart(now)
            usage = try await history.reading { try $0.usageByQueue(since: since, defaultQueue: queues.defaultQueueName) }
        }
        let mode = try await KueueDiscovery.mode(queues, api: api)
        let listed = try await api.list(.jobs, namespace: namespace, options: ListOptions(labelSelector: Admitter.agentSelector))
        let jobs = (listed["items"]?.arrayValue ?? []).map(Job.init(json:))
        var lease: Lease?
        if mode == .flightdeck {
            lease = try? await api.get(Lease.self, namespace: namespace, name: Admitter.leaseName)
        }
        var reasons: [String: String] = [:]
        if mode == .kueue, let workloads = try? await api.list(.workloads, namespace: namespace)["items"]?.arrayValue {
            reasons = QueueReport.kueueReasons(workloads: workloads)
        }
        return QueueReport(queues: queues, jobs: jobs, mode: mode, lease: lease, kueueReasons: reasons, usageToday: usage,
            now: now)
    }

    /// `currency`: the price table's, shown with costs.
    public static func render(_ report: QueueReport, format: ListFormat, now: Date, currency: String? = nil) -> String {
        switch format {
        case .table: table(report, now: now, currency: currency)
        case .json: json(report).serialized + "\n"
        }
    }

    /// Who admits, the queues, then what waits (when anything does).
    static func table(_ report: QueueReport, now: Date, currency: String? = nil) -> String {
        var out = admittedBy(report) + "\n\n"
        let budgets = report.queues.contains { $0.budget?.tokensPerDay != nil }
        let costs = report.queues.contains { $0.budget?.costPerDay != nil }
        var rows = [["QUEUE", "RUNNING", "WAITING", "CPU", "MEMORY", "PROMOTE AFTER"] + (budgets ? ["TOKENS TODAY"] : [])
            + (costs ? ["COST TODAY"] : [])]
        for queue in report.queues {
            var cost: [String] = []
            if costs {
                let spentToday = queue.costToday.map { CostText.amount($0, currency: currency) } ?? "?"
                var cell = queue.budget?.costPerDay.map { "\(spentToday)/\(CostText.amount($0, currency: currency))" } ?? spentToday
                // "spent" on the budget that is: a queue stopped by its tokens has not spent its money.
                if let perDay = queue.budget?.costPerDay, queue.budgetSpent, queue.costToday.map({ $0 >= perDay }) ?? true {
                    cell += " spent"
                }
                if !queue.unpricedModels.isEmpty { cell += " (+unpriced usage)" }
                cost = [cell]
            }
            var tokens: [String] = []
            if budgets {
                let used = queue.tokensToday.map(count) ?? "?"
                tokens = [queue.budget?.tokensPerDay.map { perDay in
                    let spent = queue.budgetSpent && (queue.tokensToday.map { $0 >= Int64(perDay) } ?? true)
                    return "\(used)/\(count(Int64(perDay)))" + (spent ? " spent" : "")
                }
                    ?? used]
            }
            rows.append([
                queue.name + (queue.isDefault ? " (default)" : ""),
                "\(queue.running)/" + (queue.limit.map(String.init) ?? "∞"),
                String(queue.waiting),
                used(queue.cpu, of: queue.cpuQuota, AdmissionPlan.cores),
                used(queue.memory, of: queue.memoryQuota, AdmissionPlan.bytes),
                queue.promoteAfter.map { DurationText.short($0) } ?? "-",
            ] + tokens + cost)
        }
        out += TextTable.render(rows)
        guard !report.waiting.isEmpty else { return out }
        let redactor = SecretRedactor()
        var waiting = [["#", "JOB", "QUEUE", "PRIORITY", "WAITING", "REASON"]]
        for job in report.waiting {
            let priority = job.effectivePriority == job.priority
                ? job.priority.rawValue : "\(job.priority.rawValue)→\(job.effectivePriority.rawValue)"
            // Names and reasons come from the cluster: redacted as in the JSON (TextTable makes them safe).
            waiting.append([String(job.position), redactor.redact(job.job), redactor.redact(job.queue), priority,
                DurationText.short(max(0, now.timeIntervalSince(job.submitted))), redactor.redact(job.reason)])
        }
        return out + "\n" + TextTable.render(waiting)
    }

    static func admittedBy(_ report: QueueReport) -> String {
        switch report.mode {
        case .immediate: "no queues configured: every task starts when submitted"
        case .kueue: "admitted by Kueue"
        case .flightdeck:
            if let holder = report.admitter {
                "admitted by the keeper \(TerminalText.line(holder)) (lease \(Admitter.leaseName))"
            } else {
                "nothing admits: no keeper holds the lease \(Admitter.leaseName) (run `flightdeck record`)"
            }
        }
    }

    /// Tokens as people say them: `950`, `12.5k`, `2M`.
    static func count(_ tokens: Int64) -> String { TokenCountText.short(tokens) }

    static func used(_ value: Decimal, of quota: Decimal?, _ format: (Decimal) -> String) -> String {
        guard let quota else { return value == 0 ? "-" : format(value) }
        return "\(format(value))/\(format(quota))"
    }

    /// The report as JSON: every string is agent- or cluster-borne, so it is redacted here too.
    static func json(_ report: QueueReport) -> JSONValue {
        let redactor = SecretRedactor()
        func text(_ value: String) -> JSONValue { .string(redactor.redact(value)) }
        func number(_ value: Decimal) -> JSONValue { .string("\(value)") }
        var document: JSONValue = ["admission": .string(report.mode.rawValue)]
        if let admitter = report.admitter { document.setMember("admitter", text(admitter)) }
        document.setMember("queues", .array(report.queues.map { queue in
            var object: JSONValue = [
                "name": text(queue.name), "default": .bool(queue.isDefault), "running": .integer(Int64(queue.running)),
                "waiting": .integer(Int64(queue.waiting)), "cpu": number(queue.cpu), "memory": number(queue.memory),
            ]
            if let limit = queue.limit { object.setMember("limit", .integer(Int64(limit))) }
            if let quota = queue.cpuQuota { object.setMember("cpuQuota", number(quota)) }
            if let quota = queue.memoryQuota { object.setMember("memoryQuota", number(quota)) }
            if let after = queue.promoteAfter { object.setMember("promoteAfterSeconds", .double(after)) }
            if let perDay = queue.budget?.tokensPerDay { object.setMember("tokensPerDay", .integer(Int64(perDay))) }
            if let today = queue.tokensToday { object.setMember("tokensToday", .integer(today)) }
            if let perDay = queue.budget?.costPerDay { object.setMember("costPerDay", number(perDay)) }
            if let today = queue.costToday { object.setMember("costToday", number(today)) }
            if !queue.unpricedModels.isEmpty { object.setMember("unpricedModels", .array(queue.unpricedModels.map(text))) }
            if queue.budget != nil { object.setMember("budgetSpent", .bool(queue.budgetSpent)) }
            return object
        }))
        document.setMember("waiting", .array(report.waiting.map { job in
            [
                "job": text(job.job), "queue": text(job.queue), "priority": .string(job.priority.rawValue),
                "effectivePriority": .string(job.effectivePriority.rawValue), "position": .integer(Int64(job.position)),
                "submitted": .string(RFC3339.string(from: job.submitted)), "reason": text(job.reason),
            ]
        }))
        return document
    }
}
