import FlightdeckCore
import Foundation
import KubeModel

/// k3s's bundled local-path provisioner (`rancher.io/local-path`), together with the parts
/// of kube-controller-manager's PV controller and pv-protection controller it relies on:
/// it provisions a host directory per claim once the scheduler picked the node, binds the
/// claim to the new volume, and when the claim is gone releases the volume and (reclaim
/// policy `Delete`) removes the directory and the PV.
///
/// Why real directories: agents' workspaces are directories the simulated kubelet mounts;
/// tests and demos inspect them. Removal is confined to `<dataDirectory>/storage/pvc-*`
/// so a malformed PV can never make it delete anything else.
///
/// Run once (`run()` until cancelled); `ControlPlane` does this.
public final class LocalPathProvisioner: QueueDrivenController {
    public static let provisionerName = "rancher.io/local-path"
    public static let storageClassName = "local-path"
    public static let provisionedByAnnotation = "pv.kubernetes.io/provisioned-by"

    public let store: APIStore
    public let nodeName: String
    /// k3s's `--data-dir` (`/var/lib/rancher/k3s`): volumes live under `storage/`.
    public let dataDirectory: URL
    let timing: SimTiming
    let provisionerEvents: EventRecorder
    let volumeControllerEvents: EventRecorder

    enum Key: Hashable, Sendable {
        case claim(ObjectKey)
        case volume(String)
    }

    let queue = WorkQueue<Key>()

    public init(store: APIStore, nodeName: String = "flightdeck-sim", dataDirectory: URL,
        timing: SimTiming = .realTime)
    {
        self.store = store
        self.nodeName = nodeName
        self.dataDirectory = dataDirectory
        self.timing = timing
        provisionerEvents = EventRecorder(store: store,
            component: "\(Self.provisionerName)_local-path-provisioner-\(nodeName)")
        volumeControllerEvents = EventRecorder(store: store, component: "persistentvolume-controller")
    }

    /// `<dataDirectory>/storage`.
    public var storageDirectory: URL { dataDirectory.appendingPathComponent("storage", isDirectory: true) }

    /// Creates the `local-path` StorageClass (k3s's default class) unless it exists.
    public func ensureStorageClass() {
        let storageClass: JSONValue = [
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": [
                "name": .string(Self.storageClassName),
                "annotations": ["storageclass.kubernetes.io/is-default-class": "true"],
            ],
            "provisioner": .string(Self.provisionerName),
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "WaitForFirstConsumer",
        ]
        _ = try? store.create(storageClass, type: .storageClasses)
    }

    public func run() async {
        ensureStorageClass()
        await runLoop()
    }

    var sources: [ControllerSource] {
        [
            .watch(.persistentVolumeClaims) { [queue] event in
                guard let key = ObjectKey(event.object) else { return }
                if event.type == .deleted {
                    // The claim is gone: its volume is released (and maybe deleted).
                    if let volume = event.object[path: ["spec", "volumeName"]]?.stringValue, !volume.isEmpty {
                        queue.add(.volume(volume))
                    }
                } else {
                    queue.add(.claim(key))
                }
            },
            .watch(.persistentVolumes) { [queue] event in
                if event.type != .deleted, let name = ObjectKey(event.object)?.name { queue.add(.volume(name)) }
            },
            .resync(every: 60, timing: timing) { [weak self] in self?.resync() },
        ]
    }

    func sync(_ key: Key) {
        switch key {
        case .claim(let claim): syncClaim(claim)
        case .volume(let name): syncVolume(name)
        }
    }

    func resync() {
        for claim in ControllerRuntime.list(store, .persistentVolumeClaims) {
            if let key = ObjectKey(claim) { queue.add(.claim(key)) }
        }
        for volume in ControllerRuntime.list(store, .persistentVolumes) {
            if let name = ObjectKey(volume)?.name { queue.add(.volume(name)) }
        }
    }

    // MARK: - Claims

    func syncClaim(_ key: ObjectKey) {
        guard let namespace = key.namespace,
            let json = try? store.get(type: .persistentVolumeClaims, namespace: namespace, name: key.name)
        else { return }
        let claim = PersistentVolumeClaim(json: json)
        guard !claim.metadata.isBeingDeleted, claim.phase != "Bound", let uid = claim.metadata.uid,
            let className = claim.spec.storageClassName,
            let classJSON = try? store.get(type: .storageClasses, name: className)
        else { return }
        let storageClass = StorageClass(json: classJSON)
        guard storageClass.provisioner == Self.provisionerName else { return }
        let volumeName = "pvc-\(uid)"
        if (try? store.get(type: .persistentVolumes, name: volumeName)) != nil {
            bind(claim: key, volumeName: volumeName)
            return
        }
        let waitsForConsumer = storageClass.volumeBindingMode == "WaitForFirstConsumer"
        let selectedNode = claim.metadata.annotations[Scheduler.selectedNodeAnnotation]
        if waitsForConsumer, selectedNode == nil {
            volumeControllerEvents.record(json, type: .normal, reason: "WaitForFirstConsumer",
                message: "waiting for first consumer to be created before binding")
            return
        }
        provision(json, claim: claim, key: key, storageClass: storageClass, node: selectedNode ?? nodeName,
            volumeName: volumeName)
    }

    func provision(_ json: JSONValue, claim: PersistentVolumeClaim, key: ObjectKey, storageClass: StorageClass,
        node: String, volumeName: String)
    {
        let namespace = key.namespace ?? "default"
        volumeControllerEvents.record(json, type: .normal, reason: "ExternalProvisioning",
            message: "waiting for a volume to be created, either by external provisioner \"\(Self.provisionerName)\" "
                + "or manually created by system administrator")
        provisionerEvents.record(json, type: .normal, reason: "Provisioning",
            message: "External provisioner is provisioning volume for claim \"\(namespace)/\(key.name)\"")
        let directory = storageDirectory.appendingPathComponent("\(volumeName)_\(namespace)_\(key.name)",
            isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o777])
        } catch {
            provisionerEvents.record(json, type: .warning, reason: "ProvisioningFailed",
                message: "failed to provision volume with StorageClass \"\(storageClass.name ?? "")\": \(error)")
            return
        }
        let accessModes = claim.spec.accessModes.isEmpty ? ["ReadWriteOnce"] : claim.spec.accessModes
        var claimRef: JSONValue = [
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": .string(namespace),
            "name": .string(key.name), "uid": .string(claim.metadata.uid ?? ""),
        ]
        if let version = claim.metadata.resourceVersion { claimRef.setMember("resourceVersion", .string(version)) }
        let volume: JSONValue = [
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": [
                "name": .string(volumeName),
                "annotations": .sortedStringMap([
                    "local.path.provisioner/selected-node": node, Self.provisionedByAnnotation: Self.provisionerName,
                ]),
            ],
            "spec": [
                "accessModes": .array(accessModes.map(JSONValue.string)),
                "capacity": ["storage": json[path: ["spec", "resources", "requests", "storage"]] ?? "0"],
                "claimRef": claimRef,
                "hostPath": ["path": .string(directory.path), "type": "DirectoryOrCreate"],
                "nodeAffinity": ["required": ["nodeSelectorTerms": [[
                    "matchExpressions": [["key": "kubernetes.io/hostname", "operator": "In", "values": [.string(node)]]],
                ]]]],
                "persistentVolumeReclaimPolicy": .string(storageClass.reclaimPolicy ?? "Delete"),
                "storageClassName": .string(storageClass.name ?? ""),
                "volumeMode": .string(claim.spec.volumeMode ?? "Filesystem"),
            ],
        ]
        do {
            _ = try store.create(volume, type: .persistentVolumes)
        } catch {
            if error.code != 409 {
                provisionerEvents.record(json, type: .warning, reason: "ProvisioningFailed",
                    message: "failed to provision volume with StorageClass \"\(storageClass.name ?? "")\": "
                        + (error.message ?? "unknown error"))
                return
            }
        }
        provisionerEvents.record(json, type: .normal, reason: "ProvisioningSucceeded",
            message: "Successfully provisioned volume \(volumeName)")
        bind(claim: key, volumeName: volumeName)
    }

    /// The PV controller's binding: the volume's phase, then the claim's `volumeName`,
    /// annotations and status.
    func bind(claim key: ObjectKey, volumeName: String) {
        guard let volumeJSON = try? store.get(type: .persistentVolumes, name: volumeName) else { return }
        let volume = PersistentVolume(json: volumeJSON)
        _ = try? ControllerRuntime.modify(store, .persistentVolumes, namespace: nil, name: volumeName, status: true) {
            object in
            guard object[path: ["status", "phase"]]?.stringValue != "Bound" else { return false }
            object[path: ["status", "phase"]] = "Bound"
            return true
        }
        _ = try? ControllerRuntime.modify(store, .persistentVolumeClaims, namespace: key.namespace, name: key.name) {
            object in
            var meta = ObjectMeta(json: object["metadata"] ?? .emptyObject)
            var annotations = meta.annotations
            annotations["pv.kubernetes.io/bind-completed"] = "yes"
            annotations["pv.kubernetes.io/bound-by-controller"] = "yes"
            annotations["volume.beta.kubernetes.io/storage-provisioner"] = Self.provisionerName
            annotations["volume.kubernetes.io/storage-provisioner"] = Self.provisionerName
            guard annotations != meta.annotations || object[path: ["spec", "volumeName"]]?.stringValue != volumeName
            else { return false }
            meta.annotations = annotations
            object.setMember("metadata", meta.json)
            object[path: ["spec", "volumeName"]] = .string(volumeName)
            return true
        }
        _ = try? ControllerRuntime.modify(store, .persistentVolumeClaims, namespace: key.namespace, name: key.name,
            status: true) { object in
            guard object[path: ["status", "phase"]]?.stringValue != "Bound" else { return false }
            object[path: ["status", "phase"]] = "Bound"
            object[path: ["status", "accessModes"]] = .array(volume.spec.accessModes.map(JSONValue.string))
            object[path: ["status", "capacity"]] = volumeJSON[path: ["spec", "capacity"]] ?? .emptyObject
            return true
        }
    }

    // MARK: - Volumes

    func syncVolume(_ name: String) {
        guard let json = try? store.get(type: .persistentVolumes, name: name) else { return }
        let volume = PersistentVolume(json: json)
        if let claimRef = volume.spec.claimRef, !claimExists(claimRef) {
            if volume.phase != "Released", volume.phase != "Failed" {
                _ = try? ControllerRuntime.modify(store, .persistentVolumes, namespace: nil, name: name, status: true) {
                    object in
                    object[path: ["status", "phase"]] = "Released"
                    return true
                }
            }
            if volume.spec.persistentVolumeReclaimPolicy == "Delete",
                volume.metadata.annotations[Self.provisionedByAnnotation] == Self.provisionerName
            {
                removeDirectory(volume.spec.hostPath)
                _ = try? store.delete(type: .persistentVolumes, name: name)
            }
        }
        // The pv-protection controller: a volume no claim is bound to may go.
        if let current = try? store.get(type: .persistentVolumes, name: name),
            ControllerRuntime.isBeingDeleted(current), current[path: ["status", "phase"]]?.stringValue != "Bound"
        {
            ControllerRuntime.removeFinalizer(store, .persistentVolumes, namespace: nil, name: name,
                StorageProtectionAdmission.pvFinalizer)
        }
    }

    func claimExists(_ reference: ObjectReference) -> Bool {
        guard let name = reference.name,
            let claim = try? store.get(type: .persistentVolumeClaims, namespace: reference.namespace, name: name)
        else { return false }
        return reference.uid == nil || claim[path: ["metadata", "uid"]]?.stringValue == reference.uid
    }

    /// Removes a volume's directory, only when it is one this provisioner made.
    func removeDirectory(_ path: String?) {
        guard let path else { return }
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let root = storageDirectory.standardizedFileURL.path + "/"
        guard url.path.hasPrefix(root), url.lastPathComponent.hasPrefix("pvc-"),
            !url.path.dropFirst(root.count).contains("/")
        else { return }
        try? FileManager.default.removeItem(at: url)
    }
}
