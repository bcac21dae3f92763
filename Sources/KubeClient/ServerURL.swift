import Foundation

/// Validation of a cluster's `server` the way client-go reads it (`DefaultServerURL`).
enum ServerURL {
    /// `https://HOST[:PORT][/prefix]` or `http://...`. A value without a scheme
    /// (`10.0.0.1:6443`) gets https when TLS is configured and http otherwise, as in
    /// client-go. Returns the URL, its host (without IPv6 brackets) and port.
    static func validate(
        _ text: String, defaultTLS: Bool,
        _ failure: (String) -> KubeconfigError
    ) throws(KubeconfigError) -> (URL, String, Int) {
        var candidate = text.trimmingCharacters(in: .whitespaces)
        if !candidate.contains("://") {
            candidate = (defaultTLS ? "https://" : "http://") + candidate
        }
        guard let components = URLComponents(string: candidate), let url = components.url else {
            throw failure("is not a URL")
        }
        let scheme = components.scheme?.lowercased() ?? ""
        guard scheme == "https" || scheme == "http" else {
            throw failure("uses '\(scheme)'; the API server speaks only https (or http)")
        }
        guard var host = components.host, !host.isEmpty else { throw failure("has no host") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if components.user != nil || components.password != nil {
            throw failure("carries a user or password; put credentials in the user entry")
        }
        if components.query != nil || components.fragment != nil {
            throw failure("has a query or fragment")
        }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard (1 ... 65535).contains(port) else { throw failure("has port \(port), outside 1-65535") }
        return (url, host, port)
    }
}
