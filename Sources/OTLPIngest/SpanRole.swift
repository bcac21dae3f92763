/// What a span was in an agent's run, read from the semantic conventions its instrumentation
/// follows: OpenTelemetry GenAI (`gen_ai.operation.name`) first, then OpenInference
/// (`openinference.span.kind`). Decides the records and the phase a span becomes.
enum SpanRole: Sendable, Hashable {
    /// An agent invoked or created: planning-level work (STRATEGIC).
    case agent
    /// A plan made (STRATEGIC).
    case plan
    /// A call of a model: its answer and the tokens it used (STRATEGIC: the model reasons).
    case model
    /// A tool executed: a call and its result (TACTICAL).
    case tool
    /// An OpenInference chain (a graph node, a runnable): a message, no phase.
    case chain
    /// Anything else: a message naming the span, no phase.
    case other

    init(_ attributes: OTLPAttributes) {
        if let operation = attributes.string("gen_ai.operation.name") {
            switch operation.lowercased() {
            case "invoke_agent", "create_agent": self = .agent
            case "plan": self = .plan
            case "execute_tool": self = .tool
            case "chat", "text_completion", "generate_content": self = .model
            default: self = .other
            }
            return
        }
        switch attributes.string("openinference.span.kind")?.uppercased() {
        case "AGENT": self = .agent
        case "TOOL": self = .tool
        case "LLM": self = .model
        case "CHAIN": self = .chain
        default: self = .other
        }
    }
}
