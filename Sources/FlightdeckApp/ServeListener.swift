import Foundation
import HTTPServing

/// Where and how `flightdeck serve` listens, decided from its flags: loopback by default and
/// then plain HTTP is allowed; any other address only over TLS and with a bearer token.
public struct ServeListener: Sendable {
    public var configuration: HTTPServer.Configuration
    /// Asked of every request; `nil` only on loopback without TLS or `--token-file`.
    public var token: ServeToken?
    /// Where the token is, when one is asked (to tell the operator).
    public var tokenPath: String?
    /// The token was made just now (the operator is told where it is).
    public var tokenCreated: Bool

    /// `--listen`: `HOST:PORT`, `[IPv6]:PORT`, or `:PORT` (loopback).
    public static func address(_ text: String) throws -> (host: String, port: Int) {
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw OperatorError("--listen \(TerminalText.line(text)): expected HOST:PORT, [IPv6]:PORT or :PORT")
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw OperatorError("--listen \(TerminalText.line(text)): expected HOST:PORT, [IPv6]:PORT or :PORT")
            }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard let number = Int(port), (0...65535).contains(number) else {
            throw OperatorError("--listen \(TerminalText.line(text)): the port must be a number from 0 to 65535")
        }
        return (host.isEmpty ? "127.0.0.1" : String(host), number)
    }

    /// Whether `host` is reachable from this machine only.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The listener the flags ask for. TLS files are read here (one line naming the file when
    /// one cannot be); the token is made in `defaultTokenPath` when needed and missing.
    public static func make(listen: String, tlsCertificate: String?, tlsKey: String?, tokenFile: String?,
        defaultTokenPath: String, maxConnections: Int = 4096) throws -> ServeListener
    {
        let (host, port) = try address(listen)
        var tls: HTTPServer.Configuration.TLS?
        switch (tlsCertificate, tlsKey) {
        case (let certificate?, let key?):
            tls = .init(certificatePEM: try read(certificate, what: "--tls-cert"), privateKeyPEM: try read(key, what: "--tls-key"),
                source: certificate)
        case (nil, nil): tls = nil
        default: throw OperatorError("--tls-cert and --tls-key go together")
        }
        let loopback = isLoopback(host)
        if !loopback, tls == nil {
            throw OperatorError("--listen \(TerminalText.line(listen)) is not a loopback address: serving beyond this machine needs TLS (--tls-cert and --tls-key) and a bearer token")
        }
        var listener = ServeListener(configuration: .init(host: host, port: port, tls: tls, maxConnections: maxConnections),
            token: nil, tokenPath: nil, tokenCreated: false)
        if !loopback || tls != nil || tokenFile != nil {
            let path = tokenFile ?? defaultTokenPath
            let (token, created) = try ServeToken.load(path: path, create: tokenFile == nil)
            listener.token = ServeToken(token)
            listener.tokenPath = path
            listener.tokenCreated = created
        }
        return listener
    }

    private static func read(_ path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw OperatorError("\(what) \(TerminalText.line(path)): cannot read it (no such file, or permission denied)")
        }
        guard let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN ") else {
            throw OperatorError("\(what) \(TerminalText.line(path)): not a PEM file")
        }
        return text
    }
}
