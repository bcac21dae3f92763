import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeClient
import KubeModel
import SimCluster
import SimServer
import Testing

/// Authentication and authorization as kube-apiserver does them: client certificates
/// (CN = user, O = groups) and bearer tokens, RBAC Roles, 401 and 403 as sentences.
/// Sim-specific: it issues the users' credentials.
@Suite(.timeLimit(.minutes(2))) struct AuthTests {
    static let directory = TemporaryDirectory("flightdeck-auth")

    func start(_ name: String, tokens: [String: UserInfo] = [:]) async throws -> SimulatedCluster {
        try await SimulatedCluster.start(.init(dataDirectory: URL(fileURLWithPath: Self.directory.file(name)), tokens: tokens))
    }

    func api(_ kubeconfig: String, home: String) throws -> KubeAPI {
        KubeAPI(connection: try TestCluster.loader(home: home).load(kubeconfig: kubeconfig), qps: 1000, burst: 1000)
    }

    /// A client of `sim` as kubeconfig user `name` (`user`: its YAML), reading nothing of this
    /// machine's: the kubeconfig, the CA (`ca.crt`) and the Flightdeck config naming the
    /// allowed exec plugins (`flightdeck.yaml`) are all in `home`.
    func isolatedAPI(_ sim: SimulatedCluster, home: TemporaryDirectory, user name: String, _ user: String) throws -> KubeAPI {
        let path = home.file("\(name).yaml")
        try """
            apiVersion: v1
            kind: Config
            clusters: [{name: sim, cluster: {server: "\(sim.url)", certificate-authority: \(home.file("ca.crt"))}}]
            users: [{name: \(name), user: \(user)}]
            contexts: [{name: ctx, context: {cluster: sim, user: \(name), namespace: agents}}]
            current-context: ctx
            """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        let loader = KubeconfigLoader(environment: [:], homeDirectory: home.path, workingDirectory: home.path,
            k3sConfigPath: home.file("none"), serviceAccountDirectory: home.file("none"),
            flightdeckConfigPath: home.file("flightdeck.yaml"))
        return KubeAPI(connection: try loader.load(kubeconfig: path), qps: 1000, burst: 1000)
    }

    /// Every way a kubeconfig can carry a credential, over real TLS to the sim: certificate
    /// and key as data and as files, CA as a file, a token file, and an allowed exec plugin.
    @Test func everyCredentialFormReachesTheServer() async throws {
        let sim = try await start("matrix", tokens: ["file-token": UserInfo(name: "ci", groups: ["system:masters"]),
            "exec-token": UserInfo(name: "exec", groups: ["system:masters"])])
        let home = TemporaryDirectory()
        let pair = try sim.authority.issueClientCertificate(user: "files", groups: ["system:masters"])
        try pair.certificatePEM.write(toFile: home.file("client.crt"), atomically: true, encoding: .utf8)
        try pair.privateKeyPEM.write(toFile: home.file("client.key"), atomically: true, encoding: .utf8)
        try sim.authority.certificatePEM.write(toFile: home.file("ca.crt"), atomically: true, encoding: .utf8)
        try "file-token\n".write(toFile: home.file("token"), atomically: true, encoding: .utf8)
        let plugin = home.file("get-token")
        try """
            #!/bin/sh
            echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-token"}}'
            """.write(toFile: plugin, atomically: true, encoding: .utf8)
        chmod(plugin, 0o755)
        try "kubernetes:\n  allowedExecCommands: [\(plugin)]\n".write(
            toFile: home.file("flightdeck.yaml"), atomically: true, encoding: .utf8)

        let users = [
            "files": "{client-certificate: \(home.file("client.crt")), client-key: \(home.file("client.key"))}",
            "tokenfile": "{tokenFile: \(home.file("token"))}",
            "exec": "{exec: {apiVersion: client.authentication.k8s.io/v1, command: \(plugin), interactiveMode: Never}}",
        ]
        for (name, user) in users.sorted(by: { $0.key < $1.key }) {
            let api = try isolatedAPI(sim, home: home, user: name, user)
            let list = try await api.list(.jobs, namespace: "agents")
            #expect(list["kind"]?.stringValue == "JobList", "credential form \(name)")
        }
        await sim.stop()
    }

    /// An exec plugin that hands out a client certificate: it runs at the first request, not
    /// when the client is made (so making one never waits on a plugin), and the certificate
    /// it returns is the one the server sees.
    @Test func anExecPluginsClientCertificateIsFetchedAtTheFirstRequest() async throws {
        let sim = try await start("exec-cert")
        let home = TemporaryDirectory()
        let pair = try sim.authority.issueClientCertificate(user: "from-plugin", groups: ["system:masters"])
        try sim.authority.certificatePEM.write(toFile: home.file("ca.crt"), atomically: true, encoding: .utf8)
        func escaped(_ pem: String) -> String { pem.replacingOccurrences(of: "\n", with: "\\n") }
        let plugin = home.file("get-cert")
        let ran = home.file("ran")
        try """
            #!/bin/sh
            echo run >> \(ran)
            cat <<'JSON'
            {"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"\(escaped(pair.certificatePEM))","clientKeyData":"\(escaped(pair.privateKeyPEM))"}}
            JSON
            """.write(toFile: plugin, atomically: true, encoding: .utf8)
        chmod(plugin, 0o755)
        try "kubernetes:\n  allowedExecCommands: [\(plugin)]\n".write(
            toFile: home.file("flightdeck.yaml"), atomically: true, encoding: .utf8)
        let api = try isolatedAPI(sim, home: home, user: "cert",
            "{exec: {apiVersion: client.authentication.k8s.io/v1, command: \(plugin), interactiveMode: Never}}")
        #expect(!FileManager.default.fileExists(atPath: ran), "the plugin ran before any request")
        // Concurrent first requests share one plugin run and one transport.
        async let first = api.list(.jobs, namespace: "agents")
        async let second = api.list(.configMaps, namespace: "agents")
        #expect(try await first["kind"]?.stringValue == "JobList")
        #expect(try await second["kind"]?.stringValue == "ConfigMapList")
        let review = try await api.create(.selfSubjectReviews, ["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"])
        #expect(review[path: ["status", "userInfo", "username"]]?.stringValue == "from-plugin")
        #expect(try String(contentsOfFile: ran, encoding: .utf8) == "run\n")
        await sim.stop()
    }

    @Test func aLimitedUserIsForbiddenUntilARoleAllowsIt() async throws {
        let sim = try await start("rbac")
        let home = TemporaryDirectory()
        try sim.writeKubeconfig(user: "orchestrator", groups: ["flightdeck"], to: URL(fileURLWithPath: home.file("user.yaml")))
        let user = try api(home.file("user.yaml"), home: home.path)
        let admin = try api(sim.kubeconfigURL.path, home: home.path)
        let job: JSONValue = ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "j"],
            "spec": ["template": ["spec": ["restartPolicy": "Never", "containers": [["name": "a", "image": "busybox"]]]]]]
        do {
            _ = try await user.create(.jobs, namespace: "agents", job)
            Issue.record("expected Forbidden")
        } catch let error as APIError {
            #expect(error.code == 403)
            #expect(error.description
                == "jobs.batch is forbidden: User \"orchestrator\" cannot create resource \"jobs\" in API group \"batch\" in the namespace \"agents\"")
        }
        _ = try await admin.create(.roles, namespace: "agents", [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "jobs"],
            "rules": [["apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "get"]]],
        ])
        _ = try await admin.create(.roleBindings, namespace: "agents", [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": ["name": "jobs"],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "jobs"],
            "subjects": [["kind": "Group", "name": "flightdeck", "apiGroup": "rbac.authorization.k8s.io"]],
        ])
        _ = try await user.create(.jobs, namespace: "agents", job)
        // Allowed verbs only: delete is still refused, and so is another namespace.
        await #expect(throws: APIError.self) { try await user.delete(.jobs, namespace: "agents", name: "j") }
        await #expect(throws: APIError.self) { _ = try await user.list(.jobs, namespace: "default") }

        // SelfSubjectAccessReview answers the same question without trying.
        let review = try await user.create(.selfSubjectAccessReviews, [
            "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": ["resourceAttributes": ["namespace": "agents", "verb": "get", "group": "batch", "resource": "jobs"]],
        ])
        #expect(review[path: ["status", "allowed"]]?.boolValue == true)
        await sim.stop()
    }

    @Test func bearerTokensAuthenticateAndWrongOnesAreRefused() async throws {
        let sim = try await start("tokens", tokens: ["s3cret-token": UserInfo(name: "ci", groups: ["system:masters"])])
        let home = TemporaryDirectory()
        func kubeconfig(token: String) throws -> String {
            let path = home.file("token-\(token.count).yaml")
            try KubeconfigFile(server: sim.url, certificateAuthorityPEM: sim.authority.certificatePEM, userName: "ci",
                token: token).write(to: URL(fileURLWithPath: path))
            return path
        }
        let good = try api(try kubeconfig(token: "s3cret-token"), home: home.path)
        #expect(try await good.list(.jobs, namespace: "agents")["kind"]?.stringValue == "JobList")
        let bad = try api(try kubeconfig(token: "wrong"), home: home.path)
        do {
            _ = try await bad.list(.jobs, namespace: "agents")
            Issue.record("expected Unauthorized")
        } catch let error as APIError {
            #expect(error.code == 401)
            #expect(error.description == "Unauthorized")
        }
        await sim.stop()
    }

    @Test func aClientThatDoesNotTrustTheServerSaysWhatToCheck() async throws {
        let sim = try await start("ca")
        let home = TemporaryDirectory()
        let stranger = try CertificateAuthority.generate(commonName: "someone-else")
        let path = home.file("wrong-ca.yaml")
        try KubeconfigFile(server: sim.url, certificateAuthorityPEM: stranger.certificatePEM, userName: "u", token: "t")
            .write(to: URL(fileURLWithPath: path))
        let client = try api(path, home: home.path)
        do {
            _ = try await client.version()
            Issue.record("expected a TLS failure")
        } catch let error as ClusterUnreachable {
            #expect(error.description.contains("certificate"))
            #expect(error.description.contains(sim.url))
        }
        await sim.stop()
    }

    @Test func theKubeconfigItWritesIsPrivateAndKeepsWorkingAfterARestart() async throws {
        let sim = try await start("restart")
        let mode = try FileManager.default.attributesOfItem(atPath: sim.kubeconfigURL.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let port = sim.server.port
        let home = TemporaryDirectory()
        let copy = home.file("copy.yaml")
        try FileManager.default.copyItem(atPath: sim.kubeconfigURL.path, toPath: copy)
        await sim.stop()
        let again = try await start("restart")
        #expect(again.server.port == port)
        _ = try await api(copy, home: home.path).version()
        await again.stop()
    }
}
