import Dispatch

/// Runs `body` — synchronous work that may wait on the disk, such as opening a SQLite file —
/// on a Dispatch thread instead of one of the cooperative pool's few, and returns its result.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
