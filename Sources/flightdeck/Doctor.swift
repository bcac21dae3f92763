import ArgumentParser
import FlightdeckApp
import Foundation
import SimServer
import TerminalIO
import HistoryStore
import KubeClient

extension Flightdeck {
    /// Checks what Flightdeck needs on this machine and says how to fix what is missing.
    struct Doctor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check this machine: libraries, tools, terminal, locale, the history database and the cluster.",
            discussion: """
                One line per check: ok, warn (!) or fail (✗), with what to do. Exit status: 0 when all is
                well, 2 when the worst is a warning, 1 when something failed.
                """)

        @OptionGroup var history: HistoryOptions
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var settings: SettingsOptions

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            var checks: [Check] = []
            // Each library as it reports itself at run time (the one loaded, not the one built against).
            checks.append(Check(name: "ncursesw", ok: true, required: true, detail: CursesLibrary.version))
            checks.append(Check(
                name: "libcurl", ok: CurlLibrary.hasTLS, required: true,
                detail: "\(CurlLibrary.version) (TLS \(CurlLibrary.hasTLS ? "yes" : "no"), HTTP/2 \(CurlLibrary.hasHTTP2 ? "yes" : "no"))"))
            checks.append(Check(name: "sqlite", ok: true, required: true, detail: HistoryStore.sqliteVersion))

            let locale = LocaleCheck(environment: environment)
            checks.append(Check(
                name: "locale", ok: locale.isUTF8, required: false,
                detail: locale.isUTF8 ? locale.name : "\(locale.name.isEmpty ? "unset" : locale.name): not UTF-8, the cockpit falls back to ASCII (export LANG=C.UTF-8)"))
            let term = environment["TERM"] ?? ""
            checks.append(Check(
                name: "terminal", ok: !term.isEmpty && term != "dumb", required: false,
                detail: term.isEmpty ? "TERM is unset" : "TERM=\(term)\(environment["COLORTERM"].map { ", COLORTERM=\($0)" } ?? "")"))
            checks.append(Self.themesCheck(environment: environment))

            for tool in [("nats-server", "apt-get install nats-server (only for the NATS trace path and the demo)"),
                         ("kubectl", "optional: Flightdeck talks to the API itself"),
                         ("tmux", "apt-get install tmux (only for the end-to-end tests)")] {
                let path = Executables.find(tool.0, environment: environment)
                checks.append(Check(name: tool.0, ok: path != nil, required: false, detail: path ?? "not found: \(tool.1)"))
            }

            // The agent runtime: with it, the sim and the demo run real agents.
            do {
                let python = try AgentRuntimeInstallation.python(environment: environment)
                checks.append(Check(name: "agents", ok: true, required: false,
                    detail: "the agent runtime at \(python): the sim and the demo run real agents"))
            } catch {
                checks.append(Check(name: "agents", ok: false, required: false,
                    detail: "\(error) (the sim and the demo simulate agents meanwhile)"))
            }

            let path = history.resolvedPath
            do {
                let store = try HistoryStore(path: path)
                let findings = try store.integrityCheck()
                checks.append(Check(
                    name: "history", ok: findings == ["ok"], required: true,
                    detail: findings == ["ok"] ? path : "\(path): \(findings.prefix(2).joined(separator: "; "))"))
            } catch {
                checks.append(Check(name: "history", ok: false, required: true, detail: "\(error)"))
            }

            checks += await clusterChecks()

            let ascii = !locale.isUTF8
            for check in checks {
                let mark = check.ok ? (ascii ? "ok  " : "✓ ") : (check.required ? (ascii ? "FAIL" : "✗ ") : (ascii ? "warn" : "! "))
                print("\(mark) \(check.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(TerminalText.line(check.detail))")
            }
            if checks.contains(where: { $0.required && !$0.ok }) {
                throw OperatorError("doctor found a problem (marked above)")
            }
            if checks.contains(where: { !$0.ok }) { throw ExitCode(2) }
        }

        /// Which theme files the cockpit finds, and where: a warning when no shipped directory
        /// has any (the cockpit then has its built-in dark theme only).
        static func themesCheck(environment: [String: String]) -> Check {
            let user = ThemeFiles.userDirectory(environment: environment)
            var found: [String] = []
            var shipped = false
            for directory in ThemeFiles.directories(environment: environment) {
                let names = ThemeFiles.files(in: directory).map(\.name)
                guard !names.isEmpty else { continue }
                if directory != user { shipped = true }
                found.append("\(names.joined(separator: ", ")) in \(directory)")
            }
            guard shipped else {
                return Check(name: "themes", ok: false, required: false,
                    detail: "no theme files in \(ThemeFiles.systemDirectory) (nor $FLIGHTDECK_THEMES): only the built-in dark theme"
                        + (found.isEmpty ? "" : "; \(found.joined(separator: "; "))"))
            }
            return Check(name: "themes", ok: true, required: false, detail: found.joined(separator: "; "))
        }

        struct Check {
            var name: String
            var ok: Bool
            var required: Bool
            var detail: String
        }
    }
}
