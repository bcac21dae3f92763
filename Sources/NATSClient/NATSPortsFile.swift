import FlightdeckCore
import Foundation

/// The ports file nats-server writes with `--ports_file_dir` once its listeners are up,
/// `nats-server_<pid>.ports`: `{"nats":["nats://127.0.0.1:4222"], ...}`. How whoever
/// started a server with `-p -1` (a port of its own choosing, so no other process can take
/// one probed free beforehand) learns which port that is.
public enum NATSPortsFile {
    /// The client port from the ports file in `directory`; `nil` until it is written.
    public static func clientPort(inDirectory directory: String) -> Int? {
        guard let name = try? FileManager.default.contentsOfDirectory(atPath: directory).first(where: { $0.hasSuffix(".ports") }),
              let data = FileManager.default.contents(atPath: directory + "/" + name),
              let json = try? JSONParser().parse(Array(data)),
              let url = json["nats"]?.arrayValue?.first?.stringValue,
              let colon = url.lastIndex(of: ":")
        else { return nil }
        return Int(url[url.index(after: colon)...])
    }
}
