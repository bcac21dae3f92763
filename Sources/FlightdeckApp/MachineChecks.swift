import Foundation
import HistoryStore
import KubeClient
import TerminalIO

/// The checks `flightdeck doctor` makes of this machine: the libraries as loaded at run time,
/// the locale and terminal, the theme files, the optional tools, the agent runtime, and the
/// history database.
public struct MachineChecks: Sendable {
    public var environment: [String: String]
    public var historyPath: String
    /// The agent runtime's interpreter, or why there is none.
    public var agentRuntime: Result<String, any Error>
    /// The running binary, from which a checkout's themes/ is found.
    public var executablePath: String

    public init(environment: [String: String], historyPath: String, agentRuntime: Result<String, any Error>,
        executablePath: String = CommandLine.arguments[0])
    {
        self.environment = environment
        self.historyPath = historyPath
        self.agentRuntime = agentRuntime
        self.executablePath = executablePath
    }

    /// Every check, in the order printed.
    public func run() async -> [DoctorCheck] {
        Self.libraries()
            + [Self.locale(LocaleCheck(environment: environment)), Self.terminal(environment: environment),
                Self.themes(environment: environment, executablePath: executablePath)]
            + Self.tools(environment: environment)
            + [Self.agents(agentRuntime), await Self.history(path: historyPath)]
    }

    /// Each library as it reports itself at run time (the one loaded, not the one built against).
    public static func libraries() -> [DoctorCheck] {
        [
            DoctorCheck(name: "ncursesw", ok: true, required: true, detail: CursesLibrary.version),
            DoctorCheck(name: "libcurl", ok: CurlLibrary.hasTLS, required: true,
                detail: "\(CurlLibrary.version) (TLS \(CurlLibrary.hasTLS ? "yes" : "no"), HTTP/2 \(CurlLibrary.hasHTTP2 ? "yes" : "no"))"),
            DoctorCheck(name: "sqlite", ok: true, required: true, detail: HistoryStore.sqliteVersion),
        ]
    }

    public static func locale(_ locale: LocaleCheck) -> DoctorCheck {
        DoctorCheck(name: "locale", ok: locale.isUTF8, required: false,
            detail: locale.isUTF8 ? locale.name
                : "\(locale.name.isEmpty ? "unset" : locale.name): not UTF-8, the cockpit falls back to ASCII (export LANG=C.UTF-8)")
    }

    public static func terminal(environment: [String: String]) -> DoctorCheck {
        let term = environment["TERM"] ?? ""
        return DoctorCheck(name: "terminal", ok: !term.isEmpty && term != "dumb", required: false,
            detail: term.isEmpty ? "TERM is unset" : "TERM=\(term)\(environment["COLORTERM"].map { ", COLORTERM=\($0)" } ?? "")")
    }

    /// Which theme files the cockpit finds, and where: a warning when no shipped directory
    /// has any (the cockpit then has its built-in dark theme only).
    public static func themes(environment: [String: String], executablePath: String) -> DoctorCheck {
        let user = ThemeFileCatalog.userDirectory(environment: environment)
        var found: [String] = []
        var shipped = false
        for directory in ThemeFileCatalog.directories(environment: environment, executablePath: executablePath) {
            let names = ThemeFileCatalog.files(in: directory).map(\.name)
            guard !names.isEmpty else { continue }
            if directory != user { shipped = true }
            found.append("\(names.joined(separator: ", ")) in \(directory)")
        }
        guard shipped else {
            return DoctorCheck(name: "themes", ok: false, required: false,
                detail: "no theme files in \(ThemeFileCatalog.systemDirectory) (nor $FLIGHTDECK_THEMES): only the built-in dark theme"
                    + (found.isEmpty ? "" : "; \(found.joined(separator: "; "))"))
        }
        return DoctorCheck(name: "themes", ok: true, required: false, detail: found.joined(separator: "; "))
    }

    /// The optional tools: where each is on PATH, or what it is for and how to get it.
    public static func tools(environment: [String: String]) -> [DoctorCheck] {
        [("nats-server", "apt-get install nats-server (only for the NATS trace path and the demo)"),
         ("kubectl", "optional: Flightdeck talks to the API itself"),
         ("tmux", "apt-get install tmux (only for the end-to-end tests)")].map { tool, hint in
            let path = Executables.find(tool, environment: environment)
            return DoctorCheck(name: tool, ok: path != nil, required: false, detail: path ?? "not found: \(hint)")
        }
    }

    /// The agent runtime: with it, the sim and the demo run real agents.
    public static func agents(_ runtime: Result<String, any Error>) -> DoctorCheck {
        switch runtime {
        case .success(let python):
            DoctorCheck(name: "agents", ok: true, required: false,
                detail: "the agent runtime at \(python): the sim and the demo run real agents")
        case .failure(let problem):
            DoctorCheck(name: "agents", ok: false, required: false,
                detail: "\(problem) (the sim and the demo simulate agents meanwhile)")
        }
    }

    /// The history database opens (it is created when missing) and passes SQLite's
    /// integrity check; both run off the cooperative pool.
    public static func history(path: String) async -> DoctorCheck {
        do {
            let findings = try await offThePool { try HistoryStore(path: path).integrityCheck() }
            return DoctorCheck(name: "history", ok: findings == ["ok"], required: true,
                detail: findings == ["ok"] ? path : "\(path): \(findings.prefix(2).joined(separator: "; "))")
        } catch {
            return DoctorCheck(name: "history", ok: false, required: true, detail: "\(error)")
        }
    }
}
