import FlightdeckCore
import Foundation

/// A container's exec liveness probe, read for what the simulation can check: the file it
/// looks at and how fresh that file must be.
///
/// Agents prove liveness by touching a heartbeat file; their probes are exec commands such as
/// `["sh","-c","find /workspace/.heartbeat -mmin -2 | grep ."]` (fresh within N minutes),
/// `["test","-f","/workspace/.heartbeat"]` or `["cat", …]` (exists). The first absolute path in
/// the command is the file; `-mmin -N` sets the maximum age. Probes of other kinds (HTTP, TCP,
/// gRPC, commands without a path) always pass in the simulation.
public struct LivenessProbe: Sendable, Hashable {
    /// The file, as the container sees it.
    public var path: String
    /// Maximum age in simulated seconds; `nil`: existence is enough.
    public var maxAge: Double?
    public var initialDelaySeconds: Double
    public var periodSeconds: Double
    public var failureThreshold: Int

    public init?(json: JSONValue?) {
        guard let json, let command = json[path: ["exec", "command"]]?.arrayValue?.compactMap(\.stringValue) else {
            return nil
        }
        let words = command.flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }
        guard let path = words.first(where: { $0.hasPrefix("/") && !$0.hasPrefix("/bin/") && !$0.hasPrefix("/usr/bin/") })
        else { return nil }
        self.path = path
        if let flag = words.firstIndex(of: "-mmin"), flag + 1 < words.count, words[flag + 1].hasPrefix("-"),
            let minutes = Double(words[flag + 1].dropFirst())
        {
            maxAge = minutes * 60
        } else {
            maxAge = nil
        }
        initialDelaySeconds = json["initialDelaySeconds"]?.doubleValue ?? 0
        periodSeconds = max(1, json["periodSeconds"]?.doubleValue ?? 10)
        failureThreshold = max(1, Int(json["failureThreshold"]?.int64Value ?? 3))
    }

    /// `nil` when the probe passes, else the failure message. `scale` converts the file's
    /// wall-clock age to simulated seconds.
    public func check(hostPath: String, now: Date, scale: Double) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: hostPath),
            let modified = attributes[.modificationDate] as? Date
        else { return "cat: can't open '\(path)': No such file or directory" }
        guard let maxAge, scale > 0 else { return nil }
        let age = now.timeIntervalSince(modified) / scale
        return age > maxAge ? "heartbeat \(path) is \(Int(age))s old (limit \(Int(maxAge))s)" : nil
    }
}
