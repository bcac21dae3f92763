/// A new task as the operator filled the form in; empty fields mean "the default".
public struct TaskDraft: Sendable, Hashable {
    public var image: String
    public var prompt: String
    public var repoURL: String
    public var templatePath: String
    /// The task queue to wait in (empty: the config's default queue).
    public var queue: String
    /// `high`, `normal` or `low` (empty: the template's, else normal).
    public var priority: String
    /// The task's token budget, a whole number (empty: the template's, else none).
    public var budgetTokens: String
    /// The task's cost budget, an amount like `2.50` (empty: the template's, else none).
    public var budgetCost: String

    public init(image: String = "", prompt: String = "", repoURL: String = "", templatePath: String = "",
        queue: String = "", priority: String = "", budgetTokens: String = "", budgetCost: String = "")
    {
        self.image = image
        self.prompt = prompt
        self.repoURL = repoURL
        self.templatePath = templatePath
        self.queue = queue
        self.priority = priority
        self.budgetTokens = budgetTokens
        self.budgetCost = budgetCost
    }

    /// The form's fields, in Tab order.
    public enum Field: Int, Sendable, Hashable, CaseIterable {
        case prompt, image, repoURL, templatePath, queue, priority, budgetTokens, budgetCost

        public var label: String {
            switch self {
            case .prompt: "Prompt"
            case .image: "Image"
            case .repoURL: "Repo URL"
            case .templatePath: "Template"
            case .queue: "Queue"
            case .priority: "Priority"
            case .budgetTokens: "Max tokens"
            case .budgetCost: "Max cost"
            }
        }
    }

    public subscript(field: Field) -> String {
        get {
            switch field {
            case .prompt: prompt
            case .image: image
            case .repoURL: repoURL
            case .templatePath: templatePath
            case .queue: queue
            case .priority: priority
            case .budgetTokens: budgetTokens
            case .budgetCost: budgetCost
            }
        }
        set {
            switch field {
            case .prompt: prompt = newValue
            case .image: image = newValue
            case .repoURL: repoURL = newValue
            case .templatePath: templatePath = newValue
            case .queue: queue = newValue
            case .priority: priority = newValue
            case .budgetTokens: budgetTokens = newValue
            case .budgetCost: budgetCost = newValue
            }
        }
    }
}
