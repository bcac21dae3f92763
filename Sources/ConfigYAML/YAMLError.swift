import FlightdeckCore

/// Why a YAML file could not be read, as one line naming where and what:
/// `/c/config.yaml:2:3: cluster.fatalExitCode should be an integer between 1 and 255, not "300"`.
///
/// Every reader of Flightdeck's YAML files (kubeconfigs, `config.yaml`, task templates, themes)
/// gets its problems in this one shape, and wraps it into its own error with the advice that
/// fits. The message is always one line and terminal-safe: it can quote a value from the file
/// (when the document allows it), and a file anyone may have written is untrusted text.
public struct YAMLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, for callers that choose their advice by it (and tests).
    public enum Kind: String, Sendable, Hashable {
        /// The text is not YAML (a syntax error, duplicate keys, two documents, bad characters).
        case notYAML
        /// More bytes than the reader accepts.
        case tooLarge
        /// Mappings and lists nested deeper than the reader accepts.
        case tooDeep
        /// Aliases that repeat too much of the document (a "billion laughs"), or stand for a
        /// mapping key.
        case unsafeAliases
        /// A value of the wrong kind: a list where a mapping should be, text where a number should be.
        case wrongType
        /// A field that must be there is not.
        case missingField
        /// A field the reader does not know (a typo must not be ignored silently).
        case unknownField
        /// The right kind of value, but not one the reader accepts (a bad colour, an unknown name).
        case invalidValue
    }

    public var kind: Kind
    /// The file (or name) the document came from, as the caller gave it.
    public var source: String
    /// 1-based; `nil` for problems with the whole document (too large).
    public var line: Int?
    /// 1-based, in Unicode scalars (as editors count); `nil` when `line` is.
    public var column: Int?
    /// The field the problem is in (`clusters[0].cluster.server`); empty for the document itself.
    public var path: String
    /// What is wrong, usually naming the field: `cluster.fatalExitcode is not a known field (...)`.
    public var message: String

    public init(_ kind: Kind, source: String, line: Int? = nil, column: Int? = nil, path: String = "", message: String) {
        self.kind = kind
        self.source = YAMLError.oneLine(source)
        self.line = line
        self.column = line == nil ? nil : column
        self.path = YAMLError.oneLine(path)
        self.message = YAMLError.oneLine(message)
    }

    /// `FILE:LINE:COLUMN`, the form editors and terminals make clickable; `FILE` without a position.
    public var location: String {
        guard let line else { return source }
        guard let column else { return "\(source):\(line)" }
        return "\(source):\(line):\(column)"
    }

    public var description: String { "\(location): \(message)" }

    /// Line breaks and tabs become one space, then the rest is made terminal-safe.
    static func oneLine(_ text: String) -> String {
        var collapsed = ""
        collapsed.reserveCapacity(text.utf8.count)
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" || scalar == "\r" || scalar == "\t" {
                if !lastWasSpace { collapsed.unicodeScalars.append(" ") }
                lastWasSpace = true
            } else {
                collapsed.unicodeScalars.append(scalar)
                lastWasSpace = scalar == " "
            }
        }
        return TerminalSanitizer.sanitize(collapsed)
    }
}
