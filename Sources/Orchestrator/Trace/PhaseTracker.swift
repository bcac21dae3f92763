import FlightdeckCore
import HistoryStore

/// Turns the phases records and events report into phase changes: a change is written when
/// a job's phase differs from the last one this tracker saw for it. Pure.
///
/// Why from records too: an agent on the pod-log path has no event channel, and its records'
/// `phase` is all there is. A restarted ingester forgets the last phase and may write a
/// change that repeats it; the store's span query merges repeats, so nothing shows twice.
public struct PhaseTracker: Sendable {
    private var last: [String: Phase] = [:]

    public init() {}

    public mutating func observe(jobID: String, phase: Phase?, time: Date, sourceID: String) -> HistoryWrite? {
        guard let phase, last[jobID] != phase else { return nil }
        last[jobID] = phase
        return .phaseChange(jobID: jobID, phase: phase, time: time, sourceID: sourceID)
    }
}

import Foundation
