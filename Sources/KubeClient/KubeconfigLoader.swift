import Foundation

/// Finds the configuration kubectl would use and resolves it into a `ClusterConnection`.
///
/// Sources, first match wins (kubectl's order, plus the k3s default):
/// 1. `--kubeconfig PATH`: only that file, which must exist;
/// 2. `KUBECONFIG`: a `:`-separated list; entries that do not exist are skipped, the rest
///    merged (first definition of a name wins, per map; `current-context` from the first
///    file that sets one);
/// 3. `~/.kube/config`;
/// 4. `/etc/rancher/k3s/k3s.yaml`, where k3s writes its admin kubeconfig, so Flightdeck
///    works on the node with no setup (kubectl itself does not look there);
/// 5. the in-cluster service account, when `KUBERNETES_SERVICE_HOST`/`_PORT` are set and
///    the token is mounted (also when 2 or 3 gave an empty config, as in kubectl).
///
/// Then `--context` (else `current-context`) picks the context and `-n` (else the
/// context's namespace, else `agents`) the namespace.
///
/// The environment, home and working directories and the well-known paths are injected,
/// never read from globals here, so tests control every input; `live()` fills them in.
public struct KubeconfigLoader: Sendable {
    public static let defaultNamespace = "agents"
    public static let k3sDefaultPath = "/etc/rancher/k3s/k3s.yaml"
    public static let serviceAccountDefaultDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    public var environment: [String: String]
    public var homeDirectory: String
    /// Relative `--kubeconfig` and `KUBECONFIG` entries are resolved against this.
    public var workingDirectory: String
    public var k3sConfigPath: String
    /// Holds `token`, `ca.crt` and `namespace` in a pod.
    public var serviceAccountDirectory: String
    /// Flightdeck's own config, which holds the exec plugin allow-list.
    public var flightdeckConfigPath: String

    public init(
        environment: [String: String],
        homeDirectory: String,
        workingDirectory: String,
        k3sConfigPath: String = KubeconfigLoader.k3sDefaultPath,
        serviceAccountDirectory: String = KubeconfigLoader.serviceAccountDefaultDirectory,
        flightdeckConfigPath: String? = nil
    ) {
        self.environment = environment
        self.homeDirectory = homeDirectory
        self.workingDirectory = workingDirectory
        self.k3sConfigPath = k3sConfigPath
        self.serviceAccountDirectory = serviceAccountDirectory
        self.flightdeckConfigPath = flightdeckConfigPath
            ?? FlightdeckConfig.defaultPath(environment: environment, homeDirectory: homeDirectory)
    }

    /// A loader for this process: its environment, `$HOME` and working directory.
    public static func live() -> KubeconfigLoader {
        let environment = ProcessInfo.processInfo.environment
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return KubeconfigLoader(
            environment: environment, homeDirectory: home,
            workingDirectory: FileManager.default.currentDirectoryPath
        )
    }

    /// `~/.kube/config` for this loader's home.
    public var homeConfigPath: String { PathRules.clean(homeDirectory + "/.kube/config") }

    /// The configuration to use and what it was resolved from: the whole of what
    /// `flightdeck` needs before its first request.
    public func load(
        kubeconfig explicitPath: String? = nil, context: String? = nil, namespace: String? = nil
    ) throws(KubeconfigError) -> ClusterConnection {
        let explicitNamespace = namespace.flatMap { $0.isEmpty ? nil : $0 }
        let explicitContext = context.flatMap { $0.isEmpty ? nil : $0 }
        switch try findSources(explicitPath: explicitPath, wantsContext: explicitContext != nil) {
        case .files(let loaded, let source):
            return try resolve(loaded, source: source, context: explicitContext, namespace: explicitNamespace)
        case .inCluster:
            if let explicitContext {
                throw KubeconfigError(
                    .contextNotFound, file: nil,
                    "context '\(explicitContext)' not found: no kubeconfig was found (only the in-cluster service account); pass --kubeconfig or set KUBECONFIG"
                )
            }
            return try inClusterConnection(namespace: explicitNamespace)
        }
    }

    // MARK: - Sources

    /// One kubeconfig file as read: its parsed content and the mode of the file.
    public struct LoadedFile: Sendable, Equatable {
        public var path: String
        public var mode: UInt32
        public var config: Kubeconfig
    }

    /// What the sources came to.
    public enum Sources: Sendable, Equatable {
        case files([LoadedFile], ClusterConnection.Source)
        case inCluster
    }

    /// Walks the sources in precedence order. Public so `flightdeck doctor` can show
    /// which file would be used without resolving a context.
    public func findSources(explicitPath: String?, wantsContext: Bool = false) throws(KubeconfigError) -> Sources {
        if let explicitPath, !explicitPath.isEmpty {
            let path = PathRules.absolute(explicitPath, workingDirectory: workingDirectory)
            guard let file = try readKubeconfig(path) else { throw KubeconfigError.missing(path) }
            return .files([file], .explicitFile)
        }

        if let list = environment["KUBECONFIG"], !list.isEmpty {
            var seen: Set<String> = []
            var files: [LoadedFile] = []
            for entry in list.split(separator: ":", omittingEmptySubsequences: true) {
                let path = PathRules.absolute(String(entry), workingDirectory: workingDirectory)
                guard seen.insert(path).inserted else { continue }
                if let file = try readKubeconfig(path) { files.append(file) }
            }
            if !files.isEmpty, !wantsContext, files.allSatisfy(\.config.isEmpty), inClusterPossible {
                return .inCluster
            }
            if files.isEmpty {
                if inClusterPossible { return .inCluster }
                throw KubeconfigError(
                    .missingFile, file: list,
                    "no kubeconfig at \(list) (KUBECONFIG; none of its files exist): pass --kubeconfig, set KUBECONFIG, or run `flightdeck sim` for a local cluster"
                )
            }
            return .files(files, .kubeconfigEnvironment)
        }

        if let file = try readKubeconfig(homeConfigPath) {
            if file.config.isEmpty, !wantsContext, inClusterPossible { return .inCluster }
            return .files([file], .homeConfig)
        }
        if let file = try readKubeconfig(k3sConfigPath) {
            return .files([file], .k3sDefault)
        }
        if inClusterPossible { return .inCluster }
        throw KubeconfigError(
            .missingFile, file: homeConfigPath,
            "no kubeconfig at \(homeConfigPath) (nor \(k3sConfigPath), nor an in-cluster service account): pass --kubeconfig, set KUBECONFIG, or run `flightdeck sim` for a local cluster"
        )
    }

    /// Reads and parses one file; `nil` when there is nothing at the path.
    func readKubeconfig(_ path: String) throws(KubeconfigError) -> LoadedFile? {
        switch LocalFile.load(path) {
        case .success(let file):
            let config = try Kubeconfig.parse(String(decoding: file.bytes, as: UTF8.self), file: path)
            return LoadedFile(path: path, mode: file.mode, config: config)
        case .failure(.missing):
            return nil
        case .failure(.unreadable(let reason)):
            var hint = "fix its permissions, or pass --kubeconfig with another file"
            if path == k3sConfigPath {
                hint = "k3s writes it mode 0600 for root: run `sudo k3s kubectl config view --raw > ~/.kube/config && chmod 600 ~/.kube/config`, or start k3s with --write-kubeconfig-mode"
            }
            throw KubeconfigError(.unreadableFile, file: path, "cannot read kubeconfig \(path): \(reason); \(hint)")
        case .failure(.tooLarge(let limit)):
            throw KubeconfigError(.notKubeconfig, file: path, "\(path) is larger than \(limit) bytes, so it is not a kubeconfig; point --kubeconfig at the right file")
        }
    }
}

extension KubeconfigError {
    /// The message for a kubeconfig path with nothing at it.
    static func missing(_ path: String) -> KubeconfigError {
        KubeconfigError(
            .missingFile, file: path,
            "no kubeconfig at \(path): pass --kubeconfig, set KUBECONFIG, or run `flightdeck sim` for a local cluster"
        )
    }
}
