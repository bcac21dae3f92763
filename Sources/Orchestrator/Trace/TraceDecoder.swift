import FlightdeckCore
import Foundation
import HistoryStore

/// Turns what arrives from the agents — NATS messages on `logs.agent.<id>` and
/// `events.agent.<id>`, or pod log lines — into history writes. Pure: the two sources share
/// it, so both produce the same records.
///
/// Every byte is hostile: the job id in a subject must look like a job id (else the message
/// is dropped), and every string goes through `TraceLineParser` or `ControlEvent` (redacted,
/// sanitised, bounded) before it can reach a write.
///
/// Fluent Bit's `nats` output sends a chunk of records as `[[time, {record}], ...]` (or a
/// single `[time, {record}]`); each record is the agent's JSON object when the line parsed,
/// else `{"log": line}`. Both are unwrapped here, one trace record per line, numbered
/// `nats:<seq>/<i>` within the message.
public struct TraceDecoder: Sendable {
    public let parser: TraceLineParser

    public init(parser: TraceLineParser = TraceLineParser()) {
        self.parser = parser
    }

    public enum Channel: Sendable, Hashable {
        case trace
        case events
    }

    /// The channel and job of a subject, or `nil` for a subject that is not an agent's or
    /// whose job id is not plausible.
    public static func route(subject: String) -> (channel: Channel, jobID: String)? {
        let channel: Channel
        let rest: Substring
        if subject.hasPrefix("logs.agent.") {
            channel = .trace
            rest = subject.dropFirst("logs.agent.".count)
        } else if subject.hasPrefix("events.agent.") {
            channel = .events
            rest = subject.dropFirst("events.agent.".count)
        } else {
            return nil
        }
        guard isPlausibleJobID(rest) else { return nil }
        return (channel, String(rest))
    }

    /// Job ids are what Flightdeck generates (hex) or a Job name: DNS-label characters.
    public static func isPlausibleJobID(_ id: some StringProtocol) -> Bool {
        guard let first = id.utf8.first, id.utf8.count <= 128, first != UInt8(ascii: "-") else { return false }
        return id.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }

    /// The writes one NATS message makes; `[]` for one that carries nothing to keep
    /// (heartbeats, unknown events, a subject that is not an agent's).
    public func decode(
        subject: String, payload: [UInt8], sourceID: String, receivedAt: Date, phases: inout PhaseTracker
    ) -> [HistoryWrite] {
        guard let (channel, jobID) = Self.route(subject: subject) else { return [] }
        switch channel {
        case .trace: return traceWrites(payload, jobID: jobID, sourceID: sourceID, receivedAt: receivedAt, phases: &phases)
        case .events: return eventWrites(payload, jobID: jobID, sourceID: sourceID, receivedAt: receivedAt, phases: &phases)
        }
    }

    /// The writes of one line a container printed. Lines of containers other than the agent
    /// (the log shipper, init containers) are kept as messages marked with the container.
    public func decodeLogLine(
        _ line: [UInt8], jobID: String, container: String, sourceID: String, receivedAt: Date,
        phases: inout PhaseTracker
    ) -> [HistoryWrite] {
        var record = parser.parse(line, jobID: jobID, sourceID: sourceID, receivedAt: receivedAt)
        if container != "agent" {
            record.kind = record.kind == .error ? .error : .message
            record.text = "[\(container)] " + record.text
        }
        return writes(for: record, phases: &phases)
    }

    // MARK: - Trace

    private func traceWrites(
        _ payload: [UInt8], jobID: String, sourceID: String, receivedAt: Date, phases: inout PhaseTracker
    ) -> [HistoryWrite] {
        if let records = fluentBitRecords(payload) {
            var writes: [HistoryWrite] = []
            for (index, (time, line)) in records.enumerated() {
                let record = parser.parse(line, jobID: jobID, sourceID: "\(sourceID)/\(index)", receivedAt: time ?? receivedAt)
                writes += self.writes(for: record, phases: &phases)
            }
            return writes
        }
        let record = parser.parse(payload, jobID: jobID, sourceID: sourceID, receivedAt: receivedAt)
        return writes(for: record, phases: &phases)
    }

    private func writes(for record: TraceRecord, phases: inout PhaseTracker) -> [HistoryWrite] {
        var writes: [HistoryWrite] = []
        if let change = phases.observe(jobID: record.jobID, phase: record.phase, time: record.time,
            sourceID: "phase@" + record.sourceID)
        {
            writes.append(change)
        }
        writes.append(.trace(record))
        return writes
    }

    /// The lines of a Fluent Bit chunk, with Fluent Bit's time for each; `nil` when the
    /// payload is not one (an agent publishing directly sends one JSON object).
    func fluentBitRecords(_ payload: [UInt8]) -> [(Date?, [UInt8])]? {
        guard let first = payload.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
            first == UInt8(ascii: "["),
            payload.count <= ControlEvent.maxPayloadBytes,
            case .array(let elements)? = try? JSONParser().parse(payload)
        else { return nil }
        func entry(_ value: JSONValue) -> (Date?, [UInt8])? {
            guard case .array(let pair) = value, pair.count == 2, case .object = pair[1] else { return nil }
            let time = pair[0].doubleValue.map { Date(timeIntervalSince1970: $0) }
            // A line that did not parse as JSON arrives as {"log": line}.
            if let line = pair[1]["log"]?.stringValue, pair[1].members?.count == 1 { return (time, Array(line.utf8)) }
            return (time, Array(pair[1].serialized.utf8))
        }
        if let single = entry(.array(elements)) { return [single] }
        let entries = elements.compactMap(entry)
        return entries.count == elements.count && !entries.isEmpty ? entries : nil
    }

    // MARK: - Events

    private func eventWrites(
        _ payload: [UInt8], jobID: String, sourceID: String, receivedAt: Date, phases: inout PhaseTracker
    ) -> [HistoryWrite] {
        guard let event = ControlEvent.parse(payload, jobID: jobID, receivedAt: receivedAt, redactor: parser.redactor)
        else { return [] }
        switch event.event {
        case .phase(let phase):
            return phases.observe(jobID: jobID, phase: phase, time: event.time, sourceID: sourceID).map { [$0] } ?? []
        case .checkpoint(let path, let step):
            let detail = step.map { "step \($0)" } ?? path
            return [.marker(PhaseMarker(jobID: jobID, kind: .checkpoint, time: event.time, detail: detail), sourceID: sourceID)]
        case .status(let state, let summary):
            let text = "agent status: \(state)" + (summary.map { " — \($0)" } ?? "")
            let kind: TraceKind = state.lowercased().contains("fail") || state.lowercased().contains("error") ? .error : .message
            return [.trace(TraceRecord(jobID: jobID, sourceID: sourceID, time: event.time, kind: kind, text: text))]
        case .files(let entries):
            return [.workspace(jobID: jobID, entries: entries, asOf: event.time, sourceID: sourceID)]
        case .heartbeat, .unknown:
            return []
        }
    }
}
