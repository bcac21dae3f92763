/// What an operator tells an agent, published on `cmd.agent.<job>`; also the one place
/// that builds the NATS subjects of a job.
///
/// The wire form is one compact JSON object: `{"type":"pause"}`, `{"type":"resume"}`,
/// `{"type":"cancel"}`, `{"type":"instruct","text":"..."}`. It is encoded through
/// `JSONValue`, so the instruction text is always correctly escaped, whatever the
/// operator typed.
public enum OperatorCommand: Sendable, Hashable {
    case pause
    case resume
    case cancel
    /// Free text for the agent to take into account (the operator's words, sent as typed).
    case instruct(String)

    // MARK: - Encoding

    /// The `type` field of the wire form.
    public var type: String {
        switch self {
        case .pause: "pause"
        case .resume: "resume"
        case .cancel: "cancel"
        case .instruct: "instruct"
        }
    }

    /// The wire form as a value, members in wire order.
    public var json: JSONValue {
        switch self {
        case .pause, .resume, .cancel: ["type": .string(type)]
        case .instruct(let text): ["type": .string(type), "text": .string(text)]
        }
    }

    /// The message body as UTF-8 bytes, ready to publish.
    public var payload: [UInt8] { Array(json.serialized.utf8) }

    /// The message body as text.
    public var payloadString: String { json.serialized }

    /// Reads a command from its wire form; `nil` for anything else (an unknown type, an
    /// `instruct` without text, not JSON) — a subscriber ignores what it cannot obey.
    public init?(payload: some Collection<UInt8>) {
        guard let json = try? JSONParser(maxDepth: 8).parse(Array(payload)), let type = json["type"]?.stringValue else {
            return nil
        }
        switch type {
        case "pause": self = .pause
        case "resume": self = .resume
        case "cancel": self = .cancel
        case "instruct":
            guard let text = json["text"]?.stringValue, !text.isEmpty else { return nil }
            self = .instruct(text)
        default: return nil
        }
    }

    // MARK: - Subjects

    /// The three NATS subjects of a job.
    public enum Channel: String, Sendable, Hashable, CaseIterable {
        /// `logs.agent.<job>`: the thought trace, one `TraceLineParser` line per message.
        case logs
        /// `events.agent.<job>`: `ControlEvent` payloads.
        case events
        /// `cmd.agent.<job>`: `OperatorCommand` payloads.
        case commands = "cmd"
    }

    /// Longest job id accepted in a subject, in UTF-8 bytes (Kubernetes names stop at 253).
    public static let maxJobIDBytes = 253

    /// `<channel>.agent.<jobID>`, or `nil` when `jobID` is not a safe subject token.
    ///
    /// A job id is agent-controlled (its `JOB_ID`); one with `.`, `*` or `>` would address
    /// other subjects or act as a wildcard (subscribing to every job, or publishing a
    /// command to the wrong one), and whitespace or control characters break the NATS
    /// protocol line. Invisible format characters (bidi controls, zero-width) are rejected
    /// too, so two jobs cannot look alike on screen.
    public static func subject(_ channel: Channel = .commands, forJob jobID: String) -> String? {
        guard isValidJobID(jobID) else { return nil }
        return "\(channel.rawValue).agent.\(jobID)"
    }

    /// Whether `jobID` can be used as the last token of a subject (see `subject(_:forJob:)`).
    public static func isValidJobID(_ jobID: String) -> Bool {
        guard !jobID.isEmpty, jobID.utf8.count <= maxJobIDBytes else { return false }
        return jobID.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case ".", "*", ">": return false
            default:
                let properties = scalar.properties
                return !properties.isWhitespace && properties.generalCategory != .control
                    && properties.generalCategory != .format
            }
        }
    }
}
