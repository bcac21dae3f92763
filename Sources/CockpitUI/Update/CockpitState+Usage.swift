import FlightdeckCore
import Foundation

// MARK: - Tokens and cost

extension CockpitState {
    /// A new listing (`whole`: every job; else the first page of a long history): its jobs'
    /// use is read again, at once unless a read is in flight (so the first frame shows it), and
    /// what history no longer lists is forgotten.
    mutating func usageListed(_ ids: [String], whole: Bool, _ effects: inout [CockpitEffect]) {
        if whole {
            let listed = Set(ids)
            usage.byJob = usage.byJob.filter { listed.contains($0.key) }
        }
        markUsageStale(ids)
        if !usageInFlight { requestUsage(&effects) }
    }

    /// Marks jobs whose use changed (live records carried `usage`): read together when
    /// `usageRequestDue` comes.
    mutating func markUsageStale(_ ids: some Sequence<String>) {
        for id in ids {
            if usage.staleSince == nil { usage.staleSince = now }
            usage.stale.insert(id)
        }
    }

    /// When a tick asks for the marked jobs' use: `usageCoalesceSeconds` after the first mark,
    /// and not while a read is in flight (one lost is given up after `usageAnswerSeconds`).
    var usageRequestDue: Date? {
        guard !usage.stale.isEmpty, let since = usage.staleSince else { return nil }
        let gathered = since.addingTimeInterval(Self.usageCoalesceSeconds)
        guard let asked = usage.requestedAt else { return gathered }
        return max(gathered, asked.addingTimeInterval(Self.usageAnswerSeconds))
    }

    private var usageInFlight: Bool {
        usage.requestedAt.map { now.timeIntervalSince($0) < Self.usageAnswerSeconds } ?? false
    }

    /// Asks for the use of every marked job, in one read.
    mutating func requestUsage(_ effects: inout [CockpitEffect]) {
        guard !usage.stale.isEmpty else { return }
        effects.append(.loadUsage(jobIDs: usage.stale.sorted()))
        usage.stale = []
        usage.staleSince = nil
        usage.requestedAt = now
    }
}
