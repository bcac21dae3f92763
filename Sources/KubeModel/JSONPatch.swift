import FlightdeckCore

/// JSON Patch, RFC 6902 (`application/json-patch+json`): an array of operations — `add`,
/// `remove`, `replace`, `move`, `copy`, `test` — applied in order, all or nothing (a failing
/// operation leaves the document as it was; `apply` returns a new document).
///
/// Applied exactly as kube-apiserver applies it (it uses evanphx/json-patch v4), including
/// where that library is more lenient than the RFC — a patch that works on a real cluster
/// works here, and one that fails there fails here:
/// - `replace` of a missing object member adds it (an array index must exist);
/// - an operation without `value` uses `null`; `copy` from a missing member copies `null`;
/// - a `test` of a missing member passes when the value is `null`;
/// - array indices may be negative (from the end), signed or zero-padded (see `JSONPointer`);
/// - `add` or `remove` at the whole document (`""`) fails; `replace` at `""` with an object or
///   array replaces the document (with anything else it does nothing); `test` at `""`
///   compares the whole document;
/// - `-` (past the end) is accepted by `add`, and by `move`/`copy` as the destination.
/// - a path is split at `/` and its first piece dropped, whatever it is: `x/a/b` names
///   `/a/b`, and a path without any `/` is missing (see `pointer(_:)`).
///
/// Errors carry the library's wording (`replace operation does not apply: doc is missing
/// key: /spec/x: missing value`, `testing value /a failed: test failed`); `Error.status` is
/// what the apiserver answers — it does not pass that wording on (see there).
public struct JSONPatch: Sendable, Hashable {
    /// One operation: the JSON object as sent. Members other than `op`, `path`, `from` and
    /// `value` are ignored (RFC 6902 §4); a duplicated member counts by its last occurrence.
    public struct Operation: Sendable, Hashable {
        public var json: JSONValue

        public init(json: JSONValue) {
            self.json = json
        }

        /// `op` when it is a string.
        public var op: String? { json["op"]?.stringValue }
        /// `path` when it is a string.
        public var path: String? { json["path"]?.stringValue }
        /// `from` when it is a string.
        public var from: String? { json["from"]?.stringValue }
        /// `value`, `nil` when absent (a JSON `null` is `.null`).
        public var value: JSONValue? { json["value"] }

        public static func add(_ path: String, _ value: JSONValue) -> Operation {
            Operation(json: ["op": "add", "path": .string(path), "value": value])
        }
        public static func remove(_ path: String) -> Operation {
            Operation(json: ["op": "remove", "path": .string(path)])
        }
        public static func replace(_ path: String, _ value: JSONValue) -> Operation {
            Operation(json: ["op": "replace", "path": .string(path), "value": value])
        }
        public static func move(from: String, to path: String) -> Operation {
            Operation(json: ["op": "move", "from": .string(from), "path": .string(path)])
        }
        public static func copy(from: String, to path: String) -> Operation {
            Operation(json: ["op": "copy", "from": .string(from), "path": .string(path)])
        }
        public static func test(_ path: String, _ value: JSONValue) -> Operation {
            Operation(json: ["op": "test", "path": .string(path), "value": value])
        }
    }

    /// Why a patch was refused.
    public struct Error: Swift.Error, Sendable, Hashable, CustomStringConvertible {
        public enum Kind: Sendable, Hashable {
            /// Not a JSON array of objects (the apiserver's 400).
            case malformed
            /// More than `JSONPatch.maxOperations` operations (413).
            case tooManyOperations
            /// An operation could not be applied to this document (422).
            case notApplicable
        }

        public var kind: Kind
        public var message: String

        public init(_ kind: Kind, _ message: String) {
            self.kind = kind
            self.message = message
        }

        public var description: String { message }
    }

    /// The most operations the apiserver accepts in one patch.
    public static let maxOperations = 10_000

    public var operations: [Operation]

    public init(_ operations: [Operation]) {
        self.operations = operations
    }

    /// The patch document.
    public var json: JSONValue { .array(operations.map(\.json)) }

    /// Reads a patch document as the apiserver decodes it: an array whose elements are
    /// objects (a `null` element is an operation with no members, which fails to apply);
    /// `null` is the empty patch. Anything else is `.malformed`, worded as Go's decoder
    /// words it (`json: cannot unmarshal object into Go value of type jsonpatch.Patch`).
    public init(json: JSONValue) throws(Error) {
        switch json {
        case .null:
            operations = []
        case .array(let elements):
            for element in elements {
                switch element {
                case .object, .null: continue
                default:
                    throw Error(.malformed,
                        "json: cannot unmarshal \(Self.goKind(element)) into Go value of type jsonpatch.Operation")
                }
            }
            guard elements.count <= Self.maxOperations else {
                throw Error(.tooManyOperations,
                    "The allowed maximum operations in a JSON patch is \(Self.maxOperations), got \(elements.count)")
            }
            operations = elements.map(Operation.init(json:))
        default:
            throw Error(.malformed, "json: cannot unmarshal \(Self.goKind(json)) into Go value of type jsonpatch.Patch")
        }
    }

    /// Parses and reads a patch body. Syntax errors are `.malformed`, in Go's words where
    /// they are certain (`unexpected end of JSON input`, `invalid character 'x' after
    /// top-level value`) and Go's most common form for a stray byte (`invalid character 'x'
    /// looking for beginning of value`, which Go words differently after a key or element).
    ///
    /// `strict` decodes as kube-apiserver does when a request's `fieldValidation` is `Strict`
    /// or `Warn` (the default when it names none, and what kubectl sends): the body is first
    /// read into the handler's own operation type, so a body that is not a list of operation
    /// objects is refused as `error decoding patch: json: cannot unmarshal object into Go
    /// value of type []handlers.jsonPatchOp`. Without it, as with `Ignore`, the patch
    /// library's words are used.
    public init(decoding bytes: some Collection<UInt8>, strict: Bool = false) throws(Error) {
        let prefix = strict ? "error decoding patch: " : ""
        let value: JSONValue
        do {
            value = try JSONParser(maxDepth: 128).parse(bytes)
        } catch {
            throw Error(.malformed, prefix + Self.syntaxMessage(error, bytes: Array(bytes)))
        }
        if strict, let refusal = Self.strictDecodingError(value) {
            throw Error(.malformed, prefix + refusal)
        }
        try self.init(json: value)
    }

    /// Why Go's decoder refuses `json` as the apiserver's operation list (`[]jsonPatchOp`,
    /// whose `op`, `path` and `from` are strings), or nil when it reads it. Go reports the
    /// first mismatch in document order; `null` reads as nothing, wherever it is.
    static func strictDecodingError(_ json: JSONValue) -> String? {
        switch json {
        case .null:
            return nil
        case .array(let elements):
            for element in elements {
                switch element {
                case .null:
                    continue
                case .object(let members):
                    for member in members where ["op", "path", "from"].contains(member.key) {
                        switch member.value {
                        case .string, .null: continue
                        default:
                            return "json: cannot unmarshal \(goKind(member.value)) into Go struct field jsonPatchOp.\(member.key) of type string"
                        }
                    }
                default:
                    return "json: cannot unmarshal \(goKind(element)) into Go value of type handlers.jsonPatchOp"
                }
            }
            return nil
        default:
            return "json: cannot unmarshal \(goKind(json)) into Go value of type []handlers.jsonPatchOp"
        }
    }

    /// Applies `patch` (a patch document) to `document`.
    public static func apply(_ patch: JSONValue, to document: JSONValue) throws(Error) -> JSONValue {
        try JSONPatch(json: patch).apply(to: document)
    }

    /// The document with every operation applied in order; the first failure throws and
    /// nothing is applied.
    public func apply(to document: JSONValue) throws(Error) -> JSONValue {
        var result = document
        for operation in operations {
            switch operation.json["op"]?.stringValue {
            case "add"?: try Self.add(operation, &result)
            case "remove"?: try Self.remove(operation, &result)
            case "replace"?: try Self.replace(operation, &result)
            case "move"?: try Self.move(operation, &result)
            case "copy"?: try Self.copy(operation, &result)
            case "test"?: try Self.test(operation, result)
            case let other: throw Self.failed("Unexpected kind: \(other ?? "unknown")")
            }
        }
        return result
    }

    // MARK: - Operations

    private static func add(_ operation: Operation, _ document: inout JSONValue) throws(Error) {
        guard let path = operation.path else { throw failed("add operation failed to decode path: missing value") }
        let missing = failed("add operation does not apply: doc is missing path: \"\(path)\": missing value")
        guard let pointer = Self.pointer(path), !pointer.isRoot else { throw missing }
        let found = try withParent(&document, pointer.tokens[...]) { (container, key) throws(Error) in
            do throws(Error) { try insert(operation.value ?? .null, into: &container, at: key) } catch {
                throw failed("error in add for path: '\(path)': \(error.message)")
            }
        }
        if !found { throw missing }
    }

    private static func remove(_ operation: Operation, _ document: inout JSONValue) throws(Error) {
        guard let path = operation.path else { throw failed("remove operation failed to decode path: missing value") }
        let missing = failed("remove operation does not apply: doc is missing path: \"\(path)\": missing value")
        guard let pointer = Self.pointer(path), !pointer.isRoot else { throw missing }
        let found = try withParent(&document, pointer.tokens[...]) { (container, key) throws(Error) in
            do throws(Error) { _ = try delete(key, from: &container) } catch {
                throw failed("error in remove for path: '\(path)': \(error.message)")
            }
        }
        if !found { throw missing }
    }

    /// A path as the library finds it (its `findObject`): split at `/`, the first piece
    /// dropped whatever it is, each token unescaped as RFC 6901 says; `""` is the whole
    /// document. For a path starting with `/` that is the RFC's pointer.
    static func pointer(_ path: String) -> JSONPointer? {
        if path.isEmpty { return JSONPointer(tokens: []) }
        let pieces = path.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count >= 2 else { return nil }
        return JSONPointer(tokens: pieces.dropFirst().map(JSONPointer.unescape))
    }

    private static func replace(_ operation: Operation, _ document: inout JSONValue) throws(Error) {
        let path = try decoded(operation, "path", "replace operation failed to decode path")
        let value = operation.value ?? .null
        if path.isEmpty {
            if isContainer(value) { document = value }
            return
        }
        let missing = failed("replace operation does not apply: doc is missing path: \(path): missing value")
        guard let pointer = Self.pointer(path) else { throw missing }
        let found = try withParent(&document, pointer.tokens[...]) { (container, key) throws(Error) in
            if case .array(var elements) = container {
                guard let index = try? existingIndex(key, count: elements.count) else {
                    throw failed("replace operation does not apply: doc is missing key: \(path): missing value")
                }
                container = .null
                elements[index] = value
                container = .array(elements)
            } else {
                container.setMember(key, value)
            }
        }
        if !found { throw missing }
    }

    private static func move(_ operation: Operation, _ document: inout JSONValue) throws(Error) {
        let from = try decoded(operation, "from", "move operation failed to decode from")
        let missingFrom = failed("move operation does not apply: doc is missing from path: \(from): missing value")
        guard let source = Self.pointer(from), !source.isRoot else { throw missingFrom }
        var moved: JSONValue = .null
        let foundFrom = try withParent(&document, source.tokens[...]) { (container, key) throws(Error) in
            do throws(Error) { moved = try delete(key, from: &container) } catch {
                throw failed("error in move for path: '\(key)': \(error.message)")
            }
        }
        if !foundFrom { throw missingFrom }

        let path = try decoded(operation, "path", "move operation failed to decode path")
        let missing = failed("move operation does not apply: doc is missing destination path: \(path): missing value")
        guard let pointer = Self.pointer(path), !pointer.isRoot else { throw missing }
        let found = try withParent(&document, pointer.tokens[...]) { (container, key) throws(Error) in
            do throws(Error) { try insert(moved, into: &container, at: key) } catch {
                throw failed("error in move for path: '\(path)': \(error.message)")
            }
        }
        if !found { throw missing }
    }

    private static func copy(_ operation: Operation, _ document: inout JSONValue) throws(Error) {
        let from = try decoded(operation, "from", "copy operation failed to decode from")
        let missingFrom = failed("copy operation does not apply: doc is missing from path: \(from): missing value")
        guard let source = Self.pointer(from), !source.isRoot, let container = parent(of: source, in: document) else {
            throw missingFrom
        }
        let value: JSONValue?
        do { value = try member(source.tokens.last!, of: container) } catch {
            throw failed("error in copy for from: '\(from)': \(error.message)")
        }

        guard let path = operation.path else { throw failed("copy operation failed to decode path: missing value") }
        let missing = failed("copy operation does not apply: doc is missing destination path: \(path): missing value")
        guard let pointer = Self.pointer(path), !pointer.isRoot else { throw missing }
        let found = try withParent(&document, pointer.tokens[...]) { (container, key) throws(Error) in
            do throws(Error) { try insert(value ?? .null, into: &container, at: key) } catch {
                throw failed("error while adding value during copy: \(error.message)")
            }
        }
        if !found { throw missing }
    }

    private static func test(_ operation: Operation, _ document: JSONValue) throws(Error) {
        let path = try decoded(operation, "path", "test operation failed to decode path")
        let mismatch = failed("testing value \(path) failed: test failed")
        if path.isEmpty {
            guard let expected = operation.value, equal(document, expected) else { throw mismatch }
            return
        }
        guard let pointer = Self.pointer(path), let container = parent(of: pointer, in: document) else {
            throw failed("test operation does not apply: is missing path: \(path): missing value")
        }
        let actual: JSONValue?
        do { actual = try member(pointer.tokens.last!, of: container) } catch {
            throw failed("error in test for path: '\(path)': \(error.message)")
        }
        guard let expected = operation.value else { throw mismatch }
        if actual == nil || actual == .null {
            guard expected == .null else { throw mismatch }
            return
        }
        guard equal(actual!, expected) else { throw mismatch }
    }

    // MARK: - Containers

    /// Runs `body` on the object or array that holds the last token of `tokens`, with that
    /// token, writing the change back; `false` when a step on the way is missing, `null` or
    /// not a container.
    private static func withParent(_ node: inout JSONValue, _ tokens: ArraySlice<String>,
        _ body: (inout JSONValue, String) throws(Error) -> Void) throws(Error) -> Bool
    {
        guard isContainer(node), let first = tokens.first else { return false }
        if tokens.count == 1 {
            try body(&node, first)
            return true
        }
        switch node {
        case .object(var members):
            guard let index = members.lastIndex(where: { $0.key == first }) else { return false }
            node = .null  // keep `members` uniquely referenced while the child changes
            var child = members[index].value
            members[index].value = .null
            let found = try withParent(&child, tokens.dropFirst(), body)
            members[index].value = child
            node = .object(members)
            return found
        case .array(var elements):
            guard let index = try? existingIndex(first, count: elements.count) else { return false }
            node = .null
            var child = elements[index]
            elements[index] = .null
            let found = try withParent(&child, tokens.dropFirst(), body)
            elements[index] = child
            node = .array(elements)
            return found
        default:
            return false
        }
    }

    /// The object or array holding the value `pointer` names; `nil` as `withParent`.
    private static func parent(of pointer: JSONPointer, in document: JSONValue) -> JSONValue? {
        guard !pointer.tokens.isEmpty else { return nil }
        var node = document
        for token in pointer.tokens.dropLast() {
            switch node {
            case .object: guard let next = node[token] else { return nil }
                node = next
            case .array(let elements):
                guard let index = try? existingIndex(token, count: elements.count) else { return nil }
                node = elements[index]
            default: return nil
            }
        }
        return isContainer(node) ? node : nil
    }

    /// The member `key` of an object (`nil` when absent), or the element at index `key` of
    /// an array (which must exist).
    private static func member(_ key: String, of container: JSONValue) throws(Error) -> JSONValue? {
        if case .array(let elements) = container {
            return elements[try existingIndex(key, count: elements.count)]
        }
        return container[key]
    }

    /// Adds `value` as member `key` (replacing one that exists, in place), or inserts it
    /// before index `key` (`-` or the count appends).
    private static func insert(_ value: JSONValue, into container: inout JSONValue, at key: String) throws(Error) {
        guard case .array(var elements) = container else {
            container.setMember(key, value)
            return
        }
        if key == "-" {
            container = .null
            elements.append(value)
            container = .array(elements)
            return
        }
        guard var index = JSONPointer.integer(key) else {
            throw failed("value was not a proper array index: '\(key)': \(atoiError(key))")
        }
        let size = elements.count + 1
        guard index < size, index >= -size else { throw invalidIndex(index) }
        if index < 0 { index += size }
        container = .null
        elements.insert(value, at: index)
        container = .array(elements)
    }

    /// Removes member `key` (which must exist) or the element at index `key`; the value removed.
    private static func delete(_ key: String, from container: inout JSONValue) throws(Error) -> JSONValue {
        guard case .array(var elements) = container else {
            guard let value = container.removeMember(key) else {
                throw failed("Unable to remove nonexistent key: \(key): missing value")
            }
            return value
        }
        let index = try existingIndex(key, count: elements.count)
        container = .null
        let value = elements.remove(at: index)
        container = .array(elements)
        return value
    }

    /// The index `key` names in an array of `count` elements (negative counts from the end).
    private static func existingIndex(_ key: String, count: Int) throws(Error) -> Int {
        guard var index = JSONPointer.integer(key) else { throw failed(atoiError(key)) }
        guard index >= -count else { throw invalidIndex(index) }
        if index < 0 { index += count }
        guard index < count else { throw invalidIndex(index) }
        return index
    }

    // MARK: - Helpers

    /// `path` or `from` as a string, or the error the library wraps in `context`.
    private static func decoded(_ operation: Operation, _ field: String, _ context: String) throws(Error) -> String {
        switch operation.json[field] {
        case .string(let text)?: return text
        case nil, .null?:
            let what = field == "path" ? "operation missing path field" : "operation, missing from field"
            throw failed("\(context): \(what): missing value")
        case let other?:
            throw failed("\(context): json: cannot unmarshal \(goKind(other)) into Go value of type string")
        }
    }

    private static func isContainer(_ value: JSONValue) -> Bool {
        switch value {
        case .object, .array: true
        default: false
        }
    }

    /// Structural equality as the library tests it: objects by their members in any order
    /// (a repeated key counts by its last value), arrays element by element.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            var left: [String: JSONValue] = [:]
            for member in x { left[member.key] = member.value }
            var right: [String: JSONValue] = [:]
            for member in y { right[member.key] = member.value }
            guard left.count == right.count else { return false }
            return left.allSatisfy { key, value in right[key].map { equal(value, $0) } ?? false }
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        default:
            return a == b
        }
    }

    private static func failed(_ message: String) -> Error { Error(.notApplicable, message) }

    private static func invalidIndex(_ index: Int) -> Error {
        failed("Unable to access invalid index: \(index): invalid index referenced")
    }

    private static func atoiError(_ key: String) -> String {
        let digits = key.drop { $0 == "+" || $0 == "-" }
        let numeric = !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isWholeNumber } && key.count - digits.count <= 1
        return "strconv.Atoi: parsing \(goQuoted(key)): \(numeric ? "value out of range" : "invalid syntax")"
    }

    /// The JSON kind as Go's decoder names it in a type error.
    static func goKind(_ value: JSONValue) -> String {
        switch value {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .integer, .double: "number"
        case .bool: "bool"
        case .null: "null"
        }
    }

    private static func goQuoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += "\\x" + String(scalar.value, radix: 16).leftPadded(2)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    private static func syntaxMessage(_ error: JSONParser.Error, bytes: [UInt8]) -> String {
        func character(_ byte: UInt8) -> String {
            switch byte {
            case UInt8(ascii: "'"): return "'\\''"
            case 0x20..<0x7F: return "'\(Character(Unicode.Scalar(byte)))'"
            default: return "'\\x" + String(byte, radix: 16).leftPadded(2) + "'"
            }
        }
        switch error.reason {
        case .unexpectedEnd:
            return "unexpected end of JSON input"
        case .trailingData where error.offset < bytes.count:
            return "invalid character \(character(bytes[error.offset])) after top-level value"
        case .unexpectedByte(let byte):
            return "invalid character \(character(byte)) looking for beginning of value"
        default:
            return "\(error)"
        }
    }
}

extension JSONPatch.Error {
    /// What kube-apiserver answers: a malformed patch is 400 `BadRequest` with the decoder's
    /// message; too many operations 413; a patch that does not apply is 422 `Invalid` with
    /// the generic sentence and empty details — the apiserver builds it with
    /// `NewGenericServerResponse(422, …)`, which drops the library's message, so kubectl
    /// prints `The request is invalid: the server rejected our request due to an error in
    /// our request` whatever the operation was.
    public var status: Status {
        switch kind {
        case .malformed:
            Status.badRequest(message)
        case .tooManyOperations:
            Status.make(code: 413, reason: "RequestEntityTooLarge", message: "Request entity too large: \(message)")
        case .notApplicable:
            Status.make(code: 422, reason: "Invalid",
                message: "the server rejected our request due to an error in our request", details: Status.Details())
        }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
