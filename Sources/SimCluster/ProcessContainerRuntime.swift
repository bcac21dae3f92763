import Foundation

/// The simulated node's runtime when the agent runtime is installed: containers of the
/// runtime's image (`AgentRuntimeImage.matches`) run as real processes on this machine —
/// the real Python agent with the pod's contract, its workspace volume's real directory, its
/// secret and prompt files, its heartbeat (which the kubelet's liveness probe reads), its
/// output as the container's log, SIGTERM then SIGKILL on delete. Every other container (the
/// log shipper, the proxy, NATS, simulated agents) runs as before in `fallback`.
public struct ProcessContainerRuntime: ContainerRuntime {
    public let image: AgentRuntimeImage
    public let fallback: any ContainerRuntime

    public init(image: AgentRuntimeImage, fallback: any ContainerRuntime) {
        self.image = image
        self.fallback = fallback
    }

    public func start(_ launch: ContainerLaunch) -> any ContainerProcess {
        guard !launch.isSidecar, AgentRuntimeImage.matches(launch.container.image ?? "") else {
            return fallback.start(launch)
        }
        let plan = image.launchPlan(for: launch.container, environment: launch.environment,
            filesystem: launch.filesystem)
        for directory in plan.directories + [plan.workingDirectory] {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // Unique on this machine even when two simulated clusters share a seed (and so uids).
        let id = "\(launch.podUID)/\(launch.container.name ?? "")/\(launch.attempt)/\(UUID().uuidString)"
        return HostProcess(id: id, arguments: plan.arguments, environment: plan.environment,
            directory: plan.workingDirectory, log: launch.log)
    }
}
