import AgentManifests
import ArgumentParser
import FlightdeckApp
import Foundation
import KubeClient
import Orchestrator

extension Flightdeck {
    /// The HTTP side: jobs and traces from history, each job's trace live as Server-Sent
    /// Events, an OpenAPI document, and optionally the cockpit's actions and OTLP ingest.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve history over HTTP: jobs, traces, live SSE streams (and, if asked, actions and OTLP ingest).",
            discussion: """
                It reads the history file; run `flightdeck record --serve` instead for one process that keeps the \
                history and serves it. Binds 127.0.0.1:8077 by default; any other address needs TLS and a bearer token.
                """)

        @OptionGroup var history: HistoryOptions
        @OptionGroup var serve: ServeOptions
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var settings: SettingsOptions

        func run() async throws {
            let listener = try serve.listener()
            let store = try await history.opened(readOnly: !(serve.otlp || serve.allowActions))  // OTLP and retry write
            var actions: ServeActions?
            let config: ManifestConfig
            if serve.allowActions {
                let connection = try cluster.connection()
                config = try settings.load(namespace: connection.namespace)
                actions = try await ServeOptions.actions(connection: connection, config: config,
                    configPath: settings.configPath, store: store)
            } else {
                config = try settings.load(namespace: nil)
            }
            let feed = try await store.reading { LiveFeed(store: $0) }
            let api = ServeAPI(store: store, feed: feed, options: serve.apiOptions(listener, prices: config.prices,
                actions: actions, store: store))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await feed.followOtherWriters() }
                group.addTask {
                    try await ServeRun.serve(api, listener: listener, say: Self.say) { await Signals.waitForTermination() }
                }
                try await group.next()
                group.cancelAll()
            }
        }

        static func say(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }
}
