import CCurl
import FlowControl
import Foundation

/// One request on the multi handle: its easy handle, the C callbacks' state, and the bounded
/// channel it feeds. Used only on the loop thread once started.
///
/// Demand flows back to the socket: when the consumer lets the channel fill to its high water
/// mark, the transfer is paused (`CURLPAUSE_RECV`: libcurl stops reading, the kernel's and
/// then the server's buffers fill, and the server stops sending); once the consumer has
/// drained it, the loop resumes the transfer.
final class CurlTransfer: @unchecked Sendable {
    typealias Events = BoundedChannel<HTTPStreamEvent, any Error>

    let request: HTTPRequest
    private let sender: Events.Sender
    /// Called (from any thread) when the paused transfer may read again.
    private let onDemand: @Sendable (CurlTransfer) -> Void
    /// Paused for want of demand (loop thread only).
    private(set) var paused = false
    private(set) var easy: UnsafeMutableRawPointer?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
    private var headerLines: [String] = []
    private var headSent = false
    private var finished = false

    init(request: HTTPRequest, sender: Events.Sender, onDemand: @escaping @Sendable (CurlTransfer) -> Void) {
        self.request = request
        self.sender = sender
        self.onDemand = onDemand
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        if let easy { curl_easy_cleanup(easy) }
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    // MARK: - Setup

    /// Configures the easy handle. Key material is copied into libcurl as blobs.
    func start(tls: TLSMaterial) throws -> UnsafeMutableRawPointer {
        guard let easy = curl_easy_init() else {
            throw TransportError(code: -1, message: "libcurl could not create a transfer", url: request.url)
        }
        self.easy = easy
        var ok = true
        func check(_ code: CURLcode) { ok = ok && code == CURLE_OK }

        check(CCurl_easy_setopt_string(easy, CURLOPT_URL, request.url))
        check(CCurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        check(CCurl_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1))
        check(CCurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer))
        check(CCurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout * 1000)))
        if let timeout = request.timeout {
            check(CCurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(timeout * 1000)))
        }

        switch request.method {
        case "GET": break
        case "HEAD": check(CCurl_easy_setopt_long(easy, CURLOPT_NOBODY, 1))
        default: check(CCurl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, request.method))
        }
        if let body = request.body {
            check(CCurl_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            // COPYPOSTFIELDS copies `POSTFIELDSIZE` bytes now: the body may hold NULs.
            let copied = (body.isEmpty ? [0] : body).withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { CCurl_easy_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
            }
            check(copied)
        }
        // No "Expect: 100-continue" round trip for large bodies.
        for line in request.headers + ["Expect:"] { headerList = curl_slist_append(headerList, line) }
        check(CCurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList))

        if let ca = tls.certificateAuthorityPEM {
            check(blob(easy, CURLOPT_CAINFO_BLOB, ca))
        }
        if let certificate = tls.clientCertificatePEM {
            check(CCurl_easy_setopt_string(easy, CURLOPT_SSLCERTTYPE, "PEM"))
            check(blob(easy, CURLOPT_SSLCERT_BLOB, certificate))
        }
        if let key = tls.clientKeyPEM {
            check(CCurl_easy_setopt_string(easy, CURLOPT_SSLKEYTYPE, "PEM"))
            check(blob(easy, CURLOPT_SSLKEY_BLOB, key))
        }
        if tls.insecureSkipVerify {
            check(CCurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 0))
            check(CCurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 0))
        }

        let context = Unmanaged.passUnretained(self).toOpaque()
        check(CCurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context))
        check(CCurl_easy_setopt_write_function(easy, curlWrite))
        check(CCurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context))
        check(CCurl_easy_setopt_header_function(easy, curlHeader))
        guard ok else {
            throw TransportError(code: -1, message: "libcurl rejected the request options", url: request.url)
        }
        return easy
    }

    private func blob(_ easy: UnsafeMutableRawPointer, _ option: CURLoption, _ bytes: [UInt8]) -> CURLcode {
        bytes.withUnsafeBytes { CCurl_easy_setopt_blob(easy, option, $0.baseAddress, $0.count) }
    }

    // MARK: - Callbacks (loop thread)

    fileprivate func received(header line: String) {
        if line.hasPrefix("HTTP/") { headerLines = [] }  // a new response block (after 1xx)
        headerLines.append(line)
    }

    fileprivate func received(body bytes: UnsafeBufferPointer<UInt8>) {
        sendHead()
        guard !sender.offer(.data(Array(bytes))), !sender.isTerminated, !paused, let easy else { return }
        // The channel is full: stop reading until the consumer has drained it.
        paused = CCurl_easy_pause_receive(easy) == CURLE_OK
        guard paused else { return }
        sender.whenDrained { [self] in onDemand(self) }
    }

    /// Reads again after a pause (loop thread). libcurl may deliver data it held at once,
    /// from inside this call, which may pause the transfer again.
    func resume() {
        guard paused, let easy else { return }
        paused = false
        _ = CCurl_easy_resume(easy)
    }

    private func sendHead() {
        guard !headSent, let easy else { return }
        headSent = true
        var status = 0
        _ = CCurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        var headers: [(name: String, value: String)] = []
        for line in headerLines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            headers.append((name, value))
        }
        _ = sender.offer(.head(HTTPResponseHead(status: status, headers: headers)))
    }

    // MARK: - Completion (loop thread)

    func complete(_ result: CURLcode) {
        if result == CURLE_OK {
            sendHead()
            finish(throwing: nil)
        } else {
            let detail = String(cString: errorBuffer)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail
            finish(throwing: TransportError(code: Int(result.rawValue), message: message, url: request.url))
        }
    }

    func finish(throwing error: (any Error)?) {
        guard !finished else { return }
        finished = true
        sender.finish(throwing: error)
    }
}

// MARK: - C entry points

private let curlWrite: CCurl_data_callback = { data, size, count, context in
    guard let data, let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    data.withMemoryRebound(to: UInt8.self, capacity: length) {
        transfer.received(body: UnsafeBufferPointer(start: $0, count: length))
    }
    return length
}

private let curlHeader: CCurl_data_callback = { data, size, count, context in
    guard let data, let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
    transfer.received(header: line)
    return length
}
