import FlightdeckCore
import KubeModel

/// What an admission plugin sees of a write (`admission.Attributes`).
public struct AdmissionRequest: Sendable {
    public enum Operation: String, Sendable, Hashable {
        case create = "CREATE"
        case update = "UPDATE"
    }

    public var operation: Operation
    public var type: ResourceType
    /// The request's namespace (`nil` for cluster-scoped types).
    public var namespace: String?
    /// The object's name; for `generateName` creates, the generated one.
    public var name: String
    /// The incoming object; mutating plugins change it in place.
    public var object: JSONValue
    /// The stored object, for updates.
    public var oldObject: JSONValue?
    /// `status` for status-subresource writes, otherwise `nil`.
    public var subresource: String?

    public init(operation: Operation, type: ResourceType, namespace: String?, name: String, object: JSONValue,
        oldObject: JSONValue? = nil, subresource: String? = nil)
    {
        self.operation = operation
        self.type = type
        self.namespace = namespace
        self.name = name
        self.object = object
        self.oldObject = oldObject
        self.subresource = subresource
    }
}
