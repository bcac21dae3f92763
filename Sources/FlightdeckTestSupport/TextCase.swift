/// One input and the text a transformation (sanitising, redaction) must turn it into, named
/// so a failing case reads as a sentence in the test report.
public struct TextCase: Sendable {
    public let name: String
    public let input: String
    public let expected: String

    public init(_ name: String, _ input: String, _ expected: String) {
        self.name = name
        self.input = input
        self.expected = expected
    }
}
