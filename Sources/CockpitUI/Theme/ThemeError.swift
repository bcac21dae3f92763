import ConfigYAML

/// Why a theme file could not be used, as one line an operator can act on:
/// `light.yaml:12:3: unknown slot "trace.eror"`.
public struct ThemeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The theme's name or file name, as the caller gave it.
    public var file: String
    public var line: Int?
    public var column: Int?
    public var problem: String

    public init(file: String, line: Int? = nil, column: Int? = nil, problem: String) {
        self.file = file
        self.line = line
        self.column = column
        self.problem = problem
    }

    /// What the YAML reader found, at its position.
    init(_ error: YAMLError) {
        self.init(file: error.source, line: error.line, column: error.column, problem: error.message)
    }

    public var description: String {
        var position = file
        if let line { position += ":\(line)" }
        if let column { position += ":\(column)" }
        return "\(position): \(problem)"
    }
}
