import Yams

/// Typed reads of one YAML mapping with errors that name the file, line and dotted field.
///
/// Why not `Codable`: a decoding error says "keyNotFound"/"typeMismatch" with a coding path;
/// an operator editing `config.yaml` needs the file, the line and what the value should be.
struct YAMLFieldReader {
    let file: String
    /// The dotted path of this mapping (`cluster.objectStore`).
    let path: String
    let mapping: Node.Mapping
    let mark: Mark?

    /// `nil` when `node` is absent or null; an error when it is not a mapping.
    init?(_ node: Node?, file: String, path: String) throws(ConfigFileError) {
        guard let node, !Self.isNull(node) else { return nil }
        guard case .mapping(let mapping) = node else {
            throw ConfigFileError("\(Self.location(file, node.mark)): \(path) should be a mapping of fields")
        }
        self.file = file
        self.path = path
        self.mapping = mapping
        mark = node.mark
    }

    static func isNull(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node {
            return scalar.style == .plain && (scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null")
        }
        return false
    }

    static func location(_ file: String, _ mark: Mark?) -> String {
        mark.map { "\(file):\($0.line)" } ?? file
    }

    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func node(_ key: String) -> Node? {
        guard let node = mapping[key], !Self.isNull(node) else { return nil }
        return node
    }

    func fail(_ key: String, _ node: Node, _ expected: String) -> ConfigFileError {
        let found: String
        switch node {
        case .scalar(let scalar): found = "\"\(scalar.string)\""
        case .mapping: found = "a mapping"
        case .sequence: found = "a list"
        case .alias: found = "an alias"
        }
        return ConfigFileError("\(Self.location(file, node.mark)): \(field(key)) should be \(expected), not \(found)")
    }

    /// Keys this reader does not know are errors: a typo (`fatalExitcode`) must not be ignored.
    func rejectUnknown(_ known: Set<String>) throws(ConfigFileError) {
        for (key, value) in mapping {
            let name = key.string ?? ""
            if !known.contains(name) {
                throw ConfigFileError("\(Self.location(file, value.mark)): \(field(name)) is not a known field (known: \(known.sorted().joined(separator: ", ")))")
            }
        }
    }

    func string(_ key: String) throws(ConfigFileError) -> String? {
        guard let node = node(key) else { return nil }
        guard case .scalar(let scalar) = node else { throw fail(key, node, "a string") }
        return scalar.string
    }

    func int(_ key: String, in range: ClosedRange<Int> = Int.min...Int.max, _ expected: String = "an integer") throws(ConfigFileError) -> Int? {
        guard let node = node(key) else { return nil }
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = Int(scalar.string), range.contains(value)
        else { throw fail(key, node, expected) }
        return value
    }

    func strings(_ key: String) throws(ConfigFileError) -> [String]? {
        guard let node = node(key) else { return nil }
        guard case .sequence(let sequence) = node else { throw fail(key, node, "a list of strings") }
        var values: [String] = []
        for element in sequence {
            guard case .scalar(let scalar) = element, !scalar.string.isEmpty else { throw fail(key, element, "a list of strings") }
            values.append(scalar.string)
        }
        return values
    }

    func stringMap(_ key: String) throws(ConfigFileError) -> [String: String]? {
        guard let node = node(key) else { return nil }
        guard case .mapping(let mapping) = node else { throw fail(key, node, "a mapping of names to strings") }
        var values: [String: String] = [:]
        for (name, value) in mapping {
            guard let name = name.string, case .scalar(let scalar) = value else {
                throw fail(key, value, "a mapping of names to strings")
            }
            values[name] = scalar.string
        }
        return values
    }

    func reader(_ key: String) throws(ConfigFileError) -> YAMLFieldReader? {
        try YAMLFieldReader(mapping[key], file: file, path: field(key))
    }
}
