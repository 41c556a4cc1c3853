import Foundation

/// The contract's limits on a `send`, in UTF-8 bytes (what Postgres stores and indexes), checked
/// by the gateway when a frame arrives and again by the worker before a message enters a batch:
/// the worker does not trust what reaches it over Redis.
public enum MessageLimits {
    /// Largest `content`.
    public static let maxContentBytes = 4_096
    /// Longest `client_msg_id`. Postgres indexes it: ids near its 2,704-byte index row limit made
    /// a whole batch fail.
    public static let maxClientMessageIDBytes = 64

    /// Why a send breaks the limits (the error code and message to answer), or nil.
    public static func violation(content: String, clientMessageID: String?) -> (code: ErrorCode, message: String)? {
        let bytes = content.utf8.count
        if bytes == 0 { return (.badRequest, "'content' must not be empty") }
        if bytes > maxContentBytes { return (.tooLarge, "'content' is longer than \(maxContentBytes) bytes") }
        if containsNUL(content) { return (.badRequest, "'content' must not contain NUL characters") }
        if let id = clientMessageID {
            // Bytes, not characters: one Character may be thousands of bytes (combining marks).
            guard (1...maxClientMessageIDBytes).contains(id.utf8.count) else {
                return (.badRequest, "'client_msg_id' must be 1-\(maxClientMessageIDBytes) bytes")
            }
            if containsNUL(id) { return (.badRequest, "'client_msg_id' must not contain NUL characters") }
        }
        return nil
    }

    /// `true` if `text` holds a NUL; a `memchr` over its UTF-8, not a byte-by-byte loop.
    public static func containsNUL(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return false }
            return memchr(base, 0, bytes.count) != nil
        }
    }
}
