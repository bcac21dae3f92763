import Dispatch
import FlightdeckCore
import Foundation
import HistoryStore
import OTLPIngest

/// `POST /v1/traces` without the HTTP: an OpenTelemetry trace export (OTLP/HTTP, protobuf or
/// JSON, gzip already undone) decoded, mapped onto the trace records of the jobs its spans
/// name (`SpanMapping`), and stored in history, with the answer OTLP expects.
///
/// - 200 with an `ExportTraceServiceResponse` in the request's encoding once everything
///   accepted is committed; `partial_success` counts the spans refused (no job, no span id)
///   and says why. Sending the same export again stores nothing twice.
/// - 400 (malformed), 413 (too large) and 415 (neither protobuf nor JSON, answered in JSON)
///   with a `google.rpc.Status`; retrying them cannot help.
/// - 503 when history cannot store (a full disk, a lock held past the busy timeout): nothing
///   of the request was stored and the exporter may retry.
///
/// A job first seen through its spans gets a history row (name = its id, namespace from
/// `k8s.namespace.name`, running) unless history has one, which is never changed here: the
/// cluster's description wins.
///
/// Decoding and mapping (pure, bounded by the decoder's limits) and the SQLite transaction run
/// on two serial Dispatch queues of the intake's own, so a malformed request is answered while
/// history is locked. Not on the cooperative pool, and not on Dispatch's global queues either:
/// on Linux those have about one thread per core, so a few requests waiting out a locked
/// history there also hold up every `Task.sleep` of the process (its timers fire on them) —
/// measured on two cores: eight requests waiting out a 3 s lock there made a sleeping task
/// 3 s late. A serial queue gets a thread of its own, and SQLite takes one writer at a time.
/// Keep one intake for a server: its queues put concurrent requests in line (how many wait is
/// the HTTP layer's bound).
public struct OTLPIntake: Sendable {
    public let store: HistoryStore
    public let decoder: OTLPTraceDecoder
    public let mapping: SpanMapping
    /// Decoding and mapping: CPU only, but a large export takes a while (debug build: 0.5 s for
    /// 2.4 MB, 6000 spans), which must not occupy one of the cooperative pool's two threads.
    private let decoding = DispatchQueue(label: "flightdeck.otlp-decode")
    /// The SQLite transactions.
    private let writes = DispatchQueue(label: "flightdeck.otlp-write")

    public init(store: HistoryStore, decoder: OTLPTraceDecoder = OTLPTraceDecoder(), mapping: SpanMapping = SpanMapping()) {
        self.store = store
        self.decoder = decoder
        self.mapping = mapping
    }

    /// Handles one request body; never throws: every outcome is a response.
    public func receive(body: [UInt8], contentType: String?, receivedAt: Date = Date()) async -> OTLPIntakeResponse {
        let (decoder, mapping) = (decoder, mapping)
        let decoded: Result<(OTLPEncoding, MappedSpans), OTLPError> = await withCheckedContinuation { done in
            decoding.async {
                do throws(OTLPError) {
                    let encoding = try OTLPEncoding(contentType: contentType)
                    let spans = try decoder.decode(body: body, encoding: encoding)
                    done.resume(returning: .success((encoding, mapping.map(spans, receivedAt: receivedAt))))
                } catch {
                    done.resume(returning: .failure(error))
                }
            }
        }
        let encoding: OTLPEncoding
        let mapped: MappedSpans
        switch decoded {
        case .success(let result): (encoding, mapped) = result
        case .failure(let error):
            return .failure(error.httpStatus, error.description, encoding: (try? OTLPEncoding(contentType: contentType)) ?? .json)
        }
        let batch = Self.writes(mapped)
        let store = store
        let failure: String? = await withCheckedContinuation { done in
            writes.async {
                do {
                    try store.write(batch)
                    done.resume(returning: nil)
                } catch {
                    done.resume(returning: "history could not store the spans: \(error)")
                }
            }
        }
        if let failure { return .failure(503, failure, encoding: encoding) }
        return .stored(mapped, encoding: encoding)
    }

    /// What `mapped` stores, in one batch: the jobs first (so their rows are the intake's own
    /// when new), then phase changes and records.
    public static func writes(_ mapped: MappedSpans) -> [HistoryWrite] {
        var writes: [HistoryWrite] = mapped.jobs.map { job in
            .jobIfAbsent(AgentJob(id: job.id, name: job.id, namespace: job.namespace, createdAt: job.firstSeen,
                startedAt: job.firstSeen, status: .running))
        }
        writes += mapped.phaseChanges.map {
            .phaseChange(jobID: $0.jobID, phase: $0.phase, time: $0.time, sourceID: $0.sourceID)
        }
        writes += mapped.records.map { .trace($0) }
        writes += mapped.runsEnded.map { .telemetryRunEnded(jobID: $0.jobID, failed: $0.failed, time: $0.time) }
        return writes
    }
}
