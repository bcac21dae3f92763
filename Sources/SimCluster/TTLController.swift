import FlightdeckCore
import Foundation
import KubeModel

/// The ttl-after-finished controller: deletes a finished Job (`Complete` or `Failed`)
/// `spec.ttlSecondsAfterFinished` after it finished, with Background propagation so the
/// garbage collector then removes its pods and whatever else it owns (the agent's PVC and
/// Secret), which is how the product's finished agents clean up after themselves.
///
/// The finish time is `status.completionTime`, else the terminal condition's
/// `lastTransitionTime` (a failed Job has no completion time), as upstream's `jobFinishTime`.
///
/// Run once (`run()` until cancelled); `ControlPlane` does this.
public final class TTLController: QueueDrivenController {
    public let store: APIStore
    let timing: SimTiming
    let queue = WorkQueue<ObjectKey>()

    public init(store: APIStore, timing: SimTiming = .realTime) {
        self.store = store
        self.timing = timing
    }

    public func run() async { await runLoop() }

    var sources: [ControllerSource] {
        [
            .watch(.jobs) { [queue] event in
                if event.type != .deleted, let key = ObjectKey(event.object) { queue.add(key) }
            },
        ]
    }

    static func finishTime(_ job: Job) -> Date? {
        if let completion = job.status.completionTime { return completion }
        return job.status.conditions.first {
            ($0.type == JobConditionType.complete.rawValue || $0.type == JobConditionType.failed.rawValue) && $0.isTrue
        }?.lastTransitionTime
    }

    func sync(_ key: ObjectKey) {
        guard let json = try? store.get(type: .jobs, namespace: key.namespace, name: key.name) else { return }
        let job = Job(json: json)
        guard let ttl = job.spec.ttlSecondsAfterFinished, job.isFinished, !job.metadata.isBeingDeleted,
            let finished = Self.finishTime(job)
        else { return }
        let remaining = finished.addingTimeInterval(Double(ttl)).timeIntervalSince(store.clock())
        if remaining > 0 {
            queue.add(key, after: timing.duration(seconds: remaining))
            return
        }
        _ = try? store.delete(type: .jobs, namespace: key.namespace, name: key.name,
            options: DeleteOptions(propagationPolicy: .background))
    }
}
