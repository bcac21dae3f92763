import ConfigYAML
import Foundation
import KubeModel

/// The `queues:` section of Flightdeck's config file: the task queues and which one a task
/// that names none goes to.
///
/// ```yaml
/// queues:
///   - name: homelab
///     limit: 3                 # agents running at once (>= 1)
///     cpu: "4"                 # optional: their CPU requests add up to at most this
///     memory: 16Gi             # optional: their memory requests add up to at most this
///     budget: {tokensPerDay: 2000000, costPerDay: 25.50}   # optional, either or both
///     promoteAfter: 30m        # optional: waiting longer raises a task one priority level
///     default: true            # at most one; none marked: the first queue is the default
///   - name: batch
///     limit: 1
/// ```
/// No `queues:` section means one implicit queue, `default`, without any limit: every task
/// starts at once, as before queues existed.
///
/// Why `promoteAfter` belongs to each queue: starvation is a property of one queue's traffic
/// (a queue flooded with high-priority work needs it, a quiet one does not).
public struct QueueConfiguration: Sendable, Hashable {
    /// The implicit queue's name, when the config names none.
    public static let implicitQueueName = "default"

    /// The queues in the config's order; never empty.
    public private(set) var queues: [QueueSettings]
    /// The queue of a task that names none.
    public private(set) var defaultQueueName: String
    /// Whether the config file has a `queues:` section (otherwise: the implicit queue).
    public private(set) var isConfigured: Bool
    /// The prices `costPerDay` budgets are counted with (the config's `prices:` section):
    /// usage of a model it does not price does not count toward `costPerDay`.
    public var prices = PriceTable()

    /// The implicit configuration: one queue, `default`, no limit.
    public init() {
        queues = [QueueSettings(name: Self.implicitQueueName)]
        defaultQueueName = Self.implicitQueueName
        isConfigured = false
    }

    /// `queues` with `defaultQueue` (`nil`: the first) as the default; no queues: the implicit one.
    /// A default that is not among the queues falls back to the first.
    public init(queues: [QueueSettings], defaultQueue: String? = nil) {
        guard let first = queues.first else {
            self.queues = [QueueSettings(name: Self.implicitQueueName)]
            defaultQueueName = Self.implicitQueueName
            isConfigured = false
            return
        }
        self.queues = queues
        defaultQueueName = defaultQueue.flatMap { name in queues.contains { $0.name == name } ? name : nil } ?? first.name
        isConfigured = true
    }

    public var defaultQueue: QueueSettings { queue(named: defaultQueueName)! }

    public func queue(named name: String) -> QueueSettings? { queues.first { $0.name == name } }

    /// The queue a task naming `name` (or none) goes to; `nil` when the config has no such queue.
    public func resolve(_ name: String?) -> QueueSettings? {
        guard let name else { return defaultQueue }
        return queue(named: name)
    }

    /// `queues: homelab, batch`, for messages.
    public var names: String { "queues: " + queues.map(\.name).joined(separator: ", ") }

    static let fields: Set<String> = ["name", "limit", "cpu", "memory", "budget", "promoteAfter", "default"]

    static func read(_ section: YAMLValue) throws(YAMLError) -> QueueConfiguration {
        guard let entries = try section.list(expected: "a list of queues (- name: homelab, limit: 3)") else {
            return QueueConfiguration()
        }
        var queues: [QueueSettings] = []
        var defaultQueue: (name: String, path: String)?
        var namePaths: [String: String] = [:]
        for entry in entries {
            guard let fields = try entry.mapping(expected: "a queue (a mapping with name:, limit:)") else {
                throw entry.error(expected: "a queue (a mapping with name:, limit:)")
            }
            try fields.rejectUnknownKeys(Self.fields)
            let nameValue = try fields.required("name")
            guard let name = try nameValue.string(), ClusterSettings.isDNSLabel(name) else {
                throw nameValue.error(expected: "a queue name (a DNS label: lower-case letters, digits, '-')")
            }
            if let earlier = namePaths[name] {
                throw nameValue.error("\(nameValue.path) \"\(name)\" is already the name of \(earlier)", kind: .invalidValue)
            }
            namePaths[name] = fields.path
            var queue = QueueSettings(name: name)
            queue.limit = try fields.required("limit").int(in: 1...100_000,
                expected: "a number of agents running at once (at least 1)")
            queue.cpu = try quantity(fields, "cpu", expected: "a CPU quantity like 4 or 3500m")
            queue.memory = try quantity(fields, "memory", expected: "a memory quantity like 16Gi")
            if let budget = try fields.mapping("budget", expected: "a mapping with tokensPerDay: and/or costPerDay:") {
                try budget.rejectUnknownKeys(["tokensPerDay", "costPerDay"])
                var value = QueueBudget()
                value.tokensPerDay = try budget.int("tokensPerDay", in: 0...Int.max, expected: "a whole number of tokens")
                if let cost = budget["costPerDay"], let text = try cost.string() {
                    guard let amount = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), amount >= 0,
                        text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") })
                    else { throw cost.error(expected: "an amount like 25 or 25.50") }
                    value.costPerDay = amount
                }
                guard value.tokensPerDay != nil || value.costPerDay != nil else {
                    throw budget.error("\(budget.path) should set tokensPerDay, costPerDay or both")
                }
                queue.budget = value
            }
            if let promote = fields["promoteAfter"], let text = try promote.string() {
                guard let seconds = TraceStartPoint.duration(text), seconds > 0 else {
                    throw promote.error(expected: "a duration like 90s, 30m, 2h or 1d")
                }
                queue.promoteAfter = seconds
            }
            if let marked = fields["default"], try marked.bool() == true {
                if let earlier = defaultQueue {
                    throw marked.error("\(marked.path): queue \"\(earlier.name)\" (\(earlier.path)) is already the default; at most one queue may be",
                        kind: .invalidValue)
                }
                defaultQueue = (name, fields.path)
            }
            queues.append(queue)
        }
        return QueueConfiguration(queues: queues, defaultQueue: defaultQueue?.name)
    }

    /// A positive Kubernetes quantity (`4`, `3500m`, `16Gi`), or `nil` when absent.
    private static func quantity(_ fields: YAMLMapping, _ key: String, expected: String) throws(YAMLError) -> Quantity? {
        guard let value = fields[key], let text = try value.string() else { return nil }
        guard let quantity = try? Quantity(parsing: text), quantity.value > 0 else { throw value.error(expected: expected) }
        return quantity
    }
}
