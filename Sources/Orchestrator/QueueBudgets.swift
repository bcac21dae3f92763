import AgentManifests
import FlightdeckCore
import Foundation

/// Which queues have spent their daily budget: pure, from the token use their jobs' records
/// reported since the start of today (the keeper's local day, the operator's).
///
/// `tokensPerDay` counts every token; `costPerDay` counts the cost of the models the config's
/// `prices:` table prices (`QueueConfiguration.prices`). Use of an unpriced model does not
/// count toward `costPerDay`: its cost is unknown, and a guessed price would stop or start
/// work wrongly.
public enum QueueBudgets {
    /// Midnight of `now`'s day in `calendar` (the machine's time zone by default).
    public static func dayStart(_ now: Date, calendar: Calendar = .current) -> Date { calendar.startOfDay(for: now) }

    /// The queues whose `tokensPerDay` or `costPerDay` the day's use (per queue, per model)
    /// has reached.
    public static func spent(_ queues: QueueConfiguration, usageToday: [String: [TokenUsage]]) -> Set<String> {
        Set(queues.queues.compactMap { queue in
            guard let budget = queue.budget else { return nil }
            let usage = usageToday[queue.name] ?? []
            if let limit = budget.tokensPerDay, CostAccounting.total(usage).total >= Int64(limit) { return queue.name }
            if let limit = budget.costPerDay, CostAccounting.cost(of: usage, prices: queues.prices).known >= limit {
                return queue.name
            }
            return nil
        })
    }

    /// Whether any queue has a budget, i.e. whether the day's use needs reading.
    public static func anyBudget(_ queues: QueueConfiguration) -> Bool { queues.queues.contains { $0.budget != nil } }
}
