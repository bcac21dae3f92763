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

    /// Opens the history database at `path` (creating it when missing, unless read-only) off
    /// the cooperative pool, on the readers' threads: opening may wait on the disk, or on
    /// another process that holds the file's lock while it sets up the schema.
    public static func opening(path: String, options: Options = Options()) async throws -> HistoryStore {
        try await withCheckedThrowingContinuation { continuation in
            readers.async {
                continuation.resume(with: Result { try HistoryStore(path: path, options: options) })
            }
        }
    }
}
