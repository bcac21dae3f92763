/// An error JetStream's API answered with (`{"error":{"code":404,"err_code":10059,...}}`),
/// or an answer that was not what the API promises.
public struct JetStreamError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP-like status (`404`, `400`, `503`).
    public var code: Int
    /// JetStream's own error number (`10059` stream not found, `10014` consumer not found).
    public var errorCode: Int
    public var text: String
    public var subject: String

    public static let streamNotFound = 10059
    public static let consumerNotFound = 10014

    public init(code: Int, errorCode: Int, text: String, subject: String) {
        self.code = code
        self.errorCode = errorCode
        self.text = text
        self.subject = subject
    }

    public var description: String { "JetStream refused \(subject): \(text) (\(code)/\(errorCode))" }
}
