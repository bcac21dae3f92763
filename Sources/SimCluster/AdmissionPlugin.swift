import FlightdeckCore
import KubeModel

/// One admission controller of the simulated apiserver (PodSecurity, StorageObjectInUseProtection,
/// DefaultStorageClass, …).
///
/// Why a protocol rather than code inside the store: the real apiserver's storage knows
/// nothing of pod security or storage classes; those are plugins chained in front of it.
/// Keeping them out of `StoreState` keeps the storage rules readable and lets the control
/// plane decide which plugins run (a bare store, as the storage tests use, has none).
///
/// Plugins run outside the store's lock, in registration order, after the name is
/// generated and before the write is committed; they may read the store (a namespace's
/// labels, a StorageClass). Like the real chain, a read can race with a concurrent write:
/// admission decisions are not transactional upstream either.
public protocol AdmissionPlugin: Sendable {
    /// Unique; registering a plugin with a name already registered replaces it.
    var name: String { get }

    /// Admits, mutates (`request.object`), or rejects the request by throwing the `Status`
    /// the client receives. Returns warnings for the client (`Warning: 299 - "…"` headers).
    func admit(_ request: inout AdmissionRequest, store: APIStore) throws(Status) -> [String]
}
