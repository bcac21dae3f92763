import Foundation
import SimAgent

/// The simulated kubelet's settings.
public struct KubeletConfiguration: Sendable {
    /// The node it serves: it runs the pods whose `spec.nodeName` is this.
    public var nodeName: String
    /// Where emptyDirs, container root directories and logs (`logs/`) live on disk.
    public var dataDirectory: String
    /// Scales every wait (back-offs, grace periods, probe periods, the agents' pace).
    public var timing: SimTiming
    /// `status.hostIP`.
    public var hostIP: String
    /// Pod IPs are `<podNetworkPrefix><n>` (k3s's default pod CIDR is 10.42.0.0/16).
    public var podNetworkPrefix: String
    /// Crash-loop back-off: first delay and cap in simulated seconds (kubelet: 10 s, 300 s).
    public var initialBackoff: Double
    public var maxBackoff: Double
    /// The runtime; `nil` uses `SimContainerRuntime`.
    public var runtime: (any ContainerRuntime)?
    /// Connects a simulated agent to the message bus (NATS), as its pod starts; `nil`, or a
    /// `nil` link: its log only, commands through the in-process bus.
    public var agentBus: (@Sendable (AgentBusRequest) -> AgentBusLink?)?
    /// The agent runtime, when installed: its image's containers run as real processes
    /// (`ProcessContainerRuntime`); `nil`: every agent is simulated. Ignored with `runtime`.
    public var agentRuntime: AgentRuntimeImage?

    public init(nodeName: String = "flightdeck-sim", dataDirectory: String, timing: SimTiming = .realTime,
        hostIP: String = "172.18.0.2", podNetworkPrefix: String = "10.42.0.", initialBackoff: Double = 10,
        maxBackoff: Double = 300, runtime: (any ContainerRuntime)? = nil,
        agentBus: (@Sendable (AgentBusRequest) -> AgentBusLink?)? = nil, agentRuntime: AgentRuntimeImage? = nil)
    {
        self.agentBus = agentBus
        self.agentRuntime = agentRuntime
        self.nodeName = nodeName
        self.dataDirectory = dataDirectory
        self.timing = timing
        self.hostIP = hostIP
        self.podNetworkPrefix = podNetworkPrefix
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.runtime = runtime
    }
}
