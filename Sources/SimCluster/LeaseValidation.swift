import FlightdeckCore
import KubeModel

/// The validation kube-apiserver applies to `coordination.k8s.io/v1` Leases
/// (`ValidateLeaseSpec`): `leaseDurationSeconds` must be greater than 0 and `leaseTransitions`
/// not negative, refused with a 422 naming the field.
///
/// Why here, as a plugin in front of storage: upstream it is the Lease strategy's validation,
/// and the sim's store has no per-kind strategies; the effect on a client is the same — a
/// leader-election client that writes a zero duration learns it from the sim as from k3s.
public struct LeaseValidation: AdmissionPlugin {
    public let name = "LeaseValidation"

    public init() {}

    public func admit(_ request: inout AdmissionRequest, store: APIStore) throws(Status) -> [String] {
        guard request.type == .leases, request.subresource == nil else { return [] }
        var causes: [Status.Cause] = []
        if let duration = request.object[path: ["spec", "leaseDurationSeconds"]], let seconds = Int(jsonValue: duration),
            seconds <= 0
        {
            causes.append(Status.invalidValue("spec.leaseDurationSeconds", duration, "must be greater than 0"))
        }
        if let transitions = request.object[path: ["spec", "leaseTransitions"]], let count = Int(jsonValue: transitions),
            count < 0
        {
            causes.append(Status.invalidValue("spec.leaseTransitions", transitions, "must be greater than or equal to 0"))
        }
        guard causes.isEmpty else { throw Status.invalid(request.type, name: request.name, causes: causes) }
        return []
    }
}
