import FlightdeckCore

/// A committed write and the warnings admission attached to it, which the HTTP layer sends
/// as `Warning: 299 - "…"` headers (kubectl prints them as `Warning: …`).
public struct AdmittedWrite: Sendable, Hashable {
    public var object: JSONValue
    public var warnings: [String]

    public init(object: JSONValue, warnings: [String] = []) {
        self.object = object
        self.warnings = warnings
    }
}
