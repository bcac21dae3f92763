import CCurl
import FlowControl
import Foundation
import Synchronization

/// HTTP for the Kubernetes API over libcurl's multi interface.
///
/// One thread per transport drives every transfer (requests, watches, log follows) through a
/// single multi handle, so long-lived streams cost no thread each and share connections
/// (HTTP/2 multiplexing when the server offers it). Transfers reach Swift as bounded
/// channels: a consumer that falls behind pauses its transfer (the socket stops being read)
/// rather than growing a buffer, and ending the consumer's iteration cancels the transfer.
public final class CurlTransport: Sendable {
    private let loop: CurlLoop

    public init(tls: TLSMaterial = TLSMaterial()) {
        CurlTransport.initializeOnce
        loop = CurlLoop(tls: tls)
    }

    deinit { loop.stop() }

    /// curl_global_init must run once before any other libcurl call (with OpenSSL told not to
    /// tear itself down at exit while a transfer may still be cleaned up on another thread).
    private static let initializeOnce: Void = {
        _ = CCurl_global_init()
    }()

    /// Body bytes buffered per transfer before it is paused, and the level it resumes at.
    public static let highWater = 256 << 10
    public static let lowWater = 64 << 10

    /// Starts the request; the head arrives first, then body chunks as the server sends them,
    /// as fast as the consumer reads them.
    public func stream(_ request: HTTPRequest) -> BoundedChannel<HTTPStreamEvent, any Error> {
        let loop = self.loop
        let (events, sender) = CurlTransfer.Events.make(highWater: Self.highWater, lowWater: Self.lowWater) { event in
            if case .data(let bytes) = event { bytes.count } else { 0 }
        }
        let transfer = CurlTransfer(request: request, sender: sender) { loop.resume($0) }
        sender.onTermination { loop.cancel(transfer) }
        loop.add(transfer)
        return events
    }

    /// Performs the request and collects the whole body.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        for try await event in stream(request) {
            switch event {
            case let .head(value): head = value
            case let .data(chunk): body += chunk
            }
        }
        guard let head else {
            throw TransportError(code: -1, message: "the server sent no response", url: request.url)
        }
        return HTTPResponse(head: head, body: body)
    }
}

/// The thread that owns the multi handle and every easy handle on it.
final class CurlLoop: @unchecked Sendable {
    private struct Inbox {
        var added: [CurlTransfer] = []
        var cancelled: [CurlTransfer] = []
        var resumed: [CurlTransfer] = []
        var stopped = false
    }

    let tls: TLSMaterial
    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    /// Touched only by the loop thread.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    init(tls: TLSMaterial) {
        self.tls = tls
        multi = curl_multi_init()!
        let thread = Thread { [self] in run() }
        thread.name = "flightdeck.curl"
        thread.start()
    }

    func add(_ transfer: CurlTransfer) {
        inbox.withLock { $0.added.append(transfer) }
        curl_multi_wakeup(multi)
    }

    func cancel(_ transfer: CurlTransfer) {
        inbox.withLock { $0.cancelled.append(transfer) }
        curl_multi_wakeup(multi)
    }

    /// The consumer drained a paused transfer's channel.
    func resume(_ transfer: CurlTransfer) {
        inbox.withLock { $0.resumed.append(transfer) }
        curl_multi_wakeup(multi)
    }

    func stop() {
        inbox.withLock { $0.stopped = true }
        curl_multi_wakeup(multi)
    }

    private func run() {
        while true {
            let work = inbox.withLock { inbox in
                defer { inbox.added = []; inbox.cancelled = []; inbox.resumed = [] }
                return inbox
            }
            for transfer in work.added {
                do {
                    let easy = try transfer.start(tls: tls)
                    active[easy] = transfer
                    curl_multi_add_handle(multi, easy)
                } catch {
                    transfer.finish(throwing: error)
                }
            }
            for transfer in work.cancelled { remove(transfer, error: CancellationError()) }
            for transfer in work.resumed {
                if let easy = transfer.easy, active[easy] != nil { transfer.resume() }
            }
            if work.stopped {
                for transfer in Array(active.values) { remove(transfer, error: CancellationError()) }
                curl_multi_cleanup(multi)
                return
            }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                      let transfer = active[easy] else { continue }
                let result = message.pointee.data.result
                active[easy] = nil
                curl_multi_remove_handle(multi, easy)
                transfer.complete(result)
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    private func remove(_ transfer: CurlTransfer, error: any Error) {
        guard let easy = transfer.easy, active[easy] != nil else { return }
        active[easy] = nil
        curl_multi_remove_handle(multi, easy)
        transfer.finish(throwing: error)
    }
}
