import Foundation
import Testing

@testable import KubeClient

/// A temporary directory with the files a kubeconfig test needs, removed at deinit.
final class Sandbox {
    let root: String

    init() {
        let base = FileManager.default.temporaryDirectory.path
        root = PathRules.clean("\(base)/kubeconfig-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        // Directories for the loader's well-known places.
        for directory in ["home/.kube", "etc/rancher/k3s", "sa", "work"] {
            try! FileManager.default.createDirectory(atPath: "\(root)/\(directory)", withIntermediateDirectories: true)
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var home: String { "\(root)/home" }
    var homeConfig: String { "\(root)/home/.kube/config" }
    var k3sConfig: String { "\(root)/etc/rancher/k3s/k3s.yaml" }
    var serviceAccount: String { "\(root)/sa" }
    var workingDirectory: String { "\(root)/work" }

    /// Writes `text` at `path` (relative to the root unless absolute) with `mode`.
    @discardableResult
    func write(_ path: String, _ text: String, mode: Int = 0o600) -> String {
        let full = path.hasPrefix("/") ? path : "\(root)/\(path)"
        let directory = PathRules.directory(of: full)
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: full, contents: Data(text.utf8)))
        try! FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full)
        return full
    }

    /// A loader whose every input is inside the sandbox.
    func loader(environment: [String: String] = [:], flightdeckConfig: String? = nil) -> KubeconfigLoader {
        KubeconfigLoader(
            environment: environment, homeDirectory: home, workingDirectory: workingDirectory,
            k3sConfigPath: k3sConfig, serviceAccountDirectory: serviceAccount,
            flightdeckConfigPath: flightdeckConfig ?? "\(root)/home/.config/flightdeck/config.yaml"
        )
    }
}

enum Fixture {
    /// A PEM block of `label` around random bytes: the right shape, not a real certificate.
    static func pem(_ label: String, bytes: Int = 96) -> String {
        let random = (0 ..< bytes).map { _ in UInt8.random(in: 0 ... 255) }
        let body = Data(random).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(body)\n-----END \(label)-----\n"
    }

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    static let ca = pem("CERTIFICATE")
    static let cert = pem("CERTIFICATE")
    static let key = pem("EC PRIVATE KEY")

    /// What k3s writes to /etc/rancher/k3s/k3s.yaml: everything named "default".
    static func k3s(
        server: String = "https://127.0.0.1:6443", name: String = "default",
        namespace: String? = nil, current: String? = "default"
    ) -> String {
        """
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: \(base64(ca))
            server: \(server)
          name: \(name)
        contexts:
        - context:
            cluster: \(name)
            user: \(name)\(namespace.map { "\n    namespace: \($0)" } ?? "")
          name: \(name)
        current-context: \(current ?? "")
        kind: Config
        preferences: {}
        users:
        - name: \(name)
          user:
            client-certificate-data: \(base64(cert))
            client-key-data: \(base64(key))

        """
    }

    /// A config with one cluster/user/context triple and the given user body (indented 4).
    static func withUser(_ userBody: String, cluster clusterBody: String? = nil, name: String = "u") -> String {
        """
        apiVersion: v1
        kind: Config
        current-context: \(name)
        clusters:
        - name: \(name)
          cluster:
        \(clusterBody ?? "    server: https://10.0.0.1:6443")
        contexts:
        - name: \(name)
          context: {cluster: \(name), user: \(name)}
        users:
        - name: \(name)
          user:
        \(userBody)

        """
    }
}

/// Loads and expects a failure, returning the error.
func loadError(
    _ loader: KubeconfigLoader, kubeconfig: String? = nil, context: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) -> KubeconfigError? {
    do {
        let connection = try loader.load(kubeconfig: kubeconfig, context: context)
        Issue.record("expected an error, got \(connection)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// The checks every error message must pass: one line, naming `file`.
func expectOneLine(_ error: KubeconfigError?, naming file: String?, contains parts: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) {
    guard let error else {
        Issue.record("no error", sourceLocation: sourceLocation)
        return
    }
    let text = error.description
    #expect(!text.contains("\n"), "not one line: \(text)", sourceLocation: sourceLocation)
    #expect(!text.contains("\r"), sourceLocation: sourceLocation)
    if let file { #expect(text.contains(file), "does not name \(file): \(text)", sourceLocation: sourceLocation) }
    for part in parts { #expect(text.contains(part), "lacks '\(part)': \(text)", sourceLocation: sourceLocation) }
}
