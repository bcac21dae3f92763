import FlightdeckCore
import Foundation
import KubeModel
import SimAgent
import Synchronization

/// What every pod worker of one kubelet shares.
struct KubeletContext: Sendable {
    let store: APIStore
    let configuration: KubeletConfiguration
    let logs: ContainerLogs
    let runtime: any ContainerRuntime
    let recorder: EventRecorder
    let nextIP: @Sendable () -> String
    var timing: SimTiming { configuration.timing }
}

/// Runs one pod, as the kubelet's pod worker does: a single task consumes the pod's events
/// (API updates, container exits, back-off timers, probe failures) one at a time, so the
/// lifecycle is a plain state machine with no locking, and writes the status after each.
final class PodWorker: Sendable {
    enum Event: Sendable {
        case changed(JSONValue)
        case deleted(JSONValue)
        case exited(name: String, attempt: Int, status: ContainerExitStatus)
        case backoffElapsed(name: String)
        case retryMount
        case probeFailed(name: String, attempt: Int, message: String)
        /// The kubelet stops: kill everything now, write nothing more.
        case shutdown
    }

    let uid: String
    private let continuation: AsyncStream<Event>.Continuation
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(pod: JSONValue, context: KubeletContext, onFinish: @escaping @Sendable () -> Void) {
        uid = pod[path: ["metadata", "uid"]]?.stringValue ?? ""
        let (stream, continuation) = AsyncStream<Event>.makeStream()
        self.continuation = continuation
        let started = Task {
            var run = PodRun(pod: pod, context: context, events: continuation)
            await run.loop(stream)
            onFinish()
        }
        task.withLock { $0 = started }
    }

    func send(_ event: Event) { continuation.yield(event) }

    func finished() async { await task.withLock { $0 }?.value }
}

/// The mutable life of one pod, owned by its worker's task.
struct PodRun {
    enum Stage: Equatable {
        /// Mounting volumes, creating the sandbox.
        case preparing
        /// Running init container `index` (sidecars are started and passed over).
        case initializing(Int)
        case running
        /// Stopping whatever still runs (sidecars after the main containers, or everything).
        case stopping
        case finished
    }

    struct Instance {
        var attempt: Int
        var process: any ContainerProcess
        var log: ContainerLogFile
        var probe: Task<Void, Never>?
        var stopRequested = false
    }

    let context: KubeletContext
    let events: AsyncStream<PodWorker.Event>.Continuation
    var pod: JSONValue
    let uid: String
    let name: String
    let namespace: String
    let spec: PodSpec
    var records: [ContainerRecord]
    var instances: [String: Instance] = [:]
    var crashes: [String: Int] = [:]
    var pendingRestart: Set<String> = []
    var stage: Stage = .preparing
    var deleting = false
    var gone = false
    var shuttingDown = false
    var sandboxReady = false
    var podIP: String?
    var volumes: [String: String] = [:]
    var startTime: Date
    var deleteRequested = false

    init(pod: JSONValue, context: KubeletContext, events: AsyncStream<PodWorker.Event>.Continuation) {
        var pod = pod
        if pod["kind"] == nil { pod.setMember("kind", "Pod") }
        if pod["apiVersion"] == nil { pod.setMember("apiVersion", "v1") }
        self.pod = pod
        self.context = context
        self.events = events
        let meta = ObjectMeta(json: pod["metadata"] ?? .emptyObject)
        uid = meta.uid ?? ""
        name = meta.name ?? ""
        namespace = meta.namespace ?? "default"
        spec = Pod(json: pod).spec
        records = spec.initContainers.map {
            ContainerRecord(name: $0.name ?? "", role: $0.isSidecar ? .sidecar : .initContainer, image: $0.image ?? "")
        } + spec.containers.map { ContainerRecord(name: $0.name ?? "", role: .main, image: $0.image ?? "") }
        startTime = context.store.clock()
        deleting = meta.isBeingDeleted
        // A pod that already ended (seen again after a kubelet restart) is not run again.
        if let phase = Pod(json: pod).status.phase, phase == .succeeded || phase == .failed { stage = .finished }
    }

    var restartPolicy: String { spec.restartPolicy ?? "Always" }
    var podLabel: String { "\(name)_\(namespace)(\(uid))" }
    var now: Date { context.store.clock() }

    // MARK: - The loop

    mutating func loop(_ stream: AsyncStream<PodWorker.Event>) async {
        if stage != .finished {
            reconcile()
            writeStatus()
        }
        for await event in stream {
            handle(event)
            if shuttingDown {
                for (_, instance) in instances {
                    instance.probe?.cancel()
                    instance.process.stop(gracePeriod: .zero)
                }
                for (_, instance) in instances {
                    _ = await instance.process.wait()
                    context.logs.finish(instance.log)
                }
                return
            }
            reconcile()
            writeStatus()
            if stage == .finished, gone {
                cleanUp()
                return
            }
        }
    }

    mutating func handle(_ event: PodWorker.Event) {
        switch event {
        case .changed(let object):
            guard object[path: ["metadata", "uid"]]?.stringValue == uid else { return }
            pod = object
            if pod["kind"] == nil { pod.setMember("kind", "Pod") }
            if pod["apiVersion"] == nil { pod.setMember("apiVersion", "v1") }
            if ObjectMeta(json: object["metadata"] ?? .emptyObject).isBeingDeleted { deleting = true }
        case .deleted:
            deleting = true
            gone = true
        case .exited(let name, let attempt, let status):
            exited(name, attempt: attempt, status: status)
        case .backoffElapsed(let name):
            pendingRestart.remove(name)
            guard !deleting, stage != .stopping, stage != .finished, let index = index(of: name),
                !records[index].isRunning
            else { return }
            start(index)
        case .retryMount:
            break
        case .probeFailed(let name, let attempt, let message):
            guard var instance = instances[name], instance.attempt == attempt, !instance.stopRequested else { return }
            emit(name, .warning, "Unhealthy", "Liveness probe failed: \(message)")
            emit(name, .normal, "Killing", "Container \(name) failed liveness probe, will be restarted")
            instance.stopRequested = true
            instance.process.stop(gracePeriod: gracePeriod)
            instances[name] = instance
        case .shutdown:
            shuttingDown = true
        }
    }

    // MARK: - Reconcile

    /// Moves the pod forward as far as it can go now.
    mutating func reconcile() {
        var progressed = true
        while progressed {
            progressed = false
            if deleting, stage != .stopping, stage != .finished {
                stage = .stopping
                pendingRestart.removeAll()
            }
            switch stage {
            case .preparing:
                guard prepare() else { return }
                stage = .initializing(0)
                progressed = true
            case .initializing(let index):
                if index >= records.count || records[index].role == .main {
                    stage = .running
                    progressed = true
                    continue
                }
                let record = records[index]
                if record.role == .sidecar {
                    if !record.everStarted { start(index) }
                    stage = .initializing(index + 1)
                    progressed = true
                    continue
                }
                switch record.state {
                case .waiting:
                    if !pendingRestart.contains(record.name) { start(index) }
                case .running:
                    break
                case .terminated(let terminated):
                    if terminated.exitCode == 0 {
                        stage = .initializing(index + 1)
                        progressed = true
                    } else if restartPolicy == "Never" {
                        stage = .stopping
                        progressed = true
                    } else {
                        scheduleRestart(index)
                    }
                }
                restartSidecars()
            case .running:
                for index in records.indices where records[index].role == .main {
                    if case .waiting = records[index].state, !records[index].everStarted { start(index) }
                }
                for index in records.indices where records[index].role == .main && shouldRestart(records[index]) {
                    scheduleRestart(index)
                }
                restartSidecars()
                let mainDone = records.filter { $0.role == .main }.allSatisfy { record in
                    record.terminated != nil && !shouldRestart(record) && !pendingRestart.contains(record.name)
                }
                if mainDone {
                    stage = .stopping
                    progressed = true
                }
            case .stopping:
                // Sidecars stop after the main containers, in reverse order; the rest at once.
                for name in instances.keys.sorted(by: { stopOrder($0) < stopOrder($1) }) {
                    guard var instance = instances[name], !instance.stopRequested else { continue }
                    emit(name, .normal, "Killing", "Stopping container \(name)")
                    instance.stopRequested = true
                    instance.probe?.cancel()
                    instance.process.stop(gracePeriod: gracePeriod)
                    instances[name] = instance
                }
                if instances.isEmpty {
                    stage = .finished
                    sandboxReady = false
                    progressed = true
                }
            case .finished:
                if deleting, !gone, !deleteRequested {
                    deleteRequested = true
                    // The kubelet's final delete; with finalizers left (a Job's tracking
                    // finalizer) the object stays until its owner removes them.
                    do {
                        let result = try context.store.delete(type: .pods, namespace: namespace, name: name,
                            options: DeleteOptions(gracePeriodSeconds: 0))
                        if result.removed { gone = true }
                    } catch {
                        if error.code == 404 { gone = true }
                    }
                }
            }
        }
    }

    func stopOrder(_ name: String) -> Int {
        guard let index = index(of: name) else { return 0 }
        return records[index].role == .sidecar ? records.count - index : -records.count
    }

    func index(of name: String) -> Int? { records.firstIndex { $0.name == name } }

    func shouldRestart(_ record: ContainerRecord) -> Bool {
        guard let terminated = record.terminated, !deleting else { return false }
        switch record.role {
        case .sidecar: return stage != .stopping && stage != .finished
        case .initContainer: return terminated.exitCode != 0 && restartPolicy != "Never"
        case .main: return restartPolicy == "Always" || (restartPolicy == "OnFailure" && terminated.exitCode != 0)
        }
    }

    mutating func restartSidecars() {
        for index in records.indices where records[index].role == .sidecar && shouldRestart(records[index]) {
            scheduleRestart(index)
        }
    }

    /// The kubelet's crash-loop back-off: the first restart is immediate, then 10 s, 20 s, …
    /// up to 300 s (scaled by the configuration).
    mutating func scheduleRestart(_ index: Int) {
        let name = records[index].name
        guard !pendingRestart.contains(name), let terminated = records[index].terminated else { return }
        let count = (crashes[name] ?? 0) + 1
        crashes[name] = count
        if count == 1 {
            start(index)
            return
        }
        let delay = min(context.configuration.initialBackoff * pow(2, Double(count - 2)), context.configuration.maxBackoff)
        records[index].lastTerminated = terminated
        records[index].state = .waiting(reason: "CrashLoopBackOff",
            message: "back-off \(Int(delay))s restarting failed container=\(name) pod=\(podLabel)")
        emit(name, .warning, "BackOff", "Back-off restarting failed container \(name) in pod \(podLabel)")
        pendingRestart.insert(name)
        let events = events
        let wait = context.timing.duration(seconds: delay)
        Task {
            try? await Task.sleep(for: wait)
            events.yield(.backoffElapsed(name: name))
        }
    }

    var gracePeriod: Duration {
        let meta = ObjectMeta(json: pod["metadata"] ?? .emptyObject)
        let seconds = meta.isBeingDeleted && (meta.deletionGracePeriodSeconds ?? 0) > 0
            ? meta.deletionGracePeriodSeconds! : spec.terminationGracePeriodSeconds ?? 30
        return context.timing.duration(seconds: Double(seconds))
    }

    // MARK: - Containers

    func container(_ index: Int) -> Container {
        let record = records[index]
        let list = record.role == .main ? spec.containers : spec.initContainers
        return list.first { $0.name == record.name } ?? Container(name: record.name, image: record.image)
    }

    func fieldPath(_ name: String) -> String {
        let role = index(of: name).map { records[$0].role } ?? .main
        return role == .main ? "spec.containers{\(name)}" : "spec.initContainers{\(name)}"
    }

    mutating func start(_ index: Int) {
        let spec = container(index)
        var record = records[index]
        let attempt = record.everStarted ? record.restartCount + 1 : 0
        let name = record.name
        let image = spec.image ?? ""
        emit(name, .normal, "Pulled", "Container image \"\(image)\" already present on machine")
        let log: ContainerLogFile
        do {
            log = try context.logs.create(namespace: namespace, pod: self.name, uid: uid, container: name,
                attempt: attempt)
        } catch {
            emit(name, .warning, "Failed", "Error: failed to create container log: \(error)")
            return
        }
        let containerID = "containerd://" + PodStatusBuilder.hex64("\(uid)/\(name)/\(attempt)")
        emit(name, .normal, "Created", "Created container: \(name)")
        let filesystem = filesystem(for: spec)
        let launch = ContainerLaunch(namespace: namespace, podName: self.name, podUID: uid, container: spec,
            isSidecar: record.role == .sidecar, attempt: attempt, environment: environment(for: spec),
            filesystem: filesystem, log: log)
        let process = context.runtime.start(launch)
        emit(name, .normal, "Started", "Started container \(name)")
        if let terminated = record.terminated { record.lastTerminated = terminated }
        record.restartCount = attempt
        record.containerID = containerID
        record.state = .running(startedAt: now)
        record.everStarted = true
        records[index] = record
        let events = events
        Task {
            let status = await process.wait()
            events.yield(.exited(name: name, attempt: attempt, status: status))
        }
        var probeTask: Task<Void, Never>?
        if let probe = LivenessProbe(json: spec.livenessProbe) {
            let timing = context.timing
            let path = filesystem.hostPath(probe.path)
            probeTask = Task {
                try? await timing.sleep(seconds: probe.initialDelaySeconds)
                var failures = 0
                while !Task.isCancelled {
                    if let message = probe.check(hostPath: path, now: Date(), scale: timing.scale) {
                        failures += 1
                        if failures >= probe.failureThreshold {
                            events.yield(.probeFailed(name: name, attempt: attempt, message: message))
                            return
                        }
                    } else {
                        failures = 0
                    }
                    try? await timing.sleep(seconds: probe.periodSeconds)
                }
            }
        }
        instances[name] = Instance(attempt: attempt, process: process, log: log, probe: probeTask)
    }

    mutating func exited(_ name: String, attempt: Int, status: ContainerExitStatus) {
        guard let instance = instances[name], instance.attempt == attempt, let index = index(of: name) else { return }
        instance.probe?.cancel()
        context.logs.finish(instance.log)
        instances.removeValue(forKey: name)
        var record = records[index]
        let startedAt: Date = if case .running(let at) = record.state { at } else { now }
        record.state = .terminated(ContainerRecord.Terminated(exitCode: status.code,
            reason: ContainerRecord.reason(for: status), startedAt: startedAt, finishedAt: now,
            containerID: record.containerID ?? ""))
        records[index] = record
    }

    // MARK: - Volumes, environment, filesystem

    /// Mounts the volumes and creates the sandbox; `false` (with a `FailedMount` event and a
    /// retry scheduled) while a claim is not bound.
    mutating func prepare() -> Bool {
        let base = context.configuration.dataDirectory + "/pods/\(uid)/volumes"
        var resolved: [String: String] = [:]
        var unmounted: [String] = []
        var problem = ""
        for volume in spec.volumes {
            guard let volumeName = volume.name else { continue }
            var path: String?
            if let claim = volume.claimName {
                if let pvc = try? context.store.get(type: .persistentVolumeClaims, namespace: namespace, name: claim),
                    let pvName = PersistentVolumeClaim(json: pvc).spec.volumeName, !pvName.isEmpty,
                    let pv = try? context.store.get(type: .persistentVolumes, name: pvName)
                {
                    path = PersistentVolume(json: pv).spec.path
                        ?? context.configuration.dataDirectory + "/volumes/\(pvName)"
                } else {
                    problem = "persistentvolumeclaim \"\(claim)\" is not bound"
                }
            } else if volume.isEmptyDir {
                path = base + "/kubernetes.io~empty-dir/\(volumeName)"
            } else if let host = volume.json[path: ["hostPath", "path"]]?.stringValue {
                // Never the host's own directories: a hostPath lives under the data directory.
                path = context.configuration.dataDirectory + "/host" + ContainerFilesystem.normalized(host)
            } else if let configMap = volume.configMapName {
                path = base + "/kubernetes.io~configmap/\(volumeName)"
                if let object = try? context.store.get(type: .configMaps, namespace: namespace, name: configMap) {
                    writeKeys(ConfigMap(json: object).data.mapValues { Array($0.utf8) }, source: volume.json["configMap"],
                        into: path!)
                }
            } else if let secret = volume.secretName {
                path = base + "/kubernetes.io~secret/\(volumeName)"
                if let object = try? context.store.get(type: .secrets, namespace: namespace, name: secret) {
                    writeKeys(Secret(json: object).data, source: volume.json["secret"], into: path!)
                }
            } else {
                path = base + "/other/\(volumeName)"
            }
            if let path, (try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)) != nil {
                resolved[volumeName] = path
            } else {
                if path != nil { problem = "cannot create \(path!)" }
                unmounted.append(volumeName)
            }
        }
        if !unmounted.isEmpty {
            emit(nil, .warning, "FailedMount",
                "Unable to attach or mount volumes: unmounted volumes=[\(unmounted.joined(separator: " "))]: \(problem)")
            let events = events
            let wait = context.timing.duration(seconds: 2)
            Task {
                try? await Task.sleep(for: wait)
                events.yield(.retryMount)
            }
            return false
        }
        volumes = resolved
        podIP = context.nextIP()
        sandboxReady = true
        return true
    }

    /// Projects a config map's or secret's keys into the volume as the kubelet does: only
    /// the `items` listed (at their `path`, with their `mode`) when there are any, else every
    /// key; files get `defaultMode` (0644 unless the volume says).
    func writeKeys(_ data: [String: [UInt8]], source: JSONValue?, into directory: String) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let defaultMode = source?["defaultMode"]?.int64Value.map { mode_t(clamping: $0) } ?? 0o644
        var files: [(path: String, bytes: [UInt8], mode: mode_t)] = []
        if let items = source?["items"]?.arrayValue {
            for item in items {
                guard let key = item["key"]?.stringValue, let bytes = data[key] else { continue }
                let path = item["path"]?.stringValue ?? key
                guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else { continue }
                files.append((path, bytes, item["mode"]?.int64Value.map { mode_t(clamping: $0) } ?? defaultMode))
            }
        } else {
            files = data.filter { !$0.key.contains("/") }.map { ($0.key, $0.value, defaultMode) }
        }
        for file in files {
            let target = directory + "/" + file.path
            try? FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            try? Data(file.bytes).write(to: URL(fileURLWithPath: target))
            chmod(target, file.mode & 0o777)
        }
    }

    func filesystem(for container: Container) -> ContainerFilesystem {
        let mounts = container.volumeMounts.compactMap { mount -> ContainerFilesystem.Mount? in
            guard let volume = mount.name, var host = volumes[volume], let path = mount.mountPath else { return nil }
            if let sub = mount.subPath, !sub.isEmpty {
                host = ContainerFilesystem.joined(host, String(ContainerFilesystem.normalized(sub).dropFirst()))
                try? FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
            }
            return ContainerFilesystem.Mount(containerPath: path, hostPath: host, readOnly: mount.readOnly ?? false)
        }
        let root = context.configuration.dataDirectory + "/pods/\(uid)/containers/\(container.name ?? "")/rootfs"
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        return ContainerFilesystem(mounts: mounts, rootDirectory: root)
    }

    /// The container's environment as the kubelet builds it: the service variables, then
    /// `env` in order with `$(VAR)` expanded and `valueFrom` resolved (`fieldRef`, config map
    /// and secret keys; `envFrom` is not simulated).
    func environment(for container: Container) -> [String: String] {
        var env: [String: String] = [
            "HOSTNAME": name, "KUBERNETES_SERVICE_HOST": "10.43.0.1", "KUBERNETES_SERVICE_PORT": "443",
            "KUBERNETES_PORT": "tcp://10.43.0.1:443",
        ]
        for variable in container.env {
            guard let key = variable.name else { continue }
            if let value = variable.value {
                env[key] = Self.expand(value, env)
            } else if let from = variable.valueFrom {
                if let field = from[path: ["fieldRef", "fieldPath"]]?.stringValue {
                    env[key] = fieldValue(field)
                } else if let name = from[path: ["configMapKeyRef", "name"]]?.stringValue,
                    let item = from[path: ["configMapKeyRef", "key"]]?.stringValue,
                    let object = try? context.store.get(type: .configMaps, namespace: namespace, name: name)
                {
                    env[key] = ConfigMap(json: object).data[item]
                } else if let name = from[path: ["secretKeyRef", "name"]]?.stringValue,
                    let item = from[path: ["secretKeyRef", "key"]]?.stringValue,
                    let object = try? context.store.get(type: .secrets, namespace: namespace, name: name)
                {
                    env[key] = Secret(json: object).string(forKey: item)
                }
            }
        }
        return env
    }

    func fieldValue(_ path: String) -> String {
        switch path {
        case "status.podIP": return podIP ?? ""
        case "status.hostIP": return context.configuration.hostIP
        default:
            if path.hasPrefix("metadata.labels['"), path.hasSuffix("']") {
                return ObjectMeta(json: pod["metadata"] ?? .emptyObject).labels[String(path.dropFirst(17).dropLast(2))] ?? ""
            }
            if path.hasPrefix("metadata.annotations['"), path.hasSuffix("']") {
                return ObjectMeta(json: pod["metadata"] ?? .emptyObject).annotations[String(path.dropFirst(22).dropLast(2))]
                    ?? ""
            }
            return pod[path: path.split(separator: ".").map(String.init)]?.stringValue ?? ""
        }
    }

    /// `$(NAME)` → the value defined so far (unknown references stay as written, `$$` escapes).
    static func expand(_ value: String, _ env: [String: String]) -> String {
        guard value.contains("$") else { return value }
        var out = ""
        var rest = Substring(value)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.first == "$" {
                out += "$"
                rest = after.dropFirst()
            } else if after.first == "(", let close = after.firstIndex(of: ")") {
                let key = String(after[after.index(after: after.startIndex)..<close])
                out += env[key] ?? "$(\(key))"
                rest = after[after.index(after: close)...]
            } else {
                out += "$"
                rest = after
            }
        }
        return out + rest
    }

    // MARK: - Status, events, clean-up

    mutating func writeStatus() {
        guard !gone, !shuttingDown else { return }
        let builder = PodStatusBuilder(restartPolicy: restartPolicy, hasInitContainers: !spec.initContainers.isEmpty,
            sandboxReady: sandboxReady, terminal: stage == .finished, podIP: podIP,
            hostIP: context.configuration.hostIP, startTime: startTime)
        for _ in 0..<5 {
            let current: JSONValue
            do { current = try context.store.get(type: .pods, namespace: namespace, name: name) } catch {
                gone = true
                return
            }
            guard current[path: ["metadata", "uid"]]?.stringValue == uid else {
                gone = true
                return
            }
            let old = current["status"] ?? .emptyObject
            let status = builder.status(records, old: old, now: now)
            if StoreState.sameContent(status, old) { return }
            var body = current
            body.setMember("status", status)
            do {
                pod = try context.store.update(body, type: .pods, namespace: namespace, name: name, subresource: "status")
                return
            } catch {
                if error.code == 404 {
                    gone = true
                    return
                }
            }
        }
    }

    func emit(_ container: String?, _ type: EventRecorder.EventType, _ reason: String, _ message: String) {
        context.recorder.record(pod, type: type, reason: reason, message: message,
            fieldPath: container.map(fieldPath))
    }

    func cleanUp() {
        context.logs.removePod(namespace: namespace, pod: name, uid: uid)
        try? FileManager.default.removeItem(atPath: context.configuration.dataDirectory + "/pods/\(uid)")
    }
}
