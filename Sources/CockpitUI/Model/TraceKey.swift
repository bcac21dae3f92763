/// A record's identity across jobs (the interleaved view mixes them).
public struct TraceKey: Sendable, Hashable {
    public var jobID: String
    public var seq: Int64
    public init(jobID: String, seq: Int64) {
        self.jobID = jobID
        self.seq = seq
    }
}
