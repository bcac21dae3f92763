import Dispatch

extension HistoryStore {
    /// Where async code's reads run: threads of Dispatch's own, not the cooperative pool's
    /// (two threads on a two-core machine, which a SQLite read waiting on the disk — or on
    /// another process's checkpoint — must not hold).
    private static let readers = DispatchQueue(label: "flightdeck.history-read", attributes: .concurrent)

    /// Runs `body` — any of the store's synchronous reads — off the cooperative pool and
    /// returns what it returned; its error is rethrown as it was (a `HistoryStoreError`).
    public func reading<T: Sendable>(_ body: @escaping @Sendable (HistoryStore) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Self.readers.async {
                continuation.resume(with: Result { try body(self) })
            }
        }
    }
}
