import Crypto
import FlightdeckCore
import Foundation

/// A NATS JWT (version 2): claims signed with an NKey (`alg: ed25519-nkey`), as the server
/// checks them — the operator signs accounts, an account (or one of its signing keys) signs
/// users.
public struct NATSJWT: Sendable, Hashable {
    /// The whole token, `header.payload.signature`.
    public let token: String
    /// The decoded payload.
    public let claims: JSONValue

    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case malformed(String)
        case badSignature
        case expired(Date)

        public var description: String {
            switch self {
            case .malformed(let why): "not a NATS JWT (\(why))"
            case .badSignature: "its signature does not match its issuer"
            case .expired(let date): "it expired at \(RFC3339.string(from: date))"
            }
        }
    }

    private static let header = Base64URL.encode(Array(#"{"typ":"JWT","alg":"ed25519-nkey"}"#.utf8))

    /// Signs `nats` (the `nats` member: type-specific claims) for `subject` with `issuer`.
    /// `issuedAt` and `expires` are whole seconds; the id (`jti`) is a hash of the rest, as
    /// NATS tools make it.
    public static func sign(subject: String, name: String, nats: JSONValue, issuer: NKey, issuedAt: Date = Date(),
        expires: Date? = nil) -> NATSJWT
    {
        var members: [JSONValue.Member] = [
            .init("iat", .integer(Int64(issuedAt.timeIntervalSince1970.rounded(.down)))),
            .init("iss", .string(issuer.publicKey)),
            .init("name", .string(name)),
            .init("sub", .string(subject)),
        ]
        if let expires { members.insert(.init("exp", .integer(Int64(expires.timeIntervalSince1970.rounded(.down)))), at: 0) }
        let id = Base32.encode(SHA256.hash(data: Array(JSONValue.object(members).serialized.utf8)))
        members.insert(.init("jti", .string(id)), at: 0)
        members.append(.init("nats", nats))
        let claims = JSONValue.object(members)
        let signed = header + "." + Base64URL.encode(Array(claims.serialized.utf8))
        // A key without its seed cannot get here: every issuer is read from a seed.
        let signature = issuer.sign(Array(signed.utf8)) ?? []
        return NATSJWT(token: signed + "." + Base64URL.encode(signature), claims: claims)
    }

    private init(token: String, claims: JSONValue) {
        self.token = token
        self.claims = claims
    }

    /// Reads a token and checks its signature against its `iss`.
    public init(token text: String) throws(Problem) {
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("it has \(parts.count) parts, not 3") }
        guard let headerBytes = Base64URL.decode(parts[0]),
            let header = try? JSONParser(maxDepth: 4).parse(headerBytes),
            header["alg"]?.stringValue?.lowercased() == "ed25519-nkey"
        else { throw .malformed("its header is not an ed25519-nkey one") }
        guard let payload = Base64URL.decode(parts[1]), let claims = try? JSONParser(maxDepth: 32).parse(payload),
            claims.members != nil
        else { throw .malformed("its claims are not a JSON object") }
        guard let issuerText = claims["iss"]?.stringValue, let issuer = try? NKey(publicKey: issuerText) else {
            throw .malformed("its issuer is not an NKey")
        }
        guard let signature = Base64URL.decode(parts[2]), issuer.verify(signature, of: Array("\(parts[0]).\(parts[1])".utf8))
        else { throw .badSignature }
        self.init(token: token, claims: claims)
    }

    public var subject: String? { claims["sub"]?.stringValue }
    public var issuer: String? { claims["iss"]?.stringValue }
    public var name: String? { claims["name"]?.stringValue }
    /// `operator`, `account` or `user`.
    public var type: String? { claims["nats"]?["type"]?.stringValue }
    public var issuedAt: Date? { claims["iat"]?.int64Value.map { Date(timeIntervalSince1970: TimeInterval($0)) } }
    public var expires: Date? { claims["exp"]?.int64Value.map { Date(timeIntervalSince1970: TimeInterval($0)) } }
    /// The account a user belongs to: `issuer_account` when a signing key issued it.
    public var account: String? { claims["nats"]?["issuer_account"]?.stringValue ?? issuer }
}
