import KubeModel

/// What the simulated node needs to run the agent runtime's image (`flightdeck-agent`, the
/// Python package in this repository) as a real local process instead of simulating it: the
/// interpreter of the runtime's virtual environment, and the NATS server the agents reach as
/// this machine sees it.
///
/// The process stands in for the image, so the pod's contract reaches it translated (see
/// `launchPlan`): paths as the container sees them become the directories behind the pod's
/// volumes, the in-cluster NATS service becomes `natsURL`, and the egress proxy (which the
/// simulation does not run) is left out.
public struct AgentRuntimeImage: Sendable, Hashable {
    /// The repository (last path component, without tag or digest) whose containers run for real.
    public static let repository = "flightdeck-agent"
    /// The image's entrypoint (its `Containerfile`).
    public static let entrypoint = ["python", "-m", "flightdeck_agent.reference"]

    /// The runtime's interpreter (`flightdeck-agent/.venv/bin/python`).
    public var python: String
    /// The NATS server as this machine reaches it; `nil`: the agents print their trace instead.
    public var natsURL: String?

    public init(python: String, natsURL: String?) {
        self.python = python
        self.natsURL = natsURL
    }

    /// Whether `image` is the runtime's (`localhost/flightdeck-agent:0.1.0`,
    /// `registry.lan:5000/team/flightdeck-agent@sha256:…`).
    public static func matches(_ image: String) -> Bool {
        var name = Substring(image)
        if let at = name.firstIndex(of: "@") { name = name[..<at] }
        var last = name.split(separator: "/").last ?? name
        if let colon = last.firstIndex(of: ":") { last = last[..<colon] }
        return last == Self.repository
    }

    /// The process that stands in for `container`: its argv, environment and working directory.
    public struct LaunchPlan: Sendable, Hashable {
        public var arguments: [String]
        public var environment: [String: String]
        public var workingDirectory: String
        /// Host directories the image would have (its `HOME`); the runtime creates them.
        public var directories: [String]
    }

    /// Variables that name the egress proxy, which the simulated node does not run.
    static let proxyVariables: Set<String> = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy",
        "no_proxy"]

    /// The command line and environment of the process that runs `container`, from the pod's
    /// resolved `environment` and the container's `filesystem`. Pure.
    ///
    /// - argv: Kubernetes' rules (`command` replaces the entrypoint, `args` follow); a first
    ///   word `python`/`python3` (any directory) is the runtime's interpreter.
    /// - a value that is one absolute path (no `:` or whitespace) is a path in the container and
    ///   becomes the host path behind it (`WORKSPACE_PATH`, `CHECKPOINT_PATH`, `HEARTBEAT_PATH`,
    ///   `TASK_PROMPT_FILE`, `SECRETS_DIR`, `HOME`, …), as the kubelet's own liveness probe and
    ///   workspace views do;
    /// - `PATH`: the components that are mounts (the user-space `bin`), then the interpreter's
    ///   directory, then the system's;
    /// - `NATS_URL` is `natsURL` (removed without one); the proxy variables are removed;
    /// - `TMPDIR` is the container's `/tmp`; `LANG` is UTF-8 unless the pod sets it; Python's
    ///   output is unbuffered so the log shows each line as it is written.
    public func launchPlan(for container: Container, environment: [String: String],
        filesystem: ContainerFilesystem) -> LaunchPlan
    {
        var arguments = container.command.isEmpty ? Self.entrypoint + container.args : container.command + container.args
        if let first = arguments.first, ["python", "python3"].contains(first.split(separator: "/").last.map(String.init)) {
            arguments[0] = python
        }
        var env: [String: String] = [:]
        for (key, value) in environment where !Self.proxyVariables.contains(key) && key != "PATH" {
            env[key] = Self.isContainerPath(value) ? filesystem.hostPath(value) : value
        }
        let interpreterDirectory = python.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            .joined(separator: "/")
        let mounted = (environment["PATH"] ?? "").split(separator: ":").map(String.init).filter { component in
            component.hasPrefix("/") && filesystem.mounts.contains {
                component == $0.containerPath || component.hasPrefix($0.containerPath + "/")
            }
        }.map(filesystem.hostPath)
        env["PATH"] = (mounted + [interpreterDirectory, "/usr/local/bin", "/usr/bin", "/bin"]).filter { !$0.isEmpty }
            .joined(separator: ":")
        if let natsURL { env["NATS_URL"] = natsURL } else { env.removeValue(forKey: "NATS_URL") }
        env["TMPDIR"] = filesystem.hostPath("/tmp")
        if env["LANG"] == nil { env["LANG"] = "C.UTF-8" }
        env["PYTHONUNBUFFERED"] = "1"
        let home = env["HOME"] ?? filesystem.hostPath("/")
        env["HOME"] = home
        let directory = container.workingDir ?? environment["WORKSPACE_PATH"] ?? "/"
        return LaunchPlan(arguments: arguments, environment: env, workingDirectory: filesystem.hostPath(directory),
            directories: [home, env["TMPDIR"]!])
    }

    static func isContainerPath(_ value: String) -> Bool {
        value.hasPrefix("/") && !value.contains(":") && !value.contains(where: \.isWhitespace)
    }
}
