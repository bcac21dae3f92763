import KubeModel

/// The kubelet's view of a container runtime (the CRI, reduced to what the simulation needs):
/// start an instance, wait for it to exit, stop it. The kubelet owns the pod lifecycle, the
/// runtime only runs processes — so a test can swap in a scripted runtime.
public protocol ContainerRuntime: Sendable {
    /// Starts one container instance. Never fails: a process that cannot run exits non-zero.
    func start(_ launch: ContainerLaunch) -> any ContainerProcess
}

/// A running container instance.
public protocol ContainerProcess: Sendable {
    /// Waits for the exit (may be called more than once).
    func wait() async -> ContainerExitStatus
    /// SIGTERM now, SIGKILL after `gracePeriod` (wall-clock) if it is still running.
    func stop(gracePeriod: Duration)
}

/// How an instance ended: its exit code, and whether the kernel's OOM killer ended it
/// (which the kubelet reports as `OOMKilled`).
public struct ContainerExitStatus: Sendable, Hashable {
    public var code: Int32
    public var oomKilled: Bool

    public init(code: Int32, oomKilled: Bool = false) {
        self.code = code
        self.oomKilled = oomKilled
    }

    /// SIGKILL's status (128 + 9).
    public static let killed = ContainerExitStatus(code: 137)
}

/// Everything a runtime needs to start one container instance.
public struct ContainerLaunch: Sendable {
    public var namespace: String
    public var podName: String
    public var podUID: String
    public var container: Container
    /// A native sidecar (init container with `restartPolicy: Always`).
    public var isSidecar: Bool
    /// The instance's restart count.
    public var attempt: Int
    /// The resolved environment (values, `fieldRef`s, config map and secret keys).
    public var environment: [String: String]
    public var filesystem: ContainerFilesystem
    /// Where the instance's stdout goes.
    public var log: ContainerLogFile

    public init(namespace: String, podName: String, podUID: String, container: Container, isSidecar: Bool,
        attempt: Int, environment: [String: String], filesystem: ContainerFilesystem, log: ContainerLogFile)
    {
        self.namespace = namespace
        self.podName = podName
        self.podUID = podUID
        self.container = container
        self.isSidecar = isSidecar
        self.attempt = attempt
        self.environment = environment
        self.filesystem = filesystem
        self.log = log
    }
}
