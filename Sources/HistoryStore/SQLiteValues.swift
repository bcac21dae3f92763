import GRDBSQLite

// Binding and reading values through the SQLite C API, for the two hot paths (trace inserts
// and scrollback pages) where GRDB's per-value boxing costs more than SQLite itself.

/// SQLite copies the bytes before `bind` returns.
private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

@inline(__always)
func bind(_ handle: OpaquePointer, _ index: Int32, _ value: String?) {
    guard var value else {
        sqlite3_bind_null(handle, index)
        return
    }
    value.withUTF8 { bytes in
        if let base = bytes.baseAddress, bytes.count > 0 {
            base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { chars in
                _ = sqlite3_bind_text(handle, index, chars, Int32(bytes.count), transient)
            }
        } else {
            _ = sqlite3_bind_text(handle, index, "", 0, transient)
        }
    }
}

@inline(__always)
func bind(_ handle: OpaquePointer, _ index: Int32, _ value: Int64?) {
    if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
}

/// A text column read in place (length-delimited, so an embedded NUL cannot cut it short).
@inline(__always)
func text(_ handle: OpaquePointer, _ index: Int32) -> String? {
    guard let bytes = sqlite3_column_text(handle, index) else { return nil }
    let count = Int(sqlite3_column_bytes(handle, index))
    return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
}

@inline(__always)
func int64(_ handle: OpaquePointer, _ index: Int32) -> Int64? {
    sqlite3_column_type(handle, index) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, index)
}
