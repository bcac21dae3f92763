import Yams

/// A mapping in a YAML document, read by key: each read names its field by path
/// (`cluster.objectStore.bucket`) in errors, and `rejectUnknownKeys` turns a typo into an error
/// instead of a silently ignored field.
///
/// A key whose value is null reads as absent (`nil`), as for `YAMLValue`.
public struct YAMLMapping {
    /// One key and its value, in document order.
    public struct Entry {
        /// The key's text.
        public var name: String
        /// The key itself, for errors that point at it (`unknown slot "trace.eror"`); its path is the field's.
        public var key: YAMLValue
        public var value: YAMLValue
    }

    let mapping: Node.Mapping
    /// The mapping as a value: its path and position.
    public let value: YAMLValue

    init(_ mapping: Node.Mapping, value: YAMLValue) {
        self.mapping = mapping
        self.value = value
    }

    public var path: String { value.path }
    public var location: String { value.location }

    /// The path of a field of this mapping.
    public func path(of key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The keys that are text, in document order.
    public var keys: [String] { mapping.indices.compactMap { mapping[$0].key.scalar?.string } }

    /// Every key and value in document order; a key that is a mapping or a list is an error.
    public func entries() throws(YAMLError) -> [Entry] {
        var entries: [Entry] = []
        entries.reserveCapacity(mapping.count)
        for index in mapping.indices {
            let (key, node) = mapping[index]
            guard case .scalar(let scalar) = key else {
                let keyValue = YAMLValue(key, path: path, context: value.context)
                throw keyValue.error("\(value.subject) should have names as keys, not \(keyValue.described)", kind: .wrongType)
            }
            let field = path(of: scalar.string)
            entries.append(Entry(name: scalar.string, key: YAMLValue(key, path: field, context: value.context),
                value: YAMLValue(node, path: field, context: value.context)))
        }
        return entries
    }

    /// The value of `key`; `nil` when the key is absent or its value null.
    public subscript(key: String) -> YAMLValue? {
        guard let node = node(key) else { return nil }
        let value = YAMLValue(node, path: path(of: key), context: self.value.context)
        return value.isNull ? nil : value
    }

    /// Whether `key` is in the mapping, even with a null value.
    public func contains(_ key: String) -> Bool { node(key) != nil }

    /// The value of `key`, which must be there and not null.
    public func required(_ key: String) throws(YAMLError) -> YAMLValue {
        guard let found = self[key] else { throw missing(key) }
        return found
    }

    /// `<path> is missing`, positioned at this mapping.
    public func missing(_ key: String) -> YAMLError {
        YAMLError(.missingField, source: value.source, line: value.line, column: value.column, path: path(of: key),
            message: "\(path(of: key)) is missing")
    }

    /// Fails on the first key not in `known`, pointing at it: `cluster.fatalExitcode is not a
    /// known field (known: ...)`.
    public func rejectUnknownKeys(_ known: Set<String>) throws(YAMLError) {
        for entry in try entries() where !known.contains(entry.name) {
            throw entry.key.error("\(entry.key.path) is not a known field (known: \(known.sorted().joined(separator: ", ")))",
                kind: .unknownField)
        }
    }

    /// A problem with the mapping as a whole, positioned at it.
    public func error(_ message: String, kind: YAMLError.Kind = .invalidValue) -> YAMLError {
        value.error(message, kind: kind)
    }

    // MARK: - Typed reads by key (see `YAMLValue`)

    public func mapping(_ key: String, expected: String = "a mapping") throws(YAMLError) -> YAMLMapping? {
        try self[key]?.mapping(expected: expected)
    }

    public func list(_ key: String, expected: String = "a list") throws(YAMLError) -> [YAMLValue]? {
        try self[key]?.list(expected: expected)
    }

    public func string(_ key: String, expected: String = "a string") throws(YAMLError) -> String? {
        try self[key]?.string(expected: expected)
    }

    public func int(_ key: String, in range: ClosedRange<Int> = Int.min...Int.max, expected: String = "an integer")
        throws(YAMLError) -> Int?
    {
        try self[key]?.int(in: range, expected: expected)
    }

    public func bool(_ key: String, expected: String = "true or false") throws(YAMLError) -> Bool? {
        try self[key]?.bool(expected: expected)
    }

    public func strings(_ key: String, expected: String = "a list of strings") throws(YAMLError) -> [String]? {
        try self[key]?.strings(expected: expected)
    }

    public func stringMap(_ key: String, expected: String = "a mapping of names to strings") throws(YAMLError) -> [String: String]? {
        try self[key]?.stringMap(expected: expected)
    }

    /// The node of `key` (a text key equal to it); the parser has already refused duplicate keys.
    private func node(_ key: String) -> Node? {
        for index in mapping.indices {
            let pair = mapping[index]
            if case .scalar(let scalar) = pair.key, scalar.string == key { return pair.value }
        }
        return nil
    }
}
