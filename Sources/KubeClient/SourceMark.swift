/// A position in a kubeconfig file (1-based), kept so errors can point at the field.
public struct SourceMark: Sendable, Equatable {
    public let line: Int
    public let column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}
