import FlightdeckCore
import Foundation
import KubeModel
import SimAgent
import Synchronization

/// The simulated node agent: runs the pods bound to its node (`spec.nodeName`) with the real
/// kubelet's semantics, on a real filesystem, and reports them through the pod status
/// subresource and Events (`source.component: kubelet`).
///
/// What it does, per pod (see `PodRun`): mounts volumes (a PVC's bound PV directory —
/// `hostPath.path` or `local.path` — is the agent's workspace; emptyDirs are directories under
/// `dataDirectory`), creates the sandbox (pod IP), runs init containers in order, starts
/// native sidecars (init containers with `restartPolicy: Always`) which keep running alongside
/// the main containers and are stopped after them, runs the main containers, applies the
/// restart policy with the crash-loop back-off, kills containers on failed liveness probes
/// (`LivenessProbe`: the heartbeat file), and on deletion stops everything gracefully (the
/// pod's grace period, scaled) before issuing the final delete. Container output goes to
/// `logs` (`ContainerLogs`), which the API server's `pods/log` reads.
///
/// Operator commands reach agents through `commands` (an in-process stand-in for
/// `cmd.agent.<job>`): `deliver(_:toJob:)`.
///
/// Known differences from a real kubelet: the store removes a pod without finalizers at the
/// first delete (no `Terminating` period), so the kubelet then learns of it from the `DELETED`
/// event and can no longer write its status; a pod found already running after a kubelet
/// restart is run again from the start.
public final class Kubelet: Sendable {
    public let store: APIStore
    public let configuration: KubeletConfiguration
    public let logs: ContainerLogs
    public let commands: CommandBus
    let context: KubeletContext
    private let workers = Mutex<[String: PodWorker]>([:])
    private let watchTask = Mutex<Task<Void, Never>?>(nil)

    public init(store: APIStore, configuration: KubeletConfiguration, commands: CommandBus = CommandBus()) {
        self.store = store
        self.configuration = configuration
        self.commands = commands
        let logs = ContainerLogs(directory: configuration.dataDirectory + "/logs/pods", clock: store.clock)
        self.logs = logs
        let counter = Mutex(1)
        let prefix = configuration.podNetworkPrefix
        let simulated = SimContainerRuntime(timing: configuration.timing, commands: commands, clock: store.clock,
            bus: configuration.agentBus)
        let runtime: any ContainerRuntime = configuration.runtime
            ?? configuration.agentRuntime.map { ProcessContainerRuntime(image: $0, fallback: simulated) } ?? simulated
        context = KubeletContext(store: store, configuration: configuration, logs: logs, runtime: runtime,
            recorder: EventRecorder(store: store, component: "kubelet", host: configuration.nodeName),
            nextIP: {
                let n = counter.withLock { value -> Int in
                    defer { value = value % 250 + 1 }
                    return value + 1
                }
                return prefix + String(n)
            })
    }

    /// Starts watching pods on this node (idempotent).
    public func start() {
        watchTask.withLock { task in
            guard task == nil else { return }
            task = Task { [weak self] in await self?.watchLoop() }
        }
    }

    /// Stops watching and kills every container at once (no status is written).
    public func stop() async {
        watchTask.withLock { $0?.cancel() }
        let all = workers.withLock { Array($0.values) }
        for worker in all { worker.send(.shutdown) }
        for worker in all { await worker.finished() }
    }

    /// Sends an operator command to the agent of `jobID` (its `JOB_ID`); returns how many
    /// running agents received it (0: none is running right now).
    @discardableResult
    public func deliver(_ command: OperatorCommand, toJob jobID: String) -> Int {
        commands.publish(command, toJob: jobID)
    }

    /// The log stream of a stored pod (what `GET …/pods/{name}/log` answers).
    public func podLogs(namespace: String, name: String, options: PodLogOptions = PodLogOptions()) throws(Status)
        -> PodLogStream
    {
        let pod = try store.get(type: .pods, namespace: namespace, name: name)
        return try logs.stream(for: pod, options: options)
    }

    /// Pods this kubelet currently runs (by uid).
    public var activePods: Int { workers.withLock { $0.count } }

    // MARK: - Watching

    private func watchLoop() async {
        var options = ListOptions(fieldSelector: "spec.nodeName=\(configuration.nodeName)")
        while !Task.isCancelled {
            options.resourceVersion = nil
            guard let list = try? store.list(type: .pods, options: options) else {
                try? await Task.sleep(for: .milliseconds(200))
                continue
            }
            let items = list["items"]?.arrayValue ?? []
            var present: Set<String> = []
            for item in items {
                present.insert(item[path: ["metadata", "uid"]]?.stringValue ?? "")
                dispatch(item, deleted: false)
            }
            let vanished = workers.withLock { $0.filter { !present.contains($0.key) }.map(\.value) }
            for worker in vanished { worker.send(.deleted(.emptyObject)) }

            options.resourceVersion = list[path: ["metadata", "resourceVersion"]]?.stringValue
            guard let watch = try? store.watch(type: .pods, options: options) else { continue }
            await withTaskCancellationHandler {
                for await event in watch {
                    switch event.type {
                    case .added, .modified: dispatch(event.object, deleted: false)
                    case .deleted: dispatch(event.object, deleted: true)
                    default: break
                    }
                }
            } onCancel: {
                watch.cancel()
            }
        }
    }

    private func dispatch(_ pod: JSONValue, deleted: Bool) {
        guard let uid = pod[path: ["metadata", "uid"]]?.stringValue else { return }
        let worker = workers.withLock { workers -> PodWorker? in
            if let existing = workers[uid] { return existing }
            guard !deleted else { return nil }
            let created = PodWorker(pod: pod, context: context) { [weak self] in
                _ = self?.workers.withLock { $0.removeValue(forKey: uid) }
            }
            workers[uid] = created
            return nil
        }
        worker?.send(deleted ? .deleted(pod) : .changed(pod))
    }
}
