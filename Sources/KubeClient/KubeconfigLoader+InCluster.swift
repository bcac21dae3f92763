import Foundation

// MARK: - In-cluster service account

extension KubeconfigLoader {
    /// kubectl's test for running in a pod: the service host and port are in the
    /// environment and a token is mounted.
    public var inClusterPossible: Bool {
        !(environment["KUBERNETES_SERVICE_HOST"] ?? "").isEmpty
            && !(environment["KUBERNETES_SERVICE_PORT"] ?? "").isEmpty
            && LocalFile.isFile(serviceAccountDirectory + "/token")
    }

    /// The pod's own identity: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`,
    /// the mounted CA, and the mounted token as a file (the kubelet rotates it).
    ///
    /// Namespace: `-n`, else `POD_NAMESPACE`, else the mounted `namespace` file (client-go's
    /// order), else `agents`.
    func inClusterConnection(namespace explicitNamespace: String?) throws(KubeconfigError) -> ClusterConnection {
        let host = environment["KUBERNETES_SERVICE_HOST"] ?? ""
        let port = environment["KUBERNETES_SERVICE_PORT"] ?? ""
        let tokenPath = serviceAccountDirectory + "/token"
        let caPath = serviceAccountDirectory + "/ca.crt"
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let (url, urlHost, urlPort) = try ServerURL.validate("https://\(hostPart):\(port)", defaultTLS: true) { reason in
            KubeconfigError(
                .invalidServer, file: nil,
                "in-cluster config: KUBERNETES_SERVICE_HOST/PORT give 'https://\(hostPart):\(port)', which \(reason); check the pod's environment"
            )
        }
        var warnings: [String] = []
        var authority: [UInt8]?
        switch LocalFile.load(caPath, maxSize: 1024 * 1024) {
        case .success(let file) where PEM.contains(PEM.certificateLabels, in: file.bytes):
            authority = file.bytes
        case .success:
            warnings.append("in-cluster CA \(caPath) holds no PEM certificate; using the system trust store")
        case .failure:
            warnings.append("in-cluster CA \(caPath) could not be read; using the system trust store")
        }
        var namespace = explicitNamespace
        if namespace == nil, let fromEnvironment = environment["POD_NAMESPACE"], !fromEnvironment.isEmpty {
            namespace = fromEnvironment
        }
        if namespace == nil, case .success(let file) = LocalFile.load(serviceAccountDirectory + "/namespace", maxSize: 4096) {
            let text = String(decoding: file.bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { namespace = text }
        }
        return ClusterConnection(
            source: .inCluster, contextName: "in-cluster", clusterName: "in-cluster", userName: "serviceaccount",
            server: url, host: urlHost, port: urlPort,
            namespace: namespace ?? KubeconfigLoader.defaultNamespace,
            certificateAuthority: authority,
            bearerToken: .file(path: tokenPath, fallback: nil),
            warnings: warnings,
            sourceFiles: [tokenPath] + (authority == nil ? [] : [caPath])
        )
    }
}
