import FlightdeckCore
import KubeModel

/// The patch content types the store applies: `application/merge-patch+json`,
/// `application/strategic-merge-patch+json` and `application/json-patch+json`.
public enum PatchKind: Sendable, Hashable {
    case merge
    case strategicMerge
    /// RFC 6902 JSON Patch: the patch is an array of operations.
    case json

    /// `patch` applied to `object`, failing as the apiserver does: a merge or strategic
    /// patch that is not an object, or is malformed, is 400; a JSON patch is 400 when
    /// malformed, 413 past 10 000 operations and 422 when an operation does not apply.
    public func apply(_ patch: JSONValue, to object: JSONValue) throws(Status) -> JSONValue {
        switch self {
        case .merge:
            guard case .object = patch else { throw Status.badRequest("the patch is not a JSON object") }
            return MergePatch.apply(patch, to: object)
        case .strategicMerge:
            guard case .object = patch else { throw Status.badRequest("the patch is not a JSON object") }
            do { return try StrategicMergePatch.apply(patch, to: object) } catch {
                throw Status.badRequest(error.message)
            }
        case .json:
            do { return try JSONPatch.apply(patch, to: object) } catch { throw error.status }
        }
    }
}
