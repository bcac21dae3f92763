import Crypto
import Foundation
import SwiftASN1
import X509

/// The simulated cluster's PKI, as k3s keeps one under `/var/lib/rancher/k3s/server/tls`: a
/// self-signed CA, a serving certificate for loopback, and client certificates whose
/// subject is the user (CN) and its groups (O) — exactly how kube-apiserver authenticates
/// an x509 client.
///
/// Generated once per data directory and kept there (keys `0600`), so a restarted sim keeps
/// serving the kubeconfig it wrote before.
public struct CertificateAuthority: Sendable {
    /// PEM of the CA certificate (what a kubeconfig's `certificate-authority-data` holds).
    public let certificatePEM: String
    let privateKey: P256.Signing.PrivateKey
    let certificate: Certificate

    /// A PEM certificate with its PEM private key.
    public struct KeyPair: Sendable, Hashable {
        public var certificatePEM: String
        public var privateKeyPEM: String
    }

    /// Loads the CA kept in `directory`, or creates one there.
    public static func loadOrCreate(in directory: URL) throws -> CertificateAuthority {
        let certURL = directory.appendingPathComponent("ca.crt")
        let keyURL = directory.appendingPathComponent("ca.key")
        if FileManager.default.fileExists(atPath: certURL.path), FileManager.default.fileExists(atPath: keyURL.path) {
            do {
                let certificatePEM = try String(contentsOf: certURL, encoding: .utf8)
                let key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOf: keyURL, encoding: .utf8))
                return try CertificateAuthority(certificatePEM: certificatePEM, privateKey: key)
            } catch {
                throw SimServerError.badCertificate(path: certURL.path, detail: "\(error)")
            }
        }
        let authority = try CertificateAuthority.generate(commonName: "flightdeck-sim-server-ca")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SecretFile.write(authority.privateKey.pemRepresentation, to: keyURL)
        try SecretFile.write(authority.certificatePEM, to: certURL, mode: 0o644)
        return authority
    }

    init(certificatePEM: String, privateKey: P256.Signing.PrivateKey) throws {
        self.certificatePEM = certificatePEM
        self.privateKey = privateKey
        certificate = try Certificate(pemEncoded: certificatePEM)
    }

    /// A fresh self-signed CA (ten years, as k3s's).
    public static func generate(commonName: String) throws -> CertificateAuthority {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            },
            issuerPrivateKey: .init(key))
        return try CertificateAuthority(certificatePEM: certificate.serializeAsPEM().pemString, privateKey: key)
    }

    /// A serving certificate for the API server on loopback (and the names in-cluster
    /// clients use), valid one year.
    public func issueServingCertificate(hosts: [String] = ["localhost", "kubernetes", "kubernetes.default",
        "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"], addresses: [[UInt8]] = [[127, 0, 0, 1]])
        throws -> KeyPair
    {
        var names = hosts.map { GeneralName.dnsName($0) }
        names += addresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: ArraySlice($0))) }
        let subjectAlternativeNames = SubjectAlternativeNames(names)
        return try issue(subject: DistinguishedName { CommonName("k3s") }, validFor: 365 * 86400) {
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
            try ExtendedKeyUsage([.serverAuth])
            subjectAlternativeNames
        }
    }

    /// A client certificate for `user` in `groups` (CN and O, as kube-apiserver reads them).
    public func issueClientCertificate(user: String, groups: [String], validFor seconds: TimeInterval = 365 * 86400)
        throws -> KeyPair
    {
        let subject = try DistinguishedName {
            for group in groups { OrganizationName(group) }
            CommonName(user)
        }
        return try issue(subject: subject, validFor: seconds) {
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
            try ExtendedKeyUsage([.clientAuth])
        }
    }

    private func issue(subject: DistinguishedName, validFor seconds: TimeInterval,
        @ExtensionsBuilder extensions: () throws -> Result<Certificate.Extensions, any Error>) throws -> KeyPair
    {
        let key = P256.Signing.PrivateKey()
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(seconds),
            issuer: self.certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions(builder: extensions),
            issuerPrivateKey: .init(privateKey))
        return KeyPair(certificatePEM: try certificate.serializeAsPEM().pemString, privateKeyPEM: key.pemRepresentation)
    }

    /// The user (CN) and groups (O) a client certificate names.
    public static func identity(ofDER der: [UInt8]) -> (user: String, groups: [String])? {
        guard let certificate = try? Certificate(derEncoded: der) else { return nil }
        var user: String?
        var groups: [String] = []
        for rdn in certificate.subject {
            for attribute in rdn {
                if attribute.type == .RDNAttributeType.commonName {
                    user = String(describing: attribute.value)
                } else if attribute.type == .RDNAttributeType.organizationName {
                    groups.append(String(describing: attribute.value))
                }
            }
        }
        return user.map { ($0, groups) }
    }
}
