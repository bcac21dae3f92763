import FlightdeckCore
import AgentManifests
import Foundation
import KubeModel

/// What the cockpit and the history store know of an agent Job, derived from the cluster's
/// objects: the Job, its pods, its workspace claim and recent Warning events. Pure, so
/// every status and every "why is it pending" line is tested without a cluster.
///
/// Every string taken from the cluster is hostile (an agent can name things, a controller
/// can echo them): it is redacted and sanitised before it leaves this type.
public enum JobProjection {
    /// The agent's job id: the `JOB_ID` env of the container named `agent` (or the first
    /// container) in the Job's template; the Job's name when there is none.
    public static func jobID(_ job: Job) -> String {
        let containers = job.spec.template.spec.containers
        let agent = containers.first { $0.name == "agent" } ?? containers.first
        if let value = agent?.env.first(where: { $0.name == "JOB_ID" })?.value, !value.isEmpty {
            return clean(value, limit: 128)
        }
        return clean(job.metadata.name ?? "", limit: 128)
    }

    public static func agentJob(job: Job, pods: [Pod], claim: JSONValue?, warnings: [CoreEvent],
        context: String?) -> AgentJob
    {
        let meta = job.metadata
        let template = job.spec.template.spec
        let agent = template.containers.first { $0.name == "agent" } ?? template.containers.first
        let newest = pods.max { ($0.metadata.creationTimestamp ?? .distantPast) < ($1.metadata.creationTimestamp ?? .distantPast) }
        let status = status(of: job, pods: pods)
        var finished: Date?
        if status == .succeeded { finished = job.status.completionTime }
        if status == .failed { finished = job.status.condition(.failed)?.lastTransitionTime }
        let claimName = template.volumes.compactMap(\.claimName).first
        return AgentJob(
            id: jobID(job), uid: meta.uid, name: clean(meta.name ?? "", limit: 253),
            namespace: clean(meta.namespace ?? "", limit: 63), context: context,
            taskUUID: meta.labels[FlightdeckLabels.taskUUID].map { clean($0, limit: 64) },
            taskText: nil, image: agent?.image.map { clean($0, limit: 512) },
            createdAt: meta.creationTimestamp, startedAt: job.status.startTime, finishedAt: finished,
            status: status, retries: job.status.failed ?? 0, backoffLimit: job.spec.backoffLimit ?? 6,
            node: (newest?.spec.nodeName).map { clean($0, limit: 253) },
            pvc: claimName.map { clean($0, limit: 253) },
            pendingReason: reason(job: job, status: status, pod: newest, claim: claim, warnings: warnings),
            queue: meta.labels[FlightdeckLabels.queue].map { clean($0, limit: 63) },
            priority: meta.labels[FlightdeckLabels.priority].flatMap(TaskPriority.init(rawValue:)))
    }

    /// Failed or Complete by condition; queued (suspended, waiting in its task queue) or
    /// suspended; running once a pod is ready (or running); pending before that.
    public static func status(of job: Job, pods: [Pod] = []) -> FlightdeckCore.JobStatus {
        if job.status.condition(.failed)?.isTrue == true { return .failed }
        if job.status.condition(.complete)?.isTrue == true { return .succeeded }
        if job.spec.suspend == true {
            return job.metadata.labels[FlightdeckLabels.admission] == FlightdeckLabels.admissionQueued ? .queued : .suspended
        }
        if (job.status.ready ?? 0) > 0 || pods.contains(where: { $0.status.phase == .running }) { return .running }
        return .pending
    }

    /// One line saying why a Job is not running (or why it failed); `nil` when running or
    /// done. The first that applies: failure, suspension, a pod the controller could not
    /// create (PodSecurity), an unbound workspace, scheduling, an image that does not pull,
    /// a container in back-off.
    public static func reason(job: Job, status: FlightdeckCore.JobStatus, pod: Pod?, claim: JSONValue?, warnings: [CoreEvent]) -> String? {
        switch status {
        case .succeeded, .deleted: return nil
        case .failed:
            let condition = job.status.condition(.failed)
            let text = [condition?.reason, condition?.message].compactMap { $0 }.joined(separator: ": ")
            return clean(text.isEmpty ? "failed" : text)
        case .suspended: return "suspended"
        case .queued: return "queued"
        case .running: return nil
        case .pending: break
        }
        if let failedCreate = warnings.last(where: { $0.reason == "FailedCreate" }), pod == nil {
            return clean("cannot create its pod: " + (failedCreate.message ?? "FailedCreate"))
        }
        if let claim, claim[path: ["status", "phase"]]?.stringValue != "Bound" {
            let name = claim[path: ["metadata", "name"]]?.stringValue ?? "workspace"
            if let failed = warnings.last(where: { $0.reason == "ProvisioningFailed" }) {
                return clean("volume \(name) cannot be provisioned: " + (failed.message ?? ""))
            }
            if pod != nil { return clean("waiting for volume \(name) to bind") }
        }
        guard let pod else { return "waiting for its pod" }
        if let scheduled = pod.status.conditions.first(type: "PodScheduled"), scheduled.status == .false {
            return clean("unschedulable: " + (scheduled.message ?? scheduled.reason ?? "no node fits"))
        }
        for container in pod.status.initContainerStatuses + pod.status.containerStatuses {
            guard let waiting = container.json[path: ["state", "waiting"]] else { continue }
            let why = waiting["reason"]?.stringValue ?? ""
            let message = waiting["message"]?.stringValue
            switch why {
            case "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull":
                return clean("image pull (\(why))" + (message.map { ": " + $0 } ?? ""))
            case "CrashLoopBackOff":
                return clean("restarting: container \(container.name ?? "?") is in back-off"
                    + (message.map { ": " + $0 } ?? ""))
            case "CreateContainerConfigError", "CreateContainerError":
                return clean("cannot start container \(container.name ?? "?"): " + (message ?? why))
            default: continue
            }
        }
        if pod.status.phase == .pending { return "starting" }
        return nil
    }

    /// Redacted, sanitised, one line, bounded.
    static func clean(_ text: String, limit: Int = 300) -> String {
        let line = TerminalSanitizer.sanitize(SecretRedactor().redact(text))
            .replacingOccurrences(of: "\\n", with: " ")
        return line.count > limit ? String(line.prefix(limit - 1)) + "…" : line
    }
}
