import Yams

/// One YAML document read from text, and the name of where it came from (a file's path).
///
/// Reading never does I/O: the caller reads the file. What can go wrong with the text is a
/// `YAMLError` naming the source and, where the parser gives one, the line and column. A file
/// may have been written by anyone, so the document is checked before anything walks it:
///
/// - more than `Limits.maxBytes` is an error, before parsing;
/// - nesting deeper than `Limits.maxDepth` is an error (the parser itself stops near 1,000);
/// - aliases are checked on a copy of the text in which every alias is plain text, before the
///   real document is built: an alias standing for a mapping key is an error (the parser would
///   hash the whole aliased tree to look for duplicate keys, exponential in a "billion
///   laughs"), and so are aliases that together repeat more than `Limits.maxAliasedNodes`;
/// - tabs used as indentation, control characters and a second document are the parser's
///   errors, with their position.
///
/// An empty document, or one holding only `null`, has no `root`.
public struct YAMLDocument {
    /// How much of a document the reader accepts.
    public struct Limits: Sendable, Hashable {
        /// The text's size in UTF-8 bytes.
        public var maxBytes: Int
        /// How many mappings and lists may be nested, aliases written out.
        public var maxDepth: Int
        /// How many nodes all aliases together may repeat (each alias counts the whole tree it
        /// stands for).
        public var maxAliasedNodes: Int

        public init(maxBytes: Int = 4 * 1024 * 1024, maxDepth: Int = 64, maxAliasedNodes: Int = 100_000) {
            self.maxBytes = maxBytes
            self.maxDepth = maxDepth
            self.maxAliasedNodes = maxAliasedNodes
        }

        /// Far beyond any config file, kubeconfig or theme Flightdeck reads: 4 MiB, 64 levels
        /// (as `JSONParser`), 100,000 repeated nodes.
        public static let standard = Limits()
    }

    /// The file (or name) the document came from, as the caller gave it: it names the source in errors.
    public let source: String
    /// The top-level value; `nil` for an empty document or a lone `null`.
    public let root: YAMLValue?

    /// Parses `text` as exactly one YAML document.
    ///
    /// `showsValues: false` keeps values out of error messages (`not a single value` instead of
    /// `not "sk-live-..."`), for files that hold credentials.
    public init(text: String, source: String, limits: Limits = .standard, showsValues: Bool = true) throws(YAMLError) {
        self.source = source
        let size = text.utf8.count
        if size > limits.maxBytes {
            throw YAMLError(.tooLarge, source: source,
                message: "the document is \(size) bytes, more than the \(limits.maxBytes) a file read here may be")
        }
        let census = DocumentCensus(source: source, limits: limits)
        let root: Node?
        if text.utf8.contains(UInt8(ascii: "*")) {
            // Aliases are checked where they cannot yet do harm: in a copy where each is plain text.
            try Self.compose(DocumentCensus.withAliasesAsText(text), source: source, census.check)
            root = try Self.compose(text, source: source) { _ throws(YAMLError) in }
        } else {
            root = try Self.compose(text, source: source, census.check)
        }
        self.root = Self.value(root, source: source, showsValues: showsValues)
    }

    /// Builds the tree and hands it to `check` while the parser, which owns the anchors the
    /// nodes name, is still alive.
    @discardableResult
    private static func compose(_ text: String, source: String, _ check: (Node?) throws(YAMLError) -> Void) throws(YAMLError) -> Node? {
        let parser: Parser
        let root: Node?
        do {
            parser = try Parser(yaml: text)
            root = try parser.singleRoot()
        } catch {
            throw YAMLError.notYAML(error, source: source, text: text)
        }
        try withExtendedLifetime(parser) { () throws(YAMLError) in try check(root) }
        return root
    }

    private static func value(_ root: Node?, source: String, showsValues: Bool) -> YAMLValue? {
        guard let root else { return nil }
        let value = YAMLValue(root, path: "", context: YAMLValue.Context(source: source, showsValues: showsValues))
        return value.isNull ? nil : value
    }
}
