import FlightdeckCore
import Foundation
import HistoryStore
import KubeClient
import KubeModel

/// Finds a job's workspace on this machine: its claim (from history), the claim's volume, and
/// the volume's host directory — there when this node holds the local-path volume.
public struct WorkspaceLocator: Sendable {
    public let api: KubeAPI
    public let store: HistoryStore

    public init(api: KubeAPI, store: HistoryStore) {
        self.api = api
        self.store = store
    }

    /// The host directory of `jobID`'s workspace volume, when it exists here.
    public func hostDirectory(jobID: String) async -> String? {
        guard let job = try? await store.reading({ try $0.job(id: jobID) }), let claim = job.pvc else { return nil }
        guard let pvc = try? await api.get(.persistentVolumeClaims, namespace: job.namespace, name: claim),
            let volume = pvc[path: ["spec", "volumeName"]]?.stringValue,
            let pv = try? await api.get(.persistentVolumes, namespace: nil, name: volume),
            let path = Self.hostPath(of: pv)
        else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        return path
    }

    /// Where a PersistentVolume keeps its data on its node: `local.path` (local-path
    /// provisioner's local volumes) or `hostPath.path`; `nil` for any other kind, and for a
    /// path that is not absolute or names a parent (it is read from the cluster: not trusted).
    public static func hostPath(of volume: JSONValue) -> String? {
        guard let path = volume[path: ["spec", "local", "path"]]?.stringValue ?? volume[path: ["spec", "hostPath", "path"]]?.stringValue,
            path.hasPrefix("/"), !path.split(separator: "/").contains("..")
        else { return nil }
        return path
    }
}
