import FlightdeckCore
import Foundation
import KubeModel

/// The long-running services Flightdeck deploys (the Squid egress proxy, NATS) as the
/// simulated runtime plays them: what they print when they start, that they then serve
/// until SIGTERM, and what they print on the way out. Pure: times, the container spec and
/// the config file's text are given, so the lines are tested without running anything.
public enum ServiceProgram: Sendable, Hashable {
    case squid
    case nats

    /// The program an image runs, by its repository's last path segment (tag and digest
    /// dropped): `…/squid` → Squid; `nats`, `nats-server` → NATS.
    public static func of(image: String) -> ServiceProgram? {
        let name = repositoryName(image)
        if name == "squid" { return .squid }
        if name == "nats" || name == "nats-server" { return .nats }
        return nil
    }

    static func repositoryName(_ image: String) -> String {
        let withoutDigest = image.split(separator: "@").first.map(String.init) ?? image
        let last = withoutDigest.split(separator: "/").last.map(String.init) ?? withoutDigest
        return (last.split(separator: ":").first.map(String.init) ?? last).lowercased()
    }

    /// The version the image's tag starts with (`6.6-24.04_edge` → `6.6`), else the one
    /// Flightdeck pins.
    func version(image: String) -> String {
        let withoutDigest = image.split(separator: "@").first.map(String.init) ?? image
        let last = withoutDigest.split(separator: "/").last.map(String.init) ?? withoutDigest
        let tag = last.split(separator: ":").dropFirst().first.map(String.init) ?? ""
        let version = String(tag.prefix { $0.isNumber || $0 == "." })
        if !version.isEmpty, version.first?.isNumber == true { return version }
        switch self {
        case .squid: return "6.6"
        case .nats: return "2.10.22"
        }
    }

    /// The config file the command line names (`squid -f FILE`, `nats-server --config FILE`).
    func configPath(_ container: Container) -> String? {
        let words = container.command + container.args
        let flags = self == .squid ? ["-f"] : ["--config", "-c"]
        guard let index = words.firstIndex(where: flags.contains), index + 1 < words.count else { return nil }
        return words[index + 1]
    }

    /// The first value of `key` in a config file (`http_port 3128`, `port: 4222`).
    static func setting(_ key: String, in config: String?) -> String? {
        for line in (config ?? "").split(separator: "\n") {
            let words = line.trimmingSpaces.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" })
            guard words.first.map(String.init) == key, words.count >= 2 else { continue }
            return String(words[1])
        }
        return nil
    }

    static func firstPort(_ container: Container) -> String? {
        container.json["ports"]?.arrayValue?.first?["containerPort"]?.int64Value.map { String($0) }
    }

    /// What the program prints as it starts, up to "ready to serve".
    func startLines(container: Container, config: String?, podName: String, at now: Date) -> [String] {
        let image = container.image ?? ""
        let version = version(image: image)
        switch self {
        case .squid:
            let stamp = Self.squidStamp(now)
            let port = Self.setting("http_port", in: config) ?? Self.firstPort(container) ?? "3128"
            return [
                "\(stamp) Current Directory is /",
                "\(stamp) Starting Squid Cache version \(version) for x86_64-pc-linux-gnu...",
                "\(stamp) Service Name: squid",
                "\(stamp) Process ID 1",
                "\(stamp) Process Roles: master worker",
                "\(stamp) With 1048576 file descriptors available",
                "\(stamp) Initializing IP Cache...",
                "\(stamp) Logfile: opening log stdio:/dev/stdout",
                "\(stamp) Store logging disabled",
                "\(stamp) Accepting HTTP Socket connections at conn1 local=[::]:\(port) remote=[::] FD 12 flags=9",
            ]
        case .nats:
            let stamp = Self.natsStamp(now)
            let name = Self.setting("server_name", in: config) ?? podName
            let port = Self.setting("port", in: config) ?? "4222"
            var lines = [
                "\(stamp) [INF] Starting nats-server",
                "\(stamp) [INF]   Version:  \(version)",
                "\(stamp) [INF]   Name:     \(name)",
            ]
            if let path = configPath(container) { lines.append("\(stamp) [INF] Using configuration file: \(path)") }
            if let monitor = Self.setting("http_port", in: config) {
                lines.append("\(stamp) [INF] Starting http monitor on 0.0.0.0:\(monitor)")
            }
            if let store = jetStreamDirectory(config) {
                lines.append("\(stamp) [INF] Starting JetStream")
                lines.append("\(stamp) [INF]     Store Directory: \"\(store)\"")
            }
            lines.append("\(stamp) [INF] Listening for client connections on 0.0.0.0:\(port)")
            lines.append("\(stamp) [INF] Server is ready")
            return lines
        }
    }

    /// What the program prints after SIGTERM, before it exits 0.
    func stopLines(container: Container, config: String?, at now: Date) -> [String] {
        switch self {
        case .squid:
            let stamp = Self.squidStamp(now)
            let port = Self.setting("http_port", in: config) ?? Self.firstPort(container) ?? "3128"
            return [
                "\(stamp) Preparing for shutdown after 0 requests",
                "\(stamp) Closing HTTP(S) port [::]:\(port)",
                "\(stamp) Shutting down...",
                "\(stamp) Squid Cache (Version \(version(image: container.image ?? ""))): Exiting normally.",
            ]
        case .nats:
            let stamp = Self.natsStamp(now)
            var lines = ["\(stamp) [INF] Trapped \"terminated\" signal", "\(stamp) [INF] Initiating Shutdown..."]
            if jetStreamDirectory(config) != nil {
                lines += ["\(stamp) [INF] Initiating JetStream Shutdown...", "\(stamp) [INF] JetStream Shutdown"]
            }
            lines.append("\(stamp) [INF] Server Exiting..")
            return lines
        }
    }

    /// NATS's JetStream `store_dir`, when the config enables JetStream.
    func jetStreamDirectory(_ config: String?) -> String? {
        guard self == .nats, let config, config.contains("jetstream") else { return nil }
        return Self.setting("store_dir", in: config) ?? "/tmp/nats/jetstream"
    }

    /// Squid's cache.log stamp: `2026/11/29 04:23:08|`.
    static func squidStamp(_ date: Date) -> String {
        let text = RFC3339.string(from: date)  // 2026-11-29T04:23:08.123Z
        return text.prefix(10).replacingOccurrences(of: "-", with: "/") + " " + text.dropFirst(11).prefix(8) + "|"
    }

    /// nats-server's stamp with its pid: `[1] 2026/11/29 04:23:08.123000`.
    static func natsStamp(_ date: Date) -> String {
        let text = RFC3339.string(from: date)
        return "[1] " + text.prefix(10).replacingOccurrences(of: "-", with: "/") + " " + text.dropFirst(11).prefix(12)
            + "000"
    }
}
