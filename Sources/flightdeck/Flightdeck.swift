import ArgumentParser
import FlightdeckApp
import Foundation
import HistoryStore

/// `flightdeck`: the cockpit for AI agents running as Kubernetes Jobs, and its headless tools.
@main
struct Flightdeck: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "flightdeck",
        abstract: "A terminal cockpit for autonomous AI agents running as Kubernetes Jobs on k3s.",
        discussion: """
            Without a subcommand, opens the cockpit on the current kubeconfig context.
            `flightdeck demo` runs everything on an embedded simulated cluster.
            """,
        version: version,
        subcommands: [
            Cockpit.self, Demo.self, Sim.self, Jobs.self, Queue.self, Logs.self, Record.self, Serve.self, Submit.self, Manifests.self,
            Install.self,
            Doctor.self, History.self, TerminalCheck.self,
        ],
        defaultSubcommand: Cockpit.self
    )

    /// Errors end as one line on stderr and a non-zero exit; never a stack dump.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let failure as OperatorError {
            FileHandle.standardError.write(Data("flightdeck: \(failure.message)\n".utf8))
            Foundation.exit(failure.exitCode)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch let error as HistoryStoreError {
            FileHandle.standardError.write(Data("flightdeck: \(error)\n".utf8))
            Foundation.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }  // --help, --version
            // A usage mistake: one line saying what is wrong, not the whole usage text.
            let message = self.message(for: error).replacingOccurrences(of: "\n", with: " ")
            FileHandle.standardError.write(Data("flightdeck: \(message) (see --help)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}
