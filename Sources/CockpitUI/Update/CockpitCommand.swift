import FlightdeckCore

/// A `:` command, parsed: `:jobs`, `:ctx NAME`, `:theme NAME`, `:submit`, `:filter ...`, `:q`.
public enum CockpitCommand: Sendable, Hashable {
    case jobs
    case context(String)
    case theme(String)
    case submit
    case filter(Filter)
    case help
    case quit

    /// `:filter status=failed kind=error,action phase=TACTICAL words...`; bare words filter
    /// the job list by text; `:filter` alone clears every filter.
    public struct Filter: Sendable, Hashable {
        public var status: JobStatusFilter?
        public var text: String?
        public var kinds: Set<TraceKind>?
        /// `ALL` clears the phase filter.
        public var phase: Phase?

        public var isEmpty: Bool { status == nil && text == nil && kinds == nil && phase == nil }
    }

    /// Why a command line was not understood, as the status bar shows it.
    public struct ParseError: Error, Sendable, Hashable {
        public var message: String
        init(_ message: String) { self.message = message }
    }

    public static func parse(_ line: String) -> Result<CockpitCommand, ParseError> {
        let words = line.split(separator: " ").map(String.init)
        guard let verb = words.first?.lowercased() else { return .failure(ParseError("empty command (try :help)")) }
        let rest = Array(words.dropFirst())
        switch verb {
        case "q", "q!", "quit", "exit": return .success(.quit)
        case "help", "h", "?": return .success(.help)
        case "jobs", "job", "j": return .success(.jobs)
        case "submit", "new": return .success(.submit)
        case "ctx", "context":
            guard rest.count == 1 else { return .failure(ParseError(":ctx needs one context name")) }
            return .success(.context(rest[0]))
        case "theme":
            guard rest.count == 1 else { return .failure(ParseError(":theme needs one theme name")) }
            return .success(.theme(rest[0]))
        case "filter", "f":
            var filter = Filter()
            var words: [String] = []
            for word in rest {
                let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else {
                    words.append(word)
                    continue
                }
                switch parts[0].lowercased() {
                case "status":
                    guard let status = JobStatusFilter(rawValue: parts[1].lowercased()) else {
                        return .failure(ParseError("unknown status \"\(parts[1])\" (\(JobStatusFilter.allCases.map(\.rawValue).joined(separator: ", ")))"))
                    }
                    filter.status = status
                case "kind":
                    var kinds: Set<TraceKind> = []
                    for name in parts[1].split(separator: ",") {
                        guard let kind = TraceKind(rawValue: name.lowercased()) else {
                            return .failure(ParseError("unknown kind \"\(name)\" (\(TraceKind.allCases.map(\.rawValue).joined(separator: ", ")))"))
                        }
                        kinds.insert(kind)
                    }
                    filter.kinds = kinds
                case "phase": filter.phase = Phase(parts[1].uppercased())
                case "text": words.append(parts[1])
                default: return .failure(ParseError("unknown filter \"\(parts[0])\" (status, kind, phase, text)"))
                }
            }
            if !words.isEmpty { filter.text = words.joined(separator: " ") }
            return .success(.filter(filter))
        default:
            return .failure(ParseError("unknown command \":\(verb)\" (try :help)"))
        }
    }
}
