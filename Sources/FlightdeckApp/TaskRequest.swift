import FlightdeckCore
import AgentManifests
import Foundation

/// A task as the operator describes it — `flightdeck submit`'s flags, the cockpit's new-task
/// form — before it is laid over the config's `agents:` defaults and a template file: the one
/// typed way every front end makes a task.
///
/// Precedence, lowest first: the config's defaults, the template, these fields. Secret files
/// named by the template are relative to it; those named here to `workingDirectory`.
public struct TaskRequest: Sendable, Hashable {
    public var template: String?
    /// Read the prompt from this file (wins over `fields.prompt`).
    public var promptFile: String?
    /// The task's fields as given (`nil`: say nothing). Its `secretFilePaths` name files
    /// relative to `workingDirectory`.
    public var fields = TaskTemplate()

    public init(prompt: String? = nil, image: String? = nil, repoURL: String? = nil, template: String? = nil) {
        fields.prompt = prompt
        fields.image = image
        fields.repoURL = repoURL
        self.template = template
    }

    /// A built task and the absolute paths its secret files were read from (kept in history,
    /// so that a retry reads them again; the values never are).
    public struct Built: Sendable {
        public var task: AgentTask
        public var secretFilePaths: [String: String]
    }

    /// The task this request describes over `config`'s defaults (and the template's); throws
    /// a one-line `OperatorError` naming the file or field at fault.
    public func build(config: ManifestConfig, workingDirectory: String = FileManager.default.currentDirectoryPath)
        throws(OperatorError) -> Built
    {
        var fields = config.taskDefaults
        var baseDirectory = workingDirectory
        if let template {
            let path = Self.resolve(template, in: workingDirectory)
            let text = try Self.readFile(path, what: "task template")
            do {
                fields = try TaskTemplate.parse(text, file: template).overlaid(on: fields)
            } catch {
                throw OperatorError(error.description)
            }
            baseDirectory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        }
        var flags = self.fields
        if let promptFile {
            flags.prompt = try Self.readFile(Self.resolve(promptFile, in: workingDirectory), what: "prompt file")
        }
        flags.secretFilePaths = [:]  // resolved below, against the working directory
        fields = flags.overlaid(on: fields)

        var secrets: [String: String] = [:]
        var paths: [String: String] = [:]
        for (name, path) in fields.secretFilePaths where self.fields.secretFilePaths[name] == nil {
            paths[name] = Self.resolve(path, in: baseDirectory)
        }
        for (name, path) in self.fields.secretFilePaths {
            paths[name] = Self.resolve(path, in: workingDirectory)
        }
        for (name, path) in paths.sorted(by: { $0.key < $1.key }) {
            secrets[name] = try Self.readFile(path, what: "secret file \(name)")
        }
        var task = fields.task(uuid: UUID().uuidString.lowercased(), secretFiles: secrets)
        // The queue is resolved here, once: the Job then names the queue it was submitted to
        // even if the config's default changes later.
        guard let queue = config.queues.resolve(task.queue) else {
            let known = config.queues.isConfigured ? "(\(config.queues.names))" : "(the config has no queues: section; the only queue is \"default\")"
            throw OperatorError("queue \"\(task.queue ?? "")\" is not configured \(known)")
        }
        task.queue = queue.name
        let errors = task.validationErrors
        if !errors.isEmpty { throw OperatorError("cannot make the task's manifests: " + errors.joined(separator: "; ")) }
        return Built(task: task, secretFilePaths: paths)
    }

    /// `--priority`'s value; one line naming the choices otherwise.
    public static func priority(_ text: String?) throws(OperatorError) -> TaskPriority? {
        guard let text else { return nil }
        guard let priority = TaskPriority(rawValue: text.lowercased()) else {
            throw OperatorError("--priority \(text): expected \(TaskPriority.choices)")
        }
        return priority
    }

    /// `--budget-tokens`' value: a whole number of tokens; one line saying so otherwise.
    public static func budgetTokens(_ text: String?) throws(OperatorError) -> Int64? {
        guard let text else { return nil }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let tokens = Int64(text) else {
            throw OperatorError("--budget-tokens \(TerminalText.line(text)): expected a whole number of tokens like 2000000")
        }
        return tokens
    }

    /// `--budget-cost`' value: an exact amount in the price table's currency (`2.50`, `0`);
    /// one line saying so otherwise.
    public static func budgetCost(_ text: String?) throws(OperatorError) -> Decimal? {
        guard let text else { return nil }
        guard let amount = TaskBudget.amount(text) else {
            throw OperatorError("--budget-cost \(TerminalText.line(text)): expected an amount like 2.50 or 0")
        }
        return amount
    }

    /// `NAME=VALUE` pairs (as flags give them) as a dictionary; `flag` names them in the error.
    public static func pairs(_ values: [String], flag: String) throws(OperatorError) -> [String: String] {
        var result: [String: String] = [:]
        for value in values {
            guard let equals = value.firstIndex(of: "="), equals != value.startIndex else {
                throw OperatorError("\(flag) \(value): expected NAME=VALUE")
            }
            result[String(value[..<equals])] = String(value[value.index(after: equals)...])
        }
        return result
    }

    static func resolve(_ path: String, in directory: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") { return (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst() }
        return directory + "/" + path
    }

    /// A text file's content; one line naming `what` and the path when it cannot be read.
    public static func readFile(_ path: String, what: String) throws(OperatorError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw OperatorError("cannot read \(what) \(path): no such file or not readable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw OperatorError("\(what) \(path) is not UTF-8 text")
        }
        return text
    }
}
