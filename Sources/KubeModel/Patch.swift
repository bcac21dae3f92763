import FlightdeckCore

/// JSON Merge Patch, RFC 7386 (`application/merge-patch+json`).
public enum MergePatch {
    /// Applies `patch` to `target` exactly as RFC 7386 §2's pseudocode: an object patch
    /// merges member by member (`null` removes), anything else replaces. Existing members
    /// keep their position; new ones are appended in the patch's order.
    public static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var result: JSONValue = if case .object = target { target } else { .emptyObject }
        for member in patchMembers {
            if member.value.isNull {
                result.setMember(member.key, nil)
            } else {
                let current = result[member.key] ?? .null
                result.setMember(member.key, apply(member.value, to: current))
            }
        }
        return result
    }

    /// The merge patch that turns `original` into `modified` (what a client sends): changed
    /// and new members, `null` for removed ones; `{}` when equal. Arrays are sent whole.
    public static func diff(from original: JSONValue, to modified: JSONValue) -> JSONValue {
        guard case .object(let old) = original, case .object(let new) = modified else { return modified }
        var patch: [JSONValue.Member] = []
        for member in old where modified[member.key] == nil {
            if !patch.contains(where: { $0.key == member.key }) { patch.append(.init(member.key, .null)) }
        }
        for member in new {
            let before = original[member.key]
            let after = modified[member.key]!
            if before == after || patch.contains(where: { $0.key == member.key }) { continue }
            if let before, case .object = before, case .object = after {
                patch.append(.init(member.key, diff(from: before, to: after)))
            } else {
                patch.append(.init(member.key, after))
            }
        }
        return .object(patch)
    }
}

/// Strategic Merge Patch (`application/strategic-merge-patch+json`) for the subset the
/// Kubernetes types used here declare.
///
/// Upstream, each Go struct field carries `patchStrategy`/`patchMergeKey` tags; there is no
/// schema here, so the strategy is chosen by FIELD NAME (and, for `ports`, by context):
///
/// | field | strategy |
/// |---|---|
/// | `containers`, `initContainers`, `ephemeralContainers` | merge by `name` |
/// | `volumes`, `env`, `imagePullSecrets` | merge by `name` |
/// | `volumeMounts` | merge by `mountPath` |
/// | `ports` inside a container | merge by `containerPort` |
/// | `ports` elsewhere (a Service's) | merge by `port` |
/// | `ownerReferences` | merge by `uid` |
/// | `conditions` | merge by `type` |
/// | `finalizers` | merge (primitive list: union, existing order first) |
/// | every other list (`tolerations`, `command`, `args`, `accessModes`, …) | replace |
/// | maps | merged recursively; `null` removes a key |
///
/// Directives:
/// - `"$patch": "replace"` in a map replaces the whole map with the patch's other members;
///   `"$patch": "delete"` in a map removes it; `"$patch": "merge"` is the default.
/// - In a merge-keyed list, an element `{"name": "x", "$patch": "delete"}` removes the
///   element with that key; an element `{"$patch": "replace"}` makes the list replace
///   rather than merge (the other patch elements become the list).
/// - `"$deleteFromPrimitiveList/finalizers": ["a"]` removes those values from the merged
///   `finalizers` (any merged primitive list by name).
/// - `"$retainKeys": ["a", "b"]` keeps only those keys of the resulting map.
/// - `"$setElementOrder/<list>"` is accepted and ignored: merged elements keep the target's
///   order and new ones are appended (kubectl only sends it to preserve order, which this
///   already does for existing elements).
/// - Any other `$`-prefixed key is an error, as upstream (`unknown patch directive`).
///
/// Not supported (not used by these kinds): `$patch` on primitive lists, `retainKeys`
/// strategy tags, merge keys of CRDs (all CRD lists are replaced, as upstream does for CRDs).
public enum StrategicMergePatch {
    public struct Error: Swift.Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// Applies `patch` to `target`.
    public static func apply(_ patch: JSONValue, to target: JSONValue) throws(Error) -> JSONValue {
        guard case .object = patch else { throw Error("strategic merge patch must be a JSON object") }
        return try mergeMap(patch, into: target, parentField: nil) ?? .emptyObject
    }

    /// The patch merge key for `field`, given the list field that holds the enclosing
    /// element (`containers` for a container's `ports`).
    static func mergeKey(field: String, parentField: String?) -> String? {
        switch field {
        case "containers", "initContainers", "ephemeralContainers", "volumes", "env", "imagePullSecrets":
            "name"
        case "volumeMounts": "mountPath"
        case "ports":
            ["containers", "initContainers", "ephemeralContainers"].contains(parentField ?? "") ? "containerPort" : "port"
        case "ownerReferences": "uid"
        case "conditions": "type"
        default: nil
        }
    }

    static let mergedPrimitiveLists: Set<String> = ["finalizers"]

    /// Merges map `patch` into `target`; `nil` means "delete this map" (`$patch: delete`).
    /// `parentField` is the list field whose element this map is (for context-dependent keys).
    private static func mergeMap(_ patch: JSONValue, into target: JSONValue, parentField: String?) throws(Error)
        -> JSONValue?
    {
        guard case .object(let patchMembers) = patch else { return patch }
        var result: JSONValue = if case .object = target { target } else { .emptyObject }

        var retainKeys: [String]?
        var deleteFromPrimitive: [String: [JSONValue]] = [:]
        for member in patchMembers where member.key.hasPrefix("$") {
            switch member.key {
            case "$patch":
                switch member.value.stringValue {
                case "delete": return nil
                case "replace":
                    return .object(patchMembers.filter { $0.key != "$patch" })
                case "merge": break
                default: throw Error("unknown patch type: \(member.value.serialized) in map")
                }
            case "$retainKeys":
                guard let keys = member.value.arrayValue?.compactMap(\.stringValue) else {
                    throw Error("$retainKeys must be a list of strings")
                }
                retainKeys = keys
            case let key where key.hasPrefix("$deleteFromPrimitiveList/"):
                guard let values = member.value.arrayValue else {
                    throw Error("\(key) must be a list")
                }
                deleteFromPrimitive[String(key.dropFirst("$deleteFromPrimitiveList/".count))] = values
            case let key where key.hasPrefix("$setElementOrder/"):
                break  // tolerated, see the type's notes
            case let key:
                throw Error("unknown patch directive \(key)")
            }
        }

        for member in patchMembers where !member.key.hasPrefix("$") {
            let key = member.key
            let patchValue = member.value
            if patchValue.isNull {
                result.setMember(key, nil)
                continue
            }
            let current = result[key]
            switch patchValue {
            case .object:
                if let merged = try mergeMap(patchValue, into: current ?? .emptyObject, parentField: parentField) {
                    result.setMember(key, merged)
                } else {
                    result.setMember(key, nil)
                }
            case .array(let patchElements):
                result.setMember(key, try mergeList(key, patchElements, into: current, parentField: parentField))
            default:
                result.setMember(key, patchValue)
            }
        }

        for (field, values) in deleteFromPrimitive {
            guard let elements = result[field]?.arrayValue else { continue }
            result.setMember(field, .array(elements.filter { !values.contains($0) }))
        }
        if let retainKeys, case .object(let members) = result {
            result = .object(members.filter { retainKeys.contains($0.key) })
        }
        return result
    }

    private static func mergeList(_ field: String, _ patchElements: [JSONValue], into current: JSONValue?,
        parentField: String?) throws(Error) -> JSONValue
    {
        let existing = current?.arrayValue ?? []
        if mergedPrimitiveLists.contains(field) {
            var merged = existing
            for element in patchElements where !merged.contains(element) { merged.append(element) }
            return .array(merged)
        }
        guard let mergeKey = mergeKey(field: field, parentField: parentField) else {
            return .array(patchElements)
        }
        // `{"$patch": "replace"}` anywhere in the list: replace with the other elements.
        if patchElements.contains(where: { $0["$patch"]?.stringValue == "replace" }) {
            return .array(patchElements.filter { $0["$patch"]?.stringValue != "replace" })
        }
        var merged = existing
        for element in patchElements {
            guard case .object = element else {
                throw Error("\(field): expected a list of objects merged by \(mergeKey), got \(element.serialized)")
            }
            guard let keyValue = element[mergeKey] else {
                throw Error("map: \(element.serialized) does not contain declared merge key: \(mergeKey)")
            }
            let index = merged.firstIndex { $0[mergeKey] == keyValue }
            switch element["$patch"]?.stringValue {
            case "delete"?:
                merged.removeAll { $0[mergeKey] == keyValue }
            case nil, "merge"?:
                if let index {
                    if let value = try mergeMap(element, into: merged[index], parentField: field) {
                        merged[index] = value
                    } else {
                        merged.remove(at: index)
                    }
                } else {
                    // A new element: strip directives and apply it to nothing.
                    if let value = try mergeMap(element, into: .emptyObject, parentField: field) {
                        merged.append(value)
                    }
                }
            case let other?:
                throw Error("unknown patch type: \"\(other)\" in list \(field)")
            }
        }
        return .array(merged)
    }
}
