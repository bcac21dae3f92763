import FlightdeckCore
import Foundation
import KubeModel
import Synchronization

/// The node's container logs, kept as the kubelet keeps them: one CRI-format file per
/// container instance at `<directory>/<namespace>_<pod>_<uid>/<container>/<restartCount>.log`
/// (the layout of `/var/log/pods`), and read back with the pod-log API's options.
///
/// Why files and not memory: agent traces run to millions of lines and must survive the
/// container (`previous`), so they live on disk; writers buffer and readers read
/// incrementally (`ContainerLogFile`, `PodLogStream`).
///
/// Used by the container runtime (which writes), the kubelet (which removes a pod's logs
/// when the pod is gone) and the API server's `pods/log` handler (`stream(for:options:)`).
public final class ContainerLogs: Sendable {
    public let directory: String
    let clock: @Sendable () -> Date
    /// Files of running instances, by path; finished ones are read from disk.
    private let live = Mutex<[String: ContainerLogFile]>([:])

    public init(directory: String, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.directory = directory
        self.clock = clock
    }

    /// `<namespace>_<pod>_<uid>`: the pod's log directory.
    public func podDirectory(namespace: String, pod: String, uid: String) -> String {
        directory + "/" + "\(namespace)_\(pod)_\(uid)"
    }

    public func path(namespace: String, pod: String, uid: String, container: String, attempt: Int) -> String {
        podDirectory(namespace: namespace, pod: pod, uid: uid) + "/\(container)/\(attempt).log"
    }

    // MARK: - Writing

    /// Creates the log of a new container instance (`attempt` is its restart count).
    public func create(namespace: String, pod: String, uid: String, container: String, attempt: Int) throws
        -> ContainerLogFile
    {
        let path = path(namespace: namespace, pod: pod, uid: uid, container: container, attempt: attempt)
        let file = try ContainerLogFile(creating: path, clock: clock)
        live.withLock { $0[path] = file }
        return file
    }

    /// The instance exited: closes its log (followers finish) and forgets it.
    public func finish(_ file: ContainerLogFile) {
        file.close()
        live.withLock { _ = $0.removeValue(forKey: file.path) }
    }

    /// Removes every log of a pod (it is gone from the API).
    public func removePod(namespace: String, pod: String, uid: String) {
        let prefix = podDirectory(namespace: namespace, pod: pod, uid: uid) + "/"
        let files = live.withLock { live in
            let matching = live.filter { $0.key.hasPrefix(prefix) }
            for key in matching.keys { live.removeValue(forKey: key) }
            return Array(matching.values)
        }
        for file in files { file.close() }
        try? FileManager.default.removeItem(atPath: String(prefix.dropLast()))
    }

    // MARK: - Reading

    /// The log of one instance, live or finished; `nil` when it never existed.
    public func file(namespace: String, pod: String, uid: String, container: String, attempt: Int)
        -> ContainerLogFile?
    {
        let path = path(namespace: namespace, pod: pod, uid: uid, container: container, attempt: attempt)
        if let file = live.withLock({ $0[path] }) { return file }
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return ContainerLogFile(finished: path)
    }

    /// `GET /api/v1/namespaces/{ns}/pods/{name}/log` for `pod` (the stored object), with the
    /// apiserver's and kubelet's checks and messages:
    /// - no `container` and several: 400 "a container name must be specified for pod P,
    ///   choose one of: [...]" (the `kubectl.kubernetes.io/default-container` annotation or a
    ///   single container is used without asking);
    /// - an unknown container: 400 "container X is not valid for pod P";
    /// - `previous` without an earlier instance: 400 "previous terminated container "X" in
    ///   pod "P" not found";
    /// - a container that has not started: 400 "container "X" in pod "P" is waiting to start:
    ///   REASON".
    /// The current instance is the one numbered `restartCount` in the container's status (it
    /// may already have exited, e.g. in CrashLoopBackOff); `previous` reads `restartCount - 1`.
    public func stream(for pod: JSONValue, options: PodLogOptions) throws(Status) -> PodLogStream {
        let object = Pod(json: pod)
        let meta = object.metadata
        let name = meta.name ?? ""
        let namespace = meta.namespace ?? "default"
        let uid = meta.uid ?? ""
        let containers = object.spec.containers.compactMap(\.name)
        let initContainers = object.spec.initContainers.compactMap(\.name)
        var container = options.container ?? ""
        if container.isEmpty {
            if let annotated = meta.annotations["kubectl.kubernetes.io/default-container"],
                containers.contains(annotated)
            {
                container = annotated
            } else if containers.count == 1 {
                container = containers[0]
            } else {
                var message = "a container name must be specified for pod \(name), choose one of: [\(containers.joined(separator: " "))]"
                if !initContainers.isEmpty {
                    message += " or one of the init containers: [\(initContainers.joined(separator: " "))]"
                }
                throw Status.badRequest(message)
            }
        }
        guard containers.contains(container) || initContainers.contains(container) else {
            throw Status.badRequest("container \(container) is not valid for pod \(name)")
        }
        let status = object.status.containerStatus(named: container)
        let restartCount = status?.restartCount ?? 0
        if options.previous == true {
            guard restartCount > 0,
                let file = file(namespace: namespace, pod: name, uid: uid, container: container, attempt: restartCount - 1)
            else {
                throw Status.badRequest("previous terminated container \"\(container)\" in pod \"\(name)\" not found")
            }
            return PodLogStream(file: file, options: options, now: clock())
        }
        guard let file = file(namespace: namespace, pod: name, uid: uid, container: container, attempt: restartCount)
        else {
            let reason = status?.state.waiting?.reason ?? "ContainerCreating"
            throw Status.badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: \(reason)")
        }
        return PodLogStream(file: file, options: options, now: clock())
    }
}
