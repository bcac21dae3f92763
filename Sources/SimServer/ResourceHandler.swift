import FlightdeckCore
import Foundation
import KubeModel
import SimCluster

/// One request against a resource path: the REST verbs of the generic registry (get, list,
/// watch, create, update, patch, delete, deletecollection), `status`, `scale` and `log`
/// subresources, `dryRun=All`, `Table` output, and SelfSubjectAccessReview.
struct ResourceHandler {
    let router: APIRouter
    let request: APIServerRequest
    let path: APIPath
    let user: UserInfo

    var store: APIStore { router.store }
    var type: ResourceType { path.type }

    func respond() async -> APIServerResponse {
        let verb = self.verb
        guard type.verbs.contains(verb) || path.subresource != nil else {
            return .status(Status.methodNotAllowed(type, action: verb))
        }
        let attributes = ResourceAttributes(verb: verb, group: type.group, resource: type.plural,
            subresource: path.subresource, namespace: type.namespaced ? path.namespace : nil, name: path.name)
        guard router.authorizer.allows(user, attributes) else {
            return .status(Status.rbacForbidden(user: user.name, verb: verb, type, name: path.name,
                subresource: path.subresource, namespace: attributes.namespace))
        }
        do {
            return try await perform(verb)
        } catch let status as Status {
            return .status(status)
        } catch {
            return .status(Status.internalError("\(error)"))
        }
    }

    /// The RBAC verb of the request.
    var verb: String {
        switch request.method {
        case "GET", "HEAD":
            if path.name == nil { return isWatch ? "watch" : "list" }
            return "get"
        case "POST": return "create"
        case "PUT": return "update"
        case "PATCH": return "patch"
        case "DELETE": return path.name == nil ? "deletecollection" : "delete"
        default: return request.method.lowercased()
        }
    }

    var isWatch: Bool { ["true", "1"].contains(request.query("watch") ?? "") }

    private func perform(_ verb: String) async throws -> APIServerResponse {
        let namespace = type.namespaced ? path.namespace : nil
        if path.subresource == "log" { return try await logs() }
        if path.subresource == "scale" { return try scale(verb, namespace: namespace) }
        if let subresource = path.subresource, subresource != "status" {
            return .status(Status.methodNotAllowed(type, action: verb))
        }
        switch verb {
        case "get":
            let object = try store.get(type: type, namespace: namespace, name: path.name!)
            return output(object)
        case "list":
            let options = try listOptions()
            let list = try store.list(type: type, namespace: namespace, options: options)
            guard wantsTable else { return .json(list) }
            let items = list["items"]?.arrayValue ?? []
            return .json(converter.table(type, objects: items,
                resourceVersion: list[path: ["metadata", "resourceVersion"]]?.stringValue,
                continueToken: list[path: ["metadata", "continue"]]?.stringValue, include: includeObject))
        case "watch":
            return try watch(namespace: namespace)
        case "create":
            if type == .selfSubjectAccessReviews { return try accessReview() }
            if type == .selfSubjectReviews { return try whoAmI() }
            let body = try bodyObject()
            if request.isDryRun {
                return .json(try dryRunCreate(body, namespace: namespace), status: 201)
            }
            let written = try store.createWithWarnings(body, type: type, namespace: namespace)
            return .json(written.object, status: 201, warnings: written.warnings)
        case "update":
            let body = try bodyObject()
            let written = try store.updateWithWarnings(body, type: type, namespace: namespace, name: path.name,
                subresource: path.subresource, dryRun: request.isDryRun)
            return .json(written.object, warnings: written.warnings)
        case "patch":
            // A collection has no PATCH route.
            guard path.name != nil else { return .status(Status.methodNotAllowed(type, action: verb)) }
            let kind = try patchKind()
            let patch = try patchBody(kind, namespace: namespace)
            let written = try store.patchWithWarnings(type: type, namespace: namespace, name: path.name!, patch: patch,
                kind: kind, subresource: path.subresource, dryRun: request.isDryRun)
            return .json(written.object, warnings: written.warnings)
        case "delete":
            let options = try deleteOptions()
            if options.dryRun {
                return .json(try store.get(type: type, namespace: namespace, name: path.name!))
            }
            let result = try store.delete(type: type, namespace: namespace, name: path.name!, options: options)
            return deleted(result)
        case "deletecollection":
            let options = try deleteOptions()
            let list = try store.list(type: type, namespace: namespace, options: try listOptions())
            if !options.dryRun {
                for item in list["items"]?.arrayValue ?? [] {
                    guard let name = item[path: ["metadata", "name"]]?.stringValue else { continue }
                    _ = try? store.delete(type: type, namespace: item[path: ["metadata", "namespace"]]?.stringValue,
                        name: name, options: options)
                }
            }
            return .json(list)
        default:
            return .status(Status.methodNotAllowed(type, action: verb))
        }
    }

    /// GET, PUT and PATCH of `scale`: the workload seen as a Scale; a write changes its
    /// `spec.replicas` only.
    private func scale(_ verb: String, namespace: String?) throws -> APIServerResponse {
        let name = path.name!
        let current = try store.get(type: type, namespace: namespace, name: name)
        let currentScale = ScaleSubresource.scale(of: current)
        let written: JSONValue
        switch verb {
        case "get":
            return .json(currentScale)
        case "update":
            written = try bodyObject()
        case "patch":
            let kind = try patchKind()
            written = try kind.apply(try patchBody(kind, namespace: namespace), to: currentScale)
        default:
            return .status(Status.methodNotAllowed(type, action: verb))
        }
        let updated = try ScaleSubresource.applying(written, to: current)
        if request.isDryRun { return .json(ScaleSubresource.scale(of: updated)) }
        let stored = try store.update(updated, type: type, namespace: namespace, name: name)
        return .json(ScaleSubresource.scale(of: stored))
    }

    // MARK: - Output

    var converter: TableConverter { TableConverter(now: store.clock()) }

    var wantsTable: Bool { request.header("Accept")?.contains("as=Table") == true }

    var includeObject: TableConverter.IncludeObject {
        TableConverter.IncludeObject(rawValue: request.query("includeObject") ?? "") ?? .metadata
    }

    private func output(_ object: JSONValue) -> APIServerResponse {
        guard wantsTable else { return .json(object) }
        return .json(converter.table(type, objects: [object],
            resourceVersion: object[path: ["metadata", "resourceVersion"]]?.stringValue, include: includeObject))
    }

    /// 200 with a `Success` Status when the object is gone; 202 with the object while
    /// finalizers hold it — as the generic registry answers.
    private func deleted(_ result: DeleteResult) -> APIServerResponse {
        guard result.removed else { return .json(result.object, status: 202) }
        if type == .pods || type == .namespaces { return .json(result.object) }
        var details: JSONValue = ["name": .string(path.name ?? ""), "kind": .string(type.plural)]
        if !type.group.isEmpty { details.setMember("group", .string(type.group)) }
        if let uid = result.object[path: ["metadata", "uid"]] { details.setMember("uid", uid) }
        return .json(["kind": "Status", "apiVersion": "v1", "metadata": .emptyObject, "status": "Success",
            "details": details])
    }

    // MARK: - Request bodies and options

    private func bodyObject() throws -> JSONValue {
        let contentType = (request.header("Content-Type") ?? "application/json").lowercased()
        let accepted = ["application/json", "application/json-patch+json", "application/merge-patch+json",
            "application/strategic-merge-patch+json"]
        guard accepted.contains(where: { contentType.hasPrefix($0) }) else {
            throw Status.make(code: 415, reason: "UnsupportedMediaType",
                message: "the body of the request was in an unknown format - accepted media types include: "
                    + "application/json, application/json-patch+json, application/merge-patch+json, "
                    + "application/strategic-merge-patch+json")
        }
        guard request.body.count <= APIRouter.maxBodyBytes else {
            throw Status.make(code: 413, reason: "RequestEntityTooLarge", message: "request entity too large")
        }
        do {
            return try JSONParser(maxDepth: 128).parse(request.body)
        } catch {
            throw Status.badRequest("the object provided is unrecognized: \(error)")
        }
    }

    private func patchKind() throws -> PatchKind {
        let contentType = (request.header("Content-Type") ?? "").lowercased()
        if contentType.hasPrefix("application/json-patch+json") { return .json }
        if contentType.hasPrefix("application/merge-patch+json") { return .merge }
        if contentType.hasPrefix("application/strategic-merge-patch+json") { return .strategicMerge }
        throw Status.make(code: 415, reason: "UnsupportedMediaType",
            message: "the body of the request was in an unknown format - accepted media types include: "
                + "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json")
    }

    /// A PATCH body. A JSON patch that is not even JSON is the decoder's 400 — but only
    /// once the object is known to exist, since the apiserver reads the patch after
    /// fetching the object (a missing object is 404 whatever the patch).
    private func patchBody(_ kind: PatchKind, namespace: String?) throws -> JSONValue {
        guard kind == .json else { return try bodyObject() }
        guard request.body.count <= APIRouter.maxBodyBytes else {
            throw Status.make(code: 413, reason: "RequestEntityTooLarge", message: "request entity too large")
        }
        do {
            // kube-apiserver decodes strictly unless the request asks for `Ignore`.
            return try JSONPatch(decoding: request.body, strict: request.query("fieldValidation") != "Ignore").json
        } catch {
            _ = try store.get(type: type, namespace: namespace, name: path.name ?? "")
            throw error.status
        }
    }

    private func listOptions() throws -> ListOptions {
        do { return try ListOptions(queryItems: request.queryItems) } catch {
            throw Status.badRequest(error.message)
        }
    }

    private func deleteOptions() throws -> DeleteOptions {
        do {
            var options = try DeleteOptions(queryItems: request.queryItems)
            if !request.body.isEmpty, let body = try? JSONParser(maxDepth: 32).parse(request.body) {
                let fromBody = try DeleteOptions(jsonBody: body)
                if fromBody.propagationPolicy != nil { options.propagationPolicy = fromBody.propagationPolicy }
                if fromBody.gracePeriodSeconds != nil { options.gracePeriodSeconds = fromBody.gracePeriodSeconds }
                options.dryRun = options.dryRun || fromBody.dryRun
            }
            return options
        } catch {
            throw Status.badRequest(error.message)
        }
    }

    // MARK: - Dry run

    /// What a create would store, without storing it: the checks that can fail (namespace,
    /// name taken) and the fields the server fills.
    private func dryRunCreate(_ body: JSONValue, namespace: String?) throws -> JSONValue {
        var object = body
        if type.namespaced {
            let ns = namespace ?? body[path: ["metadata", "namespace"]]?.stringValue ?? ""
            _ = try store.get(type: .namespaces, name: ns)
            object[path: ["metadata", "namespace"]] = .string(ns)
        }
        if let name = body[path: ["metadata", "name"]]?.stringValue,
            (try? store.get(type: type, namespace: namespace, name: name)) != nil
        {
            throw Status.alreadyExists(type, name: name)
        }
        object[path: ["metadata", "creationTimestamp"]] = .string(KubeTime.string(from: store.clock()))
        object[path: ["metadata", "uid"]] = .string(UUID().uuidString.lowercased())
        if object["kind"] == nil { object.setMember("kind", .string(type.kind)) }
        if object["apiVersion"] == nil { object.setMember("apiVersion", .string(type.apiVersion)) }
        return object
    }

    // MARK: - SelfSubjectAccessReview

    private func accessReview() throws -> APIServerResponse {
        var review = try bodyObject()
        let spec = review[path: ["spec", "resourceAttributes"]] ?? .emptyObject
        let attributes = ResourceAttributes(verb: spec["verb"]?.stringValue ?? "", group: spec["group"]?.stringValue ?? "",
            resource: spec["resource"]?.stringValue ?? "", subresource: spec["subresource"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            namespace: spec["namespace"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            name: spec["name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 })
        let allowed = router.authorizer.allows(user, attributes)
        var status: JSONValue = ["allowed": .bool(allowed)]
        if allowed, user.isClusterAdmin { status.setMember("reason", "allowed by the system:masters group") }
        if allowed, !user.isClusterAdmin { status.setMember("reason", "RBAC: allowed by a RoleBinding") }
        review.setMember("status", status)
        if review["kind"] == nil { review.setMember("kind", "SelfSubjectAccessReview") }
        if review["apiVersion"] == nil { review.setMember("apiVersion", "authorization.k8s.io/v1") }
        return .json(review, status: 201)
    }

    /// `kubectl auth whoami`: who the server thinks the caller is.
    private func whoAmI() throws -> APIServerResponse {
        var review = try bodyObject()
        review.setMember("status", ["userInfo": ["username": .string(user.name),
            "groups": .array(user.groups.map(JSONValue.string))]])
        if review["kind"] == nil { review.setMember("kind", "SelfSubjectReview") }
        if review["apiVersion"] == nil { review.setMember("apiVersion", "authentication.k8s.io/v1") }
        return .json(review, status: 201)
    }

    // MARK: - Streams

    private func watch(namespace: String?) throws -> APIServerResponse {
        var options = try listOptions()
        if options.timeoutSeconds == nil {
            // kube-apiserver ends a watch after a random 30–60 minutes; clients re-watch.
            options.timeoutSeconds = Int64.random(in: 1800...3600)
        }
        let subscription = try store.watch(type: type, namespace: namespace, options: options)
        let body = WatchResponseBody(subscription: subscription, type: type,
            table: wantsTable ? (converter, includeObject) : nil)
        return .stream(status: 200, headers: [("Content-Type", "application/json")], body: body)
    }

    private func logs() async throws -> APIServerResponse {
        guard request.method == "GET", let name = path.name, let namespace = path.namespace else {
            return .status(Status.methodNotAllowed(type, action: verb))
        }
        let options: PodLogOptions
        do { options = try PodLogOptions(queryItems: request.queryItems) } catch {
            throw Status.badRequest(error.message)
        }
        _ = try store.get(type: .pods, namespace: namespace, name: name)
        guard let source = router.logs else {
            throw Status.badRequest("pod \(name) has no log source on this node")
        }
        let stream = try await source.podLogs(namespace: namespace, pod: name, options: options)
        return .stream(status: 200, headers: [("Content-Type", "text/plain")], body: stream)
    }
}
