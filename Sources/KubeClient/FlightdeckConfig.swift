import ConfigYAML
import Foundation

/// The part of Flightdeck's own config file (`config.yaml`) that the Kubernetes client
/// reads: which exec credential plugins the operator allows.
///
/// Why an allow-list: a kubeconfig's `exec.command` is a program that runs with the
/// operator's rights, and kubeconfigs get passed around (a colleague's file, one pulled
/// from a cluster). kubectl runs whatever the file says; Flightdeck, which may be pointed
/// at a file just to look, runs only commands the operator named in a file they own.
///
/// ```yaml
/// kubernetes:
///   allowedExecCommands: [aws, kubelogin, /usr/local/bin/x]
/// ```
/// An entry without a `/` allows that command name wherever it is found (`aws` allows
/// `/usr/bin/aws` and `aws` in `PATH`); an absolute entry allows exactly that path.
public struct FlightdeckConfig: Sendable, Equatable {
    public var allowedExecCommands: [String]
    /// The file this was read from, or where it would be (named in messages).
    public var path: String

    public init(allowedExecCommands: [String] = [], path: String) {
        self.allowedExecCommands = allowedExecCommands
        self.path = path
    }

    /// `$XDG_CONFIG_HOME/flightdeck/config.yaml`, else `~/.config/flightdeck/config.yaml`.
    public static func defaultPath(environment: [String: String], homeDirectory: String) -> String {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            return PathRules.clean(xdg + "/flightdeck/config.yaml")
        }
        return PathRules.clean(homeDirectory + "/.config/flightdeck/config.yaml")
    }

    /// Reads the config at `path`; a missing file is an empty config (nothing allowed).
    /// Keys other than `kubernetes.allowedExecCommands` are left to their own readers.
    public static func load(path: String) throws(KubeconfigError) -> FlightdeckConfig {
        let file: LocalFile
        switch LocalFile.load(path) {
        case .success(let read): file = read
        case .failure(.missing): return FlightdeckConfig(path: path)
        case .failure(.unreadable(let reason)):
            throw KubeconfigError(.badFlightdeckConfig, file: path, "cannot read Flightdeck config \(path): \(reason); fix its permissions or move it aside")
        case .failure(.tooLarge(let limit)):
            throw KubeconfigError(.badFlightdeckConfig, file: path, "Flightdeck config \(path) is larger than \(limit) bytes; it is not a config file")
        }
        do throws(YAMLError) {
            let document = try YAMLDocument(text: String(decoding: file.bytes, as: UTF8.self), source: path)
            let kubernetes = try document.root?.mapping()?.mapping("kubernetes")
            let commands = try kubernetes?.strings("allowedExecCommands", expected: "a list of command names or absolute paths")
            return FlightdeckConfig(allowedExecCommands: commands ?? [], path: path)
        } catch {
            throw KubeconfigError.flightdeckConfig(error)
        }
    }

    /// True when `command` (as the kubeconfig gives it, after kubectl's path resolution)
    /// may run. `resolvedPath` is where `PATH` lookup found a bare name, if it did.
    public func allows(command: String, resolvedPath: String?) -> Bool {
        let basename = command.split(separator: "/").last.map(String.init) ?? command
        for entry in allowedExecCommands {
            if entry.hasPrefix("/") {
                let allowed = PathRules.clean(entry)
                if PathRules.clean(command) == allowed || resolvedPath.map(PathRules.clean) == allowed { return true }
            } else if !entry.contains("/"), entry == basename {
                return true
            }
        }
        return false
    }
}
