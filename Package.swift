// swift-tools-version:6.1
//
// Flightdeck: a terminal cockpit for autonomous AI agents running as Kubernetes Jobs on k3s.
// One idea per target; data flows one way: sources -> orchestrator -> store -> UI.
import PackageDescription

let package = Package(
    name: "Flightdeck",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "flightdeck", targets: ["flightdeck"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        // MARK: - C interop (prefixed shims for what Swift cannot call directly)
        .target(
            name: "CCurses",
            cSettings: [.define("_XOPEN_SOURCE_EXTENDED"), .define("NCURSES_WIDECHAR", to: "1")],
            linkerSettings: [.linkedLibrary("ncursesw")]
        ),
        .target(
            name: "CCurl",
            linkerSettings: [.linkedLibrary("curl")]
        ),
        /// posix_spawn into a session of its own, with a working directory (GNU extensions).
        .target(name: "CProcess"),

        // MARK: - Pure domain
        .target(name: "FlightdeckCore"),

        /// Demand that flows back from a consumer to its producers: the bounded channel every
        /// stream between a socket and the store goes through.
        .target(name: "FlowControl", dependencies: [.product(name: "DequeModule", package: "swift-collections")]),

        /// Flightdeck's YAML files read for people: typed fields by path, one-line errors naming
        /// file, line, column and field, and hostile documents (huge, deep, alias bombs) refused.
        .target(name: "ConfigYAML", dependencies: ["FlightdeckCore", .product(name: "Yams", package: "Yams")]),

        /// Kubernetes objects as typed views over their JSON (unknown fields survive), paths,
        /// selectors, patches, Status errors: shared by the client and the simulated cluster.
        .target(name: "KubeModel", dependencies: ["FlightdeckCore"]),

        /// OpenTelemetry traces (OTLP/HTTP, protobuf or JSON) read into neutral spans and mapped
        /// onto the trace records of jobs, in pure code: what `flightdeck serve` ingests.
        .target(
            name: "OTLPIngest",
            dependencies: ["FlightdeckCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Proto"]
        ),

        /// The embedded simulated k3s: the API server's storage semantics (resourceVersion,
        /// watch history, pagination, finalizers), then its controllers and HTTP front.
        .target(name: "SimCluster", dependencies: ["FlightdeckCore", "KubeModel", "SimAgent", "CProcess"]),

        /// The simulated agent that runs inside simulated pods: a seeded coding-agent script
        /// emitted in the trace protocol, real workspace files, a SQLite checkpoint it resumes
        /// from, failure modes and operator commands.
        .target(
            name: "SimAgent",
            dependencies: [
                "FlightdeckCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),

        /// The simulated cluster's HTTPS front: the Kubernetes REST API over SwiftNIO, with a
        /// certificate authority it generates and the kubeconfig it writes for clients.
        .target(
            name: "SimServer",
            dependencies: [
                "FlightdeckCore",
                "KubeModel",
                "SimCluster",
                "SimAgent",
                "NATSClient",
                "NATSAuth",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        /// The manifests Flightdeck deploys, as pure functions of a task and the cluster settings:
        /// each agent's Job, workspace claim and Secret, and the install bundle.
        .target(
            name: "AgentManifests",
            dependencies: ["FlightdeckCore", "KubeModel", "ConfigYAML", "NATSAuth", .product(name: "Yams", package: "Yams")]
        ),

        /// Keeps the history true to the cluster (reconcile), and deploys and steers agent Jobs.
        .target(
            name: "Orchestrator",
            dependencies: ["FlightdeckCore", "FlowControl", "KubeModel", "KubeClient", "HistoryStore", "AgentManifests",
                "NATSClient"]
        ),

        /// The cockpit, pure: state, messages, `update`, layout, panes rendering into a
        /// `CellGrid`, themes, and the frame diff. No I/O: values in, grids and intents out.
        .target(
            name: "CockpitUI",
            dependencies: ["FlightdeckCore", "ConfigYAML"]
        ),

        /// The application: what the commands and the cockpit do, between the orchestrator and
        /// the executable — submitting and retrying tasks, one reconcile pass, the cockpit's
        /// effects, reading agents' workspaces. The executable keeps argument parsing and wiring.
        .target(
            name: "FlightdeckApp",
            dependencies: ["FlightdeckCore", "FlowControl", "KubeModel", "KubeClient", "HistoryStore", "AgentManifests", "Orchestrator",
                "NATSClient", "NATSAuth", "CockpitUI", "TerminalIO", "SimAgent", "HTTPServing", "OTLPIngest",
                .product(name: "Crypto", package: "swift-crypto")]
        ),

        // MARK: - I/O edges
        /// HTTP/1.1 serving on SwiftNIO (optionally TLS): whole requests (gzip decoded) to a
        /// handler, whole or streamed answers, every buffer bounded, slow clients dropped.
        .target(
            name: "HTTPServing",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
            ]
        ),
        /// The terminal: the ncurses backend that blits frame diffs and reads keys, capability
        /// detection, restoring the terminal on every way out, and a recording backend.
        .target(
            name: "TerminalIO",
            dependencies: ["CockpitUI", "CCurses", "FlightdeckCore"]
        ),
        /// NATS identities the decentralized way: NKeys, JWTs, `.creds` files, the bus's keys
        /// and the users minted from them (per job, per operator tool), in pure code.
        .target(
            name: "NATSAuth",
            dependencies: ["FlightdeckCore", "NATSClient", .product(name: "Crypto", package: "swift-crypto")]
        ),
        /// NATS and JetStream: the protocol parser (pure) and a reconnecting client.
        .target(
            name: "NATSClient",
            dependencies: [
                "FlightdeckCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "KubeClient",
            dependencies: [
                "FlightdeckCore",
                "KubeModel",
                "CCurl",
                "FlowControl",
                "ConfigYAML",
            ]
        ),
        .target(
            name: "HistoryStore",
            dependencies: [
                "FlightdeckCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),

        // MARK: - Executables
        .executableTarget(
            name: "flightdeck",
            dependencies: [
                "FlightdeckApp",
                "FlightdeckCore",
                "HistoryStore",
                "SimCluster",
                "SimServer",
                "KubeClient",
                "Orchestrator",
                "KubeModel",
                "AgentManifests",
                "NATSClient",
                "NATSAuth",
                "CockpitUI",
                "TerminalIO",
                "HTTPServing",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "flightdeck-bench",
            dependencies: [
                "FlightdeckApp",
                "FlightdeckCore",
                "HistoryStore",
                "KubeClient",
                "KubeModel",
                "SimCluster",
                "SimServer",
                "NATSClient",
                "Orchestrator",
                "FlightdeckTestSupport",
                "CockpitUI",
                "TerminalIO",
                "OTLPIngest",
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),

        // MARK: - Tests
        .target(
            name: "FlightdeckTestSupport",
            dependencies: ["FlightdeckCore", "NATSClient", "NATSAuth", "AgentManifests"]
        ),
        .testTarget(
            name: "FlightdeckCoreTests",
            dependencies: ["FlightdeckCore", "FlightdeckTestSupport"]
        ),
        .testTarget(
            name: "FlightdeckAppTests",
            dependencies: ["FlightdeckApp", "FlightdeckCore", "FlightdeckTestSupport", "AgentManifests", "HistoryStore",
                "KubeClient", "KubeModel", "Orchestrator", "SimCluster", "SimServer", "CockpitUI", "NATSClient", "TerminalIO", "NATSAuth",
                "HTTPServing"]
        ),
        .testTarget(
            name: "FlowControlTests",
            dependencies: ["FlowControl"]
        ),
        .testTarget(
            name: "ConfigYAMLTests",
            dependencies: ["ConfigYAML", "FlightdeckCore"]
        ),
        .testTarget(
            name: "KubeModelTests",
            dependencies: ["KubeModel", "FlightdeckCore"]
        ),
        .testTarget(
            name: "KubeClientTests",
            dependencies: ["KubeClient", "FlightdeckCore", "FlightdeckTestSupport"]
        ),
        .testTarget(
            name: "SimClusterTests",
            dependencies: ["SimCluster", "SimAgent", "KubeModel", "FlightdeckCore", "FlightdeckTestSupport"]
        ),
        .testTarget(
            name: "SimAgentTests",
            dependencies: ["SimAgent", "FlightdeckCore", "FlightdeckTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "SimServerTests",
            dependencies: ["SimServer", "SimCluster", "KubeClient", "KubeModel", "FlightdeckCore", "FlightdeckTestSupport"]
        ),
        .testTarget(
            name: "OrchestratorTests",
            dependencies: ["Orchestrator", "SimServer", "SimCluster", "KubeClient", "KubeModel", "HistoryStore",
                "FlightdeckCore", "FlightdeckTestSupport", "AgentManifests", "NATSClient", "NATSAuth"]
        ),
        .testTarget(
            name: "NATSAuthTests",
            dependencies: ["NATSAuth", "NATSClient", "FlightdeckCore", "FlightdeckTestSupport"]
        ),
        .testTarget(
            name: "NATSClientTests",
            dependencies: ["NATSClient", "FlightdeckCore", "FlightdeckTestSupport"]
        ),
        .testTarget(
            name: "AgentManifestsTests",
            dependencies: ["AgentManifests", "SimServer", "SimCluster", "KubeClient", "KubeModel", "FlightdeckCore",
                "FlightdeckTestSupport"],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "HistoryStoreTests",
            dependencies: ["HistoryStore", "FlightdeckCore", "FlightdeckTestSupport"]
        ),
        .testTarget(
            name: "CockpitUITests",
            dependencies: ["CockpitUI", "FlightdeckCore", "FlightdeckTestSupport"]
        ),
        .testTarget(
            name: "TerminalIOTests",
            dependencies: ["TerminalIO", "CockpitUI", "FlightdeckTestSupport"]
        ),
        .testTarget(
            name: "OTLPIngestTests",
            dependencies: ["OTLPIngest", "FlightdeckCore"]
        ),
        .testTarget(
            name: "FlightdeckCLITests",
            dependencies: ["FlightdeckCore", "FlightdeckTestSupport"],
            exclude: ["Python"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
