/// In-place edits of `JSONValue` objects that keep member order.
///
/// The Kubernetes model (`KubeModel`) stores each object as the JSON it arrived as and
/// edits it through typed accessors, so that a decode → modify → encode round trip keeps
/// every field it does not know, in the order the server wrote them. These helpers are
/// the only mutation it needs:
///
/// - setting a member that exists replaces its value IN PLACE (same position); when the
///   key appears more than once (legal, if unusual, JSON) the last one — the one the
///   reading subscript returns — is replaced and the earlier duplicates are dropped, so a
///   write is always what a later read sees;
/// - setting a member that does not exist appends it;
/// - setting `nil` removes every member with that key.
///
/// Writing into a value that is not an object first turns it into an empty object: a
/// typed setter on a missing or malformed part (`"spec": null`) then still works.
extension JSONValue {
    /// An empty object, `{}`.
    public static let emptyObject: JSONValue = .object([])

    /// Whether this is an object with no members.
    public var isEmptyObject: Bool {
        if case .object(let members) = self { members.isEmpty } else { false }
    }

    /// Reads like `self[key]`; writes as described in the type's notes above.
    public subscript(member key: String) -> JSONValue? {
        get { self[key] }
        set { setMember(key, newValue) }
    }

    /// Replaces (in place), appends, or with `nil` removes the member named `key`.
    public mutating func setMember(_ key: String, _ value: JSONValue?) {
        var members: [Member]
        if case .object(let existing) = self {
            members = existing
            self = .null  // release the payload so `members` is uniquely referenced
        } else {
            members = []
        }
        if let value {
            if let last = members.lastIndex(where: { $0.key == key }) {
                members[last].value = value
                var index = last
                while let earlier = members[..<index].lastIndex(where: { $0.key == key }) {
                    members.remove(at: earlier)
                    index -= 1
                }
            } else {
                members.append(Member(key, value))
            }
        } else {
            members.removeAll { $0.key == key }
        }
        self = .object(members)
    }

    /// Removes every member named `key` and returns the value a read would have returned.
    @discardableResult
    public mutating func removeMember(_ key: String) -> JSONValue? {
        let old = self[key]
        if old != nil { setMember(key, nil) }
        return old
    }

    /// Runs `body` on the member named `key` (`nil` when absent) and stores what it leaves:
    /// the member is replaced in place, appended, or (when left `nil`) removed.
    public mutating func updateMember<Result>(
        _ key: String, _ body: (inout JSONValue?) throws -> Result
    ) rethrows -> Result {
        var value = self[key]
        if value != nil { setMember(key, .null) }  // drop our reference so `value` is unique
        let result = try body(&value)
        setMember(key, value)
        return result
    }

    /// The value at a path of member keys, e.g. `["metadata", "name"]`; `nil` if any step is
    /// missing or not an object.
    public subscript(path path: [String]) -> JSONValue? {
        get {
            var current = self
            for key in path {
                guard let next = current[key] else { return nil }
                current = next
            }
            return current
        }
        set {
            guard let first = path.first else {
                self = newValue ?? .null
                return
            }
            if path.count == 1 {
                setMember(first, newValue)
                return
            }
            let rest = Array(path.dropFirst())
            if newValue == nil, self[first] == nil { return }  // nothing to remove
            updateMember(first) { child in
                var node = child ?? .emptyObject
                node[path: rest] = newValue
                child = node
            }
        }
    }

    /// Member keys in order (duplicates included); empty for a non-object.
    public var memberKeys: [String] {
        members?.map(\.key) ?? []
    }
}
