/// The themes the cockpit can switch to, by name: the shipped ones, then the user's
/// (`$XDG_CONFIG_HOME/flightdeck/themes/*.yaml`), a user theme replacing a shipped one of
/// the same name. Pure: the runtime reads the directories and hands over the texts.
public struct ThemeCatalog: Sendable {
    /// Theme texts by name, later sources winning.
    public private(set) var sources: [String: String] = [:]
    /// Names in the order first seen, for `:theme` completion and messages.
    public private(set) var names: [String] = []

    public init(_ sources: [(name: String, yaml: String)]) {
        add(name: DefaultTheme.name, yaml: DefaultTheme.yaml)
        for source in sources { add(name: source.name, yaml: source.yaml) }
    }

    public mutating func add(name: String, yaml: String) {
        if sources[name] == nil { names.append(name) }
        sources[name] = yaml
    }

    /// The named theme, or why it cannot be used.
    public func theme(named name: String) -> Result<Theme, ThemeError> {
        guard let yaml = sources[name] else {
            return .failure(ThemeError(file: name, problem: "no such theme (have: \(names.joined(separator: ", ")))"))
        }
        do { return .success(try Theme.parse(yaml: yaml, name: name)) } catch { return .failure(error) }
    }

    /// The named theme, or the default with the reason it was not used: what the cockpit
    /// shows at start-up and after `:theme NAME` (a broken file never leaves it unstyled).
    public func resolve(_ name: String) -> (theme: Theme, error: ThemeError?) {
        switch theme(named: name) {
        case .success(let theme): (theme, nil)
        case .failure(let error): (.default, error)
        }
    }
}
