import AgentManifests
import FlightdeckCore
import Foundation
import HistoryStore
import KubeClient
import Orchestrator

/// Submitting a task and retrying a job, the same way from `flightdeck submit`, `jobs retry`,
/// the cockpit's form and `r` key, and the demo: the submit flow, then the task recorded in
/// history with what a retry needs (its spec, secret file paths, never secret values).
public enum TaskSubmission {
    ///
    /// With `queues` configured the Job is put in its queue instead of started: Kueue admits it
    /// where the cluster has Kueue, otherwise the keeper holding the admission Lease (`Admitter`).
    public static func submit(_ task: AgentTask, secretFilePaths: [String: String], api: KubeAPI, context: String?,
        settings: ClusterSettings, queues: QueueConfiguration, store: HistoryStore) async throws -> SubmitOutcome
    {
        // The job's own NATS user, when this machine holds the bus keys.
        let identity = try await offThePool { try BusIdentity.load(settings) }
        let admission = try await KueueDiscovery.mode(queues, api: api)
        let plan = SubmitPlan(task: task, settings: settings, natsCredentials: identity?.jobCredentials(task)?.fileText,
            admission: admission, defaultQueue: queues.defaultQueueName)
        let outcome = try await Submitter(api: api).submit(plan)
        let redactor = SecretRedactor()
        let job = AgentJob(
            id: TaskManifests.jobID(task), name: plan.jobName, namespace: plan.namespace,
            context: context, taskUUID: task.uuid,
            taskText: TerminalSanitizer.sanitize(redactor.redact((task.title.map { "\($0): " } ?? "") + task.prompt)),
            image: task.image, createdAt: Date(), status: .pending, backoffLimit: task.backoffLimit,
            taskSpec: TaskSpec(task: task, secretFilePaths: secretFilePaths, redactor: redactor).json)
        _ = try await offThePool { try store.write([.job(job)]) }
        await prepareCommandQueue(forJob: job.id, settings: settings)
        return outcome
    }

    /// Makes the job's command queue when NATS is reachable, so its agent finds it at once
    /// (otherwise the first command makes it, and the agent asks until then): best effort,
    /// never failing or holding up the submission for long.
    static func prepareCommandQueue(forJob jobID: String, settings: ClusterSettings) async {
        guard let connection = try? await NATSLink.connect(settings, name: "flightdeck submit", required: false,
            configPath: "", timeout: .seconds(2))
        else { return }
        try? await NATSCommandChannel(connection: connection).prepare(forJob: jobID)
        await connection.close()
    }

    /// The line confirming a submission: started, queued, finished an earlier one, or nothing to do.
    public static func confirmation(_ outcome: SubmitOutcome, task: AgentTask) -> String {
        let name = TerminalText.line(TaskManifests.jobName(task))
        let queue = "queue " + TerminalText.line(task.queue ?? QueueConfiguration.implicitQueueName)
        return switch outcome {
        case .started: "job.batch/\(name) started (task \(task.uuid))"
        case .resumed: "job.batch/\(name) started: finished an earlier submission of task \(task.uuid)"
        case .alreadyRunning: "job.batch/\(name) is already running task \(task.uuid): nothing to do"
        case .queued: "job.batch/\(name) queued in \(queue) (task \(task.uuid))"
        case .alreadyQueued: "job.batch/\(name) already waits in \(queue) for task \(task.uuid): nothing to do"
        }
    }

    /// A new Job for `previous`'s task that restores its workspace snapshot; returns its name.
    /// Secret files are read again from where they were; `prompt` replaces one history could
    /// keep only redacted.
    public static func retry(_ previous: AgentJob, prompt: String?, api: KubeAPI, context: String?, settings: ClusterSettings,
        queues: QueueConfiguration, store: HistoryStore) async throws -> String
    {
        guard let text = previous.taskSpec, let spec = TaskSpec.decode(text) else {
            throw OperatorError("history does not know how \(previous.name) was submitted (only `flightdeck submit`, the cockpit and the demo record it)")
        }
        let task: AgentTask
        do {
            task = try spec.retry(uuid: UUID().uuidString.lowercased(), previousJobID: previous.id, prompt: prompt) {
                try TaskRequest.readFile($0, what: "secret file")
            }
        } catch let error as TaskSpec.RetryError {
            throw OperatorError(error.description)
        }
        _ = try await submit(task, secretFilePaths: spec.secretFilePaths, api: api, context: context, settings: settings,
            queues: queues, store: store)
        return TaskManifests.jobName(task)
    }
}
