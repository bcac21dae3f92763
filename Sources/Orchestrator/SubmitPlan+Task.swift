import AgentManifests
import KubeModel

extension SubmitPlan {
    /// The plan for `task` as Flightdeck deploys it (`TaskManifests`).
    public init(task: AgentTask, settings: ClusterSettings) {
        self.init(
            namespace: settings.namespace, jobName: TaskManifests.jobName(task), taskUUID: task.uuid,
            job: { suspended in TaskManifests.job(task, settings: settings, suspended: suspended) },
            claim: { owner in TaskManifests.workspaceClaim(task, settings: settings, owner: owner) },
            secret: { owner in TaskManifests.secret(task, settings: settings, owner: owner) })
    }
}
