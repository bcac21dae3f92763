import Foundation
import KubeModel

/// One task queue of Flightdeck's config file (`queues:`): how many of its agents may run at
/// once, what CPU and memory their requests may add up to, a daily budget, and when a waiting
/// task is raised a priority level.
///
/// Why quotas count requests (not usage): admission decides before a pod exists, as Kueue's
/// ClusterQueue nominal quota does, and a request is what the scheduler reserves.
public struct QueueSettings: Sendable, Hashable {
    /// A DNS label (it becomes a label value and, with Kueue, a LocalQueue's name).
    public var name: String
    /// Agents of this queue running at once; `nil`: no limit (only the implicit queue).
    public var limit: Int?
    /// The sum of running agents' CPU requests may not exceed this; `nil`: no quota.
    public var cpu: Quantity?
    /// The sum of running agents' memory requests may not exceed this; `nil`: no quota.
    public var memory: Quantity?
    /// Daily spend limits, checked against the `usage` the queue's jobs reported today.
    public var budget: QueueBudget?
    /// A task waiting longer than this is raised one priority level; `nil`: never.
    public var promoteAfter: TimeInterval?

    public init(name: String, limit: Int? = nil, cpu: Quantity? = nil, memory: Quantity? = nil, budget: QueueBudget? = nil,
        promoteAfter: TimeInterval? = nil)
    {
        self.name = name
        self.limit = limit
        self.cpu = cpu
        self.memory = memory
        self.budget = budget
        self.promoteAfter = promoteAfter
    }
}

/// A queue's daily budget (`budget: {tokensPerDay: 2000000, costPerDay: 25}`): either or both.
public struct QueueBudget: Sendable, Hashable {
    /// Model tokens the queue's agents may use per day.
    public var tokensPerDay: Int?
    /// Money (in the price table's currency) the queue's agents may cost per day; exact
    /// decimal. Only models the table prices count toward it.
    public var costPerDay: Decimal?

    public init(tokensPerDay: Int? = nil, costPerDay: Decimal? = nil) {
        self.tokensPerDay = tokensPerDay
        self.costPerDay = costPerDay
    }
}
