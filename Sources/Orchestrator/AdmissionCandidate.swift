import FlightdeckCore
import AgentManifests
import Foundation
import KubeModel

/// One agent Job as admission sees it: which queue and priority it was submitted with, when,
/// whether it waits, runs or is done, and what it requests.
///
/// Why a plain value and not the Job: the planner stays pure (the admitter reads Jobs from the
/// cluster, the tests write these by hand), and Kueue's back end can fill the same fields.
public struct AdmissionCandidate: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        /// Suspended, waiting to be admitted.
        case queued
        /// Admitted (unsuspended) and not finished, whether or not its pod runs yet: it holds a slot.
        case running
        /// Complete or failed: it holds nothing.
        case finished
        /// Suspended but not in line: its submission is still making the claim and Secret (or
        /// someone suspended it by hand). It holds nothing and is not admitted.
        case preparing
    }

    /// The Job's name (`agent-…`).
    public var id: String
    /// The queue it names; `nil`: the default queue.
    public var queue: String?
    public var priority: TaskPriority
    /// When it was submitted (the Job's creationTimestamp): the order within a priority.
    public var submitted: Date
    public var state: State
    /// Its CPU request (cores); `nil` counts as nothing.
    public var cpu: Quantity?
    /// Its memory request (bytes); `nil` counts as nothing.
    public var memory: Quantity?

    public init(id: String, queue: String? = nil, priority: TaskPriority = .normal, submitted: Date, state: State,
        cpu: Quantity? = nil, memory: Quantity? = nil)
    {
        self.id = id
        self.queue = queue
        self.priority = priority
        self.submitted = submitted
        self.state = state
        self.cpu = cpu
        self.memory = memory
    }
}
