import ConfigYAML
import Foundation
import Testing

/// Typed reads by path, errors naming file, line, column and field, and hostile documents
/// refused with an error instead of a crash or a hang.
@Suite struct YAMLDocumentTests {
    static let config = """
        name: lab
        port: 6443
        quoted: "6443"
        verbose: true
        tls: "False"
        domains: [.github.com, pypi.org]
        labels: {team: compilers, tier: }
        nothing: ~
        cluster:
          nodes:
          - {name: a, cores: 4}
          - {name: b, cores: 8}
        """

    func document(_ text: String, source: String = "/c/config.yaml", showsValues: Bool = true,
        limits: YAMLDocument.Limits = .standard) throws -> YAMLDocument
    {
        try YAMLDocument(text: text, source: source, limits: limits, showsValues: showsValues)
    }

    func top(_ text: String, showsValues: Bool = true) throws -> YAMLMapping {
        try #require(try document(text, showsValues: showsValues).root?.mapping())
    }

    /// The error reading `text` (and `read` on its top-level mapping) gives, or `nil` when there is none.
    func failure(_ text: String, source: String = "/c/config.yaml", showsValues: Bool = true,
        limits: YAMLDocument.Limits = .standard, _ read: (YAMLMapping) throws(YAMLError) -> Void = { _ in }) -> YAMLError?
    {
        do throws(YAMLError) {
            let document = try YAMLDocument(text: text, source: source, limits: limits, showsValues: showsValues)
            if let root = document.root, root.isMapping, let top = try root.mapping() { try read(top) }
            return nil
        } catch {
            #expect(!error.description.contains("\n"), "not one line: \(error.description)")
            return error
        }
    }

    // MARK: - Typed reads

    @Test func fieldsReadAsTheirTypes() throws {
        let top = try top(Self.config)
        #expect(try top.string("name") == "lab")
        #expect(try top.string("port") == "6443", "a number read as text is its digits")
        #expect(try top.int("port") == 6443)
        #expect(try top.bool("verbose") == true)
        #expect(try top.bool("tls") == false, "quoted true/false are still booleans")
        #expect(try top.strings("domains") == [".github.com", "pypi.org"])
        #expect(try top.stringMap("labels") == ["team": "compilers", "tier": ""])
        #expect(top.keys == ["name", "port", "quoted", "verbose", "tls", "domains", "labels", "nothing", "cluster"])
        let nodes = try #require(try top.mapping("cluster")?.list("nodes"))
        #expect(nodes.count == 2)
        let second = try #require(try nodes[1].mapping())
        #expect(try second.int("cores") == 8)
        #expect(second.path == "cluster.nodes[1]")
        #expect(second.path(of: "cores") == "cluster.nodes[1].cores")
        #expect((second.value.line, second.value.column) == (12, 5))
        #expect(second.location == "/c/config.yaml:12:5")
    }

    @Test func nullAndAbsentReadAsNil() throws {
        let top = try top(Self.config)
        for read in [{ try top.string("nothing") }, { try top.string("absent") }] { #expect(try read() == nil) }
        #expect(try top.int("nothing") == nil)
        #expect(try top.mapping("nothing") == nil)
        #expect(try top.list("absent") == nil)
        #expect(top["nothing"] == nil)
        #expect(top.contains("nothing") && !top.contains("absent"), "contains sees a key set to null")
        let spelled = try self.top("a: \"null\"\nb: Null\nc:\n")
        #expect(try spelled.string("a") == "null", "a quoted null is text")
        #expect(try spelled.string("b") == nil && spelled.string("c") == nil)
        #expect(try document("").root == nil)
        #expect(try document("~\n").root == nil)
        #expect(try document("# only a comment\n").root == nil)
    }

    @Test func entriesKeepDocumentOrderAndKeyPositions() throws {
        let top = try top("b: 1\na: 2\n")
        let entries = try top.entries()
        #expect(entries.map(\.name) == ["b", "a"])
        #expect((entries[1].key.line, entries[1].key.column) == (2, 1))
        #expect((entries[1].value.line, entries[1].value.column) == (2, 4))
        #expect(entries[1].value.path == "a")
    }

    // MARK: - Errors name file, line, column and field

    @Test(arguments: [
        ("port: lots\n", "/c/config.yaml:1:7: port should be an integer, not \"lots\""),
        ("port: \"42\"\n", "/c/config.yaml:1:7: port should be an integer, not \"42\""),
        ("port: [1]\n", "/c/config.yaml:1:7: port should be an integer, not a list"),
        ("name: {a: 1}\n", "/c/config.yaml:1:7: name should be a string, not a mapping"),
        ("verbose: maybe\n", "/c/config.yaml:1:10: verbose should be true or false, not \"maybe\""),
        ("domains: pypi.org\n", "/c/config.yaml:1:10: domains should be a list of strings, not \"pypi.org\""),
        ("domains:\n- a\n- ''\n", "/c/config.yaml:3:3: domains[1] should be a non-empty string, not \"\""),
        ("domains:\n- a\n- [b]\n", "/c/config.yaml:3:3: domains[1] should be a non-empty string, not a list"),
        ("labels: {team: [a]}\n", "/c/config.yaml:1:16: labels.team should be a string, not a list"),
        ("cluster:\n  nodes:\n  - {name: a, cores: many}\n", "/c/config.yaml:3:22: cluster.nodes[0].cores should be an integer, not \"many\""),
    ])
    func wrongTypesNameTheFieldAndWhereItIs(text: String, message: String) {
        let error = failure(text) { top throws(YAMLError) in
            _ = try top.string("name")
            _ = try top.int("port")
            _ = try top.bool("verbose")
            _ = try top.strings("domains")
            _ = try top.stringMap("labels")
            for node in try top.mapping("cluster")?.list("nodes") ?? [] { _ = try node.mapping()?.int("cores") }
        }
        #expect(error?.description == message)
    }

    @Test func theErrorCarriesItsPartsForCallers() throws {
        let error = try #require(failure("cluster:\n  fatalExitCode: 300\n") { top throws(YAMLError) in
            _ = try top.mapping("cluster")?.int("fatalExitCode", in: 1...255, expected: "an integer between 1 and 255")
        })
        #expect(error.kind == .invalidValue)
        #expect(error.source == "/c/config.yaml")
        #expect(error.line == 2 && error.column == 18)
        #expect(error.path == "cluster.fatalExitCode")
        #expect(error.location == "/c/config.yaml:2:18")
        #expect(error.message == "cluster.fatalExitCode should be an integer between 1 and 255, not \"300\"")
        #expect(error.description == "/c/config.yaml:2:18: cluster.fatalExitCode should be an integer between 1 and 255, not \"300\"")
    }

    @Test func aMissingFieldIsNamedAtItsMapping() {
        let error = failure("cluster:\n  objectStore:\n    endpoint: http://minio:9000\n") { top throws(YAMLError) in
            _ = try top.mapping("cluster")?.mapping("objectStore")?.required("bucket")
        }
        #expect(error?.kind == .missingField)
        #expect(error?.path == "cluster.objectStore.bucket")
        #expect(error?.description == "/c/config.yaml:3:5: cluster.objectStore.bucket is missing")
        let null = self.failure("bucket: ~\n") { top throws(YAMLError) in _ = try top.required("bucket") }
        #expect(null?.description == "/c/config.yaml:1:1: bucket is missing", "null is not set")
    }

    @Test func anUnknownKeyIsNamedAtTheKeyWithTheKnownOnes() {
        let error = failure("cluster:\n  namespace: a\n  fatalExitcode: 4\n") { top throws(YAMLError) in
            try top.mapping("cluster")?.rejectUnknownKeys(["namespace", "fatalExitCode"])
        }
        #expect(error?.kind == .unknownField)
        #expect(error?.description == "/c/config.yaml:3:3: cluster.fatalExitcode is not a known field (known: fatalExitCode, namespace)")
    }

    @Test func keysThatAreNotNamesAreWrongTypes() {
        let error = failure("? [a, b]\n: 1\n") { top throws(YAMLError) in _ = try top.entries() }
        #expect(error?.kind == .wrongType)
        #expect(error?.description == "/c/config.yaml:1:3: the top level should have names as keys, not a list")
    }

    @Test func theTopLevelIsNamedAsSuch() throws {
        let root = try #require(try document("- a\n").root)
        #expect(throws: YAMLError.self) { try root.mapping() }
        do {
            _ = try root.mapping(expected: "a mapping of sections")
        } catch {
            #expect(error.description == "/c/config.yaml:1:1: the top level should be a mapping of sections, not a list")
        }
    }

    @Test func callersAddTheirOwnChecksAtAValue() throws {
        let top = try top("slots:\n  base: {fg: \"#12345\"}\n")
        let fg = try #require(try top.mapping("slots")?.mapping("base")?["fg"])
        #expect(fg.error("bad colour \"#12345\" (expected #rrggbb)").description == "/c/config.yaml:2:14: bad colour \"#12345\" (expected #rrggbb)")
        #expect(fg.error(expected: "a colour").description == "/c/config.yaml:2:14: slots.base.fg should be a colour, not \"#12345\"")
        #expect(fg.error(expected: "a colour").path == "slots.base.fg")
    }

    // MARK: - Values in messages

    @Test func aDocumentThatHoldsSecretsNeverShowsAValue() {
        let error = failure("users:\n- name: u\n  user: sk-live-SECRET\n", showsValues: false) { top throws(YAMLError) in
            _ = try top.list("users")?.first?.mapping()?.mapping("user")
        }
        #expect(error?.description == "/c/config.yaml:3:9: users[0].user should be a mapping, not a single value")
    }

    @Test func shownValuesAreShortOneLineAndTerminalSafe() {
        let long = String(repeating: "x", count: 500)
        let longError = failure("port: \(long)\n") { top throws(YAMLError) in _ = try top.int("port") }
        #expect(longError?.description == "/c/config.yaml:1:7: port should be an integer, not \"\(String(repeating: "x", count: 60))…\"")
        let hostile = failure("port: \"\\e]0;pwned\\a\\nline two\"\n") { top throws(YAMLError) in _ = try top.int("port") }
        let text = hostile?.description ?? ""
        #expect(!text.contains("\u{1B}") && !text.contains("\u{07}") && !text.contains("\n"), "\(text)")
        #expect(text.contains("^[]0;pwned^G line two"), "\(text)")
        let source = failure("port: x\n", source: "/tmp/\u{1B}[2Jevil.yaml") { top throws(YAMLError) in _ = try top.int("port") }
        #expect(source?.description.hasPrefix("/tmp/^[[2Jevil.yaml:1:7:") == true, "\(source?.description ?? "")")
    }

    // MARK: - Not YAML

    @Test func aSyntaxErrorHasAPositionAndNeverQuotesTheFile() throws {
        let error = try #require(failure("users:\n- name: u\n  user:\n    token: sk-live-SECRET\n   bad: [\n"))
        #expect(error.kind == .notYAML)
        #expect(error.line != nil && error.column != nil)
        #expect(error.description.hasPrefix("/c/config.yaml:\(error.line!):\(error.column!): not valid YAML: "))
        #expect(!error.description.contains("SECRET"))
        let unclosed = try #require(self.failure("cluster: {\n"))
        #expect(unclosed.description.hasPrefix("/c/config.yaml:2:1: not valid YAML: "), "\(unclosed)")
    }

    @Test(arguments: [
        ("cluster:\n\tnamespace: a\n", 2, "found character that cannot start any token"),
        ("name: a\u{1B}b\n", 1, "control characters are not allowed"),
        ("name: a\nport: 1\nname: b\n", 1, "duplicate key name"),
        ("name: a\n---\nname: b\n", 2, "but found another document"),
        ("name: *nowhere\n", 1, "found undefined alias"),
    ])
    func tabsControlCharactersDuplicatesAndSecondDocumentsAreNotYAML(text: String, line: Int, problem: String) throws {
        let error = try #require(failure(text))
        #expect(error.kind == .notYAML)
        #expect(error.line == line, "\(error)")
        #expect(error.description.contains(problem), "\(error)")
        #expect(!error.description.contains("\u{1B}"))
    }

    // MARK: - Hostile documents

    @Test func aHugeDocumentIsRefusedBeforeParsing() throws {
        let limits = YAMLDocument.Limits(maxBytes: 1_000)
        let text = "name: " + String(repeating: "a", count: 2_000)
        let error = try #require(failure(text, limits: limits))
        #expect(error.kind == .tooLarge)
        #expect(error.line == nil)
        #expect(error.description == "/c/config.yaml: the document is 2006 bytes, more than the 1000 a file read here may be")
        #expect(self.failure(String(text.prefix(1_000)), limits: limits) == nil)
    }

    @Test func nestingIsLimited() throws {
        func nested(_ levels: Int) -> String { String(repeating: "[", count: levels) + String(repeating: "]", count: levels) }
        #expect(failure(nested(64)) == nil)
        let flow = try #require(failure(nested(65)))
        #expect(flow.kind == .tooDeep)
        #expect(flow.description == "/c/config.yaml:1:65: mappings and lists nest deeper than 64 levels here")
        let block = (0..<70).map { String(repeating: "  ", count: $0) + "k\($0):" }.joined(separator: "\n") + " x\n"
        let blockError = try #require(failure(block))
        #expect(blockError.kind == .tooDeep)
        #expect(blockError.line == 65, "\(blockError)")
    }

    @Test(.timeLimit(.minutes(1)), arguments: [10_000, 200_000])
    func nestingFarPastTheParsersLimitIsAnErrorNotACrash(levels: Int) throws {
        for text in [String(repeating: "[", count: levels), String(repeating: "- ", count: levels) + "x\n",
            String(repeating: "{a: ", count: levels)]
        {
            let error = try #require(failure(text))
            #expect(error.kind == .notYAML || error.kind == .tooDeep, "\(error)")
            #expect(error.line != nil)
        }
    }

    /// Nine levels of nine aliases: 387 million nodes if anything walked it all.
    static let laughs = (["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"] + (1...8).map { level in
        let name = Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(level)))
        let previous = Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(level - 1)))
        return "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]"
    }).joined(separator: "\n") + "\n"

    @Test(.timeLimit(.minutes(1))) func aBillionLaughsIsRefusedQuickly() throws {
        let start = ContinuousClock.now
        let error = try #require(failure(Self.laughs))
        #expect(error.kind == .unsafeAliases)
        #expect(error.description.hasPrefix("/c/config.yaml:6:8: "), "\(error)")
        #expect(error.description.hasSuffix("aliases repeat more than 100000 nodes of the document; write the values out instead"))
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test(.timeLimit(.minutes(1))) func anAliasThatStandsForAKeyIsRefusedBeforeItIsHashed() throws {
        // Even with no limit on repetition: the parser would hash 3.5 billion nodes to compare keys.
        let limits = YAMLDocument.Limits(maxAliasedNodes: .max)
        let tenth = "j: &j [" + Array(repeating: "*i", count: 9).joined(separator: ", ") + "]\n"
        let laughs = Self.laughs + tenth
        for key in ["? *j\n: x\n", "*j : x\n", "bomb: {*j : x}\n", "? [a, *j]\n: x\n"] {
            let start = ContinuousClock.now
            let error = try #require(failure(laughs + key, limits: limits), "\(key)")
            #expect(error.kind == .unsafeAliases, "\(key): \(error)")
            #expect(error.line == 11, "\(key): \(error)")
            #expect(error.description.contains("an alias stands for a mapping key here; write the key out"), "\(key): \(error)")
            #expect(ContinuousClock.now - start < .seconds(5), "\(key)")
        }
    }

    @Test func aliasesThatDeepenPastTheLimitAreTooDeep() throws {
        let levels = (1...40).map { "l\($0): &l\($0) [*l\($0 - 1)]" }.joined(separator: "\n")
        let error = try #require(failure("l0: &l0 [x]\n" + levels + "\n", limits: YAMLDocument.Limits(maxDepth: 32)))
        #expect(error.kind == .tooDeep, "\(error)")
    }

    @Test func ordinaryAliasesAndStarsInTextStillRead() throws {
        let top = try top("""
            base: &base {fg: "1", attrs: [bold]}
            title: &title plain text
            copy: *base
            again: *title
            prompt: |
              **Goal**: fix *the* test
              * one
            quoted: "a*b"
            plain: a*b # and a *comment
            private: \u{E000}x
            """)
        #expect(try top.mapping("copy")?.string("fg") == "1")
        #expect(try top.mapping("copy")?.strings("attrs") == ["bold"])
        #expect(try top.string("again") == "plain text")
        #expect(try top.string("prompt") == "**Goal**: fix *the* test\n* one\n")
        #expect(try top.string("quoted") == "a*b")
        #expect(try top.string("plain") == "a*b")
        #expect(try top.string("private") == "\u{E000}x")
        #expect(try top.mapping("copy")?.value.line == 1, "an alias reads as what it names, where that is")
    }
}
