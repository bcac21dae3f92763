import FlightdeckCore
import Foundation
import NATSAuth

/// What the in-cluster nats-server needs to enforce decentralized JWT authorization: the
/// operator that signs Flightdeck's accounts, the system account, and the account JWTs to seed
/// its resolver with.
///
/// Everything here is public — JWTs are signed claims, the keys are public keys — which is why
/// it travels in a ConfigMap. The seeds that sign them stay with Flightdeck on the operator's
/// machine; the per-job user JWTs never reach the server's config at all (each job presents
/// its own, signed by the account, in its `.creds` file).
public struct NATSAuthorizationSettings: Sendable, Hashable, Codable {
    /// The operator JWT (self-signed): the trust root every account JWT must be signed by.
    public var operatorJWT: String
    /// Public key of the system account (`A…`, 56 characters); its JWT is among `accountJWTs`.
    public var systemAccount: String
    /// Account JWTs keyed by account public key: Flightdeck's account (JetStream enabled) and
    /// the system account. Only a seed: the full resolver keeps newer JWTs it is sent
    /// (revocations, rotated limits) on the NATS volume, and a preload older than what it
    /// holds does not replace them.
    public var accountJWTs: [String: String]

    public init(operatorJWT: String, systemAccount: String, accountJWTs: [String: String]) {
        self.operatorJWT = operatorJWT
        self.systemAccount = systemAccount
        self.accountJWTs = accountJWTs
    }

    /// What nats-server needs to trust `keys`: the operator, the system account, and both
    /// accounts' JWTs (with the signing keys and revocations the keys hold now).
    public init(keys: BusKeys) {
        self.init(operatorJWT: keys.operatorJWT().token, systemAccount: keys.system.publicKey,
            accountJWTs: [keys.account.publicKey: keys.accountJWT().token, keys.system.publicKey: keys.systemAccountJWT().token])
    }

    /// The authorization part of a nats-server configuration (the in-cluster one, and those
    /// the demo and the tests start): the operator, the system account, and a full resolver
    /// keeping account JWTs in `resolverDirectory`, seeded with `accountJWTs`.
    public func serverConfiguration(resolverDirectory: String) -> String {
        var text = """
            # Decentralized JWT authorization: Flightdeck's operator signs its account and the
            # system account; every client (each job, the operator's own user) presents a user
            # JWT signed by the account, with its own subjects only.
            operator: "\(operatorJWT)"
            system_account: "\(systemAccount)"
            resolver: {
              type: full
              dir: "\(resolverDirectory.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))"
              allow_delete: false
              interval: "2m"
              timeout: "1.9s"
            }
            resolver_preload: {

            """
        for key in accountJWTs.keys.sorted() { text += "  \(key): \"\(accountJWTs[key]!)\"\n" }
        return text + "}\n"
    }

    /// Everything wrong, one sentence each. Checked because these strings are written into
    /// `nats.conf` verbatim: a value outside the JWT and NKey alphabets could end a quoted
    /// string and add directives, and a mismatched key/JWT pair would only show up as a
    /// nats-server that refuses every client. Signatures are not verified here (nats-server
    /// does that on start).
    public var validationErrors: [String] {
        var errors: [String] = []
        errors += Self.claimErrors(operatorJWT, field: "operatorJWT", type: "operator", subject: nil)
        if !Self.isPublicKey(systemAccount, prefix: "A") {
            errors.append("systemAccount \"\(systemAccount)\" is not an account public key (A followed by 55 base32 characters)")
        } else if accountJWTs[systemAccount] == nil {
            errors.append("accountJWTs has no JWT for the system account \(systemAccount)")
        }
        if accountJWTs.isEmpty { errors.append("accountJWTs is empty: no account could connect") }
        for key in accountJWTs.keys.sorted() {
            guard Self.isPublicKey(key, prefix: "A") else {
                errors.append("accountJWTs key \"\(key)\" is not an account public key")
                continue
            }
            errors += Self.claimErrors(accountJWTs[key]!, field: "accountJWTs[\(key)]", type: "account", subject: key)
        }
        return errors
    }

    /// An NKey public key: one role letter (`O` operator, `A` account, `U` user) and 55 more
    /// characters of RFC 4648 base32.
    static func isPublicKey(_ text: String, prefix: Character) -> Bool {
        text.count == 56 && text.first == prefix
            && text.allSatisfy { $0.isASCII && (($0.isUppercase && $0.isLetter) || ("2"..."7").contains($0)) }
    }

    /// A JWT's shape (three base64url segments, no padding) and the claims that tie it to its
    /// place: `nats.type` and, for accounts, `sub` equal to the key it is filed under.
    static func claimErrors(_ jwt: String, field: String, type: String, subject: String?) -> [String] {
        let segments = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3,
            segments.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") } })
        else { return ["\(field) is not a JWT (three base64url segments separated by dots)"] }
        guard let claims = decodeSegment(segments[1]) else { return ["\(field): the JWT's claims are not JSON"] }
        var errors: [String] = []
        let claimedType = claims[path: ["nats", "type"]]?.stringValue
        if claimedType != type { errors.append("\(field) is a JWT of type \(claimedType ?? "none"), not \(type)") }
        if let subject, claims["sub"]?.stringValue != subject {
            errors.append("\(field) is the JWT of \(claims["sub"]?.stringValue ?? "no subject"), not of \(subject)")
        }
        return errors
    }

    static func decodeSegment(_ segment: Substring) -> JSONValue? {
        var base64 = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let json = try? JSONParser().parse(Array(data)),
            json.members != nil
        else { return nil }
        return json
    }
}
