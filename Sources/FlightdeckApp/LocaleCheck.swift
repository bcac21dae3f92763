/// Whether the terminal locale is UTF-8, from the same variables setlocale(3) reads.
public struct LocaleCheck {
    public let name: String
    public let isUTF8: Bool

    public init(environment: [String: String]) {
        let name = ["LC_ALL", "LC_CTYPE", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty } ?? ""
        self.name = name
        let lowered = name.lowercased()
        isUTF8 = lowered.contains("utf-8") || lowered.contains("utf8")
    }
}
