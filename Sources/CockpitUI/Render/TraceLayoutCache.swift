import FlightdeckCore
import Foundation

/// Trace records as laid out for the last frame, by record, for layouts made with the same
/// `TraceLines` (width, time mode, wrap, zone, glyphs; compared once a frame): a followed
/// trace lays out only the new record of a frame. Holds only what the last frame used, so
/// it stays as small as a screenful.
struct TraceLayoutCache: Sendable {
    /// A record is known by where it came from and its number (a record never changes once
    /// stored; the source and time tell a same-numbered record of another history apart).
    struct Key: Hashable {
        var jobID: String
        var seq: Int64
        var sourceID: String
        var time: Date
        var unfolded: Bool
    }

    private var lines: TraceLines?
    private var entries: [Key: [[Segment]]] = [:]
    private var used: [Key: [[Segment]]] = [:]

    /// Starts a frame laid out with `lines`: what the last frame laid out otherwise is dropped.
    mutating func beginFrame(with lines: TraceLines) {
        guard self.lines != lines else { return }
        self.lines = lines
        entries = [:]
        used = [:]
    }

    /// The record's lines, from the last frame when it had them, else laid out with `lines`
    /// (the frame's, as given to `beginFrame`).
    mutating func lines(for record: TraceRecord, unfolded: Bool, laidOutWith lines: TraceLines) -> [[Segment]] {
        let key = Key(jobID: record.jobID, seq: record.seq, sourceID: record.sourceID, time: record.time, unfolded: unfolded)
        if let laidOut = used[key] ?? entries[key] {
            used[key] = laidOut
            return laidOut
        }
        let laidOut = lines.lines(for: record, unfolded: unfolded)
        used[key] = laidOut
        return laidOut
    }

    /// Forgets what this frame did not use.
    mutating func endFrame() {
        entries = used
        used = [:]
    }
}
