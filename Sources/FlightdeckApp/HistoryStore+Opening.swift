import HistoryStore

extension HistoryStore {
    /// Opens the history database at `path` (creating it when missing, unless read-only) off
    /// the cooperative pool: opening may wait on the disk, or on another process that holds
    /// the file's lock while it sets up the schema.
    public static func opening(path: String, options: Options = Options()) async throws -> HistoryStore {
        try await offThePool { try HistoryStore(path: path, options: options) }
    }
}
