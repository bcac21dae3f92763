/// An operator command as it travels: the command and the id the operator gave it, so an
/// agent that receives it twice (JetStream delivers at least once) carries it out once.
///
/// Wire form: the command's JSON with an `id` member, `{"type":"cancel","id":"c-…"}`. An id is
/// 1–128 letters, digits, `-` and `_`; a command without one (an older Flightdeck, a core
/// NATS publish) is carried out every time it arrives.
public struct IssuedCommand: Sendable, Hashable {
    public var id: String?
    public var command: OperatorCommand

    public init(_ command: OperatorCommand, id: String?) {
        self.command = command
        self.id = id
    }

    /// A new command with a fresh random id.
    public static func issue(_ command: OperatorCommand) -> IssuedCommand {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        return IssuedCommand(command, id: "c-" + String((0..<24).map { _ in alphabet.randomElement()! }))
    }

    public var json: JSONValue {
        var json = command.json
        if let id { json.setMember("id", .string(id)) }
        return json
    }

    public var payload: [UInt8] { Array(json.serialized.utf8) }

    /// `nil` when the payload is no command; a malformed `id` makes it no command either (it
    /// could not be de-duplicated).
    public init?(payload: some Collection<UInt8>) {
        let bytes = Array(payload)
        guard let command = OperatorCommand(payload: bytes) else { return nil }
        let id = (try? JSONParser(maxDepth: 8).parse(bytes))?["id"]
        switch id {
        case nil, .null?: self.init(command, id: nil)
        case .string(let text)? where Self.isValidID(text): self.init(command, id: text)
        default: return nil
        }
    }

    public static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128 && id.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F
        }
    }
}
