/// A failure the CLI reports as one line, with its exit code.
struct CLIFailure: Error, Sendable, CustomStringConvertible {
    var message: String
    var exitCode: Int32

    init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    var description: String { message }
}
