import AgentManifests
import Foundation

/// Which queues have spent their daily budget: pure, from the tokens their jobs' records
/// reported since the start of today (the keeper's local day, the operator's).
///
/// Only `tokensPerDay` is checked: `costPerDay` needs each model's price, which Flightdeck does
/// not know yet, and a guessed price would stop or start work wrongly.
public enum QueueBudgets {
    /// Midnight of `now`'s day in `calendar` (the machine's time zone by default).
    public static func dayStart(_ now: Date, calendar: Calendar = .current) -> Date { calendar.startOfDay(for: now) }

    /// The queues whose `tokensPerDay` the day's use has reached.
    public static func spent(_ queues: QueueConfiguration, tokensToday: [String: Int64]) -> Set<String> {
        Set(queues.queues.compactMap { queue in
            guard let limit = queue.budget?.tokensPerDay, (tokensToday[queue.name] ?? 0) >= Int64(limit) else { return nil }
            return queue.name
        })
    }
}
