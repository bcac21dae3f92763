import Yams

/// One value in a YAML document: where it is (line, column), the field path that leads to it
/// (`clusters[0].cluster.server`), and typed reads that fail with a `YAMLError` naming both.
///
/// A null value (`~`, `null`, or nothing after the colon) reads as `nil`: a field set to null
/// is a field not set. Reads say what they wanted with `expected` (`"an integer between 1 and
/// 255"`), which becomes the message: `cluster.fatalExitCode should be an integer between 1
/// and 255, not "300"`.
public struct YAMLValue {
    /// What every value of one document shares.
    struct Context {
        let source: String
        /// Whether messages may quote a value (`not "forty-two"`) or only say what kind it is.
        let showsValues: Bool
    }

    let node: Node
    let context: Context
    /// The field path: keys joined with `.`, list positions as `[0]`; empty at the top level.
    public let path: String

    init(_ node: Node, path: String, context: Context) {
        self.node = node
        self.path = path
        self.context = context
    }

    // MARK: - Where

    /// The file (or name) of the document.
    public var source: String { context.source }
    /// 1-based line of the value's first character.
    public var line: Int { node.mark?.line ?? 1 }
    /// 1-based column of the value's first character, in Unicode scalars.
    public var column: Int { node.mark?.column ?? 1 }
    /// `FILE:LINE:COLUMN`.
    public var location: String { "\(source):\(line):\(column)" }

    // MARK: - What

    /// `~`, `null` (any case the YAML core schema allows) or nothing; a quoted `"null"` is text.
    public var isNull: Bool {
        // `Node.tag` is the tag the resolver gives a plain scalar; `Node.Scalar.tag` would be "implicit".
        guard case .scalar = node else { return false }
        return node.tag.rawValue == Tag.Name.null.rawValue
    }

    public var isMapping: Bool { node.mapping != nil }
    public var isList: Bool { node.sequence != nil }

    /// A scalar's text as written (`6443` is "6443"); `nil` for a mapping, a list or null.
    public var text: String? {
        guard case .scalar(let scalar) = node, !isNull else { return nil }
        return scalar.string
    }

    /// What this value is, for messages: `a mapping`, `a list`, `null`, or a scalar quoted
    /// (`"forty-two"`, the first 60 characters) or, when the document hides values, `a single value`.
    public var described: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull { return "null" }
            guard context.showsValues else { return "a single value" }
            let limit = 60
            let text = scalar.string
            return text.unicodeScalars.count > limit
                ? "\"\(String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit))))…\"" : "\"\(text)\""
        }
    }

    /// How messages name this value: its path, or `the top level`.
    var subject: String { path.isEmpty ? "the top level" : path }

    // MARK: - Typed reads

    /// This value as a mapping; `nil` when null.
    public func mapping(expected: String = "a mapping") throws(YAMLError) -> YAMLMapping? {
        if isNull { return nil }
        guard case .mapping(let mapping) = node else { throw error(expected: expected, kind: .wrongType) }
        return YAMLMapping(mapping, value: self)
    }

    /// This value's elements, each with its path (`args[2]`); `nil` when null.
    public func list(expected: String = "a list") throws(YAMLError) -> [YAMLValue]? {
        if isNull { return nil }
        guard case .sequence(let sequence) = node else { throw error(expected: expected, kind: .wrongType) }
        return sequence.enumerated().map { index, element in
            YAMLValue(element, path: "\(path)[\(index)]", context: context)
        }
    }

    /// A scalar's text, whatever it looks like (`port: 6443` is "6443"); `nil` when null.
    public func string(expected: String = "a string") throws(YAMLError) -> String? {
        if isNull { return nil }
        guard let text else { throw error(expected: expected, kind: .wrongType) }
        return text
    }

    /// A plain (unquoted) integer within `range`; `nil` when null.
    public func int(in range: ClosedRange<Int> = Int.min...Int.max, expected: String = "an integer") throws(YAMLError) -> Int? {
        if isNull { return nil }
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = Int(scalar.string), range.contains(value)
        else { throw error(expected: expected, kind: node.scalar == nil ? .wrongType : .invalidValue) }
        return value
    }

    /// `true` or `false` (any case, quoted or not; YAML 1.1's `yes`/`no`/`on`/`off` unquoted); `nil` when null.
    public func bool(expected: String = "true or false") throws(YAMLError) -> Bool? {
        if isNull { return nil }
        if let value = node.bool { return value }
        switch text?.lowercased() {
        case "true": return true
        case "false": return false
        default: throw error(expected: expected, kind: node.scalar == nil ? .wrongType : .invalidValue)
        }
    }

    /// A list of non-empty scalars; `nil` when null. A bad element is named by its position.
    public func strings(expected: String = "a list of strings") throws(YAMLError) -> [String]? {
        guard let elements = try list(expected: expected) else { return nil }
        var values: [String] = []
        values.reserveCapacity(elements.count)
        for element in elements {
            guard let text = element.text, !text.isEmpty else {
                throw element.error(expected: "a non-empty string", kind: element.node.scalar == nil ? .wrongType : .invalidValue)
            }
            values.append(text)
        }
        return values
    }

    /// A mapping of names to scalars (a null value is the empty string); `nil` when null.
    public func stringMap(expected: String = "a mapping of names to strings") throws(YAMLError) -> [String: String]? {
        guard let mapping = try mapping(expected: expected) else { return nil }
        var values: [String: String] = [:]
        for entry in try mapping.entries() {
            guard entry.value.isNull || entry.value.text != nil else {
                throw entry.value.error(expected: "a string", kind: .wrongType)
            }
            values[entry.name] = entry.value.text ?? ""
        }
        return values
    }

    // MARK: - Errors

    /// A problem with this value, positioned at it; `message` usually names `path`.
    public func error(_ message: String, kind: YAMLError.Kind = .invalidValue) -> YAMLError {
        YAMLError(kind, source: source, line: line, column: column, path: path, message: message)
    }

    /// `<path> should be <expected>, not <what this is>`, positioned at this value.
    public func error(expected: String, kind: YAMLError.Kind = .invalidValue) -> YAMLError {
        error("\(subject) should be \(expected), not \(described)", kind: kind)
    }
}
