import Foundation
import Testing

@testable import KubeClient

@Suite("Kubeconfig sources and precedence")
struct KubeconfigSourcesTests {
    // MARK: Precedence

    @Test func explicitPathBeatsEverything() throws {
        let box = Sandbox()
        let explicit = box.write("explicit.yaml", Fixture.k3s(server: "https://explicit:6443"))
        let env = box.write("env.yaml", Fixture.k3s(server: "https://env:6443"))
        box.write(box.homeConfig, Fixture.k3s(server: "https://home:6443"))
        let connection = try box.loader(environment: ["KUBECONFIG": env]).load(kubeconfig: explicit)
        #expect(connection.host == "explicit")
        #expect(connection.source == .explicitFile)
        #expect(connection.sourceFiles == [explicit])
    }

    @Test func explicitPathMustExistEvenWhenOthersDo() {
        let box = Sandbox()
        box.write(box.homeConfig, Fixture.k3s())
        let error = loadError(box.loader(), kubeconfig: "missing.yaml")
        let expected = "\(box.workingDirectory)/missing.yaml"
        #expect(error?.kind == .missingFile)
        #expect(error?.description == "no kubeconfig at \(expected): pass --kubeconfig, set KUBECONFIG, or run `flightdeck sim` for a local cluster")
    }

    @Test func relativeExplicitPathIsReadFromTheWorkingDirectory() throws {
        let box = Sandbox()
        box.write("work/sub/k.yaml", Fixture.k3s(server: "https://rel:6443"))
        let connection = try box.loader().load(kubeconfig: "sub/k.yaml")
        #expect(connection.host == "rel")
        #expect(connection.sourceFiles == ["\(box.workingDirectory)/sub/k.yaml"])
    }

    @Test func kubeconfigEnvironmentBeatsHomeAndK3s() throws {
        let box = Sandbox()
        let env = box.write("env.yaml", Fixture.k3s(server: "https://env:6443"))
        box.write(box.homeConfig, Fixture.k3s(server: "https://home:6443"))
        box.write(box.k3sConfig, Fixture.k3s(server: "https://k3s:6443"))
        let connection = try box.loader(environment: ["KUBECONFIG": env]).load()
        #expect(connection.host == "env")
        #expect(connection.source == .kubeconfigEnvironment)
    }

    @Test func homeConfigBeatsK3s() throws {
        let box = Sandbox()
        box.write(box.homeConfig, Fixture.k3s(server: "https://home:6443"))
        box.write(box.k3sConfig, Fixture.k3s(server: "https://k3s:6443"))
        let connection = try box.loader().load()
        #expect(connection.host == "home")
        #expect(connection.source == .homeConfig)
    }

    @Test func k3sDefaultWhenNoHomeConfig() throws {
        let box = Sandbox()
        box.write(box.k3sConfig, Fixture.k3s())
        let connection = try box.loader().load()
        #expect(connection.source == .k3sDefault)
        #expect(connection.server.absoluteString == "https://127.0.0.1:6443")
        #expect(connection.host == "127.0.0.1")
        #expect(connection.port == 6443)
        #expect(connection.contextName == "default")
        #expect(connection.clusterName == "default")
        #expect(connection.userName == "default")
        #expect(connection.namespace == "agents")
        #expect(connection.certificateAuthority == Array(Fixture.ca.utf8))
        #expect(connection.clientCertificate == Array(Fixture.cert.utf8))
        #expect(connection.clientKey == Array(Fixture.key.utf8))
        #expect(connection.warnings.isEmpty)
    }

    @Test func inClusterWhenNothingElse() throws {
        let box = Sandbox()
        box.write("sa/token", "sa-token-1\n")
        box.write("sa/ca.crt", Fixture.ca)
        box.write("sa/namespace", "flightdeck\n")
        let env = ["KUBERNETES_SERVICE_HOST": "10.43.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let connection = try box.loader(environment: env).load()
        #expect(connection.source == .inCluster)
        #expect(connection.server.absoluteString == "https://10.43.0.1:443")
        #expect(connection.namespace == "flightdeck")
        #expect(connection.certificateAuthority == Array(Fixture.ca.utf8))
        #expect(connection.bearerToken == .file(path: "\(box.serviceAccount)/token", fallback: nil))
        #expect(try connection.bearerToken?.current() == "sa-token-1")
        // -n beats the mounted namespace; POD_NAMESPACE beats the file.
        #expect(try box.loader(environment: env).load(namespace: "other").namespace == "other")
        var withPod = env
        withPod["POD_NAMESPACE"] = "from-env"
        #expect(try box.loader(environment: withPod).load().namespace == "from-env")
    }

    @Test func inClusterIPv6HostAndDefaultNamespace() throws {
        let box = Sandbox()
        box.write("sa/token", "t")
        let env = ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"]
        let connection = try box.loader(environment: env).load()
        #expect(connection.server.absoluteString == "https://[fd00::1]:6443")
        #expect(connection.host == "fd00::1")
        #expect(connection.namespace == "agents")
        #expect(connection.certificateAuthority == nil)
        #expect(connection.warnings.count == 1)  // no ca.crt: system trust store
    }

    @Test func inClusterNeedsTheTokenAndTheEnvironment() {
        let box = Sandbox()
        // Environment without a token: not in a pod.
        let env = ["KUBERNETES_SERVICE_HOST": "10.43.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let error = loadError(box.loader(environment: env))
        #expect(error?.kind == .missingFile)
        expectOneLine(error, naming: box.homeConfig, contains: ["pass --kubeconfig", "flightdeck sim"])
        // Token without the environment: not in a pod either.
        box.write("sa/token", "t")
        #expect(loadError(box.loader())?.kind == .missingFile)
    }

    @Test func homeConfigBeatsInCluster() throws {
        let box = Sandbox()
        box.write("sa/token", "t")
        box.write(box.homeConfig, Fixture.k3s(server: "https://home:6443"))
        let env = ["KUBERNETES_SERVICE_HOST": "10.43.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        #expect(try box.loader(environment: env).load().source == .homeConfig)
    }

    @Test func emptyKubeconfigFallsBackToInClusterAsKubectlDoes() throws {
        let box = Sandbox()
        box.write("sa/token", "t")
        let empty = box.write("empty.yaml", "")
        let env = ["KUBERNETES_SERVICE_HOST": "10.43.0.1", "KUBERNETES_SERVICE_PORT": "443", "KUBECONFIG": empty]
        #expect(try box.loader(environment: env).load().source == .inCluster)
    }

    @Test func contextFlagWithOnlyInClusterIsAnError() {
        let box = Sandbox()
        box.write("sa/token", "t")
        let env = ["KUBERNETES_SERVICE_HOST": "10.43.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let error = loadError(box.loader(environment: env), context: "prod")
        #expect(error?.kind == .contextNotFound)
        expectOneLine(error, naming: nil, contains: ["'prod'"])
    }

    // MARK: KUBECONFIG merging

    @Test func mergeFirstFileWinsPerMapAndCurrentContextFromFirstSetter() throws {
        let box = Sandbox()
        // a.yaml: no current-context; defines cluster "shared" -> a-server, context "a".
        let a = box.write("a.yaml", """
            clusters:
            - name: shared
              cluster: {server: "https://a-server:6443", insecure-skip-tls-verify: true}
            contexts:
            - name: a
              context: {cluster: shared, user: ua, namespace: ns-a}
            - name: b
              context: {cluster: shared, user: ub, namespace: ns-a-version-of-b}
            users:
            - name: ua
              user: {token: token-a}
            """)
        // b.yaml: sets current-context b, redefines "shared" and context "b" (ignored).
        let b = box.write("b.yaml", """
            current-context: b
            clusters:
            - name: shared
              cluster: {server: "https://b-server:6443"}
            contexts:
            - name: b
              context: {cluster: shared, user: ub, namespace: ns-b}
            users:
            - name: ub
              user: {token: token-b}
            - name: ua
              user: {token: token-a-from-b}
            """)
        let c = box.write("c.yaml", "current-context: a\n")
        let env = ["KUBECONFIG": "\(a):\(box.root)/missing.yaml::\(b):\(c)"]
        let connection = try box.loader(environment: env).load()
        #expect(connection.contextName == "b")  // first file that sets current-context
        #expect(connection.host == "a-server")  // cluster "shared" from the first file
        #expect(connection.namespace == "ns-a-version-of-b")  // context "b" from the first file
        #expect(connection.bearerToken == .literal("token-b"))  // user "ub" only in b
        #expect(connection.sourceFiles == [a, b, c])  // missing entry skipped
        #expect(connection.source == .kubeconfigEnvironment)
        let other = try box.loader(environment: env).load(context: "a")
        #expect(other.bearerToken == .literal("token-a"))  // user "ua" from the first file
        // The insecure cluster came from a.yaml; the warning names it.
        #expect(connection.warnings.contains("TLS verification is off for cluster shared (insecure-skip-tls-verify in \(a))"))
    }

    @Test func mergeModelIsFirstWins() {
        let one = Kubeconfig(
            clusters: ["x": .init(server: "https://one", origin: "/1")],
            currentContext: nil, files: ["/1"]
        )
        let two = Kubeconfig(
            clusters: ["x": .init(server: "https://two", origin: "/2"), "y": .init(server: "https://y", origin: "/2")],
            currentContext: "c2", currentContextOrigin: "/2", files: ["/2"]
        )
        let three = Kubeconfig(currentContext: "c3", currentContextOrigin: "/3", files: ["/3"])
        let merged = Kubeconfig.merged([one, two, three])
        #expect(merged.clusters["x"]?.server == "https://one")
        #expect(merged.clusters["y"]?.origin == "/2")
        #expect(merged.currentContext == "c2")
        #expect(merged.currentContextOrigin == "/2")
        #expect(merged.files == ["/1", "/2", "/3"])
    }

    @Test func kubeconfigWithOnlyMissingEntriesIsAnError() {
        let box = Sandbox()
        box.write(box.homeConfig, Fixture.k3s())  // not consulted when KUBECONFIG is set
        let list = "\(box.root)/nope1.yaml:\(box.root)/nope2.yaml"
        let error = loadError(box.loader(environment: ["KUBECONFIG": list]))
        #expect(error?.kind == .missingFile)
        expectOneLine(error, naming: list, contains: ["KUBECONFIG", "flightdeck sim"])
    }

    @Test func emptyKubeconfigVariableIsIgnored() throws {
        let box = Sandbox()
        box.write(box.homeConfig, Fixture.k3s())
        #expect(try box.loader(environment: ["KUBECONFIG": ""]).load().source == .homeConfig)
    }

    // MARK: Relative paths

    @Test func relativePathsResolveAgainstTheDirectoryOfTheFileThatNamedThem() throws {
        let box = Sandbox()
        box.write("one/certs/ca.crt", Fixture.ca)
        box.write("two/creds/client.crt", Fixture.cert)
        box.write("two/creds/client.key", Fixture.key)
        let first = box.write("one/config", """
            current-context: ctx
            clusters:
            - name: c
              cluster: {server: "https://10.0.0.1:6443", certificate-authority: certs/ca.crt}
            contexts:
            - name: ctx
              context: {cluster: c, user: u}
            """)
        let second = box.write("two/config", """
            users:
            - name: u
              user: {client-certificate: ./creds/client.crt, client-key: ../two/creds/client.key}
            """)
        let connection = try box.loader(environment: ["KUBECONFIG": "\(first):\(second)"]).load()
        #expect(connection.certificateAuthority == Array(Fixture.ca.utf8))
        #expect(connection.clientCertificate == Array(Fixture.cert.utf8))
        #expect(connection.clientKey == Array(Fixture.key.utf8))

        let parsed = try Kubeconfig.parse(String(contentsOfFile: second, encoding: .utf8), file: second)
        #expect(parsed.users["u"]?.clientCertificate == "\(box.root)/two/creds/client.crt")
        #expect(parsed.users["u"]?.clientKey == "\(box.root)/two/creds/client.key")
    }

    @Test func execCommandWithSlashIsResolvedButBareNameIsNot() throws {
        let text = """
            users:
            - name: a
              user:
                exec: {command: bin/get-token, apiVersion: client.authentication.k8s.io/v1beta1}
            - name: b
              user:
                exec: {command: aws, apiVersion: client.authentication.k8s.io/v1beta1}
            """
        let config = try Kubeconfig.parse(text, file: "/etc/kube/config")
        #expect(config.users["a"]?.exec?.command == "/etc/kube/bin/get-token")
        #expect(config.users["b"]?.exec?.command == "aws")
    }

    @Test func pathRules() {
        #expect(PathRules.resolve("a/../b/./c", against: "/x/y") == "/x/y/b/c")
        #expect(PathRules.resolve("/abs//p", against: "/x") == "/abs/p")
        #expect(PathRules.resolve("../../../z", against: "/x") == "/z")
        #expect(PathRules.directory(of: "/k3s.yaml") == "/")
        #expect(PathRules.directory(of: "/etc/rancher/k3s/k3s.yaml") == "/etc/rancher/k3s")
    }

    // MARK: Overrides

    @Test func contextAndNamespaceOverridesAndTheAgentsDefault() throws {
        let box = Sandbox()
        let path = box.write("multi.yaml", """
            current-context: dev
            clusters:
            - name: dev-cluster
              cluster: {server: "https://dev:6443"}
            - name: prod-cluster
              cluster: {server: "https://prod:443"}
            contexts:
            - name: dev
              context: {cluster: dev-cluster, user: ""}
            - name: prod
              context: {cluster: prod-cluster, namespace: team-a}
            """)
        let loader = box.loader()
        let dev = try loader.load(kubeconfig: path)
        #expect(dev.contextName == "dev")
        #expect(dev.namespace == "agents")
        #expect(dev.userName == "")
        #expect(dev.authSummary == "anonymous")
        let prod = try loader.load(kubeconfig: path, context: "prod")
        #expect(prod.contextName == "prod")
        #expect(prod.host == "prod")
        #expect(prod.port == 443)
        #expect(prod.namespace == "team-a")
        let prodOverridden = try loader.load(kubeconfig: path, context: "prod", namespace: "elsewhere")
        #expect(prodOverridden.namespace == "elsewhere")
        #expect(try loader.load(kubeconfig: path, namespace: "n1").namespace == "n1")
    }

    @Test func namespaceFromK3sContext() throws {
        let box = Sandbox()
        box.write(box.homeConfig, Fixture.k3s(namespace: "ml-agents"))
        #expect(try box.loader().load().namespace == "ml-agents")
    }

    // MARK: Server URL

    @Test func serverURLForms() throws {
        let box = Sandbox()
        func server(_ text: String, cluster: String = "") throws -> ClusterConnection {
            let path = box.write("s.yaml", Fixture.withUser("    token: t", cluster: "    server: \"\(text)\"\n\(cluster)"))
            return try box.loader().load(kubeconfig: path)
        }
        let rancher = try server("https://rancher.lan/k8s/clusters/c-abc")
        #expect(rancher.port == 443)
        #expect(rancher.server.path == "/k8s/clusters/c-abc")
        let plain = try server("http://localhost:8080")
        #expect(plain.port == 8080)
        #expect(plain.warnings.contains { $0.contains("plain http") })
        let schemeless = try server("10.0.0.5:6443")  // no TLS settings: http, as client-go
        #expect(schemeless.server.scheme == "http")
        let schemelessTLS = try server("10.0.0.5:6443", cluster: "    insecure-skip-tls-verify: true")
        #expect(schemelessTLS.server.scheme == "https")
        let v6 = try server("https://[::1]:6443")
        #expect(v6.host == "::1")
    }
}
