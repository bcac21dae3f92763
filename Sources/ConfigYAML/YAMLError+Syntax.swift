import Yams

extension YAMLError {
    /// The parser's error, keeping only its problem and position. Its own description quotes
    /// the offending line, which in a kubeconfig can be a token, so it is never used.
    static func notYAML(_ error: any Error, source: String, text: String) -> YAMLError {
        var problem = "it could not be parsed"
        var line: Int?
        var column: Int?
        if let yaml = error as? YamlError {
            switch yaml {
            case let .scanner(context, what, mark, _),
                 let .parser(context, what, mark, _),
                 let .composer(context, what, mark, _):
                problem = what
                if let context { problem += " (\(context.text) at line \(context.mark.line))" }
                line = mark.line
                column = mark.column
            case let .reader(what, offset, _, _):
                problem = what
                if let offset { (line, column) = position(ofCharacter: offset, in: text) }
            case let .duplicatedKeysInMapping(duplicates, context):
                problem = duplicates.count == 1 ? "duplicate key \(duplicates[0])" : "duplicate keys \(duplicates.joined(separator: ", "))"
                line = context.mark.line
                column = context.mark.column
            case .dataCouldNotBeDecoded:
                problem = "it is not UTF-8 text"
            case .memory:
                problem = "out of memory"
            default:
                break
            }
        }
        return YAMLError(.notYAML, source: source, line: line, column: column, message: "not valid YAML: \(problem)")
    }

    /// Line and column (1-based, in Unicode scalars) of the character `offset` characters into `text`.
    private static func position(ofCharacter offset: Int, in text: String) -> (Int, Int) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character.isNewline {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
        }
        return (line, column)
    }
}
