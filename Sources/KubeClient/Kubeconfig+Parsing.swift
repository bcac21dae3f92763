import ConfigYAML
import Foundation

// MARK: - Parsing one file

extension Kubeconfig {
    /// Reads the text of ONE kubeconfig file.
    ///
    /// `file` must be the file's absolute path: it names the file in errors, becomes each
    /// entry's `origin`, and its directory is what relative paths are resolved against
    /// (kubectl resolves `certificate-authority`, `client-certificate`, `client-key`,
    /// `tokenFile` and an exec `command` containing a `/` relative to the file that
    /// named them). An empty file (or one holding only `null`) is an empty config, as in
    /// kubectl. Errors never quote a value: in a kubeconfig it can be a token or a key.
    public static func parse(_ text: String, file: String) throws(KubeconfigError) -> Kubeconfig {
        let document: YAMLDocument
        do throws(YAMLError) {
            document = try YAMLDocument(text: text, source: file, limits: Reader.limits, showsValues: false)
        } catch {
            throw KubeconfigError(error)
        }
        guard let root = document.root else { return Kubeconfig(files: [file]) }
        let reader = Reader(file: file)
        let top = try reader.kubeconfigMapping(root)
        do throws(YAMLError) {
            return try reader.config(top)
        } catch {
            throw KubeconfigError(error)
        }
    }
}

// MARK: - The walker

/// Reads a kubeconfig's fields into a `Kubeconfig`; every type error names its path
/// (`users[1].user.exec.args`) and position.
private struct Reader {
    let file: String
    let directory: String

    init(file: String) {
        self.file = file
        self.directory = PathRules.directory(of: file)
    }

    /// As large as `LocalFile` reads; otherwise the shared reader's limits.
    static let limits = YAMLDocument.Limits(maxBytes: LocalFile.maxSize)

    /// The top-level keys that make a mapping look like a kubeconfig.
    static let kubeconfigKeys: Set<String> = [
        "apiVersion", "kind", "clusters", "users", "contexts", "current-context", "preferences", "extensions",
    ]

    /// The top-level mapping, if this document is a kubeconfig at all.
    func kubeconfigMapping(_ root: YAMLValue) throws(KubeconfigError) -> YAMLMapping {
        guard root.isMapping, let top = try? root.mapping() else {
            throw notKubeconfig("its top level is \(root.described), not a mapping")
        }
        if let kind = top["kind"]?.text, !kind.isEmpty, kind != "Config" {
            throw notKubeconfig("it is a \(kind), not a Config")
        }
        if Set(top.keys).isDisjoint(with: Reader.kubeconfigKeys) {
            throw notKubeconfig("it has none of clusters, users, contexts or current-context")
        }
        return top
    }

    func config(_ top: YAMLMapping) throws(YAMLError) -> Kubeconfig {
        var config = Kubeconfig(files: [file])
        config.clusters = try named(top, list: "clusters", item: "cluster") { map, mark throws(YAMLError) in
            try cluster(map, mark: mark)
        }
        config.users = try named(top, list: "users", item: "user") { map, mark throws(YAMLError) in
            try user(map, mark: mark)
        }
        config.contexts = try named(top, list: "contexts", item: "context") { map, mark throws(YAMLError) in
            try context(map, mark: mark)
        }
        if let current = try top.string("current-context"), !current.isEmpty {
            config.currentContext = current
            config.currentContextOrigin = file
        }
        return config
    }

    // MARK: Entries

    /// A kubeconfig list of `{name: N, <item>: {...}}` as a dictionary. Two entries with
    /// one name in one file are an error, as in client-go's conversion. `read` gets the
    /// entry's `<item>` mapping (nil when absent) and the entry's position.
    func named<Entry>(
        _ top: YAMLMapping, list: String, item: String,
        _ read: (YAMLMapping?, SourceMark) throws(YAMLError) -> Entry
    ) throws(YAMLError) -> [String: Entry] {
        guard let elements = try top.list(list) else { return [:] }
        var entries: [String: Entry] = [:]
        for element in elements {
            let expected = "a mapping with name and \(item)"
            guard let mapping = try element.mapping(expected: expected) else {
                throw element.error(expected: expected, kind: .wrongType)
            }
            guard let name = try mapping.string("name"), !name.isEmpty else {
                throw element.error("\(element.path) has no name; give it one or remove it")
            }
            if entries[name] != nil {
                throw element.error("\(list) has two entries named '\(name)'; remove or rename one")
            }
            entries[name] = try read(try mapping.mapping(item), SourceMark(line: element.line, column: element.column))
        }
        return entries
    }

    func cluster(_ map: YAMLMapping?, mark: SourceMark) throws(YAMLError) -> Kubeconfig.Cluster {
        Kubeconfig.Cluster(
            server: try map?.string("server"),
            certificateAuthority: try filePath(map, "certificate-authority"),
            certificateAuthorityData: try map?.string("certificate-authority-data"),
            insecureSkipTLSVerify: try map?.bool("insecure-skip-tls-verify") ?? false,
            tlsServerName: try map?.string("tls-server-name"),
            proxyURL: try map?.string("proxy-url"),
            origin: file, mark: mark
        )
    }

    func user(_ map: YAMLMapping?, mark: SourceMark) throws(YAMLError) -> Kubeconfig.User {
        var authProvider: String?
        if let provider = try map?.mapping("auth-provider") {
            authProvider = try provider.string("name") ?? "unnamed"
        }
        return Kubeconfig.User(
            clientCertificate: try filePath(map, "client-certificate"),
            clientCertificateData: try map?.string("client-certificate-data"),
            clientKey: try filePath(map, "client-key"),
            clientKeyData: try map?.string("client-key-data"),
            token: try map?.string("token"),
            tokenFile: try filePath(map, "tokenFile"),
            username: try map?.string("username"),
            password: try map?.string("password"),
            exec: try exec(map?.mapping("exec")),
            authProvider: authProvider,
            origin: file, mark: mark
        )
    }

    func context(_ map: YAMLMapping?, mark: SourceMark) throws(YAMLError) -> Kubeconfig.Context {
        let namespace = try map?.string("namespace")
        return Kubeconfig.Context(
            cluster: try map?.string("cluster") ?? "",
            user: try map?.string("user") ?? "",
            namespace: (namespace ?? "").isEmpty ? nil : namespace,
            origin: file, mark: mark
        )
    }

    func exec(_ map: YAMLMapping?) throws(YAMLError) -> ExecPluginSpec? {
        guard let map else { return nil }
        guard var command = try map.string("command"), !command.isEmpty else {
            throw map.error("\(map.path) has no command; add one or remove the exec entry")
        }
        if command.contains("/") { command = PathRules.resolve(command, against: directory) }
        var args: [String] = []
        for element in try map.list("args", expected: "a list of strings") ?? [] {
            args.append(try element.string() ?? "")
        }
        var env: [ExecPluginSpec.EnvVar] = []
        for element in try map.list("env", expected: "a list of {name, value}") ?? [] {
            let item = try element.mapping()
            env.append(.init(name: try item?.string("name") ?? "", value: try item?.string("value") ?? ""))
        }
        let apiVersion = try map.string("apiVersion") ?? ""
        guard ExecPluginSpec.supportedAPIVersions.contains(apiVersion) else {
            let shown = apiVersion.isEmpty ? "no apiVersion" : "apiVersion '\(apiVersion)'"
            throw map.error(
                "\(map.path) has \(shown); use client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1")
        }
        var interactiveMode: ExecPluginSpec.InteractiveMode?
        if let value = map["interactiveMode"], let mode = try value.string(), !mode.isEmpty {
            guard let parsed = ExecPluginSpec.InteractiveMode(rawValue: mode) else {
                throw value.error("\(value.path) '\(mode)' is not Never, IfAvailable or Always")
            }
            interactiveMode = parsed
        }
        return ExecPluginSpec(
            command: command, args: args, env: env, apiVersion: apiVersion,
            installHint: try map.string("installHint"),
            provideClusterInfo: try map.bool("provideClusterInfo") ?? false,
            interactiveMode: interactiveMode
        )
    }

    // MARK: Values

    /// A path field, made absolute against this file's directory. Empty stays empty (nil).
    func filePath(_ map: YAMLMapping?, _ key: String) throws(YAMLError) -> String? {
        guard let text = try map?.string(key), !text.isEmpty else { return nil }
        return PathRules.resolve(text, against: directory)
    }

    func notKubeconfig(_ why: String) -> KubeconfigError {
        KubeconfigError(
            .notKubeconfig, file: file,
            "\(file) is YAML but not a kubeconfig: \(why); point --kubeconfig or KUBECONFIG at a kubeconfig (kubectl config view --raw shows yours)"
        )
    }
}
