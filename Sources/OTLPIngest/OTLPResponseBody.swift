import FlightdeckCore
import SwiftProtobuf

/// The bodies an OTLP/HTTP receiver answers with, in the request's encoding: an
/// `ExportTraceServiceResponse` on success (with `partial_success` when some spans were
/// refused), a `google.rpc.Status` with a failure. Pure.
public enum OTLPResponseBody {
    /// The success body. With `rejectedSpans` 0 it is empty (`{}` in JSON), which tells the
    /// exporter everything was accepted.
    public static func export(rejectedSpans: Int, errorMessage: String, encoding: OTLPEncoding) -> [UInt8] {
        switch encoding {
        case .protobuf:
            var response = OTLPWireExportTraceServiceResponse()
            if rejectedSpans > 0 || !errorMessage.isEmpty {
                response.partialSuccess.rejectedSpans = Int64(rejectedSpans)
                response.partialSuccess.errorMessage = errorMessage
            }
            return (try? response.serializedBytes()) ?? []
        case .json:
            guard rejectedSpans > 0 || !errorMessage.isEmpty else { return Array("{}".utf8) }
            // int64 is a string in proto3 JSON.
            let partial: JSONValue = ["rejectedSpans": .string(String(rejectedSpans)), "errorMessage": .string(errorMessage)]
            return Array(JSONValue.object([.init("partialSuccess", partial)]).serialized.utf8)
        }
    }

    /// The failure body for an HTTP status: a `google.rpc.Status` whose code is the gRPC
    /// code OTLP pairs with that status, and `message`.
    public static func status(httpStatus: Int, message: String, encoding: OTLPEncoding) -> [UInt8] {
        let code = grpcCode(httpStatus: httpStatus)
        switch encoding {
        case .protobuf:
            var status = OTLPWireRpcStatus()
            status.code = code
            status.message = message
            return (try? status.serializedBytes()) ?? []
        case .json:
            return Array(JSONValue.object([.init("code", .integer(Int64(code))), .init("message", .string(message))])
                .serialized.utf8)
        }
    }

    /// INVALID_ARGUMENT (3) for a request that cannot be read, RESOURCE_EXHAUSTED (8) for one
    /// too large, UNAVAILABLE (14) for a receiver that cannot store now, UNKNOWN (2) otherwise.
    static func grpcCode(httpStatus: Int) -> Int32 {
        switch httpStatus {
        case 400, 415: 3
        case 413, 429: 8
        case 502, 503, 504: 14
        default: 2
        }
    }
}
