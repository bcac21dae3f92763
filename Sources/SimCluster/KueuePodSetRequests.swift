import FlightdeckCore
import Foundation
import KubeModel

/// What one pod set of a Kueue Workload asks of a ClusterQueue's quota: Kueue's
/// `workload.Info` totals, computed from a pod template.
///
/// Per pod, as Kueue's `limitrange.TotalRequests` / `resourcehelpers.PodRequests`: the
/// containers' requests plus every native sidecar's (an init container with
/// `restartPolicy: Always`), or, when larger, what any ordinary init container needs
/// while it runs (its own requests plus the sidecars started before it) — per resource.
/// A container that sets a limit but no request for a resource requests its limit, as Kueue
/// adjusts templates before counting. Pod overhead and LimitRange defaults are not applied.
/// The pod set's total is the per-pod amount times `count`, plus `pods: count` (Kueue counts
/// pods as a resource a ClusterQueue may cover).
///
/// Values are exact decimals in base units: cores for `cpu`, bytes for `memory`, a count for
/// `pods`. Anything unparseable in the template counts as nothing (the template is hostile).
public struct KueuePodSetRequests: Sendable, Hashable {
    public static let podsResource = "pods"

    /// Resource name → total for the pod set.
    public var total: [String: Decimal]
    public var count: Int

    public init(total: [String: Decimal], count: Int) {
        self.total = total
        self.count = count
    }

    /// The totals for `count` pods of `template` (a PodTemplateSpec's JSON).
    public init(template: JSONValue, count: Int) {
        let spec = PodSpec(json: template["spec"] ?? .emptyObject)
        let perPod = Self.perPod(spec)
        var total: [String: Decimal] = [:]
        for (resource, amount) in perPod { total[resource] = amount * Decimal(count) }
        total[Self.podsResource] = Decimal(count)
        self.init(total: total, count: count)
    }

    /// One pod's requests.
    public static func perPod(_ spec: PodSpec) -> [String: Decimal] {
        var running: [String: Decimal] = [:]
        for container in spec.containers { add(requests(container), to: &running) }
        var sidecarsSoFar: [String: Decimal] = [:]
        var initPeak: [String: Decimal] = [:]
        for container in spec.initContainers {
            if container.isSidecar {
                add(requests(container), to: &sidecarsSoFar)
                add(requests(container), to: &running)
            } else {
                var during = sidecarsSoFar
                add(requests(container), to: &during)
                for (resource, amount) in during { initPeak[resource] = max(initPeak[resource] ?? 0, amount) }
            }
        }
        for (resource, amount) in initPeak { running[resource] = max(running[resource] ?? 0, amount) }
        return running.filter { $0.value > 0 }
    }

    /// A container's requests, a limit standing in for a missing request.
    static func requests(_ container: Container) -> [String: Decimal] {
        var result: [String: Decimal] = [:]
        for (resource, quantity) in container.resources.limits where quantity.value > 0 { result[resource] = quantity.value }
        for (resource, quantity) in container.resources.requests where quantity.value >= 0 { result[resource] = quantity.value }
        return result
    }

    private static func add(_ amounts: [String: Decimal], to sum: inout [String: Decimal]) {
        for (resource, amount) in amounts { sum[resource, default: 0] += amount }
    }

    /// An amount as Kueue prints it in `resourceUsage` and messages: `pods` as a count, `cpu`
    /// in cores or millicores, `memory` (and anything else) in bytes with the largest exact
    /// binary suffix.
    public static func format(_ amount: Decimal, resource: String) -> String {
        switch resource {
        case "cpu":
            return Quantity.cpu(millicores: Self.roundedUp(amount * 1000)).text
        case podsResource:
            return String(Self.roundedUp(amount))
        default:
            if amount == 0 { return "0" }
            return Quantity.bytes(Self.roundedUp(amount)).text
        }
    }

    static func roundedUp(_ value: Decimal) -> Int64 {
        var input = value
        var result = Decimal()
        NSDecimalRound(&result, &input, 0, .up)
        return NSDecimalNumber(decimal: result).int64Value
    }
}
