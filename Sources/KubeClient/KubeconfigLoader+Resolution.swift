import Foundation

// MARK: - From a kubeconfig to a connection

extension KubeconfigLoader {
    /// Picks the context, checks it the way kubectl's validation does, and reads every
    /// certificate and key into memory so that all problems surface now, each naming the
    /// file that holds the bad entry.
    func resolve(
        _ files: [LoadedFile], source: ClusterConnection.Source,
        context explicitContext: String?, namespace explicitNamespace: String?
    ) throws(KubeconfigError) -> ClusterConnection {
        let config = Kubeconfig.merged(files.map(\.config))
        let allFiles = files.map(\.path).joined(separator: ", ")

        // Context.
        guard let contextName = explicitContext ?? config.currentContext else {
            let hint = config.contexts.isEmpty
                ? "it defines no contexts; add one, or point --kubeconfig at another file"
                : "pass --context NAME (contexts there: \(KubeconfigError.list(Array(config.contexts.keys)))) or run `kubectl config use-context NAME`"
            throw KubeconfigError(.noCurrentContext, file: files.first?.path, "kubeconfig \(allFiles) has no current-context: \(hint)")
        }
        guard let context = config.contexts[contextName] else {
            let origin = explicitContext == nil ? (config.currentContextOrigin ?? allFiles) : allFiles
            let named = explicitContext == nil ? "current-context '\(contextName)'" : "context '\(contextName)' (from --context)"
            throw KubeconfigError(
                .contextNotFound, file: origin,
                "kubeconfig \(origin): \(named) does not exist; contexts there: \(KubeconfigError.list(Array(config.contexts.keys))); pass --context with one of them"
            )
        }
        let contextAt = KubeconfigError.location(context.origin, context.mark)

        // Cluster.
        guard !context.cluster.isEmpty, let cluster = config.clusters[context.cluster] else {
            let named = context.cluster.isEmpty ? "no cluster" : "cluster '\(context.cluster)', which is not defined"
            throw KubeconfigError(
                .clusterNotFound, file: context.origin,
                "kubeconfig \(contextAt): context '\(contextName)' names \(named); clusters there: \(KubeconfigError.list(Array(config.clusters.keys)))"
            )
        }

        // User (an empty name is anonymous access, which kubectl allows).
        var user: Kubeconfig.User?
        if !context.user.isEmpty {
            guard let found = config.users[context.user] else {
                throw KubeconfigError(
                    .userNotFound, file: context.origin,
                    "kubeconfig \(contextAt): context '\(contextName)' names user '\(context.user)', which is not defined; users there: \(KubeconfigError.list(Array(config.users.keys)))"
                )
            }
            user = found
        }

        var connection = try clusterPart(cluster, name: context.cluster, contextName: contextName, source: source)
        connection.userName = context.user
        connection.namespace = explicitNamespace ?? context.namespace ?? KubeconfigLoader.defaultNamespace
        connection.sourceFiles = files.map(\.path)
        if let user {
            try applyUser(user, name: context.user, to: &connection)
        }
        connection.warnings += permissionWarnings(files)
        if connection.server.scheme == "http", connection.bearerToken != nil || connection.basicAuth != nil || connection.execPlugin != nil {
            connection.warnings.append("cluster \(context.cluster) is reached over plain http (\(cluster.origin)): its credentials cross the network unencrypted")
        }
        return connection
    }

    // MARK: Cluster

    func clusterPart(
        _ cluster: Kubeconfig.Cluster, name: String, contextName: String, source: ClusterConnection.Source
    ) throws(KubeconfigError) -> ClusterConnection {
        let at = KubeconfigError.location(cluster.origin, cluster.mark)
        guard let serverText = cluster.server, !serverText.isEmpty else {
            throw KubeconfigError(.invalidServer, file: cluster.origin, "kubeconfig \(at): cluster '\(name)' has no server; add one such as server: https://127.0.0.1:6443")
        }
        // Certificate authority: the data wins over the file, as in client-go.
        var authority: [UInt8]?
        if let data = cluster.certificateAuthorityData, !data.isEmpty {
            authority = try decodedPEM(data, labels: PEM.certificateLabels, field: "certificate-authority-data", owner: "cluster '\(name)'", at: at, file: cluster.origin, kind: .badCertificate)
        } else if let path = cluster.certificateAuthority {
            authority = try filePEM(path, labels: PEM.certificateLabels, field: "certificate-authority", owner: "cluster '\(name)'", at: at, file: cluster.origin, kind: .badCertificate)
        }
        if cluster.insecureSkipTLSVerify, authority != nil {
            throw KubeconfigError(
                .invalidField, file: cluster.origin,
                "kubeconfig \(at): cluster '\(name)' sets both insecure-skip-tls-verify and a certificate authority, which kubectl refuses; remove insecure-skip-tls-verify (the CA is what makes TLS safe)"
            )
        }
        let (url, host, port) = try ServerURL.validate(serverText, defaultTLS: authority != nil || cluster.insecureSkipTLSVerify) { reason in
            KubeconfigError(.invalidServer, file: cluster.origin, "kubeconfig \(at): cluster '\(name)' server '\(serverText)' \(reason); use https://HOST:PORT")
        }
        var connection = ClusterConnection(
            source: source, contextName: contextName, clusterName: name, userName: "",
            server: url, host: host, port: port, namespace: KubeconfigLoader.defaultNamespace,
            certificateAuthority: authority,
            insecureSkipTLSVerify: cluster.insecureSkipTLSVerify,
            tlsServerName: cluster.tlsServerName.flatMap { $0.isEmpty ? nil : $0 },
            proxyURL: cluster.proxyURL.flatMap { $0.isEmpty ? nil : $0 }
        )
        if cluster.insecureSkipTLSVerify {
            connection.warnings.append("TLS verification is off for cluster \(name) (insecure-skip-tls-verify in \(cluster.origin))")
        }
        return connection
    }

    // MARK: User

    func applyUser(
        _ user: Kubeconfig.User, name: String, to connection: inout ClusterConnection
    ) throws(KubeconfigError) {
        let at = KubeconfigError.location(user.origin, user.mark)
        let owner = "user '\(name)'"
        connection.userOrigin = user.origin
        if let provider = user.authProvider {
            throw KubeconfigError(
                .unsupportedAuthProvider, file: user.origin,
                "kubeconfig \(at): \(owner) uses auth-provider '\(provider)', which Flightdeck does not support (kubectl removed them in 1.26); switch the user to an exec plugin (gke-gcloud-auth-plugin, kubelogin) or a token"
            )
        }

        // Client certificate and key: data wins over file, as in client-go; both or neither.
        var certificate: [UInt8]?
        if let data = user.clientCertificateData, !data.isEmpty {
            certificate = try decodedPEM(data, labels: PEM.certificateLabels, field: "client-certificate-data", owner: owner, at: at, file: user.origin, kind: .badCertificate)
        } else if let path = user.clientCertificate {
            certificate = try filePEM(path, labels: PEM.certificateLabels, field: "client-certificate", owner: owner, at: at, file: user.origin, kind: .badCertificate)
        }
        var key: [UInt8]?
        if let data = user.clientKeyData, !data.isEmpty {
            key = try decodedPEM(data, labels: PEM.privateKeyLabels, field: "client-key-data", owner: owner, at: at, file: user.origin, kind: .badKey)
        } else if let path = user.clientKey {
            key = try filePEM(path, labels: PEM.privateKeyLabels, field: "client-key", owner: owner, at: at, file: user.origin, kind: .badKey)
        }
        if (certificate == nil) != (key == nil) {
            let (has, lacks) = certificate != nil ? ("a client certificate", "client-key-data or client-key") : ("a client key", "client-certificate-data or client-certificate")
            throw KubeconfigError(.badKey, file: user.origin, "kubeconfig \(at): \(owner) has \(has) but no \(lacks); add the missing half")
        }
        connection.clientCertificate = certificate
        connection.clientKey = key

        // Token and basic auth: kubectl allows only one of them.
        let token = user.token.flatMap { $0.isEmpty ? nil : $0 }
        let hasBasic = !(user.username ?? "").isEmpty || !(user.password ?? "").isEmpty
        if (token != nil || user.tokenFile != nil), hasBasic {
            throw KubeconfigError(
                .conflictingAuth, file: user.origin,
                "kubeconfig \(at): \(owner) has both a token and username/password, and only one authentication method is allowed; remove one"
            )
        }
        if let tokenFile = user.tokenFile {
            if token == nil, !LocalFile.isFile(tokenFile) {
                throw KubeconfigError(.unreadableFile, file: user.origin, "kubeconfig \(at): \(owner) tokenFile \(tokenFile) does not exist; fix the path")
            }
            connection.bearerToken = .file(path: tokenFile, fallback: token)
        } else if let token {
            connection.bearerToken = .literal(token)
        }
        if hasBasic {
            connection.basicAuth = .init(username: user.username ?? "", password: user.password ?? "")
        }

        if let exec = user.exec {
            try checkExec(exec, owner: owner, at: at, file: user.origin, name: name)
            connection.execPlugin = exec
        }
    }

    /// kubectl's checks on an exec entry, then Flightdeck's allow-list (read only here, so
    /// a broken Flightdeck config never stands in the way of a user without a plugin).
    func checkExec(
        _ exec: ExecPluginSpec, owner: String, at: String, file: String, name: String
    ) throws(KubeconfigError) {
        if exec.apiVersion == "client.authentication.k8s.io/v1", exec.interactiveMode == nil {
            throw KubeconfigError(
                .invalidField, file: file,
                "kubeconfig \(at): \(owner) exec plugin has no interactiveMode, which client.authentication.k8s.io/v1 requires; add interactiveMode: Never"
            )
        }
        if exec.interactiveMode == .always {
            throw KubeconfigError(
                .invalidField, file: file,
                "kubeconfig \(at): \(owner) exec plugin '\(exec.command)' needs interactiveMode Always, but Flightdeck runs plugins without a terminal; log in with the plugin first and set interactiveMode: IfAvailable"
            )
        }
        let allowList = try FlightdeckConfig.load(path: flightdeckConfigPath)
        let resolved = ExecCredentialProvider.lookUp(exec.command, environment: environment)
        guard allowList.allows(command: exec.command, resolvedPath: resolved) else {
            throw KubeconfigError(
                .execNotAllowed, file: file,
                "kubeconfig \(file): user \(name) runs exec plugin '\(exec.command)'; Flightdeck runs exec plugins only when allowed: add it under kubernetes.allowedExecCommands in \(displayPath(allowList.path))"
            )
        }
    }

    /// `~/...` for paths under the home directory, as people type them.
    func displayPath(_ path: String) -> String {
        let home = PathRules.clean(homeDirectory)
        if home != "/", path.hasPrefix(home + "/") { return "~" + path.dropFirst(home.count) }
        return path
    }

    // MARK: Certificates and keys

    func decodedPEM(
        _ base64: String, labels: [String], field: String, owner: String, at: String, file: String, kind: KubeconfigError.Kind
    ) throws(KubeconfigError) -> [UInt8] {
        guard let bytes = PEM.decodeBase64(base64) else {
            throw KubeconfigError(kind, file: file, "kubeconfig \(at): \(owner) \(field) is not valid base64; it should be base64 of a PEM file (base64 -w0 FILE)")
        }
        guard PEM.contains(labels, in: bytes) else {
            throw KubeconfigError(kind, file: file, "kubeconfig \(at): \(owner) \(field) decodes to no PEM \(Self.describe(labels)) block; re-export it from the cluster's kubeconfig")
        }
        return bytes
    }

    func filePEM(
        _ path: String, labels: [String], field: String, owner: String, at: String, file: String, kind: KubeconfigError.Kind
    ) throws(KubeconfigError) -> [UInt8] {
        switch LocalFile.load(path, maxSize: 1024 * 1024) {
        case .success(let read):
            guard PEM.contains(labels, in: read.bytes) else {
                throw KubeconfigError(kind, file: file, "kubeconfig \(at): \(owner) \(field) \(path) holds no PEM \(Self.describe(labels)) block; point it at the right file")
            }
            return read.bytes
        case .failure(.missing):
            throw KubeconfigError(.unreadableFile, file: file, "kubeconfig \(at): \(owner) \(field) \(path) does not exist; fix the path (relative paths are read from the kubeconfig's directory)")
        case .failure(.unreadable(let reason)):
            throw KubeconfigError(.unreadableFile, file: file, "kubeconfig \(at): \(owner) \(field) \(path) cannot be read: \(reason); fix its permissions")
        case .failure(.tooLarge):
            throw KubeconfigError(kind, file: file, "kubeconfig \(at): \(owner) \(field) \(path) is larger than 1 MiB, so it is not a PEM file; point it at the right file")
        }
    }

    static func describe(_ labels: [String]) -> String {
        labels.count == 1 ? labels[0] : labels.dropLast().joined(separator: ", ") + " or " + labels.last!
    }

    // MARK: Permissions

    /// A file that holds credentials and that group or others may read is worth a line:
    /// k3s is often started with `--write-kubeconfig-mode 644` on homelab nodes.
    func permissionWarnings(_ files: [LoadedFile]) -> [String] {
        files.compactMap { file in
            guard file.mode & 0o044 != 0, file.config.users.values.contains(where: \.holdsCredentials) else { return nil }
            return "kubeconfig \(file.path) is readable by group/others (mode \(LocalFile.octal(file.mode))) and holds credentials; run: chmod 600 \(file.path)"
        }
    }
}
