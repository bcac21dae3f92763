/// What one agent may use: CPU and memory for its container, the workspace volume's size and
/// the size of its memory-backed `/dev/shm`.
///
/// Why memory has one value (request = limit): an agent that bursts past its request is the
/// first the kubelet evicts under node memory pressure, which loses hours of work; with
/// request = limit the pod is only ever OOM-killed for its own excess, which the Job's retry
/// and the checkpoint recover from. CPU may burst (`cpuLimit` optional): it is only throttled.
/// Quantities are kept as the text the user gave (`500m`, `2Gi`) and validated by
/// `AgentTask.validationErrors`.
public struct TaskResources: Sendable, Hashable, Codable {
    /// CPU request, e.g. `500m`.
    public var cpu: String
    /// CPU limit; `nil`: none (the container may use idle CPU).
    public var cpuLimit: String?
    /// Memory request and limit, e.g. `2Gi`.
    public var memory: String
    /// The workspace PVC's size, e.g. `5Gi`.
    public var workspaceSize: String
    /// The `/dev/shm` emptyDir's size limit (SQLite WAL's shared memory); it counts against `memory`.
    public var shmSize: String

    public init(cpu: String = "500m", cpuLimit: String? = "2", memory: String = "2Gi", workspaceSize: String = "5Gi",
        shmSize: String = "256Mi")
    {
        self.cpu = cpu
        self.cpuLimit = cpuLimit
        self.memory = memory
        self.workspaceSize = workspaceSize
        self.shmSize = shmSize
    }
}
