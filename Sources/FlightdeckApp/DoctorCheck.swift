/// One finding of `flightdeck doctor`: what was checked, whether it is well, whether
/// Flightdeck cannot work without it, and the detail — what was found, or what to do.
public struct DoctorCheck: Sendable, Hashable {
    public var name: String
    public var ok: Bool
    /// A required check that is not ok fails the doctor; any other is a warning.
    public var required: Bool
    public var detail: String

    public init(name: String, ok: Bool, required: Bool, detail: String) {
        self.name = name
        self.ok = ok
        self.required = required
        self.detail = detail
    }
}
