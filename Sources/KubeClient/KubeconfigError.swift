import FlightdeckCore
import Foundation

/// Why a kubeconfig could not become a `ClusterConnection`, told in one line.
///
/// The cockpit shows this in a status line and the CLI prints it before exiting, so it is
/// always ONE line that names the file (with line and column when the YAML parser gives
/// them), the problem, and what to try. It never carries a raw dump: Yams' own description
/// quotes the offending YAML line, which in a kubeconfig can be a token or a key, so only
/// its problem text and position are kept.
public struct KubeconfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, for callers that branch on it (tests, `flightdeck doctor`).
    public enum Kind: String, Sendable, Equatable {
        case missingFile
        case unreadableFile
        case notYAML
        case notKubeconfig
        case invalidField
        case noCurrentContext
        case contextNotFound
        case clusterNotFound
        case userNotFound
        case invalidServer
        case badCertificate
        case badKey
        case conflictingAuth
        case unsupportedAuthProvider
        case execNotAllowed
        case execFailed
        case badExecCredential
        case badFlightdeckConfig
    }

    public let kind: Kind
    /// The file the problem is in (or the path that was looked for), when there is one.
    public let file: String?
    /// The whole message, already one line and terminal-safe.
    public let description: String

    public init(_ kind: Kind, file: String?, _ message: String) {
        self.kind = kind
        self.file = file
        self.description = KubeconfigError.oneLine(message)
    }

    /// Collapses line breaks to spaces, then makes the rest terminal-safe. A path or a
    /// context name comes from a file anyone may have written, so it is untrusted text.
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
        return TerminalSanitizer.sanitize(collapsed.trimmingCharacters(in: .whitespaces))
    }
}

// MARK: - Helpers for building messages

extension KubeconfigError {
    /// `'a', 'b', 'c'` and at most `limit` of them, then `(and N more)`; `none` when empty.
    static func list(_ names: [String], limit: Int = 5) -> String {
        if names.isEmpty { return "none" }
        let sorted = names.sorted()
        let shown = sorted.prefix(limit).map { "'\($0)'" }.joined(separator: ", ")
        return sorted.count > limit ? "\(shown) (and \(sorted.count - limit) more)" : shown
    }

    /// `FILE` or `FILE:LINE:COLUMN`, the form editors and terminals make clickable.
    static func location(_ file: String, _ mark: SourceMark?) -> String {
        guard let mark else { return file }
        return "\(file):\(mark.line):\(mark.column)"
    }
}
