import FlightdeckCore
import Foundation
import KubeModel
import SimCluster

/// The simulated kube-apiserver's request handling, independent of the wire: authentication
/// has happened; this decides what the request means (discovery, a resource operation, a
/// watch, logs), checks authorization, runs it against the store and shapes the answer as
/// kube-apiserver does — the same paths, JSON, `Table`s, HTTP codes and `Status` errors.
public struct APIRouter: Sendable {
    public let store: APIStore
    public let authorizer: Authorizer
    public let logs: (any PodLogSource)?
    /// The `https://127.0.0.1:port` clients reach this server at (for `/api`).
    public let serverAddress: String

    /// The types this server has: `ResourceType.all`, plus Kueue's where Kueue is "installed".
    /// Everything else — paths, discovery, OpenAPI — answers 404, as a cluster without the CRDs.
    public let served: [ResourceType]

    /// The largest request body accepted (kube-apiserver's limit is 3 MiB).
    public static let maxBodyBytes = 3 * 1024 * 1024

    public init(store: APIStore, logs: (any PodLogSource)? = nil, serverAddress: String, kueue: Bool = false) {
        self.store = store
        served = kueue ? ResourceType.all + ResourceType.kueue : ResourceType.all
        authorizer = Authorizer(store: store)
        self.logs = logs
        self.serverAddress = serverAddress
    }

    public func handle(_ request: APIServerRequest) async -> APIServerResponse {
        guard let user = request.user else {
            return .status(Status.make(code: 401, reason: "Unauthorized", message: "Unauthorized"))
        }
        if let response = nonResource(request) { return response }
        switch APIPath.parse(request.path, served: served) {
        case .success(let path):
            return await ResourceHandler(router: self, request: request, path: path, user: user).respond()
        case .failure:
            return .status(Status.notFoundPath())
        }
    }

    /// `/version`, health, discovery and OpenAPI.
    private func nonResource(_ request: APIServerRequest) -> APIServerResponse? {
        guard request.method == "GET" || request.method == "HEAD" else { return nil }
        let path = request.path.count > 1 && request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
        switch path {
        case "/version": return .json(Discovery.version)
        case "/healthz", "/livez", "/readyz":
            return .full(status: 200, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array("ok".utf8))
        case "/api": return .json(Discovery.coreVersions(serverAddress: serverAddress))
        case "/apis": return .json(Discovery.groupList(served: served))
        case "/openapi/v3": return .json(OpenAPIDocuments.root(served: served))
        default: break
        }
        if path.hasPrefix("/openapi/v3/") {
            return OpenAPIDocuments.document(path: path, served: served).map { .json($0) } ?? .status(Status.notFoundPath())
        }
        let segments = path.split(separator: "/").map(String.init)
        if segments.count == 2, segments[0] == "api" {
            return Discovery.resourceList(group: "", version: segments[1], served: served).map { .json($0) } ?? .status(Status.notFoundPath())
        }
        if segments.count == 2, segments[0] == "apis" {
            return Discovery.group(segments[1], served: served).map { .json($0) } ?? .status(Status.notFoundPath())
        }
        if segments.count == 3, segments[0] == "apis" {
            return Discovery.resourceList(group: segments[1], version: segments[2], served: served).map { .json($0) }
                ?? .status(Status.notFoundPath())
        }
        if segments.first == "openapi" || segments.first == "logs" || segments.first == "metrics" {
            return .status(Status.notFoundPath())
        }
        return nil
    }
}
