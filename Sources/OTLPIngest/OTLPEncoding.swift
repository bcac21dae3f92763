import Foundation

/// The two encodings of OTLP/HTTP. A response is sent in the encoding of its request.
public enum OTLPEncoding: Sendable, Hashable {
    /// `application/x-protobuf`: binary protobuf of `ExportTraceServiceRequest`.
    case protobuf
    /// `application/json`: OTLP/JSON (proto3 JSON with lowerCamelCase keys and hex ids).
    case json

    /// The encoding a Content-Type header names: its media type, case-insensitive and without
    /// parameters (`application/json; charset=utf-8`). `application/protobuf` is taken as
    /// protobuf too. Throws `unsupportedContentType` for anything else, or none.
    public init(contentType: String?) throws(OTLPError) {
        let mediaType = (contentType ?? "").split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
            .first.map { $0.trimmingCharacters(in: [" ", "\t"]).lowercased() } ?? ""
        switch mediaType {
        case "application/x-protobuf", "application/protobuf": self = .protobuf
        case "application/json": self = .json
        default: throw .unsupportedContentType(contentType ?? "")
        }
    }

    /// The Content-Type of a response in this encoding.
    public var contentType: String {
        switch self {
        case .protobuf: "application/x-protobuf"
        case .json: "application/json"
        }
    }
}
