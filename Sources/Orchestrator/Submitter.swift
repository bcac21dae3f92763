import FlightdeckCore
import AgentManifests
import Foundation
import KubeClient
import KubeModel

/// Submits a task without the race the usual "create the PVC, then the Job" leaves open:
/// the Job is created suspended, its uid then owns the workspace claim and the Secret, and
/// only then is it started (or put in its queue, for an admitter to start). So the claim and Secret can never outlive the Job (the garbage
/// collector removes them with it), and a pod never starts before its workspace exists.
///
/// A step that fails rolls back what was created (the Job, deleted with Background
/// propagation, takes its dependents along). Re-running a submission that died halfway
/// converges: the task's Job name is derived from its uuid, so a second run finds the
/// suspended Job and completes it — never two Jobs, never an orphan claim.
public struct Submitter: Sendable {
    public let api: KubeAPI
    /// Called after each step (tests and drills inject a crash here; `nil` in production).
    public var afterStep: (@Sendable (SubmitStep) async throws -> Void)?

    public init(api: KubeAPI, afterStep: (@Sendable (SubmitStep) async throws -> Void)? = nil) {
        self.api = api
        self.afterStep = afterStep
    }

    /// A submission stopped by something other than the API (the process dying, a drill):
    /// nothing is rolled back, as after a real crash.
    public struct Interrupted: Error, Sendable {
        public var after: SubmitStep
        public init(after: SubmitStep) { self.after = after }
    }

    /// Why a submission could not be made, as one sentence.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var step: SubmitStep
        public var underlying: String
        public var rolledBack: Bool
        public var description: String {
            "cannot \(step.rawValue): \(underlying)"
                + (rolledBack ? " (the Job and what it owned were removed)" : "")
        }
    }

    public func submit(_ plan: SubmitPlan) async throws -> SubmitOutcome {
        let ns = plan.namespace
        var existing: JSONValue?
        do {
            existing = try await api.get(.jobs, namespace: ns, name: plan.jobName)
        } catch let error as APIError where error.code == 404 {
            existing = nil
        }
        if let existing {
            let job = Job(json: existing)
            guard job.metadata.labels[FlightdeckLabels.taskUUID] == plan.taskUUID else {
                throw Failure(step: .createJob, underlying: "a Job named \(plan.jobName) already exists in \(ns) "
                    + "for another task", rolledBack: false)
            }
            guard let uid = job.metadata.uid else {
                throw Failure(step: .createJob, underlying: "the existing Job has no uid", rolledBack: false)
            }
            if job.spec.suspend != true { return .alreadyRunning(uid: uid) }
            if plan.admission != .immediate,
                job.metadata.labels[FlightdeckLabels.admission] == FlightdeckLabels.admissionQueued
            {
                return .alreadyQueued(uid: uid)
            }
            try await complete(plan, job: job, uid: uid, createdJob: false)
            return .resumed(uid: uid)
        }

        let created: JSONValue
        do {
            created = try await api.create(.jobs, namespace: ns, plan.job(true))
        } catch let error as APIError where error.code == 409 {
            // Another submitter won the race for this task: finish its work, or leave it be.
            return try await submit(plan)
        } catch {
            throw Failure(step: .createJob, underlying: "\(error)", rolledBack: false)
        }
        let job = Job(json: created)
        guard let uid = job.metadata.uid else {
            throw Failure(step: .createJob, underlying: "the server returned a Job without a uid", rolledBack: false)
        }
        try await afterStep?(.createJob)
        try await complete(plan, job: job, uid: uid, createdJob: true)
        return plan.admission == .immediate ? .started(uid: uid) : .queued(uid: uid)
    }

    /// Creates what is missing of the claim and Secret, owned by the Job, then unsuspends it or
    /// puts it in its queue.
    private func complete(_ plan: SubmitPlan, job: Job, uid: String, createdJob: Bool) async throws {
        let owner = OwnerReference(apiVersion: "batch/v1", kind: "Job", name: plan.jobName, uid: uid, controller: true,
            blockOwnerDeletion: true)
        var step = SubmitStep.createClaim
        do {
            try await createOwned(.persistentVolumeClaims, plan.claim(owner), namespace: plan.namespace, ownerUID: uid)
            try await afterStep?(.createClaim)
            step = .createSecret
            if let secret = plan.secret {
                try await createOwned(.secrets, secret(owner), namespace: plan.namespace, ownerUID: uid)
            }
            try await afterStep?(.createSecret)
            step = plan.admission == .immediate ? .unsuspend : .enqueue
            _ = try await api.patch(.jobs, namespace: plan.namespace, name: plan.jobName, plan.enqueuePatch, kind: .merge)
            try await afterStep?(step)
        } catch let interrupted as Interrupted {
            throw interrupted
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // Roll back: the Job, and through the garbage collector what it owns.
            let rolledBack = (try? await api.delete(.jobs, namespace: plan.namespace, name: plan.jobName,
                options: DeleteOptions(propagationPolicy: .background))) != nil
            throw Failure(step: step, underlying: "\(error)", rolledBack: rolledBack)
        }
    }

    /// Creates `object`; one that already exists is fine when this Job owns it (a re-run),
    /// and an error when something else does.
    private func createOwned(_ type: ResourceType, _ object: JSONValue, namespace: String, ownerUID: String) async throws {
        do {
            _ = try await api.create(type, namespace: namespace, object)
        } catch let error as APIError where error.code == 409 {
            let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
            let current = try await api.get(type, namespace: namespace, name: name)
            let owners = ObjectMeta(json: current["metadata"] ?? .emptyObject).ownerReferences
            guard owners.contains(where: { $0.uid == ownerUID }) else {
                throw APIError(status: .make(code: 409, reason: "AlreadyExists",
                    message: "\(type.qualifiedResource) \"\(name)\" already exists and belongs to something else"),
                    method: "POST", url: type.path(namespace: namespace))
            }
        }
    }
}
