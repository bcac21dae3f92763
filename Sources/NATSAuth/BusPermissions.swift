import FlightdeckCore

/// What a NATS user may publish and subscribe to: the allow and deny lists of its JWT.
public struct BusPermissions: Sendable, Hashable {
    public var publish: [String]
    public var publishDeny: [String]
    public var subscribe: [String]
    public var subscribeDeny: [String]

    public init(publish: [String], publishDeny: [String] = [], subscribe: [String], subscribeDeny: [String] = []) {
        self.publish = publish
        self.publishDeny = publishDeny
        self.subscribe = subscribe
        self.subscribeDeny = subscribeDeny
    }

    /// One agent: its own trace and events, its own commands through its own consumer, and
    /// replies on its own inbox prefix. Nothing of `$JS.API` but reading and pulling from
    /// that consumer: it cannot create, delete or read any stream or consumer, nor any other
    /// job's subjects. `nil` for a job id that is not a safe subject token.
    public static func job(_ jobID: String) -> BusPermissions? {
        guard let logs = OperatorCommand.subject(.logs, forJob: jobID),
            let events = OperatorCommand.subject(.events, forJob: jobID),
            let commands = OperatorCommand.subject(.commands, forJob: jobID)
        else { return nil }
        let consumer = "\(BusNames.commandStream).\(BusNames.commandConsumer(forJob: jobID))"
        return BusPermissions(
            publish: [logs, events, "$JS.API.CONSUMER.INFO.\(consumer)", "$JS.API.CONSUMER.MSG.NEXT.\(consumer)",
                "$JS.ACK.\(consumer).>"],
            subscribe: [commands, BusNames.inboxPrefix(forJob: jobID) + ".>"])
    }

    /// The operator's tools (cockpit, `record`, `logs -f`, `jobs steer`): JetStream's API to
    /// read the trace through consumers of their own and to manage the command stream and
    /// its consumers, acks, and commands to every agent — never deleting or purging a stream
    /// or its messages (no Flightdeck command does; resetting history would need a user of
    /// its own).
    public static let operatorTools = BusPermissions(
        publish: ["$JS.API.>", "$JS.ACK.>", "cmd.agent.*"],
        publishDeny: ["$JS.API.STREAM.DELETE.>", "$JS.API.STREAM.PURGE.>", "$JS.API.STREAM.MSG.DELETE.>"],
        subscribe: ["_INBOX.>", "logs.agent.>", "events.agent.>"])

    /// The `pub`/`sub` members of a user JWT.
    var claims: [JSONValue.Member] {
        func permission(_ allow: [String], _ deny: [String]) -> JSONValue {
            var members: [JSONValue.Member] = [.init("allow", .array(allow.map(JSONValue.string)))]
            if !deny.isEmpty { members.append(.init("deny", .array(deny.map(JSONValue.string)))) }
            return .object(members)
        }
        return [.init("pub", permission(publish, publishDeny)), .init("sub", permission(subscribe, subscribeDeny))]
    }
}
