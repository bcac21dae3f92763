import ConfigYAML
import FlightdeckCore
import Foundation

/// A task template file to start from (`flightdeck manifests task --template FILE`), and the
/// `agents:` section of Flightdeck's config file (defaults for every task): the fields of an
/// `AgentTask`, all optional, overlaid in order defaults → template → command-line flags.
///
/// ```yaml
/// image: ghcr.io/acme/agent:1.4
/// prompt: |
///   Fix the failing test in parser_test.py.
/// repoURL: https://github.com/acme/parser
/// title: parser fix
/// resources: {cpu: 500m, cpuLimit: "2", memory: 2Gi, workspaceSize: 5Gi, shmSize: 256Mi}
/// backoffLimit: 3
/// activeDeadlineSeconds: 14400
/// ttlSecondsAfterFinished: 86400
/// environment: {LOG_LEVEL: debug}
/// labels: {team: compilers}
/// secretFiles: {openai-key: ~/.secrets/openai}   # name -> a file to read (relative to the template)
/// queue: homelab          # one of the config's queues: (default: the default queue)
/// priority: high         # high | normal | low (default: normal)
/// budget: {tokens: 2000000, cost: "5.00"}   # optional, either or both: flagged when crossed
/// ```
/// Why secret files are paths here: a template is shared and committed; the secrets stay in
/// the operator's files and are read when the manifests are made.
public struct TaskTemplate: Sendable, Hashable {
    public var uuid: String?
    public var image: String?
    public var prompt: String?
    public var repoURL: String?
    public var title: String?
    public var cpu: String?
    public var cpuLimit: String?
    public var memory: String?
    public var workspaceSize: String?
    public var shmSize: String?
    public var backoffLimit: Int?
    public var activeDeadlineSeconds: Int?
    public var ttlSecondsAfterFinished: Int?
    /// The queue to wait in; `nil`: the config's default queue.
    public var queue: String?
    public var priority: TaskPriority?
    /// The task's token budget (`budget.tokens`); `nil`: none said here.
    public var budgetTokens: Int64?
    /// The task's cost budget (`budget.cost`), an exact decimal; `nil`: none said here.
    public var budgetCost: Decimal?
    public var environment: [String: String]
    public var labels: [String: String]
    /// Secret file name -> path of the file holding it (as written; relative to the template).
    public var secretFilePaths: [String: String]

    public init() {
        environment = [:]
        labels = [:]
        secretFilePaths = [:]
    }

    static let fields: Set<String> = ["uuid", "image", "prompt", "repoURL", "title", "resources", "backoffLimit",
        "activeDeadlineSeconds", "ttlSecondsAfterFinished", "environment", "labels", "secretFiles", "queue", "priority", "budget"]

    /// Reads a template file's text (YAML, or JSON, which is YAML); `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(ConfigFileError) -> TaskTemplate {
        do throws(YAMLError) {
            guard let fields = try YAMLDocument(text: text, source: file).root?.mapping(expected: "a mapping of task fields") else {
                return TaskTemplate()
            }
            return try read(fields)
        } catch {
            throw ConfigFileError(error)
        }
    }

    static func read(_ fields: YAMLMapping) throws(YAMLError) -> TaskTemplate {
        try fields.rejectUnknownKeys(Self.fields)
        var template = TaskTemplate()
        template.uuid = try fields.string("uuid")
        template.image = try fields.string("image")
        template.prompt = try fields.string("prompt")
        template.repoURL = try fields.string("repoURL")
        template.title = try fields.string("title")
        if let resources = try fields.mapping("resources", expected: "a mapping of fields") {
            try resources.rejectUnknownKeys(["cpu", "cpuLimit", "memory", "workspaceSize", "shmSize"])
            template.cpu = try resources.string("cpu")
            template.cpuLimit = try resources.string("cpuLimit")
            template.memory = try resources.string("memory")
            template.workspaceSize = try resources.string("workspaceSize")
            template.shmSize = try resources.string("shmSize")
        }
        template.backoffLimit = try fields.int("backoffLimit", in: 0...1000, expected: "an integer between 0 and 1000")
        template.activeDeadlineSeconds = try fields.int("activeDeadlineSeconds", in: 1...Int(Int32.max),
            expected: "a positive number of seconds")
        template.ttlSecondsAfterFinished = try fields.int("ttlSecondsAfterFinished", in: 0...Int(Int32.max),
            expected: "a number of seconds")
        if let queue = fields["queue"], let name = try queue.string() {
            guard ClusterSettings.isDNSLabel(name) else {
                throw queue.error(expected: "a queue name (lower-case letters, digits, '-')")
            }
            template.queue = name
        }
        if let priority = fields["priority"], let text = try priority.string() {
            guard let level = TaskPriority(rawValue: text) else { throw priority.error(expected: TaskPriority.choices) }
            template.priority = level
        }
        if let budget = try fields.mapping("budget", expected: "a mapping with tokens: and/or cost:") {
            try budget.rejectUnknownKeys(["tokens", "cost"])
            if let tokens = try budget.int("tokens", in: 0...Int.max, expected: "a whole number of tokens") {
                template.budgetTokens = Int64(tokens)
            }
            if let cost = budget["cost"], let text = try cost.string(expected: "an amount like 2.50 or 0") {
                guard let amount = TaskBudget.amount(text) else { throw cost.error(expected: "an amount like 2.50 or 0") }
                template.budgetCost = amount
            }
            guard template.budgetTokens != nil || template.budgetCost != nil else {
                throw budget.error("\(budget.path) should set tokens, cost or both")
            }
        }
        template.environment = try fields.stringMap("environment") ?? [:]
        template.labels = try fields.stringMap("labels") ?? [:]
        template.secretFilePaths = try fields.stringMap("secretFiles") ?? [:]
        return template
    }

    /// `self` over `base`: set fields replace, maps merge (self wins).
    public func overlaid(on base: TaskTemplate) -> TaskTemplate {
        var result = base
        result.uuid = uuid ?? base.uuid
        result.image = image ?? base.image
        result.prompt = prompt ?? base.prompt
        result.repoURL = repoURL ?? base.repoURL
        result.title = title ?? base.title
        result.cpu = cpu ?? base.cpu
        result.cpuLimit = cpuLimit ?? base.cpuLimit
        result.memory = memory ?? base.memory
        result.workspaceSize = workspaceSize ?? base.workspaceSize
        result.shmSize = shmSize ?? base.shmSize
        result.backoffLimit = backoffLimit ?? base.backoffLimit
        result.activeDeadlineSeconds = activeDeadlineSeconds ?? base.activeDeadlineSeconds
        result.ttlSecondsAfterFinished = ttlSecondsAfterFinished ?? base.ttlSecondsAfterFinished
        result.queue = queue ?? base.queue
        result.priority = priority ?? base.priority
        result.budgetTokens = budgetTokens ?? base.budgetTokens
        result.budgetCost = budgetCost ?? base.budgetCost
        result.environment = base.environment.merging(environment) { $1 }
        result.labels = base.labels.merging(labels) { $1 }
        result.secretFilePaths = base.secretFilePaths.merging(secretFilePaths) { $1 }
        return result
    }

    /// The agent image when neither the task, its template nor the config's `agents:` names
    /// one: the agent runtime and its reference agent (`flightdeck-agent/Containerfile`), built
    /// and imported into the cluster's containerd by the operator (`docs/agent-runtime.md`).
    public static let defaultImage = "localhost/flightdeck-agent:0.1.0"

    /// The task these fields describe; `uuid` when the template has none, `secretFiles` already
    /// read by the caller; the image `defaultImage` unless named. A missing prompt is left empty
    /// for validation to name.
    public func task(uuid fallbackUUID: String, secretFiles: [String: String]) -> AgentTask {
        let defaults = TaskResources()
        return AgentTask(
            uuid: uuid ?? fallbackUUID, image: image ?? Self.defaultImage, prompt: prompt ?? "", repoURL: repoURL, title: title,
            secretFiles: secretFiles,
            resources: TaskResources(cpu: cpu ?? defaults.cpu, cpuLimit: cpuLimit ?? defaults.cpuLimit,
                memory: memory ?? defaults.memory, workspaceSize: workspaceSize ?? defaults.workspaceSize,
                shmSize: shmSize ?? defaults.shmSize),
            backoffLimit: backoffLimit ?? 3, activeDeadlineSeconds: activeDeadlineSeconds,
            ttlSecondsAfterFinished: ttlSecondsAfterFinished ?? 86_400, environment: environment, labels: labels,
            queue: queue, priority: priority ?? .normal,
            budget: budgetTokens == nil && budgetCost == nil ? nil : TaskBudget(tokens: budgetTokens, cost: budgetCost))
    }
}
