import FlightdeckCore

/// `metav1.Status`: the body of every API error (and of a successful delete that returns
/// no object), and of a watch `ERROR` event.
public struct Status: JSONView, Error, CustomStringConvertible {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    /// `Success` or `Failure`.
    public var status: String? {
        get { self[field: "status"] }
        set { self[field: "status"] = newValue }
    }
    public var message: String? {
        get { self[field: "message"] }
        set { self[field: "message"] = newValue }
    }
    /// `NotFound`, `AlreadyExists`, `Conflict`, `Forbidden`, `Invalid`, `Expired`, `Gone`, …
    public var reason: String? {
        get { self[field: "reason"] }
        set { self[field: "reason"] = newValue }
    }
    /// The HTTP status code.
    public var code: Int? {
        get { self[field: "code"] }
        set { self[field: "code"] = newValue }
    }
    public var details: Details? {
        get { self[field: "details"] }
        set { self[field: "details"] = newValue }
    }
    public var isSuccess: Bool { status == "Success" }

    /// Whether this is `kind: Status` (how a watch or a response body tells it apart).
    public static func isStatus(_ json: JSONValue) -> Bool { json["kind"]?.stringValue == "Status" }

    public struct Details: JSONView {
        public var json: JSONValue
        public init(json: JSONValue) { self.json = json }

        public var name: String? {
            get { self[field: "name"] }
            set { self[field: "name"] = newValue }
        }
        public var group: String? {
            get { self[field: "group"] }
            set { self[field: "group"] = newValue }
        }
        /// The resource (`jobs`) for most errors, the kind (`Job`) for `Invalid`.
        public var kind: String? {
            get { self[field: "kind"] }
            set { self[field: "kind"] = newValue }
        }
        public var uid: String? {
            get { self[field: "uid"] }
            set { self[field: "uid"] = newValue }
        }
        public var causes: [Cause] {
            get { self[list: "causes"] }
            set { self[list: "causes"] = newValue }
        }
        public var retryAfterSeconds: Int? {
            get { self[field: "retryAfterSeconds"] }
            set { self[field: "retryAfterSeconds"] = newValue }
        }
    }

    public struct Cause: JSONView {
        public var json: JSONValue
        public init(json: JSONValue) { self.json = json }

        public init(reason: String, message: String, field: String? = nil) {
            self.init()
            self.reason = reason
            self.message = message
            self.field = field
        }

        /// `FieldValueRequired`, `FieldValueInvalid`, `FieldValueNotSupported`, …
        public var reason: String? {
            get { self[field: "reason"] }
            set { self[field: "reason"] = newValue }
        }
        public var message: String? {
            get { self[field: "message"] }
            set { self[field: "message"] = newValue }
        }
        public var field: String? {
            get { self[field: "field"] }
            set { self[field: "field"] = newValue }
        }
    }

    /// The sentence a user reads. The apiserver's `message` already is one
    /// (`jobs.batch "x" is forbidden: User "u" cannot create …`), so it is used verbatim;
    /// without one, a sentence is made from reason and code, the way kubectl does
    /// (`the server could not find the requested resource`).
    public var sentence: String {
        if let message, !message.isEmpty { return message }
        switch (reason ?? "", code ?? 0) {
        case ("NotFound", _), (_, 404): return "the server could not find the requested resource"
        case ("Unauthorized", _), (_, 401): return "Unauthorized"
        case ("Forbidden", _), (_, 403): return "forbidden"
        case ("AlreadyExists", _): return "the object already exists"
        case ("Conflict", _), (_, 409): return "the server reported a conflict"
        case ("Gone", _), ("Expired", _), (_, 410): return "the resource version is too old"
        case ("Invalid", _), (_, 422): return "the server rejected our request due to an error in our request"
        case ("TooManyRequests", _), (_, 429): return "the server has received too many requests and has asked us to try again later"
        case ("MethodNotAllowed", _), (_, 405): return "the server does not allow this method on the requested resource"
        case ("BadRequest", _), (_, 400): return "the server rejected our request for an unknown reason"
        case ("ServiceUnavailable", _), (_, 503): return "the server is currently unable to handle the request"
        case ("Timeout", _), (_, 504): return "the server was unable to return a response in the time allotted"
        case ("InternalError", _), (_, 500): return "an error on the server has prevented the request from succeeding"
        case (let reason, let code):
            if !reason.isEmpty { return "the server reported \(reason) (\(code))" }
            return code == 0 ? "unknown error" : "the server responded with the status code \(code)"
        }
    }

    public var description: String { sentence }

    // MARK: - Builders

    /// A `Failure` status.
    public static func make(code: Int, reason: String, message: String, details: Details? = nil) -> Status {
        var status = Status(json: ["kind": "Status", "apiVersion": "v1", "metadata": .emptyObject])
        status.status = code >= 200 && code < 300 ? "Success" : "Failure"
        status.message = message
        status.reason = reason
        if let details { status.details = details }
        status.code = code
        return status
    }

    /// `{"status":"Success"}` as a delete returns when it removed nothing to show.
    public static func success(details: Details? = nil) -> Status {
        var status = Status(json: ["kind": "Status", "apiVersion": "v1", "metadata": .emptyObject])
        status.status = "Success"
        if let details { status.details = details }
        return status
    }

    static func details(_ type: ResourceType, name: String?, kind: String? = nil) -> Details {
        var details = Details()
        if let name, !name.isEmpty { details.name = name }
        if !type.group.isEmpty { details.group = type.group }
        details.kind = kind ?? type.plural
        return details
    }

    /// 404 `jobs.batch "x" not found`.
    public static func notFound(_ type: ResourceType, name: String) -> Status {
        make(code: 404, reason: "NotFound", message: "\(type.qualifiedResource) \"\(name)\" not found",
            details: details(type, name: name))
    }

    /// 404 for a path no resource is served at.
    public static func notFoundPath() -> Status {
        make(code: 404, reason: "NotFound", message: "the server could not find the requested resource",
            details: Details())
    }

    /// 409 `jobs.batch "x" already exists`.
    public static func alreadyExists(_ type: ResourceType, name: String) -> Status {
        make(code: 409, reason: "AlreadyExists", message: "\(type.qualifiedResource) \"\(name)\" already exists",
            details: details(type, name: name))
    }

    /// 409 `Operation cannot be fulfilled on jobs.batch "x": the object has been modified; …`.
    public static func conflict(_ type: ResourceType, name: String,
        because cause: String = "the object has been modified; please apply your changes to the latest version and try again")
        -> Status
    {
        make(code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(type.qualifiedResource) \"\(name)\": \(cause)",
            details: details(type, name: name))
    }

    /// 410 `Expired`: `too old resource version: 123 (456)`, as a watch or a list with an
    /// expired `continue`/`resourceVersion` receives.
    public static func expired(requested: String, current: String) -> Status {
        make(code: 410, reason: "Expired", message: "too old resource version: \(requested) (\(current))")
    }

    /// 410 `Gone` with a free message (e.g. an expired continue token).
    public static func gone(_ message: String) -> Status {
        make(code: 410, reason: "Gone", message: message)
    }

    /// 422 `Job.batch "x" is invalid: spec.template.spec.containers: Required value`.
    /// Each cause's `field: message` joins the sentence; several are bracketed and
    /// comma-separated, as `utilerrors.NewAggregate` writes them.
    public static func invalid(_ type: ResourceType, name: String, causes: [Cause]) -> Status {
        let parts = causes.map { cause -> String in
            let field = cause.field ?? ""
            let text = cause.message ?? ""
            return field.isEmpty ? text : "\(field): \(text)"
        }
        let list = parts.count == 1 ? parts[0] : "[\(parts.joined(separator: ", "))]"
        var details = details(type, name: name, kind: type.kind)
        details.causes = causes
        return make(code: 422, reason: "Invalid",
            message: "\(type.qualifiedKind) \"\(name)\" is invalid: \(list)", details: details)
    }

    /// A `FieldValueRequired` cause: `Required value`.
    public static func required(_ field: String) -> Cause {
        Cause(reason: "FieldValueRequired", message: "Required value", field: field)
    }

    /// A `FieldValueInvalid` cause: `Invalid value: "x": detail`.
    public static func invalidValue(_ field: String, _ value: JSONValue, _ detail: String) -> Cause {
        Cause(reason: "FieldValueInvalid", message: "Invalid value: \(value.serialized): \(detail)", field: field)
    }

    /// 403 `jobs.batch "x" is forbidden: <reason>` (`jobs.batch is forbidden: …` without a name).
    public static func forbidden(_ type: ResourceType, name: String?, reason: String) -> Status {
        let subject = name.map { "\(type.qualifiedResource) \"\($0)\"" } ?? type.qualifiedResource
        return make(code: 403, reason: "Forbidden", message: "\(subject) is forbidden: \(reason)",
            details: details(type, name: name))
    }

    /// `v1.NamespaceTerminatingCause`: the cause NamespaceLifecycle admission gives a create
    /// refused in a namespace being deleted (controllers do not retry such a create).
    public static let namespaceTerminatingCause = "NamespaceTerminating"

    /// 403 `jobs.batch "x" is forbidden: unable to create new content in namespace ns because
    /// it is being terminated`, with a `NamespaceTerminating` cause on `metadata.namespace`.
    public static func namespaceTerminating(_ type: ResourceType, name: String?, namespace: String) -> Status {
        var status = forbidden(type, name: name,
            reason: "unable to create new content in namespace \(namespace) because it is being terminated")
        var details = status.details ?? Details()
        details.causes.append(Cause(reason: namespaceTerminatingCause, message: "namespace \(namespace) is being terminated",
            field: "metadata.namespace"))
        status.details = details
        return status
    }

    /// Whether the details carry a cause of type `reason` (apimachinery's `HasStatusCause`).
    public func hasCause(_ reason: String) -> Bool {
        details?.causes.contains { $0.reason == reason } ?? false
    }

    /// 403 from RBAC: `User "u" cannot create resource "jobs" in API group "batch" in the
    /// namespace "agents"` (or `at the cluster scope`); a subresource reads
    /// `resource "pods/log"`.
    public static func rbacForbidden(user: String, verb: String, _ type: ResourceType, name: String? = nil,
        subresource: String? = nil, namespace: String?) -> Status
    {
        let resource = subresource.map { "\(type.plural)/\($0)" } ?? type.plural
        let scope = namespace.map { "in the namespace \"\($0)\"" } ?? "at the cluster scope"
        return forbidden(type, name: name,
            reason: "User \"\(user)\" cannot \(verb) resource \"\(resource)\" in API group \"\(type.group)\" \(scope)")
    }

    /// 400 with a free message.
    public static func badRequest(_ message: String) -> Status {
        make(code: 400, reason: "BadRequest", message: message)
    }

    /// 405 `create is not supported on resources of kind "selfsubjectaccessreviews.authorization.k8s.io"`.
    public static func methodNotAllowed(_ type: ResourceType, action: String) -> Status {
        var details = Details()
        if !type.group.isEmpty { details.group = type.group }
        details.kind = type.plural
        return make(code: 405, reason: "MethodNotAllowed",
            message: "\(action) is not supported on resources of kind \"\(type.qualifiedResource)\"", details: details)
    }

    /// One PodSecurity violation: `allowPrivilegeEscalation != false` +
    /// `container "agent" must set securityContext.allowPrivilegeEscalation=false`.
    public struct PodSecurityViolation: Sendable, Hashable {
        public var reason: String
        public var detail: String
        public init(reason: String, detail: String) {
            self.reason = reason
            self.detail = detail
        }
    }

    /// 403 from PodSecurity admission: `pods "x" is forbidden: violates PodSecurity
    /// "restricted:latest": allowPrivilegeEscalation != false (container "agent" must set
    /// securityContext.allowPrivilegeEscalation=false), …`.
    public static func podSecurityForbidden(_ type: ResourceType = .pods, name: String, level: String = "restricted:latest",
        violations: [PodSecurityViolation]) -> Status
    {
        let list = violations.map { "\($0.reason) (\($0.detail))" }.joined(separator: ", ")
        return forbidden(type, name: name, reason: "violates PodSecurity \"\(level)\": \(list)")
    }

    /// 500 with a free message.
    public static func internalError(_ message: String) -> Status {
        make(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)")
    }

    /// 429 with `retryAfterSeconds`.
    public static func tooManyRequests(retryAfterSeconds: Int) -> Status {
        var details = Details()
        details.retryAfterSeconds = retryAfterSeconds
        return make(code: 429, reason: "TooManyRequests", message: "Too many requests, please try again later.",
            details: details)
    }
}

// MARK: - Lists and watch events

/// A list response: `{"kind":"JobList","apiVersion":"batch/v1","metadata":{"resourceVersion",
/// "continue","remainingItemCount"},"items":[…]}`.
public struct KubeList<Object: KubeObject>: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    /// A list of `items` at `resourceVersion`, shaped as the apiserver writes it.
    public init(items: [Object], resourceVersion: String, continue token: String? = nil,
        remainingItemCount: Int64? = nil)
    {
        var metadata: JSONValue = ["resourceVersion": .string(resourceVersion)]
        if let token, !token.isEmpty { metadata.setMember("continue", .string(token)) }
        if let remainingItemCount { metadata.setMember("remainingItemCount", .integer(remainingItemCount)) }
        self.init(json: [
            "kind": .string(Object.resourceType.kind + "List"),
            "apiVersion": .string(Object.resourceType.apiVersion),
            "metadata": metadata,
            "items": .array(items.map(\.json)),
        ])
    }

    public init(decoding bytes: some Collection<UInt8>) throws {
        let value: JSONValue
        do { value = try JSONParser(maxDepth: 128).parse(bytes) } catch {
            throw KubeDecodingError("\(Object.resourceType.kind)List: \(error)")
        }
        guard case .object = value else { throw KubeDecodingError("expected a JSON object") }
        if Status.isStatus(value) { throw Status(json: value) }
        self.init(json: value)
    }

    public var apiVersion: String? {
        get { self[field: "apiVersion"] }
        set { self[field: "apiVersion"] = newValue }
    }
    public var kind: String? {
        get { self[field: "kind"] }
        set { self[field: "kind"] = newValue }
    }
    public var resourceVersion: String? {
        get { json[path: ["metadata", "resourceVersion"]]?.stringValue }
        set { json[path: ["metadata", "resourceVersion"]] = newValue.map(JSONValue.string) }
    }
    /// The token for the next page; `nil` (or empty upstream) on the last page.
    public var `continue`: String? {
        get { json[path: ["metadata", "continue"]]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
        set { json[path: ["metadata", "continue"]] = newValue.map(JSONValue.string) }
    }
    public var remainingItemCount: Int64? {
        get { json[path: ["metadata", "remainingItemCount"]]?.int64Value }
        set { json[path: ["metadata", "remainingItemCount"]] = newValue.map(JSONValue.integer) }
    }
    /// The items; list items usually omit `kind`/`apiVersion`, which are not added here.
    public var items: [Object] {
        get { (json["items"]?.arrayValue ?? []).map(Object.init(json:)) }
        set { json.setMember("items", .array(newValue.map(\.json))) }
    }
}

/// `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK`, `ERROR`.
public struct WatchEventType: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let added: Self = "ADDED"
    public static let modified: Self = "MODIFIED"
    public static let deleted: Self = "DELETED"
    public static let bookmark: Self = "BOOKMARK"
    public static let error: Self = "ERROR"
}

/// One line of a watch stream: `{"type":"ADDED","object":{…}}`.
public struct WatchEvent: Sendable, Hashable {
    public var type: WatchEventType
    public var object: JSONValue

    public init(type: WatchEventType, object: JSONValue) {
        self.type = type
        self.object = object
    }

    public init(type: WatchEventType, _ object: some JSONView) {
        self.init(type: type, object: object.json)
    }

    /// Parses one line (one JSON document) of a watch stream.
    public init(line bytes: some Collection<UInt8>) throws {
        let value: JSONValue
        do { value = try JSONParser(maxDepth: 128).parse(bytes) } catch {
            throw KubeDecodingError("watch event: \(error)")
        }
        guard let type = value["type"]?.stringValue, let object = value["object"], case .object = object else {
            throw KubeDecodingError("watch event: expected {\"type\",\"object\"}, got \(value.serialized.prefix(120))")
        }
        self.init(type: WatchEventType(rawValue: type), object: object)
    }

    public init(line: String) throws { try self.init(line: Array(line.utf8)) }

    /// The object as `T` (for `ERROR`, use `status`).
    public func object<T: KubeObject>(as _: T.Type = T.self) -> T { T(json: object) }

    /// The error of an `ERROR` event (e.g. 410 `too old resource version`).
    public var status: Status? {
        type == .error || Status.isStatus(object) ? Status(json: object) : nil
    }

    /// A `BOOKMARK`'s `metadata.resourceVersion` (any event's, in fact).
    public var resourceVersion: String? { object[path: ["metadata", "resourceVersion"]]?.stringValue }

    /// `{"type":"…","object":…}` with no trailing newline.
    public var json: JSONValue { ["type": .string(type.rawValue), "object": object] }
    public var serialized: String { json.serialized }

    /// A `BOOKMARK` carrying only `kind`, `apiVersion` and `metadata.resourceVersion`.
    public static func bookmark(_ type: ResourceType, resourceVersion: String) -> WatchEvent {
        WatchEvent(type: .bookmark, object: [
            "kind": .string(type.kind), "apiVersion": .string(type.apiVersion),
            "metadata": ["resourceVersion": .string(resourceVersion)],
        ])
    }

    /// An `ERROR` event carrying `status`.
    public static func error(_ status: Status) -> WatchEvent { WatchEvent(type: .error, object: status.json) }
}
