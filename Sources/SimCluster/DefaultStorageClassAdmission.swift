import FlightdeckCore
import KubeModel

/// The DefaultStorageClass admission plugin: a new PVC that names no storage class gets the
/// one annotated `storageclass.kubernetes.io/is-default-class: "true"` (k3s: `local-path`),
/// which is how the product's claims reach the local-path provisioner without naming it.
public struct DefaultStorageClassAdmission: AdmissionPlugin {
    public let name = "DefaultStorageClass"

    public init() {}

    public func admit(_ request: inout AdmissionRequest, store: APIStore) throws(Status) -> [String] {
        guard request.operation == .create, request.subresource == nil, request.type == .persistentVolumeClaims,
            request.object[path: ["spec", "storageClassName"]] == nil
        else { return [] }
        guard let classes = try? store.list(type: .storageClasses) else { return [] }
        // Several defaults: upstream picks the newest; the names break ties.
        let defaults = (classes["items"]?.arrayValue ?? []).map(StorageClass.init(json:)).filter(\.isDefault)
            .sorted { ($0.metadata.creationTimestamp ?? .distantPast, $0.name ?? "")
                > ($1.metadata.creationTimestamp ?? .distantPast, $1.name ?? "") }
        if let chosen = defaults.first?.name {
            request.object[path: ["spec", "storageClassName"]] = .string(chosen)
        }
        return []
    }
}
