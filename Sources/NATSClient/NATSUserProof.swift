/// What a user sends a server in JWT mode: its JWT, and the server's nonce signed with the
/// user's NKey (base64url). Made by whoever holds the credentials (`NATSAuth`).
public struct NATSUserProof: Sendable, Hashable {
    public var jwt: String
    public var signature: String

    public init(jwt: String, signature: String) {
        self.jwt = jwt
        self.signature = signature
    }
}
