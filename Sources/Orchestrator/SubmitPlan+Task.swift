import AgentManifests
import KubeModel

extension SubmitPlan {
    /// The plan for `task` as Flightdeck deploys it (`TaskManifests`); `natsCredentials`, the
    /// job's NATS user as a `.creds` file, goes into its Secret; `admission`, who starts it.
    public init(task: AgentTask, settings: ClusterSettings, natsCredentials: String? = nil,
        admission: AdmissionMode = .immediate, defaultQueue: String = QueueConfiguration.implicitQueueName)
    {
        self.init(
            namespace: settings.namespace, jobName: TaskManifests.jobName(task), taskUUID: task.uuid,
            job: { suspended in
                TaskManifests.job(task, settings: settings, suspended: suspended, natsCredentials: natsCredentials != nil)
            },
            claim: { owner in TaskManifests.workspaceClaim(task, settings: settings, owner: owner) },
            secret: { owner in TaskManifests.secret(task, settings: settings, owner: owner, natsCredentials: natsCredentials) },
            admission: admission,
            enqueuePatch: admission.enqueuePatch(queue: task.queue ?? defaultQueue, priority: task.priority))
    }
}
