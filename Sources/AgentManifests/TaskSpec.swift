import FlightdeckCore
import Foundation

/// What history keeps of a submitted task so it can be retried later: the task without its
/// secret contents (the files' paths instead, read again at retry), and the prompt only
/// when it holds nothing the redactor would hide (otherwise redacted, and a retry asks for
/// it again).
public struct TaskSpec: Sendable, Hashable, Codable {
    /// The task with `secretFiles` empty.
    public var task: AgentTask
    /// Secret file name -> the absolute path it was read from.
    public var secretFilePaths: [String: String]
    /// Whether `task.prompt` had to be redacted (a retry then needs the prompt again).
    public var promptRedacted: Bool

    public init(task: AgentTask, secretFilePaths: [String: String], redactor: SecretRedactor = SecretRedactor()) {
        var kept = task
        kept.secretFiles = [:]
        let redacted = redactor.redact(task.prompt)
        promptRedacted = redacted != task.prompt
        kept.prompt = redacted
        self.task = kept
        self.secretFilePaths = secretFilePaths
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    public static func decode(_ text: String) -> TaskSpec? {
        try? JSONDecoder().decode(TaskSpec.self, from: Data(text.utf8))
    }

    /// The budget of the task history keeps with `job` (`nil`: none, or no spec: a Job not
    /// submitted from this history, or one from before budgets).
    public static func budget(of job: AgentJob) -> TaskBudget? {
        job.taskSpec.flatMap(decode)?.task.budget
    }

    /// Why a retry cannot be built, as one sentence.
    public struct RetryError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The task of a retry: a new uuid (a new Job), the same everything else, secret files
    /// read again from their paths, and the workspace restored from `previousJobID`'s
    /// snapshot. `prompt` replaces a prompt history could only keep redacted.
    public func retry(uuid: String, previousJobID: String, prompt: String? = nil,
        readFile: (String) throws -> String) throws -> AgentTask
    {
        var next = task
        next.uuid = uuid
        next.restoreFromJobID = previousJobID
        if let prompt {
            next.prompt = prompt
        } else if promptRedacted {
            throw RetryError(description: "the task's prompt held a secret and history kept it redacted: pass the prompt again (--prompt or --prompt-file)")
        }
        for (name, path) in secretFilePaths.sorted(by: { $0.key < $1.key }) {
            do {
                next.secretFiles[name] = try readFile(path)
            } catch {
                throw RetryError(description: "cannot read secret file \(name) at \(path) again: \(error)")
            }
        }
        return next
    }
}
