import FlightdeckCore
import AgentManifests
import Foundation
import KubeModel

extension AdmissionCandidate {
    /// An agent Job as admission sees it: queue and priority from its labels (none: the
    /// default queue, normal; an unknown priority value counts as normal), submitted at its
    /// creationTimestamp, queued while suspended and labelled `flightdeck.dev/admission=queued`
    /// (suspended without it: still preparing), finished by condition, and the CPU and memory
    /// its pod requests — regular containers and native sidecars together, which is what the
    /// scheduler reserves for the pod's whole life (the restore init container runs before
    /// them and needs less).
    public init(job: Job) {
        let labels = job.metadata.labels
        let state: State
        if job.isFinished {
            state = .finished
        } else if job.spec.suspend != true {
            state = .running
        } else {
            state = labels[FlightdeckLabels.admission] == FlightdeckLabels.admissionQueued ? .queued : .preparing
        }
        let pod = job.spec.template.spec
        var cpu: Decimal = 0
        var memory: Decimal = 0
        for container in pod.containers + pod.sidecarContainers {
            let requests = container.resources.requests
            cpu += requests["cpu"]?.value ?? 0
            memory += requests["memory"]?.value ?? 0
        }
        self.init(id: job.metadata.name ?? "", queue: labels[FlightdeckLabels.queue],
            priority: labels[FlightdeckLabels.priority].flatMap(TaskPriority.init(rawValue:)) ?? .normal,
            submitted: job.metadata.creationTimestamp ?? .distantPast, state: state,
            cpu: try? Quantity(parsing: "\(cpu)"), memory: try? Quantity(parsing: "\(memory)"))
    }
}
