import FlightdeckCore

/// A label selector, `a=b,c!=d,e in (x,y),f notin (z),g,!h`, as `k8s.io/apimachinery/pkg/labels`
/// parses it. All requirements must hold (AND). The empty selector matches everything.
public struct LabelSelector: Sendable, Hashable, CustomStringConvertible {
    public enum Operator: String, Sendable, Hashable {
        case equals = "="
        case doubleEquals = "=="
        case notEquals = "!="
        case `in` = "in"
        case notIn = "notin"
        case exists = "exists"
        case doesNotExist = "!"
        case greaterThan = "gt"
        case lessThan = "lt"
    }

    public struct Requirement: Sendable, Hashable, CustomStringConvertible {
        public var key: String
        public var `operator`: Operator
        /// One value for `=`/`!=`/`gt`/`lt`, one or more for `in`/`notin`, none for existence.
        public var values: [String]

        public init(key: String, operator op: Operator, values: [String] = []) {
            self.key = key
            self.operator = op
            self.values = values
        }

        /// Builds a requirement after the apiserver's validation of key, values and arity.
        public init(validating key: String, _ op: Operator, _ values: [String]) throws(ParseError) {
            if let problem = LabelSelector.validateKey(key) { throw ParseError("invalid label key \"\(key)\": \(problem)") }
            switch op {
            case .in, .notIn:
                if values.isEmpty { throw ParseError("for 'in', 'notin' operators, values set can't be empty") }
            case .equals, .doubleEquals, .notEquals:
                if values.count != 1 { throw ParseError("exact-match compatibility requires one single value") }
            case .exists, .doesNotExist:
                if !values.isEmpty { throw ParseError("values set must be empty for exists and does not exist") }
            case .greaterThan, .lessThan:
                if values.count != 1 || Int64(values[0]) == nil {
                    throw ParseError("for 'Gt', 'Lt' operators, exactly one integer value is required")
                }
            }
            for value in values {
                if let problem = LabelSelector.validateValue(value) {
                    throw ParseError("invalid label value: \"\(value)\": \(problem)")
                }
            }
            self.init(key: key, operator: op, values: values)
        }

        public func matches(_ labels: [String: String]) -> Bool {
            let value = labels[key]
            switch self.operator {
            case .equals, .doubleEquals, .in: return value.map(values.contains) ?? false
            case .notEquals, .notIn: return value.map { !values.contains($0) } ?? true
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            case .greaterThan, .lessThan:
                guard let value, let have = Int64(value), let want = values.first.flatMap({ Int64($0) }) else {
                    return false
                }
                return self.operator == .greaterThan ? have > want : have < want
            }
        }

        /// The canonical text, as `labels.Selector.String()` writes it.
        public var description: String {
            switch self.operator {
            case .equals, .doubleEquals: "\(key)=\(values.first ?? "")"
            case .notEquals: "\(key)!=\(values.first ?? "")"
            case .in: "\(key) in (\(values.sorted().joined(separator: ",")))"
            case .notIn: "\(key) notin (\(values.sorted().joined(separator: ",")))"
            case .exists: key
            case .doesNotExist: "!\(key)"
            case .greaterThan: "\(key)>\(values.first ?? "")"
            case .lessThan: "\(key)<\(values.first ?? "")"
            }
        }
    }

    /// A selector that could not be parsed, with what and where.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    public var requirements: [Requirement]

    public init(requirements: [Requirement] = []) { self.requirements = requirements }

    /// `a=b,c=d`, sorted by key.
    public init(matching labels: [String: String]) {
        requirements = labels.keys.sorted().map { Requirement(key: $0, operator: .equals, values: [labels[$0]!]) }
    }

    public var isEmpty: Bool { requirements.isEmpty }

    public func matches(_ labels: [String: String]) -> Bool { requirements.allSatisfy { $0.matches(labels) } }

    /// Matches an object's `metadata.labels`.
    public func matches(_ object: JSONValue) -> Bool {
        // Most watchers select everything: skip building the labels dictionary for them.
        guard !requirements.isEmpty else { return true }
        return matches(ObjectMeta(json: object["metadata"] ?? .emptyObject).labels)
    }

    public var description: String { requirements.map(\.description).joined(separator: ",") }

    // MARK: Parsing

    /// Parses the selector grammar; whitespace around tokens is allowed.
    public init(parsing text: String) throws(ParseError) {
        var lexer = Lexer(Array(text.unicodeScalars))
        var requirements: [Requirement] = []
        lexer.skipSpaces()
        if lexer.atEnd {
            self.init()
            return
        }
        while true {
            requirements.append(try lexer.requirement())
            lexer.skipSpaces()
            if lexer.atEnd { break }
            guard lexer.take(",") else {
                throw ParseError("found '\(lexer.peekText)', expected: ',' or end of string in \"\(text)\"")
            }
        }
        self.init(requirements: requirements)
    }

    private struct Lexer {
        let scalars: [Unicode.Scalar]
        var position = 0
        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var atEnd: Bool { position >= scalars.count }
        var peekText: String {
            atEnd ? "end of string" : String(String.UnicodeScalarView(scalars[position...].prefix(12)))
        }

        mutating func skipSpaces() {
            while !atEnd, scalars[position].properties.isWhitespace { position += 1 }
        }

        mutating func take(_ literal: String) -> Bool {
            let wanted = Array(literal.unicodeScalars)
            guard position + wanted.count <= scalars.count,
                Array(scalars[position..<position + wanted.count]) == wanted
            else { return false }
            position += wanted.count
            return true
        }

        /// A key or value: everything up to a delimiter (space, `,`, `=`, `!`, `(`, `)`, `<`, `>`).
        mutating func word() -> String {
            let start = position
            while !atEnd, !" \t\n,=!()<>".unicodeScalars.contains(scalars[position]) { position += 1 }
            return String(String.UnicodeScalarView(scalars[start..<position]))
        }

        mutating func requirement() throws(ParseError) -> Requirement {
            skipSpaces()
            if take("!") {
                skipSpaces()
                let key = word()
                guard !key.isEmpty else { throw ParseError("found '\(peekText)', expected: identifier after '!'") }
                return try Requirement(validating: key, .doesNotExist, [])
            }
            let key = word()
            guard !key.isEmpty else { throw ParseError("found '\(peekText)', expected: identifier") }
            skipSpaces()
            if atEnd || scalars[position] == "," { return try Requirement(validating: key, .exists, []) }
            let op: Operator
            if take("==") {
                op = .doubleEquals
            } else if take("=") {
                op = .equals
            } else if take("!=") {
                op = .notEquals
            } else if take(">") {
                op = .greaterThan
            } else if take("<") {
                op = .lessThan
            } else {
                let name = word()
                switch name {
                case "in": op = .in
                case "notin": op = .notIn
                default:
                    throw ParseError("found '\(name.isEmpty ? peekText : name)', expected: in, notin, =, ==, !=, gt, lt")
                }
            }
            skipSpaces()
            var values: [String] = []
            if op == .in || op == .notIn {
                guard take("(") else { throw ParseError("found '\(peekText)', expected: '(' after '\(op.rawValue)'") }
                while true {
                    skipSpaces()
                    values.append(word())  // `in (a,)` has an empty value, as upstream allows
                    skipSpaces()
                    if take(")") { break }
                    guard take(",") else { throw ParseError("found '\(peekText)', expected: ',' or ')'") }
                }
            } else {
                values = [word()]
            }
            return try Requirement(validating: key, op, values)
        }
    }

    /// `nil` when `key` is a valid qualified name (`[prefix/]name`), else why not.
    static func validateKey(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return "a qualified name must have at most one '/'" }
        let name = String(parts.last!)
        if parts.count == 2 {
            let prefix = parts[0]
            if prefix.isEmpty { return "prefix part must be non-empty" }
            if prefix.count > 253 { return "prefix part must be no more than 253 characters" }
            let ok = prefix.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
                !label.isEmpty && label.count <= 63 && label.allSatisfy { $0.isLowercase && $0.isASCII || $0.isNumber && $0.isASCII || $0 == "-" }
                    && label.first != "-" && label.last != "-"
            }
            if !ok { return "prefix part must be a lowercase RFC 1123 subdomain" }
        }
        if name.isEmpty { return "name part must be non-empty" }
        return validateValue(name).map { _ in
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        }
    }

    /// `nil` when `value` is a valid label value (≤ 63, alphanumeric ends, `-_.` inside).
    static func validateValue(_ value: String) -> String? {
        if value.isEmpty { return nil }
        if value.count > 63 { return "must be no more than 63 characters" }
        func alnum(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }
        guard value.allSatisfy({ alnum($0) || $0 == "-" || $0 == "_" || $0 == "." }), alnum(value.first!),
            alnum(value.last!)
        else {
            return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        }
        return nil
    }
}

/// A field selector, `metadata.name=x,status.phase!=Running`: `=`, `==` and `!=` only, ANDed.
/// `\`, `,` and `=` inside values are escaped with a backslash (as `fields.EscapeValue`).
public struct FieldSelector: Sendable, Hashable, CustomStringConvertible {
    public struct Requirement: Sendable, Hashable {
        public var field: String
        public var negated: Bool
        public var value: String

        public init(field: String, negated: Bool = false, value: String) {
            self.field = field
            self.negated = negated
            self.value = value
        }
    }

    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    public var requirements: [Requirement]

    public init(requirements: [Requirement] = []) { self.requirements = requirements }

    public var isEmpty: Bool { requirements.isEmpty }

    public init(parsing text: String) throws(ParseError) {
        var requirements: [Requirement] = []
        for term in Self.split(text, on: ",") where !term.isEmpty {
            // The first unescaped operator splits field from value.
            var chars = Array(term)
            var index = 0
            var found: (at: Int, length: Int, negated: Bool)?
            while index < chars.count {
                if chars[index] == "\\" {
                    index += 2
                    continue
                }
                if chars[index] == "!", index + 1 < chars.count, chars[index + 1] == "=" {
                    found = (index, 2, true)
                    break
                }
                if chars[index] == "=" {
                    let double = index + 1 < chars.count && chars[index + 1] == "="
                    found = (index, double ? 2 : 1, false)
                    break
                }
                index += 1
            }
            guard let found else { throw ParseError("invalid selector: '\(text)'; can't understand '\(term)'") }
            let field = String(chars[..<found.at]).trimmingSpaces
            guard !field.isEmpty else { throw ParseError("invalid selector: '\(text)'; empty field name in '\(term)'") }
            chars = Array(chars[(found.at + found.length)...])
            let value = try Self.unescape(String(chars))
            requirements.append(Requirement(field: field, negated: found.negated, value: value))
        }
        self.init(requirements: requirements)
    }

    /// `fields.EscapeValue`.
    public static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            if c == "\\" || c == "," || c == "=" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    private static func unescape(_ value: String) throws(ParseError) -> String {
        var out = ""
        var escaping = false
        for c in value {
            if escaping {
                guard c == "\\" || c == "," || c == "=" else {
                    throw ParseError("invalid field selector value: invalid escape sequence '\\\(c)' in \"\(value)\"")
                }
                out.append(c)
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else if c == "=" || c == "," {
                throw ParseError("invalid field selector value: unescaped '\(c)' in \"\(value)\"")
            } else {
                out.append(c)
            }
        }
        if escaping { throw ParseError("invalid field selector value: trailing backslash in \"\(value)\"") }
        return out
    }

    /// Splits on unescaped `separator`.
    private static func split(_ text: String, on separator: Character) -> [String] {
        var parts: [String] = []
        var current = ""
        var escaping = false
        for c in text {
            if escaping {
                current.append(c)
                escaping = false
            } else if c == "\\" {
                current.append(c)
                escaping = true
            } else if c == separator {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current)
        return parts
    }

    public var description: String {
        requirements.map { "\($0.field)\($0.negated ? "!=" : "=")\(Self.escape($0.value))" }.joined(separator: ",")
    }

    /// Each requirement's dotted path is looked up in the object (`metadata.name`,
    /// `status.phase`, `spec.nodeName`, `involvedObject.name`, `type`); an absent field
    /// reads as `""` and numbers/booleans as their JSON text, as the apiserver's field sets
    /// for these kinds present them. Which fields a real server accepts per kind is not
    /// checked here (see `ResourceType.supportsFieldSelector`).
    public func matches(_ object: JSONValue) -> Bool {
        requirements.allSatisfy { requirement in
            let actual = Self.fieldValue(requirement.field, in: object)
            return (actual == requirement.value) != requirement.negated
        }
    }

    /// The value of a dotted field path as field selectors compare it.
    public static func fieldValue(_ field: String, in object: JSONValue) -> String {
        let path = field.split(separator: ".").map(String.init)
        switch object[path: path] {
        case .string(let text)?: return text
        case .bool(let flag)?: return flag ? "true" : "false"
        case .integer(let number)?: return String(number)
        case let other?: return other.isNull ? "" : other.serialized
        case nil: return ""
        }
    }
}

extension ResourceType {
    /// Fields the real apiserver accepts in a field selector for this type (every type
    /// takes `metadata.name` and, if namespaced, `metadata.namespace`).
    public var selectableFields: [String] {
        var fields = ["metadata.name"]
        if namespaced { fields.append("metadata.namespace") }
        switch (group, kind) {
        case ("", "Pod"):
            fields += ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"]
        case ("", "Event"), ("events.k8s.io", "Event"):
            fields += ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"]
        case ("", "Secret"): fields += ["type"]
        case ("", "Namespace"): fields += ["status.phase"]
        case ("batch", "Job"): fields += ["status.successful"]
        case ("apps", "ReplicaSet"): fields += ["status.replicas"]
        default: break
        }
        return fields
    }

    /// Whether every field of `selector` is selectable on this type; the apiserver answers
    /// 400 `field label not supported: X` otherwise.
    public func supportsFieldSelector(_ selector: FieldSelector) -> String? {
        selector.requirements.first { !selectableFields.contains($0.field) }.map {
            "field label not supported: \($0.field)"
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
