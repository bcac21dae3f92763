import FlightdeckCore
import KubeModel

/// The StorageObjectInUseProtection admission plugin: every new PVC gets the
/// `kubernetes.io/pvc-protection` finalizer and every new PV `kubernetes.io/pv-protection`,
/// so deleting a claim a pod still mounts (or a bound volume) only marks it; the
/// protection controllers remove the finalizer once nothing uses it.
public struct StorageProtectionAdmission: AdmissionPlugin {
    public let name = "StorageObjectInUseProtection"
    public static let pvcFinalizer = "kubernetes.io/pvc-protection"
    public static let pvFinalizer = "kubernetes.io/pv-protection"

    public init() {}

    public func admit(_ request: inout AdmissionRequest, store: APIStore) throws(Status) -> [String] {
        guard request.operation == .create, request.subresource == nil else { return [] }
        let finalizer: String
        switch request.type {
        case .persistentVolumeClaims: finalizer = Self.pvcFinalizer
        case .persistentVolumes: finalizer = Self.pvFinalizer
        default: return []
        }
        var meta = ObjectMeta(json: request.object["metadata"] ?? .emptyObject)
        if !meta.finalizers.contains(finalizer) {
            meta.finalizers.append(finalizer)
            request.object.setMember("metadata", meta.json)
        }
        return []
    }
}
