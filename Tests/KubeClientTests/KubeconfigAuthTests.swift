import Foundation
import Testing

@testable import KubeClient

@Suite("Kubeconfig credentials")
struct KubeconfigAuthTests {
    @Test func certificateAndKeyData() throws {
        let box = Sandbox()
        for label in ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"] {
            let key = Fixture.pem(label)
            let path = box.write("k.yaml", Fixture.withUser("""
                    client-certificate-data: \(Fixture.base64(Fixture.cert))
                    client-key-data: \(Fixture.base64(key))
                """))
            let connection = try box.loader().load(kubeconfig: path)
            #expect(connection.clientCertificate == Array(Fixture.cert.utf8))
            #expect(connection.clientKey == Array(key.utf8))
            #expect(connection.bearerToken == nil)
        }
    }

    @Test func wrappedBase64IsAccepted() throws {
        let box = Sandbox()
        let wrapped = Data(Fixture.cert.utf8).base64EncodedString(options: .lineLength64Characters)
        let path = box.write("k.yaml", Fixture.withUser("""
                client-certificate-data: |
                  \(wrapped.replacingOccurrences(of: "\r\n", with: "\n      "))
                client-key-data: \(Fixture.base64(Fixture.key))
            """))
        #expect(try box.loader().load(kubeconfig: path).clientCertificate == Array(Fixture.cert.utf8))
    }

    @Test func certificateAndKeyFiles() throws {
        let box = Sandbox()
        box.write("pki/client.crt", Fixture.cert)
        box.write("pki/client.key", Fixture.key)
        let path = box.write("k.yaml", Fixture.withUser("""
                client-certificate: pki/client.crt
                client-key: \(box.root)/pki/client.key
            """))
        let connection = try box.loader().load(kubeconfig: path)
        #expect(connection.clientCertificate == Array(Fixture.cert.utf8))
        #expect(connection.clientKey == Array(Fixture.key.utf8))
    }

    @Test func dataWinsOverFile() throws {
        let box = Sandbox()
        let path = box.write("k.yaml", Fixture.withUser("""
                client-certificate: does/not/exist.crt
                client-certificate-data: \(Fixture.base64(Fixture.cert))
                client-key-data: \(Fixture.base64(Fixture.key))
            """, cluster: """
                server: https://10.0.0.1:6443
                certificate-authority: nowhere.crt
                certificate-authority-data: \(Fixture.base64(Fixture.ca))
            """))
        let connection = try box.loader().load(kubeconfig: path)
        #expect(connection.clientCertificate == Array(Fixture.cert.utf8))
        #expect(connection.certificateAuthority == Array(Fixture.ca.utf8))
    }

    @Test func literalToken() throws {
        let box = Sandbox()
        let path = box.write("k.yaml", Fixture.withUser("    token: abc.def"))
        let connection = try box.loader().load(kubeconfig: path)
        #expect(connection.bearerToken == .literal("abc.def"))
        #expect(try connection.bearerToken?.current() == "abc.def")
        #expect(!connection.description.contains("abc.def"))
        #expect(!"\(connection.bearerToken!)".contains("abc.def"))
    }

    @Test func tokenFileIsReadAgainAfterRotation() throws {
        let box = Sandbox()
        box.write("tokens/current", "first-token\n")
        let path = box.write("k.yaml", Fixture.withUser("    tokenFile: tokens/current"))
        let connection = try box.loader().load(kubeconfig: path)
        #expect(connection.bearerToken == .file(path: "\(box.root)/tokens/current", fallback: nil))
        #expect(try connection.bearerToken?.current() == "first-token")
        box.write("tokens/current", "second-token")
        #expect(try connection.bearerToken?.current() == "second-token")
        // A vanished token file is a one-line error naming it.
        try FileManager.default.removeItem(atPath: "\(box.root)/tokens/current")
        do {
            _ = try connection.bearerToken?.current()
            Issue.record("expected an error")
        } catch {
            expectOneLine(error, naming: "\(box.root)/tokens/current")
        }
    }

    @Test func tokenFileWithStaticTokenFallsBackToIt() throws {
        let box = Sandbox()
        let path = box.write("k.yaml", Fixture.withUser("    token: static\n    tokenFile: gone"))
        let connection = try box.loader().load(kubeconfig: path)
        #expect(try connection.bearerToken?.current() == "static")
    }

    @Test func basicAuth() throws {
        let box = Sandbox()
        let path = box.write("k.yaml", Fixture.withUser("    username: admin\n    password: s3cret"))
        let connection = try box.loader().load(kubeconfig: path)
        #expect(connection.basicAuth == .init(username: "admin", password: "s3cret"))
        #expect(!connection.description.contains("s3cret"))
        #expect(connection.authSummary == "basic auth as admin")
    }

    @Test func insecureSkipTLSVerifyWarns() throws {
        let box = Sandbox()
        let path = box.write("k.yaml", Fixture.withUser("    token: t", cluster: """
                server: https://10.0.0.1:6443
                insecure-skip-tls-verify: true
                tls-server-name: kubernetes.default
                proxy-url: socks5://localhost:1080
            """, name: "lab"))
        let connection = try box.loader().load(kubeconfig: path)
        #expect(connection.insecureSkipTLSVerify)
        #expect(connection.tlsServerName == "kubernetes.default")
        #expect(connection.proxyURL == "socks5://localhost:1080")
        #expect(connection.warnings == ["TLS verification is off for cluster lab (insecure-skip-tls-verify in \(path))"])
    }

    // MARK: Permissions

    @Test func worldReadableCredentialsWarn() throws {
        let box = Sandbox()
        let path = box.write(box.k3sConfig, Fixture.k3s(), mode: 0o644)
        let connection = try box.loader().load()
        #expect(connection.warnings == [
            "kubeconfig \(path) is readable by group/others (mode 0644) and holds credentials; run: chmod 600 \(path)",
        ])
    }

    @Test func privateFileDoesNotWarn() throws {
        let box = Sandbox()
        box.write(box.k3sConfig, Fixture.k3s(), mode: 0o600)
        #expect(try box.loader().load().warnings.isEmpty)
    }

    @Test func groupReadableWarnsAndCredentialFreeFileDoesNot() throws {
        let box = Sandbox()
        let withToken = box.write("a.yaml", Fixture.withUser("    token: t"), mode: 0o640)
        #expect(try box.loader().load(kubeconfig: withToken).warnings.first?.contains("mode 0640") == true)
        // Only a CA and an exec plugin: nothing secret in the file itself.
        let noSecret = box.write("b.yaml", Fixture.withUser("    tokenFile: \(withToken)"), mode: 0o644)
        #expect(try box.loader().load(kubeconfig: noSecret).warnings.isEmpty)
        // A key file reference counts as a credential.
        box.write("pki/c.crt", Fixture.cert)
        box.write("pki/c.key", Fixture.key)
        let keyRef = box.write("c.yaml", Fixture.withUser("    client-certificate: pki/c.crt\n    client-key: pki/c.key"), mode: 0o604)
        #expect(try box.loader().load(kubeconfig: keyRef).warnings.first?.contains("mode 0604") == true)
    }
}
