import FlightdeckCore
import KubeModel

/// One agent run as the operator asked for it: what the manifest builders turn into a Job,
/// its workspace claim and its Secret.
///
/// Why a plain value: the submit flow, the CLI's `manifests task` and the tests build the
/// same manifests from it, and the same task always gives the same manifests (golden files).
public struct AgentTask: Sendable, Hashable, Codable {
    /// The task's uuid: the idempotency key, labelled on everything the task creates.
    public var uuid: String
    public var image: String
    public var prompt: String
    /// A repository the agent clones into its workspace (through the egress proxy).
    public var repoURL: String?
    /// A short human title shown in the cockpit (an annotation; the prompt never is one).
    public var title: String?
    /// File name -> content, mounted read-only at `/var/secrets` (mode 0400); never env.
    public var secretFiles: [String: String]
    public var resources: TaskResources
    /// Pod failures (other than disruptions and the fatal exit code) retried before the Job fails.
    public var backoffLimit: Int
    /// A wall-clock bound on the whole Job, retries included; `nil`: none (agents may run hours).
    public var activeDeadlineSeconds: Int?
    /// How long a finished Job (and, through ownerReferences, its PVC and Secret) is kept.
    public var ttlSecondsAfterFinished: Int
    /// Extra plain environment for the agent container (e.g. `SIM_AGENT_*` knobs); never secrets.
    public var environment: [String: String]
    /// Extra labels on every object of the task (team, experiment).
    public var labels: [String: String]
    /// For a retry: the job id whose workspace snapshot this run restores from (its own
    /// snapshots are still written under its own id).
    public var restoreFromJobID: String?
    /// The queue the task waits in (`QueueConfiguration`); `nil`: the default queue. Submit
    /// writes the resolved name, so a Job always says which queue it is in.
    public var queue: String?
    /// Its urgency within the queue.
    public var priority: TaskPriority
    /// The tokens and cost it is meant to use (`nil`: none). It never reaches the cluster: the
    /// cockpit and `flightdeck jobs` flag a job over it, from history (`TaskSpec`).
    public var budget: TaskBudget?

    public init(uuid: String, image: String, prompt: String, repoURL: String? = nil, title: String? = nil,
        secretFiles: [String: String] = [:], resources: TaskResources = TaskResources(), backoffLimit: Int = 3,
        activeDeadlineSeconds: Int? = nil, ttlSecondsAfterFinished: Int = 86_400, environment: [String: String] = [:],
        labels: [String: String] = [:], queue: String? = nil, priority: TaskPriority = .normal, budget: TaskBudget? = nil)
    {
        self.uuid = uuid
        self.image = image
        self.prompt = prompt
        self.repoURL = repoURL
        self.title = title
        self.secretFiles = secretFiles
        self.resources = resources
        self.backoffLimit = backoffLimit
        self.activeDeadlineSeconds = activeDeadlineSeconds
        self.ttlSecondsAfterFinished = ttlSecondsAfterFinished
        self.environment = environment
        self.labels = labels
        restoreFromJobID = nil
        self.queue = queue
        self.priority = priority
        self.budget = budget
    }

    private enum CodingKeys: String, CodingKey {
        case uuid, image, prompt, repoURL, title, secretFiles, resources, backoffLimit, activeDeadlineSeconds,
            ttlSecondsAfterFinished, environment, labels, restoreFromJobID, queue, priority, budget
    }

    /// Decodes what `encode(to:)` writes, and the specs history kept before tasks had a queue,
    /// a priority and a budget (those read as the default queue, normal priority, no budget): a
    /// retry of an old task must still work.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        uuid = try container.decode(String.self, forKey: .uuid)
        image = try container.decode(String.self, forKey: .image)
        prompt = try container.decode(String.self, forKey: .prompt)
        repoURL = try container.decodeIfPresent(String.self, forKey: .repoURL)
        title = try container.decodeIfPresent(String.self, forKey: .title)
        secretFiles = try container.decode([String: String].self, forKey: .secretFiles)
        resources = try container.decode(TaskResources.self, forKey: .resources)
        backoffLimit = try container.decode(Int.self, forKey: .backoffLimit)
        activeDeadlineSeconds = try container.decodeIfPresent(Int.self, forKey: .activeDeadlineSeconds)
        ttlSecondsAfterFinished = try container.decode(Int.self, forKey: .ttlSecondsAfterFinished)
        environment = try container.decode([String: String].self, forKey: .environment)
        labels = try container.decode([String: String].self, forKey: .labels)
        restoreFromJobID = try container.decodeIfPresent(String.self, forKey: .restoreFromJobID)
        queue = try container.decodeIfPresent(String.self, forKey: .queue)
        priority = try container.decodeIfPresent(TaskPriority.self, forKey: .priority) ?? .normal
        budget = try container.decodeIfPresent(TaskBudget.self, forKey: .budget)
    }

    /// The Secret key holding the prompt; no secret file may use it.
    public static let promptKey = "task-prompt"

    /// The Secret key (and file name in `/var/secrets`) of the job's NATS credentials; no
    /// secret file may use it.
    public static let natsCredentialsKey = "nats.creds"

    /// Environment names the manifests set themselves; the task's `environment` may not override them.
    public static let reservedEnvironment: Set<String> = [
        "JOB_ID", "TASK_UUID", "WORKSPACE_PATH", "CHECKPOINT_PATH", "HEARTBEAT_PATH", "AGENT_LOG_DIR",
        "TASK_PROMPT_FILE", "SECRETS_DIR", "REPO_URL", "HOME", "PYTHONUSERBASE", "PATH", "HTTP_PROXY", "HTTPS_PROXY",
        "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "NATS_URL", "NATS_SUBJECT_LOGS", "NATS_SUBJECT_EVENTS",
        "NATS_SUBJECT_COMMANDS", "NATS_CREDS_FILE", "NATS_INBOX_PREFIX", "NATS_COMMANDS_STREAM", "NATS_COMMANDS_CONSUMER",
        "FATAL_EXIT_CODE",
    ]

    /// Everything wrong with the task, one sentence each naming the field; empty when it can be deployed.
    public var validationErrors: [String] {
        var errors: [String] = []
        if !Self.isLabelValue(uuid) || uuid.isEmpty {
            errors.append("uuid \"\(uuid)\" must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit (it is a label value)")
        }
        if image.isEmpty || image.contains(where: \.isWhitespace) { errors.append("image \"\(image)\" is not an image reference") }
        if prompt.isEmpty { errors.append("prompt is empty") }
        for name in secretFiles.keys.sorted() {
            if name == Self.promptKey {
                errors.append("secret file name \"\(name)\" is reserved for the prompt")
            } else if name == Self.natsCredentialsKey {
                errors.append("secret file name \"\(name)\" is reserved for the job's NATS credentials")
            } else if name.isEmpty || name.count > 253 || name == "." || name == ".."
                || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) })
            {
                errors.append("secret file name \"\(name)\" must consist of letters, digits, '-', '_' or '.'")
            }
        }
        for (field, text) in [("resources.cpu", resources.cpu), ("resources.cpuLimit", resources.cpuLimit),
            ("resources.memory", resources.memory), ("resources.workspaceSize", resources.workspaceSize),
            ("resources.shmSize", resources.shmSize)] as [(String, String?)]
        {
            guard let text else { continue }
            do {
                let quantity = try Quantity(parsing: text)
                if quantity.value <= 0 { errors.append("\(field) \"\(text)\" must be positive") }
            } catch {
                errors.append("\(field) \"\(text)\" is not a quantity (like 500m, 2Gi)")
            }
        }
        if backoffLimit < 0 { errors.append("backoffLimit \(backoffLimit) must not be negative") }
        if let deadline = activeDeadlineSeconds, deadline <= 0 {
            errors.append("activeDeadlineSeconds \(deadline) must be positive")
        }
        if ttlSecondsAfterFinished < 0 { errors.append("ttlSecondsAfterFinished \(ttlSecondsAfterFinished) must not be negative") }
        for name in environment.keys.sorted() {
            if Self.reservedEnvironment.contains(name) {
                errors.append("environment \(name) is set by Flightdeck and cannot be overridden")
            } else if name.isEmpty || name.first!.isNumber
                || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) })
            {
                errors.append("environment name \"\(name)\" must consist of letters, digits, '_', '-' or '.', not starting with a digit")
            }
        }
        if let queue, !ClusterSettings.isDNSLabel(queue) {
            errors.append("queue \"\(queue)\" is not a queue name (lower-case letters, digits, '-')")
        }
        if let budget {
            if budget.isEmpty { errors.append("budget should set tokens, cost or both") }
            if let tokens = budget.tokens, tokens < 0 { errors.append("budget.tokens \(tokens) must not be negative") }
            if let cost = budget.cost, cost < 0 { errors.append("budget.cost \(cost) must not be negative") }
        }
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) where !Self.isLabelValue(value) {
            errors.append("label \(key) value \"\(value)\" is not a valid label value")
        }
        return errors
    }

    /// A Kubernetes label value: at most 63 of `[A-Za-z0-9-_.]`, alphanumeric at both ends (or empty).
    static func isLabelValue(_ text: String) -> Bool {
        guard !text.isEmpty else { return true }
        guard text.count <= 63, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else { return false }
        return text.first!.isLetter || text.first!.isNumber ? (text.last!.isLetter || text.last!.isNumber) : false
    }
}
