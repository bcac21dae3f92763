import FlightdeckCore
import HistoryStore
import Synchronization

/// Pins Jobs whose trace shows trouble (`AutoPin` decides), from the live feed of
/// committed records — so it sees every record once, from either source.
public struct AutoPinner: Sendable {
    public let feed: LiveFeed
    public let store: HistoryStore
    public let actions: AgentActions
    public let keywords: [String]

    public init(feed: LiveFeed, store: HistoryStore, actions: AgentActions, keywords: [String] = AutoPin.defaultKeywords) {
        self.feed = feed
        self.store = store
        self.actions = actions
        self.keywords = keywords
    }

    /// Runs until cancelled; `report` hears each pin (or why it failed).
    public func run(report: @Sendable (String) -> Void) async {
        guard !keywords.isEmpty else { return }
        var autoPin = AutoPin(keywords: keywords)
        var names: [String: String] = [:]
        for await update in feed.updates() {
            for record in update.records {
                if names[record.jobID] == nil {
                    let jobID = record.jobID
                    names[jobID] = (try? await store.reading { try $0.job(id: jobID) })?.name ?? jobID
                }
                let name = names[record.jobID]!
                guard let keyword = autoPin.match(record, jobName: name) else { continue }
                do {
                    try await actions.pin(job: name)
                    report("\(name) pinned for debugging: its trace shows \"\(keyword)\"")
                } catch {
                    report("\(name) could not be pinned: \(error)")
                }
            }
        }
    }
}
