import FlightdeckCore
import HistoryStore
import Orchestrator

/// `flightdeck logs -f`: prints a job's trace as history commits it, until the job has
/// finished and gone quiet. It can keep the history itself meanwhile (trace from NATS when
/// configured, else the Job's pod logs), so it needs no cockpit running. Every read of the
/// store runs off the cooperative pool (the keeper's sources run on it).
public struct TraceFollower: Sendable {
    public let store: HistoryStore
    public let printer: TracePrinter
    /// How long a finished job stays quiet before the follow ends.
    public var quietPeriod: Duration
    /// How often the follow looks again while nothing is committed: a finished job's quiet
    /// spell ends it even when nothing is written.
    public var tick: Duration

    public init(store: HistoryStore, printer: TracePrinter, quietPeriod: Duration = .seconds(3),
        tick: Duration = .milliseconds(250))
    {
        self.store = store
        self.printer = printer
        self.quietPeriod = quietPeriod
        self.tick = tick
    }

    /// Runs `keeper` and follows `job` (a name, id or unique prefix; `knownID` when history
    /// already knew it) until the job has finished and gone quiet, or `stop` returns; then
    /// commits what the keeper holds.
    public func follow(_ job: String, knownID: String?, keeper: HistoryKeeper, until stop: @escaping @Sendable () async -> Void)
        async
    {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await keeper.run()
                return false
            }
            group.addTask {
                await stop()
                return true
            }
            group.addTask {
                await follow(job, knownID: knownID, feed: keeper.feed)
                return true
            }
            while let ended = await group.next(), !ended {}
            group.cancelAll()
        }
        try? await keeper.closed()
    }

    /// Prints `job`'s records as `feed` announces commits, from its first record on; returns
    /// once the job has finished and nothing new was printed for `quietPeriod` (or when
    /// cancelled). A job history does not know yet is looked for again at every commit.
    public func follow(_ job: String, knownID: String?, feed: LiveFeed) async {
        let (store, printer, quietPeriod, tick) = (store, printer, quietPeriod, tick)
        let updates = feed.updates()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: tick)
                    feed.publish(HistoryCommit(jobsChanged: [""]))
                }
            }
            group.addTask {
                var jobID = knownID
                var printed: Int64 = 0
                var quietSince = ContinuousClock.now
                for await _ in updates {
                    if jobID == nil { jobID = try? await store.reading { try JobLookup.find(job, in: $0)?.id } }
                    guard let jobID else { continue }
                    let after = printed
                    let last = (try? await store.reading { try printer.print(store: $0, jobID: jobID, after: after) }) ?? printed
                    if last > printed {
                        printed = last
                        quietSince = .now
                    }
                    let finished = (try? await store.reading { try $0.job(id: jobID) })??.status.isFinished ?? false
                    if finished, ContinuousClock.now - quietSince > quietPeriod { return }
                }
            }
            await group.next()
            group.cancelAll()
        }
    }
}
