import FlightdeckCore
import Foundation
import KubeModel

/// What the kubelet knows about one container of a pod: enough to write its status.
public struct ContainerRecord: Sendable, Hashable {
    public enum Role: Sendable, Hashable {
        case initContainer
        case sidecar
        case main
    }

    public enum State: Sendable, Hashable {
        /// Not started yet (or between restarts): `reason` (`PodInitializing`,
        /// `ContainerCreating`, `CrashLoopBackOff`) and an optional message.
        case waiting(reason: String?, message: String?)
        case running(startedAt: Date)
        case terminated(Terminated)
    }

    public struct Terminated: Sendable, Hashable {
        public var exitCode: Int32
        public var reason: String
        public var startedAt: Date
        public var finishedAt: Date
        public var containerID: String
    }

    public var name: String
    public var role: Role
    public var image: String
    public var state: State = .waiting(reason: nil, message: nil)
    public var lastTerminated: Terminated?
    /// The current (or last) instance's restart count.
    public var restartCount = 0
    public var containerID: String?
    /// Whether an instance was ever created.
    public var everStarted = false

    public init(name: String, role: Role, image: String) {
        self.name = name
        self.role = role
        self.image = image
    }

    public var isRunning: Bool { if case .running = state { true } else { false } }
    public var terminated: Terminated? { if case .terminated(let t) = state { t } else { nil } }

    /// The reason the kubelet gives a terminated container: `OOMKilled` when the kernel killed
    /// it, `Completed` for 0, `Error` otherwise.
    public static func reason(for exit: ContainerExitStatus) -> String {
        exit.oomKilled ? "OOMKilled" : exit.code == 0 ? "Completed" : "Error"
    }
}

/// Builds a pod's `status` from the kubelet's container records, as the real kubelet's
/// `generateAPIPodStatus` does: phase (`getPhase`), the five conditions with their reasons
/// and messages, and container statuses with `state`/`lastState`, ids and restart counts.
///
/// Pure, so the rules (when a pod is Pending, Running, Succeeded or Failed; what a condition
/// says) are tested without running anything.
public struct PodStatusBuilder: Sendable {
    public var restartPolicy: String
    public var hasInitContainers: Bool
    public var sandboxReady: Bool
    /// Every container has stopped for good (the pod worker finished): the phase may be terminal.
    public var terminal: Bool
    public var podIP: String?
    public var hostIP: String
    public var startTime: Date

    public init(restartPolicy: String, hasInitContainers: Bool, sandboxReady: Bool, terminal: Bool, podIP: String?,
        hostIP: String, startTime: Date)
    {
        self.restartPolicy = restartPolicy
        self.hasInitContainers = hasInitContainers
        self.sandboxReady = sandboxReady
        self.terminal = terminal
        self.podIP = podIP
        self.hostIP = hostIP
        self.startTime = startTime
    }

    // MARK: - Phase

    /// The kubelet's `getPhase`, with its rule that a pod is not reported terminal while any
    /// container (a sidecar included) still runs.
    public func phase(_ records: [ContainerRecord]) -> PodPhase {
        var pendingInit = 0
        var failedInit = 0
        for record in records where record.role == .initContainer {
            switch record.state {
            case .running: pendingInit += 1
            case .terminated(let t): if t.exitCode != 0 { failedInit += 1 }
            case .waiting:
                if let last = record.lastTerminated { if last.exitCode != 0 { failedInit += 1 } } else { pendingInit += 1 }
            }
        }
        var running = 0
        var waiting = 0
        var stopped = 0
        var succeeded = 0
        for record in records where record.role == .main {
            switch record.state {
            case .running: running += 1
            case .terminated(let t):
                stopped += 1
                if t.exitCode == 0 { succeeded += 1 }
            case .waiting:
                if let last = record.lastTerminated {
                    stopped += 1
                    if last.exitCode == 0 { succeeded += 1 }
                } else {
                    waiting += 1
                }
            }
        }
        if failedInit > 0, restartPolicy == "Never" { return terminal ? .failed : .pending }
        if pendingInit > 0, !terminal || failedInit == 0 { return terminal ? .failed : .pending }
        if waiting > 0 { return terminal ? .failed : .pending }
        if running > 0 { return .running }
        guard stopped > 0 else { return .pending }
        if terminal { return stopped == succeeded ? .succeeded : .failed }
        // Still settling (sidecars stopping, a restart due): not terminal yet.
        return .running
    }

    // MARK: - Status

    /// The new `status`, keeping from `old` what the kubelet does not own (other conditions,
    /// `qosClass`, `nominatedNodeName`, …) and each condition's `lastTransitionTime` while its
    /// status does not change.
    public func status(_ records: [ContainerRecord], old: JSONValue, now: Date) -> JSONValue {
        let phase = phase(records)
        var status = PodStatus(json: old.isEmptyObject ? .emptyObject : old)
        status.phase = phase
        status.hostIP = hostIP
        status.json.setMember("hostIPs", [["ip": .string(hostIP)]])
        if let podIP {
            status.podIP = podIP
            status.json.setMember("podIPs", [["ip": .string(podIP)]])
        }
        if status.startTime == nil { status.startTime = startTime }
        status.conditions = conditions(records, phase: phase, old: status.conditions, now: now)
        status.initContainerStatuses = records.filter { $0.role != .main }.map(containerStatus)
        status.containerStatuses = records.filter { $0.role == .main }.map(containerStatus)
        if status.json["qosClass"] == nil { status.json.setMember("qosClass", "BestEffort") }
        return status.json
    }

    func conditions(_ records: [ContainerRecord], phase: PodPhase, old: [Condition], now: Date) -> [Condition] {
        func make(_ type: String, _ ok: Bool, reason: String? = nil, message: String? = nil) -> Condition {
            var condition = Condition(type: type, status: ok ? .true : .false, reason: reason, message: message)
            let previous = old.first(type: type)
            condition.lastTransitionTime =
                previous?.status == condition.status ? previous?.lastTransitionTime ?? now : now
            condition.json.setMember("lastProbeTime", .null)
            // Keep the member order the apiserver shows: lastProbeTime first.
            condition.json = .object((condition.json.members ?? []).sorted { $0.key < $1.key })
            return condition
        }
        let isTerminal = phase == .succeeded || phase == .failed
        let incomplete = records.filter { record in
            switch record.role {
            case .initContainer: record.terminated?.exitCode != 0
            case .sidecar: !record.everStarted
            case .main: false
            }
        }.map(\.name)
        let unready = records.filter { ($0.role == .main || $0.role == .sidecar) && !$0.isRunning }.map(\.name)

        let initialized: Condition
        if phase == .succeeded {
            initialized = make("Initialized", true, reason: "PodCompleted")
        } else if incomplete.isEmpty || records.contains(where: { $0.role == .main && $0.everStarted }) {
            initialized = make("Initialized", true)
        } else {
            initialized = make("Initialized", false, reason: "ContainersNotInitialized",
                message: "containers with incomplete status: [\(incomplete.joined(separator: " "))]")
        }
        let ready: (Bool, String?, String?)
        if isTerminal {
            ready = (false, phase == .succeeded ? "PodCompleted" : "PodFailed", nil)
        } else if unready.isEmpty {
            ready = (true, nil, nil)
        } else {
            ready = (false, "ContainersNotReady", "containers with unready status: [\(unready.joined(separator: " "))]")
        }
        var result = [
            make("PodReadyToStartContainers", sandboxReady),
            initialized,
            make("Ready", ready.0, reason: ready.1, message: ready.2),
            make("ContainersReady", ready.0, reason: ready.1, message: ready.2),
        ]
        if let scheduled = old.first(type: "PodScheduled") {
            result.append(scheduled)
        } else {
            result.append(make("PodScheduled", true))
        }
        let owned = Set(result.compactMap(\.type))
        result += old.filter { !owned.contains($0.type ?? "") }
        return result
    }

    func containerStatus(_ record: ContainerRecord) -> ContainerStatus {
        var status = ContainerStatus()
        status.name = record.name
        status.image = Self.normalizedImage(record.image)
        status.json.setMember("imageID", .string(Self.imageID(record.image)))
        if let id = record.containerID { status.containerID = id }
        status.restartCount = record.restartCount
        status.ready = record.isRunning && record.role != .initContainer
        status.started = record.isRunning
        status.state = Self.state(record.state, reason: defaultWaitingReason)
        status.lastState = record.lastTerminated.map { Self.state(.terminated($0), reason: nil) } ?? ContainerState()
        if record.lastTerminated == nil { status.json.setMember("lastState", .emptyObject) }
        return status
    }

    var defaultWaitingReason: String { hasInitContainers ? "PodInitializing" : "ContainerCreating" }

    static func state(_ state: ContainerRecord.State, reason: String?) -> ContainerState {
        switch state {
        case .waiting(let given, let message):
            return .waiting(reason: given ?? reason ?? "ContainerCreating", message: message)
        case .running(let startedAt):
            return .running(startedAt: startedAt)
        case .terminated(let t):
            var state = ContainerState.terminated(exitCode: Int(t.exitCode), reason: t.reason, startedAt: t.startedAt,
                finishedAt: t.finishedAt)
            state.json[path: ["terminated", "containerID"]] = .string(t.containerID)
            return state
        }
    }

    // MARK: - Images

    /// `python:3.12` → `docker.io/library/python:3.12`, as containerd reports it.
    public static func normalizedImage(_ image: String) -> String {
        var name = image
        if !name.contains("@"), !(name.split(separator: "/").last?.contains(":") ?? false) { name += ":latest" }
        let first = name.split(separator: "/").first.map(String.init) ?? ""
        if !name.contains("/") {
            name = "docker.io/library/" + name
        } else if !(first.contains(".") || first.contains(":") || first == "localhost") {
            name = "docker.io/" + name
        }
        return name
    }

    /// A digest-shaped id for the image (`…@sha256:<64 hex>`), stable per image name. The
    /// simulation pulls nothing, so the digest is a hash of the name, not of any content.
    public static func imageID(_ image: String) -> String {
        let normalized = normalizedImage(image)
        let repository = normalized.split(separator: "@").first.map { part -> String in
            let text = String(part)
            guard let colon = text.lastIndex(of: ":"), !text[colon...].contains("/") else { return text }
            return String(text[..<colon])
        } ?? normalized
        return repository + "@sha256:" + hex64(normalized)
    }

    /// 64 hex digits derived from `text` (FNV-1a chained four times).
    static func hex64(_ text: String) -> String {
        var out = ""
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for round in 0..<4 {
            for byte in text.utf8 {
                hash ^= UInt64(byte) &+ UInt64(round)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            let digits = String(hash, radix: 16)
            out += String(repeating: "0", count: 16 - digits.count) + digits
        }
        return out
    }
}
