import ConfigYAML

/// A bad value in Flightdeck's config file or a task template: one line naming the file, the
/// line, column and field, and what was expected (`config.yaml:7:3: cluster.fatalExitCode
/// should be an integer between 1 and 255, not "forty-two"`).
public struct ConfigFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }

    /// What the YAML reader found, as it says it.
    init(_ error: YAMLError) { self.init(error.description) }
}
