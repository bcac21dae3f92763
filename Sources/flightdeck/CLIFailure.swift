/// A failure the CLI reports as one line, with its exit code.
struct CLIFailure: Error, Sendable {
    var message: String
    var exitCode: Int32

    init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    /// For subcommands whose capability has not landed yet: says so plainly, exits 2.
    static func notBuiltYet(_ command: String, _ what: String) -> CLIFailure {
        CLIFailure("`\(command)` is not built yet: it needs \(what), which a later release brings", exitCode: 2)
    }
}
