/// The model tokens one answer of the model used, as the agent reported them (the trace
/// protocol's `usage`: `{input_tokens, output_tokens, model}`), carried by the first record of
/// that answer — so a job's use is the sum over its records.
public struct TokenUsage: Sendable, Hashable, Codable {
    public var inputTokens: Int64
    public var outputTokens: Int64
    /// The model's name (sanitised and redacted like every agent string); `nil` when the
    /// endpoint did not say.
    public var model: String?

    public init(inputTokens: Int64, outputTokens: Int64, model: String? = nil) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.model = model
    }

    public var total: Int64 { inputTokens &+ outputTokens }
}
