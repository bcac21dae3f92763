import Foundation

/// A user's credentials as a NATS `.creds` file holds them: the user JWT and the user's NKey
/// seed, between the markers every NATS client reads.
public struct NATSCredentials: Sendable, Hashable {
    public let jwt: NATSJWT
    public let key: NKey

    public init(jwt: NATSJWT, key: NKey) {
        self.jwt = jwt
        self.key = key
    }

    /// The file's text (the layout `nsc` writes).
    public var fileText: String {
        """
        -----BEGIN NATS USER JWT-----
        \(jwt.token)
        ------END NATS USER JWT------

        ************************* IMPORTANT *************************
        NKEY Seed printed below can be used to sign and prove identity.
        NKEYs are sensitive and should be treated as secrets.

        -----BEGIN USER NKEY SEED-----
        \(key.seed ?? "")
        ------END USER NKEY SEED------

        *************************************************************

        """
    }

    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case missing(String)
        case jwt(NATSJWT.Problem)
        case seed(NKey.Problem)
        case mismatch

        public var description: String {
            switch self {
            case .missing(let what): "it has no \(what)"
            case .jwt(let problem): "its JWT: \(problem)"
            case .seed(let problem): "its seed is \(problem)"
            case .mismatch: "its seed is not the key its JWT was issued to"
            }
        }
    }

    /// Reads a `.creds` file's text: the first JWT block and the first seed block; the seed
    /// must be the user key the JWT names.
    public init(fileText text: String) throws(Problem) {
        guard let token = Self.block(in: text, after: "BEGIN NATS USER JWT") else { throw .missing("user JWT") }
        guard let seed = Self.block(in: text, after: "BEGIN USER NKEY SEED") else { throw .missing("user NKEY seed") }
        let jwt: NATSJWT
        do { jwt = try NATSJWT(token: token) } catch { throw .jwt(error) }
        let key: NKey
        do { key = try NKey(seed: seed, role: .user) } catch { throw .seed(error) }
        guard jwt.subject == key.publicKey else { throw .mismatch }
        self.init(jwt: jwt, key: key)
    }

    /// The first non-empty line after the marker line, up to the closing marker.
    private static func block(in text: String, after marker: String) -> String? {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let start = lines.firstIndex(where: { $0.contains(marker) }) else { return nil }
        return lines[(start + 1)...].first { !$0.isEmpty && !$0.hasPrefix("---") }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// What a client sends in CONNECT for the server's `nonce`: the JWT, and the nonce signed
    /// with the user's key (base64url).
    public func answer(nonce: String) -> (jwt: String, signature: String) {
        (jwt.token, Base64URL.encode(key.sign(Array(nonce.utf8)) ?? []))
    }

    public var expires: Date? { jwt.expires }
}

import NATSClient

extension NATSCredentials {
    /// For `NATSConnection.Options.credentials`: these credentials, for every connection.
    public var proof: @Sendable (String) throws -> NATSUserProof {
        let credentials = self
        return { nonce in
            let answer = credentials.answer(nonce: nonce)
            return NATSUserProof(jwt: answer.jwt, signature: answer.signature)
        }
    }
}

extension NATSCredentials {
    /// Reads a `.creds` file: refused when open to others (`SecretFile`) or not credentials.
    public static func read(_ path: String) throws(SecretFile.Failure) -> NATSCredentials {
        let text = try SecretFile.read(path, what: "the NATS credentials")
        do {
            return try NATSCredentials(fileText: text)
        } catch {
            throw SecretFile.Failure("the NATS credentials \(path): \(error)")
        }
    }
}
