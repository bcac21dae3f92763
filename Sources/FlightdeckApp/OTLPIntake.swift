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
/// cluster's description wins. Decoding, mapping and the SQLite transaction run on a Dispatch
/// thread, not the cooperative pool.
public struct OTLPIntake: Sendable {
    public let store: HistoryStore
    public let decoder: OTLPTraceDecoder
    public let mapping: SpanMapping

    public init(store: HistoryStore, decoder: OTLPTraceDecoder = OTLPTraceDecoder(), mapping: SpanMapping = SpanMapping()) {
        self.store = store
        self.decoder = decoder
        self.mapping = mapping
    }

    /// Handles one request body; never throws: every outcome is a response.
    public func receive(body: [UInt8], contentType: String?, receivedAt: Date = Date()) async -> OTLPIntakeResponse {
        let (store, decoder, mapping) = (store, decoder, mapping)
        do {
            return try await offThePool {
                let encoding: OTLPEncoding
                let mapped: MappedSpans
                do {
                    encoding = try OTLPEncoding(contentType: contentType)
                    mapped = mapping.map(try decoder.decode(body: body, encoding: encoding), receivedAt: receivedAt)
                } catch let error as OTLPError {
                    return OTLPIntakeResponse.failure(error.httpStatus, error.description,
                        encoding: (try? OTLPEncoding(contentType: contentType)) ?? .json)
                }
                do {
                    try store.write(Self.writes(mapped))
                } catch {
                    return OTLPIntakeResponse.failure(503, "history could not store the spans: \(error)", encoding: encoding)
                }
                return OTLPIntakeResponse.stored(mapped, encoding: encoding)
            }
        } catch {
            return OTLPIntakeResponse.failure(503, "could not handle the request: \(error)", encoding: .json)
        }
    }

    /// What `mapped` stores, in one batch: the jobs first (so their rows are the intake's own
    /// when new), then phase changes and records.
    static func writes(_ mapped: MappedSpans) -> [HistoryWrite] {
        var writes: [HistoryWrite] = mapped.jobs.map { job in
            .jobIfAbsent(AgentJob(id: job.id, name: job.id, namespace: job.namespace, createdAt: job.firstSeen,
                startedAt: job.firstSeen, status: .running))
        }
        writes += mapped.phaseChanges.map {
            .phaseChange(jobID: $0.jobID, phase: $0.phase, time: $0.time, sourceID: $0.sourceID)
        }
        writes += mapped.records.map { .trace($0) }
        return writes
    }
}
