import AgentManifests
import KubeModel

extension SubmitPlan {
    /// The plan for `task` as Flightdeck deploys it (`TaskManifests`); `natsCredentials`, the
    /// job's NATS user as a `.creds` file, goes into its Secret.
    public init(task: AgentTask, settings: ClusterSettings, natsCredentials: String? = nil) {
        self.init(
            namespace: settings.namespace, jobName: TaskManifests.jobName(task), taskUUID: task.uuid,
            job: { suspended in
                TaskManifests.job(task, settings: settings, suspended: suspended, natsCredentials: natsCredentials != nil)
            },
            claim: { owner in TaskManifests.workspaceClaim(task, settings: settings, owner: owner) },
            secret: { owner in TaskManifests.secret(task, settings: settings, owner: owner, natsCredentials: natsCredentials) })
    }
}
