/// An agent's reasoning phase. The protocol names two, but agents may report their own,
/// so this is an open set rather than an enum.
public struct Phase: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// Planning, reflecting, choosing the next step.
    public static let strategic = Phase("STRATEGIC")
    /// Executing: tool calls, code runs, observations.
    public static let tactical = Phase("TACTICAL")

    public var description: String { rawValue }
}
