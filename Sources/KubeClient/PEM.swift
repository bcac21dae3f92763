import Foundation

/// Checks that bytes hold a PEM block of an expected kind, before they reach libcurl.
///
/// libcurl's error for a bad client key is an opaque "unable to set private key file" at
/// the first request; checking at load time lets the message name the kubeconfig, the
/// user and the field. This is a shape check (armour, label, base64 body), not an X.509
/// parse: the TLS library stays the judge of whether the certificate is usable.
public enum PEM {
    /// The block label for certificates.
    public static let certificateLabels = ["CERTIFICATE"]
    /// The key encodings libcurl/OpenSSL read without a passphrase.
    public static let privateKeyLabels = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"]

    /// The labels of the well-formed blocks in `bytes`, in order.
    public static func blockLabels(in bytes: [UInt8]) -> [String] {
        let text = String(decoding: bytes, as: UTF8.self)
        var labels: [String] = []
        var current: (label: String, body: String)?
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----") {
                current = (String(line.dropFirst(11).dropLast(5)), "")
            } else if line.hasPrefix("-----END "), line.hasSuffix("-----") {
                let label = String(line.dropFirst(9).dropLast(5))
                if let open = current, open.label == label, !open.body.isEmpty,
                   Data(base64Encoded: open.body) != nil {
                    labels.append(label)
                }
                current = nil
            } else if current != nil, !line.contains(":") {
                // RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`) are not part of the body.
                current?.body += line
            }
        }
        return labels
    }

    /// True when `bytes` hold at least one well-formed block with one of `labels`.
    public static func contains(_ labels: [String], in bytes: [UInt8]) -> Bool {
        blockLabels(in: bytes).contains(where: labels.contains)
    }

    /// Decodes a kubeconfig `*-data` value: standard base64, line breaks and spaces
    /// tolerated (Go's decoder skips `\r\n`; people paste wrapped `base64` output).
    public static func decodeBase64(_ text: String) -> [UInt8]? {
        let compact = text.filter { !$0.isWhitespace }
        guard !compact.isEmpty, let data = Data(base64Encoded: compact) else { return nil }
        return [UInt8](data)
    }
}
