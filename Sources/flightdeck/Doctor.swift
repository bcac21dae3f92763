import ArgumentParser
import FlightdeckApp
import Foundation
import KubeClient
import SimServer

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
            let agentRuntime = Result<String, any Error> { try AgentRuntimeInstallation.python(environment: environment) }
            let machine = MachineChecks(environment: environment, historyPath: history.resolvedPath, agentRuntime: agentRuntime)
            let connection = Result { () throws(KubeconfigError) in
                try KubeconfigLoader.live().load(kubeconfig: cluster.kubeconfig, context: cluster.context, namespace: cluster.namespace)
            }
            let settings = settings
            let clusterChecks = ClusterChecks(connection: connection, explicit: cluster.kubeconfig != nil || cluster.context != nil,
                configPath: settings.configPath, queues: { try settings.load(namespace: nil).queues }) {
                try settings.load(namespace: $0).settings
            }

            let report = DoctorReport(await machine.run() + clusterChecks.run())
            for line in report.lines(ascii: !LocaleCheck(environment: environment).isUTF8) { print(line) }
            if let failure = report.failure { throw failure }
            if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
        }
    }
}
