/// A failure the operator reads as one line (the CLI exits with `exitCode`; the cockpit shows
/// it in the status bar): what went wrong and where, never a stack dump.
public struct OperatorError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var exitCode: Int32

    public init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }
}
