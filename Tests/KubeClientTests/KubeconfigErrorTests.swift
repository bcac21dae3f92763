import Foundation
import Testing

@testable import KubeClient

/// Every way a kubeconfig can be wrong gives ONE line naming the file and what to try.
@Suite("Kubeconfig errors")
struct KubeconfigErrorTests {
    @Test func missingFile() {
        let box = Sandbox()
        let error = loadError(box.loader())
        #expect(error?.kind == .missingFile)
        expectOneLine(error, naming: box.homeConfig, contains: ["no kubeconfig at", "pass --kubeconfig, set KUBECONFIG, or run `flightdeck sim` for a local cluster"])
    }

    @Test func unreadableFile() {
        let box = Sandbox()
        // A directory where the file should be: unreadable even for root.
        try! FileManager.default.createDirectory(atPath: box.k3sConfig, withIntermediateDirectories: true)
        let error = loadError(box.loader())
        #expect(error?.kind == .unreadableFile)
        expectOneLine(error, naming: box.k3sConfig, contains: ["cannot read kubeconfig", "is a directory", "write-kubeconfig-mode"])
    }

    @Test func notYAMLWithLineAndColumn() {
        let box = Sandbox()
        let path = box.write("bad.yaml", """
            apiVersion: v1
            clusters:
            - name: default
              cluster:
                server: "https://127.0.0.1:6443
            users: []
            """)
        let error = loadError(box.loader(), kubeconfig: path)
        #expect(error?.kind == .notYAML)
        expectOneLine(error, naming: "\(path):6:10:", contains: [
            "not valid YAML: found unexpected end of stream (while scanning a quoted scalar at line 5)",
            "fix it, or point --kubeconfig at another file",
        ])
        #expect(error?.description.contains("127.0.0.1") == false)  // no snippet of the file
    }

    @Test func yamlErrorNeverQuotesTheFile() {
        let box = Sandbox()
        let path = box.write("bad.yaml", "users:\n- name: u\n  user:\n    token: sk-live-SECRET\n   bad: [\n")
        let error = loadError(box.loader(), kubeconfig: path)
        #expect(error?.kind == .notYAML)
        #expect(error?.description.contains("SECRET") == false)
        expectOneLine(error, naming: path)
    }

    @Test(arguments: [
        ("- just\n- a list\n", "top level is a list"),
        ("plain text that is valid yaml\n", "top level is a single value"),
        ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n", "it is a Deployment"),
        ("name: something\nvalue: 3\n", "none of clusters"),
    ])
    func yamlThatIsNotAKubeconfig(text: String, expected: String) {
        let box = Sandbox()
        let path = box.write("other.yaml", text)
        let error = loadError(box.loader(), kubeconfig: path)
        #expect(error?.kind == .notKubeconfig)
        expectOneLine(error, naming: path, contains: ["not a kubeconfig", expected])
    }

    @Test(arguments: [
        ("clusters: {default: {server: x}}\n", "clusters should be a list", "1:11"),
        ("clusters:\n- name: c\n  cluster:\n    server: [a, b]\n", "clusters[0].cluster.server should be a string", "4:13"),
        ("clusters:\n- cluster: {server: x}\n", "clusters[0] has no name", "2:3"),
        ("users:\n- name: u\n  user: {exec: {command: aws, args: x, apiVersion: client.authentication.k8s.io/v1beta1}}\n", "users[0].user.exec.args should be a list", "3:"),
        ("clusters:\n- name: c\n  cluster: {server: x, insecure-skip-tls-verify: maybe}\n", "insecure-skip-tls-verify should be true or false", "3:"),
        ("contexts:\n- name: a\n  context: {cluster: c}\n- name: a\n  context: {cluster: d}\n", "two entries named 'a'", "4:3"),
    ])
    func wrongShapesPointAtTheField(text: String, expected: String, position: String) {
        let box = Sandbox()
        let path = box.write("shape.yaml", text)
        let error = loadError(box.loader(), kubeconfig: path)
        #expect(error?.kind == .invalidField)
        expectOneLine(error, naming: "\(path):\(position)", contains: [expected])
    }

    @Test func anAliasBombIsRefusedInOneLine() {
        let box = Sandbox()
        let levels = (1...8).map { "  l\($0): &l\($0) [" + Array(repeating: "*l\($0 - 1)", count: 9).joined(separator: ", ") + "]" }
        let path = box.write("laughs.yaml", Fixture.k3s() + "extensions:\n- name: x\n  extension:\n    l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
            + levels.map { "  " + $0 }.joined(separator: "\n") + "\n")
        let error = loadError(box.loader(), kubeconfig: path)
        #expect(error?.kind == .notKubeconfig)
        expectOneLine(error, naming: "\(path):", contains: ["aliases repeat more than", "point --kubeconfig at another file"])
    }

    @Test func nullFieldsAreUnset() throws {
        let box = Sandbox()
        // `~` and `null` are no value (as in kubectl), not a username "~" that conflicts with the token.
        let path = box.write("nulls.yaml", Fixture.withUser("    token: t\n    username: ~\n    password: null\n    exec:"))
        #expect(try box.loader().load(kubeconfig: path).contextName == "u")
    }

    @Test func unknownKeysAreIgnored() throws {
        let box = Sandbox()
        let path = box.write("extra.yaml", Fixture.k3s() + """
            disable-compression: true
            extensions:
            - name: x
              extension: {anything: [1, 2]}
            """)
        #expect(try box.loader().load(kubeconfig: path).contextName == "default")
    }

    @Test func contextThatDoesNotExistListsAtMostFive() {
        let box = Sandbox()
        let contexts = (1 ... 7).map { "- name: ctx\($0)\n  context: {cluster: c, user: u}" }.joined(separator: "\n")
        let path = box.write("many.yaml", "current-context: ctx1\nclusters:\n- name: c\n  cluster: {server: https://h}\ncontexts:\n\(contexts)\n")
        let error = loadError(box.loader(), kubeconfig: path, context: "prod")
        #expect(error?.kind == .contextNotFound)
        #expect(error?.description == "kubeconfig \(path): context 'prod' (from --context) does not exist; contexts there: 'ctx1', 'ctx2', 'ctx3', 'ctx4', 'ctx5' (and 2 more); pass --context with one of them")
    }

    @Test func currentContextThatDoesNotExistNamesTheFileThatSetIt() {
        let box = Sandbox()
        let a = box.write("a.yaml", Fixture.k3s(current: nil))
        let b = box.write("b.yaml", "current-context: gone\n")
        let error = loadError(box.loader(environment: ["KUBECONFIG": "\(a):\(b)"]))
        #expect(error?.kind == .contextNotFound)
        expectOneLine(error, naming: b, contains: ["current-context 'gone'", "'default'"])
    }

    @Test func contextNamingAMissingClusterOrUser() {
        let box = Sandbox()
        let path = box.write("dangling.yaml", """
            current-context: a
            clusters:
            - name: real
              cluster: {server: "https://h:6443"}
            contexts:
            - name: a
              context: {cluster: ghost, user: u}
            - name: b
              context: {cluster: real, user: phantom}
            users:
            - name: u
              user: {token: t}
            """)
        let cluster = loadError(box.loader(), kubeconfig: path)
        #expect(cluster?.kind == .clusterNotFound)
        expectOneLine(cluster, naming: "\(path):6:3", contains: ["cluster 'ghost'", "clusters there: 'real'"])
        let user = loadError(box.loader(), kubeconfig: path, context: "b")
        #expect(user?.kind == .userNotFound)
        expectOneLine(user, naming: "\(path):8:3", contains: ["user 'phantom'", "users there: 'u'"])
    }

    @Test func noCurrentContextAndNoFlag() {
        let box = Sandbox()
        let path = box.write("nocurrent.yaml", Fixture.k3s(current: nil))
        let error = loadError(box.loader(), kubeconfig: path)
        #expect(error?.kind == .noCurrentContext)
        expectOneLine(error, naming: path, contains: ["no current-context", "--context", "'default'"])
        let empty = box.write("empty.yaml", "apiVersion: v1\nkind: Config\n")
        expectOneLine(loadError(box.loader(), kubeconfig: empty), naming: empty, contains: ["defines no contexts"])
    }

    @Test(arguments: [
        ("client-certificate-data", "!!!not-base64!!!", "not valid base64"),
        ("client-certificate-data", Fixture.base64("hello"), "no PEM CERTIFICATE block"),
        ("client-key-data", Fixture.base64(Fixture.pem("CERTIFICATE")), "no PEM PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block"),
        ("client-key-data", Fixture.base64(Fixture.pem("ENCRYPTED PRIVATE KEY")), "no PEM PRIVATE KEY"),
        ("client-key-data", Fixture.base64("-----BEGIN PRIVATE KEY-----\n@@@@\n-----END PRIVATE KEY-----\n"), "no PEM PRIVATE KEY"),
    ])
    func badCertificateOrKeyData(field: String, value: String, expected: String) {
        let box = Sandbox()
        var fields = [
            "client-certificate-data": Fixture.base64(Fixture.cert),
            "client-key-data": Fixture.base64(Fixture.key),
        ]
        fields[field] = value
        let body = fields.sorted { $0.key < $1.key }.map { "    \($0.key): \"\($0.value)\"" }.joined(separator: "\n")
        let path = box.write("k.yaml", Fixture.withUser(body))
        let error = loadError(box.loader(), kubeconfig: path)
        #expect(error?.kind == (field.contains("key") ? .badKey : .badCertificate))
        expectOneLine(error, naming: path, contains: ["user 'u' \(field)", expected])
    }

    @Test func badCertificateAuthorityAndMissingFiles() {
        let box = Sandbox()
        let ca = box.write("k1.yaml", Fixture.withUser("    token: t", cluster: "    server: https://h\n    certificate-authority-data: \(Fixture.base64("junk"))"))
        expectOneLine(loadError(box.loader(), kubeconfig: ca), naming: ca, contains: ["cluster 'u' certificate-authority-data", "CERTIFICATE"])
        let missing = box.write("k2.yaml", Fixture.withUser("    client-certificate: pki/none.crt\n    client-key: pki/none.key"))
        expectOneLine(loadError(box.loader(), kubeconfig: missing), naming: "\(box.root)/pki/none.crt", contains: ["does not exist"])
        box.write("pki/only.crt", Fixture.cert)
        let half = box.write("k3.yaml", Fixture.withUser("    client-certificate: pki/only.crt"))
        expectOneLine(loadError(box.loader(), kubeconfig: half), naming: half, contains: ["no client-key-data or client-key"])
    }

    @Test func conflictingSettings() {
        let box = Sandbox()
        let both = box.write("k1.yaml", Fixture.withUser("    token: t\n    username: a\n    password: b"))
        let error = loadError(box.loader(), kubeconfig: both)
        #expect(error?.kind == .conflictingAuth)
        expectOneLine(error, naming: both, contains: ["only one authentication method"])
        let insecureWithCA = box.write("k2.yaml", Fixture.withUser("    token: t", cluster: "    server: https://h\n    insecure-skip-tls-verify: true\n    certificate-authority-data: \(Fixture.base64(Fixture.ca))"))
        expectOneLine(loadError(box.loader(), kubeconfig: insecureWithCA), naming: insecureWithCA, contains: ["insecure-skip-tls-verify", "certificate authority"])
    }

    @Test func authProviderIsUnsupported() {
        let box = Sandbox()
        let path = box.write("gke.yaml", Fixture.withUser("    auth-provider:\n      name: gcp\n      config: {access-token: abc}"))
        let error = loadError(box.loader(), kubeconfig: path)
        #expect(error?.kind == .unsupportedAuthProvider)
        expectOneLine(error, naming: path, contains: ["auth-provider 'gcp'", "exec plugin"])
        #expect(error?.description.contains("abc") == false)
    }

    @Test(arguments: [
        ("", "has no server"),
        ("ftp://h:21", "uses 'ftp'"),
        ("https://", "has no host"),
        ("https://user:pw@h:6443", "user or password"),
    ])
    func badServers(server: String, expected: String) {
        let box = Sandbox()
        let path = box.write("s.yaml", Fixture.withUser("    token: t", cluster: "    server: \"\(server)\""))
        let error = loadError(box.loader(), kubeconfig: path)
        #expect(error?.kind == .invalidServer)
        expectOneLine(error, naming: path, contains: [expected])
    }

    @Test func hostileNamesAreMadeSafe() {
        let box = Sandbox()
        let path = box.write("evil.yaml", "current-context: \"x\\e]0;pwned\\a\\nline2\"\ncontexts: []\n")
        let error = loadError(box.loader(), kubeconfig: path)
        expectOneLine(error, naming: path)
        #expect(error?.description.contains("\u{1B}") == false)
        #expect(error?.description.contains("\u{07}") == false)
    }
}
