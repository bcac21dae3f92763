import ArgumentParser
import FlightdeckApp
import Foundation
import TerminalIO

extension Flightdeck {
    /// `flightdeck terminal`: a full-screen check of what this terminal shows and sends.
    ///
    /// For bug reports, and the screen the end-to-end tests drive through tmux.
    struct TerminalCheck: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "terminal",
            abstract: "Show what this terminal can display and which keys reach the cockpit (q or Ctrl-C quits).")

        @Flag(help: "Report clicks and the wheel (takes plain text selection away from the terminal; Shift+drag still selects).")
        var mouse = false

        @Flag(help: "Draw ASCII only, whatever the locale says.")
        var ascii = false

        @Flag(help: .hidden)
        var crashAfterFirstFrame = false

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let session: TerminalSession
            do {
                session = try TerminalSession(environment: environment, mouse: mouse, forceASCII: ascii)
            } catch let error as TerminalError {
                throw OperatorError(error.description)
            }
            var report = TerminalReport(capabilities: session.capabilities, environment: environment, size: session.size)
            session.present(report.render())
            if crashAfterFirstFrame {
                // Proves the crash path restores the terminal (tests only).
                session.flush()
                abort()
            }
            events: for await event in session.events() {
                switch report.handle(event) {
                case .redraw: session.present(report.render())
                case .quit: break events
                case .terminated(let signal):
                    session.shutdown()
                    throw ExitCode(128 + signal)
                }
            }
            session.shutdown()
        }
    }
}
