import Crypto
import Foundation

/// An NKey: an ed25519 key of one NATS role (operator, account, user), written the NATS way —
/// a role prefix, the key and a CRC-16, in base32. Public keys start `O`, `A`, `U`; seeds
/// (the private half) start `SO`, `SA`, `SU`.
///
/// A key made from a seed signs; one made from a public key only verifies.
public struct NKey: Sendable, Hashable {
    public enum Role: Sendable, Hashable, CaseIterable {
        case operator_, account, user

        /// The prefix byte of a public key of this role (its first base32 character).
        var prefix: UInt8 {
            switch self {
            case .operator_: 14 << 3  // O
            case .account: 0  // A
            case .user: 20 << 3  // U
            }
        }

        public var name: String {
            switch self {
            case .operator_: "operator"
            case .account: "account"
            case .user: "user"
            }
        }
    }

    public let role: Role
    /// The 32 raw bytes of the public key.
    public let publicKeyBytes: [UInt8]
    private let seedBytes: [UInt8]?

    private static let seedPrefix: UInt8 = 18 << 3  // S

    /// A fresh key of `role`.
    public static func generate(_ role: Role) -> NKey {
        let key = Curve25519.Signing.PrivateKey()
        return NKey(role: role, publicKeyBytes: Array(key.publicKey.rawRepresentation),
            seedBytes: Array(key.rawRepresentation))
    }

    private init(role: Role, publicKeyBytes: [UInt8], seedBytes: [UInt8]?) {
        self.role = role
        self.publicKeyBytes = publicKeyBytes
        self.seedBytes = seedBytes
    }

    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case notBase32
        case badLength
        case badChecksum
        case wrongRole(expected: String)
        case notASeed
        case notAPublicKey

        public var description: String {
            switch self {
            case .notBase32: "not base32"
            case .badLength: "the wrong length for an NKey"
            case .badChecksum: "its checksum does not match (a typo, or cut short)"
            case .wrongRole(let expected): "not an \(expected) key"
            case .notASeed: "not an NKey seed"
            case .notAPublicKey: "not an NKey public key"
            }
        }
    }

    /// Reads a seed (`SU…`, `SA…`, `SO…`); `role` when given must match.
    public init(seed text: String, role expected: Role? = nil) throws(Problem) {
        let raw = try Self.unwrap(text)
        guard raw.count == 2 + 32 else { throw .badLength }
        guard raw[0] & 0xF8 == Self.seedPrefix else { throw .notASeed }
        let prefix = ((raw[0] & 7) << 5) | ((raw[1] & 0xF8) >> 3)
        guard let role = Role.allCases.first(where: { $0.prefix == prefix }) else { throw .notASeed }
        if let expected, expected != role { throw .wrongRole(expected: expected.name) }
        let seed = Array(raw[2...])
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else { throw .notASeed }
        self.init(role: role, publicKeyBytes: Array(key.publicKey.rawRepresentation), seedBytes: seed)
    }

    /// Reads a public key (`U…`, `A…`, `O…`); `role` when given must match.
    public init(publicKey text: String, role expected: Role? = nil) throws(Problem) {
        let raw = try Self.unwrap(text)
        guard raw.count == 1 + 32 else { throw .badLength }
        guard let role = Role.allCases.first(where: { $0.prefix == raw[0] }) else { throw .notAPublicKey }
        if let expected, expected != role { throw .wrongRole(expected: expected.name) }
        self.init(role: role, publicKeyBytes: Array(raw[1...]), seedBytes: nil)
    }

    /// The bytes between base32 and the checksum.
    private static func unwrap(_ text: String) throws(Problem) -> [UInt8] {
        guard let bytes = Base32.decode(text) else { throw .notBase32 }
        guard bytes.count > 2 else { throw .badLength }
        let body = bytes.dropLast(2)
        let stored = UInt16(bytes[bytes.count - 2]) | UInt16(bytes[bytes.count - 1]) << 8
        guard CRC16.checksum(body) == stored else { throw .badChecksum }
        return Array(body)
    }

    private static func wrap(_ body: [UInt8]) -> String {
        let crc = CRC16.checksum(body)
        return Base32.encode(body + [UInt8(crc & 0xFF), UInt8(crc >> 8)])
    }

    /// The public key as NATS writes it.
    public var publicKey: String { Self.wrap([role.prefix] + publicKeyBytes) }

    /// The seed as NATS writes it; `nil` for a public key only.
    public var seed: String? {
        seedBytes.map { Self.wrap([Self.seedPrefix | role.prefix >> 5, (role.prefix & 31) << 3] + $0) }
    }

    public var canSign: Bool { seedBytes != nil }

    /// An ed25519 signature of `message`; `nil` for a public key only.
    public func sign(_ message: some DataProtocol) -> [UInt8]? {
        guard let seedBytes, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seedBytes) else { return nil }
        return (try? key.signature(for: message)).map(Array.init)
    }

    public func verify(_ signature: [UInt8], of message: some DataProtocol) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKeyBytes) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    /// Only the public half: safe to hand on.
    public var publicOnly: NKey { NKey(role: role, publicKeyBytes: publicKeyBytes, seedBytes: nil) }

    public static func == (lhs: NKey, rhs: NKey) -> Bool { lhs.role == rhs.role && lhs.publicKeyBytes == rhs.publicKeyBytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(publicKeyBytes) }
}
