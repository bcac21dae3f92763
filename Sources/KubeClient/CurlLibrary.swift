import CCurl

/// The libcurl this process loaded, as it reports itself at run time (`curl_version_info`):
/// what `doctor` shows, asked of the library rather than assumed from the build.
public enum CurlLibrary {
    /// e.g. "7.88.1".
    public static var version: String { String(cString: CCurl_version()) }
    /// Built with a TLS backend: needed for every real API server.
    public static var hasTLS: Bool { CCurl_hasTLS() != 0 }
    /// Can multiplex streams over one connection when the server offers HTTP/2.
    public static var hasHTTP2: Bool { CCurl_hasHTTP2() != 0 }
}
