import FlightdeckCore
import KubeModel

/// What to ask the API server, built purely from the resource type and options, so every
/// request shape is tested without a server.
public struct APIRequest: Sendable, Hashable {
    public var method: String
    /// The REST path with its query string.
    public var path: String
    public var contentType: String?
    public var body: [UInt8]?
    /// A stream (watch, log follow) has no overall timeout.
    public var isStream: Bool

    public init(method: String, path: String, contentType: String? = nil, body: [UInt8]? = nil, isStream: Bool = false) {
        self.method = method
        self.path = path
        self.contentType = contentType
        self.body = body
        self.isStream = isStream
    }

    /// How a patch body is to be read.
    public enum PatchKind: String, Sendable, Hashable, CaseIterable {
        case merge = "application/merge-patch+json"
        case strategicMerge = "application/strategic-merge-patch+json"
        case json = "application/json-patch+json"
    }

    public static let version = APIRequest(method: "GET", path: "/version")

    public static func get(_ type: ResourceType, namespace: String?, name: String) -> APIRequest {
        APIRequest(method: "GET", path: type.path(namespace: namespace, name: name))
    }

    public static func list(_ type: ResourceType, namespace: String?, options: ListOptions = ListOptions()) -> APIRequest {
        var options = options
        options.watch = nil
        return APIRequest(method: "GET", path: type.path(namespace: namespace, query: options))
    }

    /// A watch from `options.resourceVersion`, as a stream of JSON lines.
    public static func watch(_ type: ResourceType, namespace: String?, options: ListOptions) -> APIRequest {
        var options = options
        options.watch = true
        options.limit = nil
        options.continue = nil
        return APIRequest(method: "GET", path: type.path(namespace: namespace, query: options), isStream: true)
    }

    public static func create(_ type: ResourceType, namespace: String?, object: JSONValue, dryRun: Bool = false) -> APIRequest {
        APIRequest(
            method: "POST", path: type.path(namespace: namespace) + (dryRun ? "?dryRun=All" : ""),
            contentType: "application/json", body: Array(object.serialized.utf8))
    }

    /// PUT: replaces the object whole. The body's `metadata.resourceVersion`, when set, makes
    /// it conditional: the server refuses a stale one with 409 Conflict (optimistic concurrency,
    /// what leader election's Lease updates rely on).
    public static func update(_ type: ResourceType, namespace: String?, name: String, object: JSONValue,
        subresource: String? = nil, dryRun: Bool = false) -> APIRequest
    {
        APIRequest(
            method: "PUT",
            path: type.path(namespace: namespace, name: name, subresource: subresource) + (dryRun ? "?dryRun=All" : ""),
            contentType: "application/json", body: Array(object.serialized.utf8))
    }

    public static func patch(
        _ type: ResourceType, namespace: String?, name: String, patch: JSONValue, kind: PatchKind,
        subresource: String? = nil, dryRun: Bool = false
    ) -> APIRequest {
        APIRequest(
            method: "PATCH",
            path: type.path(namespace: namespace, name: name, subresource: subresource) + (dryRun ? "?dryRun=All" : ""),
            contentType: kind.rawValue, body: Array(patch.serialized.utf8))
    }

    /// DeleteOptions go in the body, as kubectl sends them.
    public static func delete(_ type: ResourceType, namespace: String?, name: String, options: DeleteOptions = DeleteOptions()) -> APIRequest {
        APIRequest(
            method: "DELETE", path: type.path(namespace: namespace, name: name),
            contentType: "application/json", body: Array(options.jsonBody.serialized.utf8))
    }

    public static func logs(namespace: String, pod: String, options: PodLogOptions) -> APIRequest {
        APIRequest(
            method: "GET", path: ResourceType.pods.path(namespace: namespace, name: pod, subresource: "log", query: options),
            isStream: options.follow == true)
    }
}
