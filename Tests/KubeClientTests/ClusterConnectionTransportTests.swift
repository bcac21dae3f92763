import Foundation
import Testing
@testable import KubeClient

@Suite struct ClusterConnectionTransportTests {
    func connection(server: String = "https://127.0.0.1:6443") -> ClusterConnection {
        ClusterConnection(
            source: .explicitFile, contextName: "default", clusterName: "default", userName: "default",
            server: URL(string: server)!, host: "127.0.0.1", port: 6443, namespace: "agents",
            certificateAuthority: Array("CA".utf8), clientCertificate: Array("CERT".utf8), clientKey: Array("KEY".utf8),
            bearerToken: nil, basicAuth: nil, insecureSkipTLSVerify: false, tlsServerName: nil, proxyURL: nil,
            execPlugin: nil, userOrigin: nil, warnings: [], sourceFiles: [])
    }

    @Test func tlsMaterialCarriesTheCredentialsInMemory() {
        let tls = connection().tlsMaterial
        #expect(tls.certificateAuthorityPEM == Array("CA".utf8))
        #expect(tls.clientCertificatePEM == Array("CERT".utf8))
        #expect(tls.clientKeyPEM == Array("KEY".utf8))
        #expect(tls.insecureSkipVerify == false)
    }

    @Test func authorizationForEachStaticCredential() throws {
        var c = connection()
        #expect(try c.authorizationHeader() == nil, "client certificates need no header")
        c.bearerToken = .literal("abc.def")
        #expect(try c.authorizationHeader() == "Authorization: Bearer abc.def")
        c.bearerToken = nil
        c.basicAuth = .init(username: "admin", password: "s3cret")
        #expect(try c.authorizationHeader() == "Authorization: Basic YWRtaW46czNjcmV0")
    }

    @Test func aTokenFileIsReadAtEveryRequest() throws {
        let path = NSTemporaryDirectory() + "flightdeck-token-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "first\n".write(toFile: path, atomically: true, encoding: .utf8)
        var c = connection()
        c.bearerToken = .file(path: path, fallback: nil)
        #expect(try c.authorizationHeader() == "Authorization: Bearer first")
        try "rotated".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try c.authorizationHeader() == "Authorization: Bearer rotated")
    }

    @Test func aTokenCannotSmuggleHeaders() {
        var c = connection()
        c.bearerToken = .literal("abc\r\nX-Evil: 1")
        #expect(throws: KubeconfigError.self) { try c.authorizationHeader() }
    }

    @Test func urlsJoinTheServerAndThePath() {
        #expect(connection().url(path: "/api/v1/namespaces") == "https://127.0.0.1:6443/api/v1/namespaces")
        #expect(connection(server: "https://rancher.example/k8s/clusters/c-1/").url(path: "/version")
            == "https://rancher.example/k8s/clusters/c-1/version")
    }
}
