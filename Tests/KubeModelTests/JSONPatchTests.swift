import FlightdeckCore
import KubeModel
import Testing

/// RFC 6902 JSON Patch as kube-apiserver applies it: the RFC's examples, every operation,
/// pointers, arrays, all-or-nothing failure, malformed documents and the apiserver's
/// answers.
@Suite struct JSONPatchTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser().parse(text) }

    /// `patch` applied to `document`, serialized.
    func apply(_ document: String, _ patch: String) throws -> String {
        try JSONPatch(decoding: Array(patch.utf8)).apply(to: try parse(document)).serialized
    }

    /// The error applying `patch` to `document` raises; `nil` when it applies.
    func failure(_ document: String, _ patch: String) throws -> JSONPatch.Error? {
        let target = try parse(document)
        do {
            _ = try JSONPatch(decoding: Array(patch.utf8)).apply(to: target)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - RFC 6902 Appendix A

    @Test func appendixAExamplesThatApply() throws {
        let rows: [(String, String, String)] = [
            // A.1 Adding an Object Member
            (#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux"}]"#, #"{"foo":"bar","baz":"qux"}"#),
            // A.2 Adding an Array Element
            (#"{"foo":["bar","baz"]}"#, #"[{"op":"add","path":"/foo/1","value":"qux"}]"#,
                #"{"foo":["bar","qux","baz"]}"#),
            // A.3 Removing an Object Member
            (#"{"baz":"qux","foo":"bar"}"#, #"[{"op":"remove","path":"/baz"}]"#, #"{"foo":"bar"}"#),
            // A.4 Removing an Array Element
            (#"{"foo":["bar","qux","baz"]}"#, #"[{"op":"remove","path":"/foo/1"}]"#, #"{"foo":["bar","baz"]}"#),
            // A.5 Replacing a Value
            (#"{"baz":"qux","foo":"bar"}"#, #"[{"op":"replace","path":"/baz","value":"boo"}]"#,
                #"{"baz":"boo","foo":"bar"}"#),
            // A.6 Moving a Value
            (#"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#,
                #"[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]"#,
                #"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#),
            // A.7 Moving an Array Element
            (#"{"foo":["all","grass","cows","eat"]}"#, #"[{"op":"move","from":"/foo/1","path":"/foo/3"}]"#,
                #"{"foo":["all","cows","eat","grass"]}"#),
            // A.8 Testing a Value: Success
            (#"{"baz":"qux","foo":["a",2,"c"]}"#,
                #"[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]"#,
                #"{"baz":"qux","foo":["a",2,"c"]}"#),
            // A.10 Adding a Nested Member Object
            (#"{"foo":"bar"}"#, #"[{"op":"add","path":"/child","value":{"grandchild":{}}}]"#,
                #"{"foo":"bar","child":{"grandchild":{}}}"#),
            // A.11 Ignoring Unrecognized Elements
            (#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux","xyz":123}]"#, #"{"foo":"bar","baz":"qux"}"#),
            // A.14 ~ Escape Ordering
            (#"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~01","value":10}]"#, #"{"/":9,"~1":10}"#),
            // A.16 Adding an Array Value
            (#"{"foo":["bar"]}"#, #"[{"op":"add","path":"/foo/-","value":["abc","def"]}]"#,
                #"{"foo":["bar",["abc","def"]]}"#),
        ]
        for (document, patch, expected) in rows {
            #expect(try apply(document, patch) == expected, "\(patch)")
        }
    }

    @Test func appendixAExamplesThatFail() throws {
        // A.9 Testing a Value: Error
        #expect(try failure(#"{"baz":"qux"}"#, #"[{"op":"test","path":"/baz","value":"bar"}]"#)
            == JSONPatch.Error(.notApplicable, "testing value /baz failed: test failed"))
        // A.12 Adding to a Nonexistent Target
        #expect(try failure(#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz/bat","value":"qux"}]"#)
            == JSONPatch.Error(.notApplicable, #"add operation does not apply: doc is missing path: "/baz/bat": missing value"#))
        // A.13 Invalid JSON Patch Document: the later "op" wins, as Go's decoder reads it,
        // and removing the missing /baz fails.
        #expect(try failure(#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux","op":"remove"}]"#)
            == JSONPatch.Error(.notApplicable, "error in remove for path: '/baz': Unable to remove nonexistent key: baz: missing value"))
        // A.15 Comparing Strings and Numbers
        #expect(try failure(#"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~01","value":"10"}]"#)
            == JSONPatch.Error(.notApplicable, "testing value /~01 failed: test failed"))
    }

    // MARK: - Operations

    @Test func everyOperation() throws {
        let document = #"{"metadata":{"name":"x","labels":{"app":"a"}},"spec":{"replicas":1,"args":["-v"]}}"#
        let patch = """
            [{"op":"add","path":"/metadata/labels/tier","value":"web"},
             {"op":"replace","path":"/spec/replicas","value":3},
             {"op":"copy","from":"/metadata/labels/app","path":"/metadata/labels/copied"},
             {"op":"move","from":"/metadata/labels/tier","path":"/spec/tier"},
             {"op":"remove","path":"/metadata/labels/app"},
             {"op":"add","path":"/spec/args/0","value":"--first"},
             {"op":"test","path":"/spec/args","value":["--first","-v"]},
             {"op":"test","path":"/metadata","value":{"labels":{"copied":"a"},"name":"x"}}]
            """
        #expect(try apply(document, patch)
            == #"{"metadata":{"name":"x","labels":{"copied":"a"}},"spec":{"replicas":3,"args":["--first","-v"],"tier":"web"}}"#)
    }

    @Test func addKeepsAMembersPlaceAndAppendsNewOnes() throws {
        #expect(try apply(#"{"a":1,"b":2}"#, #"[{"op":"add","path":"/a","value":9},{"op":"add","path":"/c","value":3}]"#)
            == #"{"a":9,"b":2,"c":3}"#)
        // The empty key is "/"; the whole document cannot be added to or removed.
        #expect(try apply(#"{"a":1}"#, #"[{"op":"add","path":"/","value":0}]"#) == #"{"a":1,"":0}"#)
        #expect(try failure(#"{"a":1}"#, #"[{"op":"add","path":"","value":{}}]"#)?.message
            == #"add operation does not apply: doc is missing path: "": missing value"#)
        #expect(try failure(#"{"a":1}"#, #"[{"op":"remove","path":""}]"#)?.message
            == #"remove operation does not apply: doc is missing path: "": missing value"#)
    }

    @Test func replaceAtTheRootReplacesTheDocument() throws {
        #expect(try apply(#"{"a":1}"#, #"[{"op":"replace","path":"","value":{"b":2}}]"#) == #"{"b":2}"#)
        // With a value that is not an object or array the library does nothing.
        #expect(try apply(#"{"a":1}"#, #"[{"op":"replace","path":"","value":5}]"#) == #"{"a":1}"#)
        #expect(try apply(#"{"a":1}"#, #"[{"op":"test","path":"","value":{"a":1}}]"#) == #"{"a":1}"#)
    }

    @Test func moveAndCopyRules() throws {
        // Moving a value onto itself changes nothing; into its own child, the source is gone.
        #expect(try apply(#"{"a":{"b":1}}"#, #"[{"op":"move","from":"/a","path":"/a"}]"#) == #"{"a":{"b":1}}"#)
        #expect(try failure(#"{"a":{"b":1}}"#, #"[{"op":"move","from":"/a","path":"/a/c"}]"#)?.message
            == "move operation does not apply: doc is missing destination path: /a/c: missing value")
        #expect(try failure(#"{"a":1}"#, #"[{"op":"move","from":"/x","path":"/y"}]"#)?.message
            == "error in move for path: 'x': Unable to remove nonexistent key: x: missing value")
        #expect(try failure(#"{"a":1}"#, #"[{"op":"move","from":"/x/y","path":"/y"}]"#)?.message
            == "move operation does not apply: doc is missing from path: /x/y: missing value")
        // Copies are independent; arrays take "-" as the destination.
        #expect(try apply(#"{"a":[1],"b":[]}"#,
            #"[{"op":"copy","from":"/a","path":"/b/-"},{"op":"add","path":"/a/-","value":2}]"#)
            == #"{"a":[1,2],"b":[[1]]}"#)
        #expect(try failure(#"{"a":[1]}"#, #"[{"op":"copy","from":"/a/5","path":"/b"}]"#)?.message
            == "error in copy for from: '/a/5': Unable to access invalid index: 5: invalid index referenced")
    }

    @Test func testComparesStructurally() throws {
        // Object members in any order; arrays in order; numbers and strings differ.
        #expect(try apply(#"{"a":{"x":1,"y":[1,2]}}"#, #"[{"op":"test","path":"/a","value":{"y":[1,2],"x":1}}]"#)
            == #"{"a":{"x":1,"y":[1,2]}}"#)
        #expect(try failure(#"{"a":[1,2]}"#, #"[{"op":"test","path":"/a","value":[2,1]}]"#) != nil)
        #expect(try failure(#"{"a":1}"#, #"[{"op":"test","path":"/a","value":"1"}]"#) != nil)
        #expect(try failure(#"{"a":{"x":1}}"#, #"[{"op":"test","path":"/a","value":{"x":1,"y":null}}]"#) != nil)
        #expect(try failure(#"{"a":1}"#, #"[{"op":"test","path":"/a"}]"#)?.message == "testing value /a failed: test failed")
        #expect(try failure(#"{"a":1}"#, #"[{"op":"test","path":"/b/c","value":1}]"#)?.message
            == "test operation does not apply: is missing path: /b/c: missing value")
    }

    // MARK: - Where kube-apiserver's library is more lenient than RFC 6902

    @Test func theApiserversLeniencies() throws {
        // replace of a missing member adds it (an array index must exist).
        #expect(try apply(#"{"metadata":{}}"#, #"[{"op":"replace","path":"/metadata/annotations","value":{"a":"1"}}]"#)
            == #"{"metadata":{"annotations":{"a":"1"}}}"#)
        #expect(try failure(#"{"a":[1]}"#, #"[{"op":"replace","path":"/a/1","value":2}]"#)?.message
            == "replace operation does not apply: doc is missing key: /a/1: missing value")
        #expect(try failure(#"{"a":1}"#, #"[{"op":"replace","path":"/b/c","value":2}]"#)?.message
            == "replace operation does not apply: doc is missing path: /b/c: missing value")
        // No value is null; copying a missing member copies null.
        #expect(try apply(#"{"a":1}"#, #"[{"op":"add","path":"/b"}]"#) == #"{"a":1,"b":null}"#)
        #expect(try apply(#"{"a":1}"#, #"[{"op":"copy","from":"/x","path":"/b"}]"#) == #"{"a":1,"b":null}"#)
        // A missing or null member tests equal to null.
        #expect(try apply(#"{"a":null}"#,
            #"[{"op":"test","path":"/a","value":null},{"op":"test","path":"/b","value":null}]"#) == #"{"a":null}"#)
        // Members may not be "walked through" when null.
        #expect(try failure(#"{"a":null}"#, #"[{"op":"add","path":"/a/b","value":1}]"#) != nil)
        // A path is split at "/" and its first piece dropped, whatever it is: without any
        // "/" it names nothing; "x/b" is "/b", in every operation and in `from`.
        #expect(try failure(#"{"a":1}"#, #"[{"op":"remove","path":"a"}]"#)?.message
            == #"remove operation does not apply: doc is missing path: "a": missing value"#)
        #expect(try apply(#"{"a":1}"#, #"[{"op":"add","path":"x/b","value":2}]"#) == #"{"a":1,"b":2}"#)
        #expect(try apply(#"{"spec":{"replicas":1}}"#, #"[{"op":"replace","path":"spec/replicas","value":3}]"#)
            == #"{"spec":{"replicas":1},"replicas":3}"#)
        #expect(try apply(#"{"a":{"b":1}}"#, #"[{"op":"test","path":"q/a/b","value":1},{"op":"move","from":"q/a","path":"/c"}]"#)
            == #"{"c":{"b":1}}"#)
    }

    // MARK: - Pointers and arrays

    @Test func pointerEscapesAddressEveryMember() throws {
        // RFC 6901 §5's document and pointers.
        let document = #"{"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,"g|h":4,"i\\j":5,"k\"l":6," ":7,"m~n":8}"#
        let rows: [(String, String)] = [
            ("/foo", #"["bar","baz"]"#), ("/foo/0", #""bar""#), ("/", "0"), ("/a~1b", "1"), ("/c%d", "2"),
            ("/e^f", "3"), ("/g|h", "4"), (#"/i\\j"#, "5"), (#"/k\"l"#, "6"), ("/ ", "7"), ("/m~0n", "8"),
        ]
        for (pointer, value) in rows {
            #expect(try failure(document, #"[{"op":"test","path":"\#(pointer)","value":\#(value)}]"#) == nil, "\(pointer)")
        }
        #expect(try apply(#"{}"#, #"[{"op":"add","path":"/app.kubernetes.io~1name","value":"x"},{"op":"add","path":"/~0~1","value":1}]"#)
            == #"{"app.kubernetes.io/name":"x","~/":1}"#)
    }

    @Test func arrayIndices() throws {
        let list = #"{"a":["x","y"]}"#
        #expect(try apply(list, #"[{"op":"add","path":"/a/-","value":"z"}]"#) == #"{"a":["x","y","z"]}"#)
        #expect(try apply(list, #"[{"op":"add","path":"/a/2","value":"z"}]"#) == #"{"a":["x","y","z"]}"#)
        #expect(try apply(list, #"[{"op":"add","path":"/a/0","value":"z"}]"#) == #"{"a":["z","x","y"]}"#)
        #expect(try failure(list, #"[{"op":"add","path":"/a/3","value":"z"}]"#)?.message
            == "error in add for path: '/a/3': Unable to access invalid index: 3: invalid index referenced")
        #expect(try failure(list, #"[{"op":"add","path":"/a/one","value":"z"}]"#)?.message
            == #"error in add for path: '/a/one': value was not a proper array index: 'one': strconv.Atoi: parsing "one": invalid syntax"#)
        #expect(try failure(list, #"[{"op":"remove","path":"/a/-"}]"#)?.message
            == #"error in remove for path: '/a/-': strconv.Atoi: parsing "-": invalid syntax"#)
        #expect(try failure(list, #"[{"op":"remove","path":"/a/2"}]"#) != nil)
        #expect(try apply(list, #"[{"op":"replace","path":"/a/1","value":"z"}]"#) == #"{"a":["x","z"]}"#)
        // Negative indices count from the end; a zero-padded index is read as a number.
        #expect(try apply(list, #"[{"op":"remove","path":"/a/-1"}]"#) == #"{"a":["x"]}"#)
        #expect(try apply(list, #"[{"op":"replace","path":"/a/-2","value":"z"}]"#) == #"{"a":["z","y"]}"#)
        #expect(try failure(list, #"[{"op":"remove","path":"/a/-3"}]"#) != nil)
        #expect(try apply(list, #"[{"op":"test","path":"/a/01","value":"y"}]"#) == list)
        // Nested arrays are walked through by index.
        #expect(try apply(#"{"a":[{"b":[1]}]}"#, #"[{"op":"add","path":"/a/0/b/-","value":2}]"#) == #"{"a":[{"b":[1,2]}]}"#)
    }

    // MARK: - All or nothing

    @Test func aFailingOperationAppliesNothing() throws {
        let document = try parse(#"{"metadata":{"labels":{"a":"1"}},"spec":{"replicas":1}}"#)
        let patch = JSONPatch([
            .replace("/spec/replicas", 5),
            .add("/metadata/labels/b", "2"),
            .remove("/metadata/labels/a"),
            .test("/spec/replicas", 1),
        ])
        #expect(throws: JSONPatch.Error(.notApplicable, "testing value /spec/replicas failed: test failed")) {
            try patch.apply(to: document)
        }
        #expect(document.serialized == #"{"metadata":{"labels":{"a":"1"}},"spec":{"replicas":1}}"#)
        // The same operations without the failing test apply in order.
        #expect(try JSONPatch(Array(patch.operations.dropLast())).apply(to: document).serialized
            == #"{"metadata":{"labels":{"b":"2"}},"spec":{"replicas":5}}"#)
        #expect(JSONPatch.Operation.move(from: "/a", to: "/b").json.serialized == #"{"op":"move","from":"/a","path":"/b"}"#)
        #expect(JSONPatch.Operation.copy(from: "/a", to: "/b").from == "/a")
    }

    // MARK: - Malformed documents

    @Test func malformedDocumentsAreRefusedBeforeAnythingApplies() throws {
        let rows: [(String, String)] = [
            (#"{"op":"add","path":"/a","value":1}"#, "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
            (#""add""#, "json: cannot unmarshal string into Go value of type jsonpatch.Patch"),
            ("5", "json: cannot unmarshal number into Go value of type jsonpatch.Patch"),
            (#"[{"op":"add","path":"/a","value":1},"remove"]"#,
                "json: cannot unmarshal string into Go value of type jsonpatch.Operation"),
            ("[[]]", "json: cannot unmarshal array into Go value of type jsonpatch.Operation"),
            (#"[{"op":"add","path":"/a""#, "unexpected end of JSON input"),
            (#"[{"op":"replace","path":/spec/replicas,"value":2}]"#, "invalid character '/' looking for beginning of value"),
            ("[] x", "invalid character 'x' after top-level value"),
        ]
        for (patch, message) in rows {
            #expect(throws: JSONPatch.Error(.malformed, message), "\(patch)") {
                try JSONPatch(decoding: Array(patch.utf8))
            }
        }
        // `null` is the empty patch; an operation without a known "op" fails when applied.
        #expect(try apply(#"{"a":1}"#, "null") == #"{"a":1}"#)
        #expect(try apply(#"{"a":1}"#, "[]") == #"{"a":1}"#)
        #expect(try failure(#"{"a":1}"#, "[null]")?.message == "Unexpected kind: unknown")
        #expect(try failure(#"{"a":1}"#, #"[{"path":"/a"}]"#)?.message == "Unexpected kind: unknown")
        #expect(try failure(#"{"a":1}"#, #"[{"op":"merge","path":"/a"}]"#)?.message == "Unexpected kind: merge")
        #expect(try failure(#"{"a":1}"#, #"[{"op":"add","value":1}]"#)?.message
            == "add operation failed to decode path: missing value")
        #expect(try failure(#"{"a":1}"#, #"[{"op":"replace","path":5,"value":1}]"#)?.message
            == "replace operation failed to decode path: json: cannot unmarshal number into Go value of type string")
        #expect(try failure(#"{"a":1}"#, #"[{"op":"move","path":"/b"}]"#)?.message
            == "move operation failed to decode from: operation, missing from field: missing value")
    }


    /// With `fieldValidation` Strict or Warn (the apiserver's default, and kubectl's), the
    /// body is first decoded into the handler's `[]jsonPatchOp`, whose fields are strings.
    @Test func strictDecodingWordsRefusalsAsTheHandlerDoes() throws {
        let prefix = "error decoding patch: "
        let rows: [(String, String)] = [
            (#"{"op":"add","path":"/a","value":1}"#, "json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp"),
            ("5", "json: cannot unmarshal number into Go value of type []handlers.jsonPatchOp"),
            (#"[{"op":"add","path":"/a","value":1},"remove"]"#,
                "json: cannot unmarshal string into Go value of type handlers.jsonPatchOp"),
            (#"[{"op":5,"path":"/a"}]"#, "json: cannot unmarshal number into Go struct field jsonPatchOp.op of type string"),
            (#"[{"op":"copy","from":["x"],"path":"/a"}]"#,
                "json: cannot unmarshal array into Go struct field jsonPatchOp.from of type string"),
            (#"[{"op":"add","path":"/a""#, "unexpected end of JSON input"),
        ]
        for (patch, message) in rows {
            #expect(throws: JSONPatch.Error(.malformed, prefix + message), "\(patch)") {
                try JSONPatch(decoding: Array(patch.utf8), strict: true)
            }
        }
        // What strict decoding reads, it hands on unchanged: `null` anywhere reads as nothing.
        let read = try JSONPatch(decoding: Array(#"[{"op":"add","path":"/a","value":{"op":1}},null]"#.utf8), strict: true)
        #expect(read.operations.count == 2)
        #expect(try JSONPatch(decoding: Array("null".utf8), strict: true).operations.isEmpty)
    }
    @Test func tooManyOperations() throws {
        let operations = Array(repeating: JSONPatch.Operation.test("/a", 1), count: JSONPatch.maxOperations + 1)
        #expect(throws: JSONPatch.Error(.tooManyOperations,
            "The allowed maximum operations in a JSON patch is 10000, got 10001"))
        {
            try JSONPatch(json: JSONPatch(operations).json)
        }
        #expect(try JSONPatch(json: JSONPatch(Array(operations.dropLast())).json).operations.count == 10_000)
    }

    // MARK: - The apiserver's answers

    @Test func statusesAreTheApiserversAnswers() throws {
        let notApplicable = JSONPatch.Error(.notApplicable, "testing value /a failed: test failed").status
        #expect(notApplicable.json.serialized
            == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server rejected our request due to an error in our request","reason":"Invalid","details":{},"code":422}"#)
        let malformed = JSONPatch.Error(.malformed, "json: cannot unmarshal object into Go value of type jsonpatch.Patch").status
        #expect(malformed.code == 400)
        #expect(malformed.reason == "BadRequest")
        #expect(malformed.message == "json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        let tooLarge = JSONPatch.Error(.tooManyOperations, "The allowed maximum operations in a JSON patch is 10000, got 10001").status
        #expect(tooLarge.code == 413)
        #expect(tooLarge.message == "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001")
    }
}
