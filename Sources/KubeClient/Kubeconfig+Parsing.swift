import Foundation
import Yams

// MARK: - Parsing one file

extension Kubeconfig {
    /// Reads the text of ONE kubeconfig file.
    ///
    /// `file` must be the file's absolute path: it names the file in errors, becomes each
    /// entry's `origin`, and its directory is what relative paths are resolved against
    /// (kubectl resolves `certificate-authority`, `client-certificate`, `client-key`,
    /// `tokenFile` and an exec `command` containing a `/` relative to the file that
    /// named them). An empty file (or one holding only `null`) is an empty config, as in
    /// kubectl.
    public static func parse(_ text: String, file: String) throws(KubeconfigError) -> Kubeconfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw KubeconfigError.notYAML(error, file: file)
        }
        guard let root else { return Kubeconfig(files: [file]) }
        if case .scalar(let scalar) = root, scalar.tag.rawValue == Tag.Name.null.rawValue {
            return Kubeconfig(files: [file])
        }
        var reader = Reader(file: file)
        return try reader.config(root)
    }
}

// MARK: - YAML errors

extension KubeconfigError {
    /// A Yams error, keeping only its problem and position: its own description quotes the
    /// offending line, which in a kubeconfig can be a token.
    static func notYAML(_ error: any Error, file: String) -> KubeconfigError {
        var problem = "it could not be parsed"
        var mark: SourceMark?
        if let yaml = error as? YamlError {
            switch yaml {
            case let .scanner(context, text, position, _),
                 let .parser(context, text, position, _),
                 let .composer(context, text, position, _):
                problem = text
                if let context { problem += " (\(context.text) at line \(context.mark.line))" }
                mark = SourceMark(line: position.line, column: position.column)
            case let .reader(text, offset, _, _):
                problem = text + (offset.map { " at byte \($0)" } ?? "")
            case let .duplicatedKeysInMapping(duplicates, context):
                problem = "duplicate keys \(duplicates.joined(separator: ", "))"
                mark = SourceMark(line: context.mark.line, column: context.mark.column)
            case .dataCouldNotBeDecoded:
                problem = "it is not UTF-8 text"
            default:
                break
            }
        }
        return KubeconfigError(
            .notYAML, file: file,
            "kubeconfig \(location(file, mark)) is not valid YAML: \(problem); fix it, or point --kubeconfig at another file"
        )
    }
}

// MARK: - The walker

/// Walks a composed YAML tree into a `Kubeconfig`, with a path (`users[1].user.exec.args`)
/// and a position for every type error.
private struct Reader {
    let file: String
    let directory: String

    init(file: String) {
        self.file = file
        self.directory = PathRules.directory(of: file)
    }

    /// The top-level keys that make a mapping look like a kubeconfig.
    static let kubeconfigKeys: Set<String> = [
        "apiVersion", "kind", "clusters", "users", "contexts", "current-context", "preferences", "extensions",
    ]

    mutating func config(_ root: Node) throws(KubeconfigError) -> Kubeconfig {
        guard case .mapping(let top) = root else {
            throw notKubeconfig("its top level is \(Reader.describe(root)), not a mapping")
        }
        let keys = Set(top.keys.compactMap(\.string))
        if let kind = top["kind"].flatMap(Reader.plainString), !kind.isEmpty, kind != "Config" {
            throw notKubeconfig("it is a \(kind), not a Config")
        }
        if keys.isDisjoint(with: Reader.kubeconfigKeys) {
            throw notKubeconfig("it has none of clusters, users, contexts or current-context")
        }
        var config = Kubeconfig(files: [file])
        config.clusters = try named(top["clusters"], list: "clusters", item: "cluster") { node, path, mark throws(KubeconfigError) in
            try cluster(node, path: path, mark: mark)
        }
        config.users = try named(top["users"], list: "users", item: "user") { node, path, mark throws(KubeconfigError) in
            try user(node, path: path, mark: mark)
        }
        config.contexts = try named(top["contexts"], list: "contexts", item: "context") { node, path, mark throws(KubeconfigError) in
            try context(node, path: path, mark: mark)
        }
        if let current = try string(top["current-context"], path: "current-context"), !current.isEmpty {
            config.currentContext = current
            config.currentContextOrigin = file
        }
        return config
    }

    // MARK: Entries

    /// A kubeconfig list of `{name: N, <item>: {...}}` as a dictionary. Two entries with
    /// one name in one file are an error, as in client-go's conversion.
    func named<Entry>(
        _ node: Node?, list: String, item: String,
        _ read: (Node?, String, SourceMark?) throws(KubeconfigError) -> Entry
    ) throws(KubeconfigError) -> [String: Entry] {
        guard let node, !Reader.isNull(node) else { return [:] }
        guard case .sequence(let sequence) = node else {
            throw typeError(list, expected: "a list", found: node)
        }
        var entries: [String: Entry] = [:]
        for (index, element) in sequence.enumerated() {
            let path = "\(list)[\(index)]"
            guard case .mapping(let mapping) = element else {
                throw typeError(path, expected: "a mapping with name and \(item)", found: element)
            }
            guard let name = try string(mapping["name"], path: "\(path).name"), !name.isEmpty else {
                throw KubeconfigError(
                    .invalidField, file: file,
                    "kubeconfig \(KubeconfigError.location(file, Reader.mark(element))): \(path) has no name; give it one or remove it"
                )
            }
            if entries[name] != nil {
                throw KubeconfigError(
                    .invalidField, file: file,
                    "kubeconfig \(KubeconfigError.location(file, Reader.mark(element))): \(list) has two entries named '\(name)'; remove or rename one"
                )
            }
            entries[name] = try read(mapping[item], "\(path).\(item)", Reader.mark(element))
        }
        return entries
    }

    func cluster(_ node: Node?, path: String, mark: SourceMark?) throws(KubeconfigError) -> Kubeconfig.Cluster {
        let map = try mapping(node, path: path)
        return Kubeconfig.Cluster(
            server: try string(map?["server"], path: "\(path).server"),
            certificateAuthority: try filePath(map?["certificate-authority"], path: "\(path).certificate-authority"),
            certificateAuthorityData: try string(map?["certificate-authority-data"], path: "\(path).certificate-authority-data"),
            insecureSkipTLSVerify: try bool(map?["insecure-skip-tls-verify"], path: "\(path).insecure-skip-tls-verify") ?? false,
            tlsServerName: try string(map?["tls-server-name"], path: "\(path).tls-server-name"),
            proxyURL: try string(map?["proxy-url"], path: "\(path).proxy-url"),
            origin: file, mark: mark
        )
    }

    func user(_ node: Node?, path: String, mark: SourceMark?) throws(KubeconfigError) -> Kubeconfig.User {
        let map = try mapping(node, path: path)
        var authProvider: String?
        if let provider = map?["auth-provider"], !Reader.isNull(provider) {
            let providerMap = try mapping(provider, path: "\(path).auth-provider")
            authProvider = try string(providerMap?["name"], path: "\(path).auth-provider.name") ?? "unnamed"
        }
        return Kubeconfig.User(
            clientCertificate: try filePath(map?["client-certificate"], path: "\(path).client-certificate"),
            clientCertificateData: try string(map?["client-certificate-data"], path: "\(path).client-certificate-data"),
            clientKey: try filePath(map?["client-key"], path: "\(path).client-key"),
            clientKeyData: try string(map?["client-key-data"], path: "\(path).client-key-data"),
            token: try string(map?["token"], path: "\(path).token"),
            tokenFile: try filePath(map?["tokenFile"], path: "\(path).tokenFile"),
            username: try string(map?["username"], path: "\(path).username"),
            password: try string(map?["password"], path: "\(path).password"),
            exec: try exec(map?["exec"], path: "\(path).exec"),
            authProvider: authProvider,
            origin: file, mark: mark
        )
    }

    func context(_ node: Node?, path: String, mark: SourceMark?) throws(KubeconfigError) -> Kubeconfig.Context {
        let map = try mapping(node, path: path)
        let namespace = try string(map?["namespace"], path: "\(path).namespace")
        return Kubeconfig.Context(
            cluster: try string(map?["cluster"], path: "\(path).cluster") ?? "",
            user: try string(map?["user"], path: "\(path).user") ?? "",
            namespace: (namespace ?? "").isEmpty ? nil : namespace,
            origin: file, mark: mark
        )
    }

    func exec(_ node: Node?, path: String) throws(KubeconfigError) -> ExecPluginSpec? {
        guard let node, !Reader.isNull(node) else { return nil }
        guard let map = try mapping(node, path: path) else { return nil }
        guard var command = try string(map["command"], path: "\(path).command"), !command.isEmpty else {
            throw KubeconfigError(
                .invalidField, file: file,
                "kubeconfig \(KubeconfigError.location(file, Reader.mark(node))): \(path) has no command; add one or remove the exec entry"
            )
        }
        if command.contains("/") { command = PathRules.resolve(command, against: directory) }
        var args: [String] = []
        if let argsNode = map["args"], !Reader.isNull(argsNode) {
            guard case .sequence(let sequence) = argsNode else {
                throw typeError("\(path).args", expected: "a list of strings", found: argsNode)
            }
            for (index, element) in sequence.enumerated() {
                args.append(try string(element, path: "\(path).args[\(index)]") ?? "")
            }
        }
        var env: [ExecPluginSpec.EnvVar] = []
        if let envNode = map["env"], !Reader.isNull(envNode) {
            guard case .sequence(let sequence) = envNode else {
                throw typeError("\(path).env", expected: "a list of {name, value}", found: envNode)
            }
            for (index, element) in sequence.enumerated() {
                let item = try mapping(element, path: "\(path).env[\(index)]")
                let name = try string(item?["name"], path: "\(path).env[\(index)].name") ?? ""
                let value = try string(item?["value"], path: "\(path).env[\(index)].value") ?? ""
                env.append(.init(name: name, value: value))
            }
        }
        let apiVersion = try string(map["apiVersion"], path: "\(path).apiVersion") ?? ""
        guard ExecPluginSpec.supportedAPIVersions.contains(apiVersion) else {
            let shown = apiVersion.isEmpty ? "no apiVersion" : "apiVersion '\(apiVersion)'"
            throw KubeconfigError(
                .invalidField, file: file,
                "kubeconfig \(KubeconfigError.location(file, Reader.mark(node))): \(path) has \(shown); use client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1"
            )
        }
        var interactiveMode: ExecPluginSpec.InteractiveMode?
        if let mode = try string(map["interactiveMode"], path: "\(path).interactiveMode"), !mode.isEmpty {
            guard let parsed = ExecPluginSpec.InteractiveMode(rawValue: mode) else {
                throw KubeconfigError(
                    .invalidField, file: file,
                    "kubeconfig \(KubeconfigError.location(file, Reader.mark(map["interactiveMode"]))): \(path).interactiveMode '\(mode)' is not Never, IfAvailable or Always"
                )
            }
            interactiveMode = parsed
        }
        return ExecPluginSpec(
            command: command, args: args, env: env, apiVersion: apiVersion,
            installHint: try string(map["installHint"], path: "\(path).installHint"),
            provideClusterInfo: try bool(map["provideClusterInfo"], path: "\(path).provideClusterInfo") ?? false,
            interactiveMode: interactiveMode
        )
    }

    // MARK: Scalars

    func mapping(_ node: Node?, path: String) throws(KubeconfigError) -> Node.Mapping? {
        guard let node, !Reader.isNull(node) else { return nil }
        guard case .mapping(let mapping) = node else {
            throw typeError(path, expected: "a mapping", found: node)
        }
        return mapping
    }

    /// A scalar as text (`port: 6443` is the string "6443"); `nil` for a missing or null value.
    func string(_ node: Node?, path: String) throws(KubeconfigError) -> String? {
        guard let node, !Reader.isNull(node) else { return nil }
        guard let text = Reader.plainString(node) else {
            throw typeError(path, expected: "a string", found: node)
        }
        return text
    }

    func bool(_ node: Node?, path: String) throws(KubeconfigError) -> Bool? {
        guard let node, !Reader.isNull(node) else { return nil }
        if let value = node.bool { return value }
        switch Reader.plainString(node)?.lowercased() {
        case "true": return true
        case "false": return false
        default: throw typeError(path, expected: "true or false", found: node)
        }
    }

    /// A path field, made absolute against this file's directory. Empty stays empty (nil).
    func filePath(_ node: Node?, path: String) throws(KubeconfigError) -> String? {
        guard let text = try string(node, path: path), !text.isEmpty else { return nil }
        return PathRules.resolve(text, against: directory)
    }

    // MARK: Errors

    func typeError(_ path: String, expected: String, found node: Node) -> KubeconfigError {
        KubeconfigError(
            .invalidField, file: file,
            "kubeconfig \(KubeconfigError.location(file, Reader.mark(node))): \(path) should be \(expected), not \(Reader.describe(node)); fix the file"
        )
    }

    func notKubeconfig(_ why: String) -> KubeconfigError {
        KubeconfigError(
            .notKubeconfig, file: file,
            "\(file) is YAML but not a kubeconfig: \(why); point --kubeconfig or KUBECONFIG at a kubeconfig (kubectl config view --raw shows yours)"
        )
    }

    static func isNull(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node { return scalar.tag.rawValue == Tag.Name.null.rawValue }
        return false
    }

    static func plainString(_ node: Node) -> String? {
        if case .scalar(let scalar) = node { return scalar.string }
        return nil
    }

    static func mark(_ node: Node?) -> SourceMark? {
        guard let mark = node?.mark else { return nil }
        return SourceMark(line: mark.line, column: mark.column)
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar: return "a single value"
        case .alias: return "an alias"
        }
    }
}
