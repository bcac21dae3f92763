import Yams

/// Measures a composed document as if every alias were written out (how deep it nests, how
/// many nodes its aliases repeat) without writing anything out, and refuses what is too much.
///
/// Why before the real document is built: composing is where an alias does its harm. The
/// parser shares an aliased tree instead of copying it, which is cheap, but it also hashes every
/// mapping key to find duplicates, and hashing an alias that stands for a key walks the whole
/// tree behind it: nine nested aliases nine times each is 387 million nodes, from a few hundred bytes.
/// So the census first runs on a copy of the text where each `*` is a private-use character
/// (`withAliasesAsText`): every alias becomes a plain scalar at the same line and column, the
/// copy composes in linear time, and each such scalar is counted as the anchored tree it names.
struct DocumentCensus {
    let source: String
    let limits: YAMLDocument.Limits

    /// What replaces `*` in the copy: a character that may start a plain scalar and that no
    /// config file has a reason to contain.
    static let aliasMark: Unicode.Scalar = "\u{E000}"

    /// `text` with each `*` replaced by `aliasMark`: aliases become plain scalars, and `*`
    /// anywhere else (in quoted or plain text, comments) stays text of the same length.
    static func withAliasesAsText(_ text: String) -> String {
        var copy = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            copy.append(scalar == "*" ? aliasMark : scalar)
        }
        return String(copy)
    }

    /// The size of a tree with its aliases written out.
    private struct Measure {
        /// Nodes, itself included.
        var nodes: Int
        /// Mappings and lists on the longest path down, itself included (0 for a scalar).
        var levels: Int
    }

    /// A mapping or list being measured.
    private struct Frame {
        let children: [Node]
        let isMapping: Bool
        /// Inside a mapping key (at any depth).
        let inKey: Bool
        /// Mappings and lists from the top down to this one, itself included.
        let depth: Int
        let anchor: String?
        var next = 0
        var measure = Measure(nodes: 1, levels: 1)
    }

    /// Walks the tree once, children in document order, with a stack of its own (no recursion).
    func check(_ root: Node?) throws(YAMLError) {
        guard let root else { return }
        // What each anchor defined so far stands for; a later definition of a name shadows an
        // earlier one, as in the parser.
        var anchors: [String: Measure] = [:]
        var aliased = 0
        var stack: [Frame] = []

        func enter(_ node: Node, parentDepth: Int, inKey: Bool) throws(YAMLError) -> Measure? {
            let children: [Node]
            let isMapping: Bool
            switch node {
            case .scalar(let scalar):
                guard let name = Self.aliasName(scalar) else {
                    let measure = Measure(nodes: 1, levels: 0)
                    if let anchor = scalar.anchor?.rawValue { anchors[anchor] = measure }
                    return measure
                }
                if inKey {
                    throw error(.unsafeAliases, at: node, "an alias stands for a mapping key here; write the key out")
                }
                let target = anchors[name] ?? Measure(nodes: 1, levels: 0)
                aliased += target.nodes
                if aliased > limits.maxAliasedNodes {
                    throw error(.unsafeAliases, at: node,
                        "aliases repeat more than \(limits.maxAliasedNodes) nodes of the document; write the values out instead")
                }
                if parentDepth + target.levels > limits.maxDepth { throw tooDeep(node) }
                return target
            case .mapping(let mapping):
                children = mapping.flatMap { [$0.key, $0.value] }
                isMapping = true
            case .sequence(let sequence):
                children = Array(sequence)
                isMapping = false
            case .alias:
                // The composer resolves aliases; a tree built some other way is measured as is.
                return Measure(nodes: 1, levels: 0)
            }
            guard parentDepth + 1 <= limits.maxDepth else { throw tooDeep(node) }
            stack.append(Frame(children: children, isMapping: isMapping, inKey: inKey, depth: parentDepth + 1,
                anchor: node.anchor?.rawValue))
            return nil
        }

        var completed = try enter(root, parentDepth: 0, inKey: false)
        while let top = stack.indices.last {
            if let measure = completed {
                stack[top].measure.nodes += measure.nodes
                stack[top].measure.levels = max(stack[top].measure.levels, measure.levels + 1)
            }
            let frame = stack[top]
            if frame.next < frame.children.count {
                stack[top].next += 1
                let inKey = frame.inKey || (frame.isMapping && frame.next % 2 == 0)
                completed = try enter(frame.children[frame.next], parentDepth: frame.depth, inKey: inKey)
            } else {
                stack.removeLast()
                if let anchor = frame.anchor { anchors[anchor] = frame.measure }
                completed = frame.measure
            }
        }
    }

    /// The anchor an alias named, for a plain scalar that was an alias in the original text.
    private static func aliasName(_ scalar: Node.Scalar) -> String? {
        guard scalar.style == .plain, scalar.string.unicodeScalars.first == aliasMark else { return nil }
        // The parser's anchor characters: ASCII letters, digits, '-' and '_'.
        let name = scalar.string.unicodeScalars.dropFirst().prefix { character in
            character.isASCII && (character.properties.isAlphabetic || ("0"..."9").contains(character)
                || character == "-" || character == "_")
        }
        return String(String.UnicodeScalarView(name))
    }

    private func tooDeep(_ node: Node) -> YAMLError {
        error(.tooDeep, at: node, "mappings and lists nest deeper than \(limits.maxDepth) levels here")
    }

    private func error(_ kind: YAMLError.Kind, at node: Node, _ message: String) -> YAMLError {
        YAMLError(kind, source: source, line: node.mark?.line, column: node.mark?.column, message: message)
    }
}
