import FlightdeckCore
import Foundation

/// The keys of Flightdeck's message bus, NATS's decentralized way: an operator, the account
/// every agent and tool lives in (JetStream on), and the system account the server reports
/// through. Users are never stored: they are minted from the account's signing keys when
/// needed — one per job at submit, one per operator tool at connect.
///
/// Rotation adds a signing key and retires the oldest: users it issued keep working until
/// they expire, or are revoked. Revocations live here too, so every account JWT issued
/// carries them.
public struct BusKeys: Sendable, Hashable {
    public struct SigningKey: Sendable, Hashable {
        public var key: NKey
        public var created: Date
        public init(key: NKey, created: Date) {
            self.key = key
            self.created = created
        }
    }

    public var operatorKey: NKey
    public var account: NKey
    /// Newest last: users are issued by the last one.
    public var signingKeys: [SigningKey]
    public var system: NKey
    /// Revoked user public keys, with when: the server refuses their JWTs issued before then.
    public var revocations: [String: Date]
    /// When the keys last changed: the issue time of the operator and account JWTs, so the
    /// same keys always give the same JWTs (the install bundle stays unchanged between runs)
    /// and every change gives later ones (a server keeps the newer account JWT).
    public var updated: Date

    /// The longest any credential minted here lives: job credentials are capped to it, and a
    /// revocation older than it can be forgotten (everything it covered has expired).
    public static let longestCredential: TimeInterval = 30 * 86_400
    /// Signing keys kept at once (the current one and those running jobs may still use).
    public static let signingKeysKept = 3

    public init(operatorKey: NKey, account: NKey, signingKeys: [SigningKey], system: NKey, revocations: [String: Date] = [:],
        updated: Date)
    {
        self.operatorKey = operatorKey
        self.account = account
        self.signingKeys = signingKeys
        self.system = system
        self.revocations = revocations
        self.updated = updated
    }

    /// A new set of keys.
    public static func generate(now: Date = Date()) -> BusKeys {
        BusKeys(operatorKey: .generate(.operator_), account: .generate(.account),
            signingKeys: [SigningKey(key: .generate(.account), created: now)], system: .generate(.account),
            updated: Self.whole(now))
    }

    /// The signing key users are issued by now.
    public var currentSigningKey: NKey { signingKeys.last!.key }

    /// A new signing key for new users; the oldest beyond `signingKeysKept` goes (users it
    /// issued stop being accepted once the account JWT without it reaches the server).
    public mutating func rotate(now: Date = Date()) {
        signingKeys.append(SigningKey(key: .generate(.account), created: now))
        if signingKeys.count > Self.signingKeysKept { signingKeys.removeFirst(signingKeys.count - Self.signingKeysKept) }
        touch(now)
    }

    /// Revokes `user` (a public key) from `now` on, and forgets revocations older than any
    /// credential can live.
    public mutating func revoke(user: String, now: Date = Date()) {
        revocations[user] = now
        revocations = revocations.filter { now.timeIntervalSince($0.value) <= Self.longestCredential }
        touch(now)
    }

    /// Moves `updated` on: to `now`, and at least a second past the last change (JWT times
    /// are whole seconds).
    private mutating func touch(_ now: Date) {
        updated = max(Self.whole(now), updated.addingTimeInterval(1))
    }

    static func whole(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }

    // MARK: - JWTs the server trusts

    public func operatorJWT() -> NATSJWT {
        NATSJWT.sign(subject: operatorKey.publicKey, name: "flightdeck",
            nats: ["system_account": .string(system.publicKey), "type": "operator", "version": 2],
            issuer: operatorKey, issuedAt: updated)
    }

    /// The account agents and tools live in: JetStream on without limits of its own (the
    /// streams carry theirs), users only from the signing keys, revocations.
    public func accountJWT() -> NATSJWT {
        var nats: [JSONValue.Member] = [
            .init("limits", [
                "subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1, "wildcards": true, "conn": -1,
                "leaf": -1, "mem_storage": -1, "disk_storage": -1, "streams": -1, "consumer": -1,
            ]),
            .init("signing_keys", .array(signingKeys.map { .string($0.key.publicKey) })),
            .init("default_permissions", ["pub": .emptyObject, "sub": .emptyObject]),
        ]
        if !revocations.isEmpty {
            nats.append(.init("revocations", .object(revocations.sorted { $0.key < $1.key }.map {
                .init($0.key, .integer(Int64($0.value.timeIntervalSince1970.rounded(.up))))
            })))
        }
        nats += [.init("type", "account"), .init("version", 2)]
        return NATSJWT.sign(subject: account.publicKey, name: "flightdeck", nats: .object(nats), issuer: operatorKey,
            issuedAt: updated)
    }

    public func systemAccountJWT() -> NATSJWT {
        NATSJWT.sign(subject: system.publicKey, name: "SYS",
            nats: ["limits": ["subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1, "wildcards": true,
                "conn": -1, "leaf": -1], "type": "account", "version": 2],
            issuer: operatorKey, issuedAt: updated)
    }

    // MARK: - Users

    /// A new user of the account with `permissions`, issued by the current signing key.
    public func user(name: String, permissions: BusPermissions, expires: Date, now: Date = Date()) -> NATSCredentials {
        let key = NKey.generate(.user)
        let capped = min(expires, now.addingTimeInterval(Self.longestCredential))
        let nats = JSONValue.object(permissions.claims + [
            .init("subs", -1), .init("data", -1), .init("payload", -1),
            .init("issuer_account", .string(account.publicKey)), .init("type", "user"), .init("version", 2),
        ])
        return NATSCredentials(jwt: .sign(subject: key.publicKey, name: name, nats: nats, issuer: currentSigningKey,
            issuedAt: now, expires: capped), key: key)
    }

    /// Job `jobID`'s credentials (`nil` for an id that is not a subject token).
    public func jobUser(_ jobID: String, expires: Date, now: Date = Date()) -> NATSCredentials? {
        BusPermissions.job(jobID).map { user(name: "job \(jobID)", permissions: $0, expires: expires, now: now) }
    }

    /// A user of the system account (pushing account JWTs to the server), short-lived.
    public func systemUser(now: Date = Date()) -> NATSCredentials {
        let key = NKey.generate(.user)
        return NATSCredentials(jwt: .sign(subject: key.publicKey, name: "flightdeck-system",
            nats: ["pub": ["allow": [">"]], "sub": ["allow": [">"]], "subs": -1, "data": -1, "payload": -1,
                "type": "user", "version": 2],
            issuer: system, issuedAt: now, expires: now.addingTimeInterval(3600)), key: key)
    }
}
