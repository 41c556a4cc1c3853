import ClusterKit

/// The contract's rules for user-supplied values. Each returns the `validation_failed` error to throw, or nil.
///
/// Free text has two bounds: the rule users see counts characters (extended grapheme clusters,
/// what a person counts), and a hard bound counts UTF-8 bytes, because one character may be any
/// number of bytes ("a" with a thousand combining marks is one character). NUL is refused
/// everywhere: Postgres `text` cannot store it.
enum Validation {
    /// Room names: 1–100 characters and at most 400 UTF-8 bytes (the contract's limits).
    static let roomNameCharacters = 1...100
    static let roomNameMaxBytes = 400
    /// Passwords: 8–128 characters and at most 512 UTF-8 bytes.
    static let passwordCharacters = 8...128
    static let passwordMaxBytes = 512

    static func username(_ value: String) -> APIError? {
        let allowed = value.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
        guard allowed, (3...32).contains(value.utf8.count) else {
            return APIError(.validationFailed, "username must be 3-32 characters of A-Z, a-z, 0-9, '_', '.', '-'")
        }
        return nil
    }

    static func email(_ value: String) -> APIError? {
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard (3...254).contains(value.utf8.count), parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            !value.contains(where: { $0.isWhitespace }), !MessageLimits.containsNUL(value)
        else {
            return APIError(.validationFailed, "email must be an address like name@example.com")
        }
        return nil
    }

    static func password(_ value: String) -> APIError? {
        // Bytes first: counting characters walks the whole string.
        guard value.utf8.count <= passwordMaxBytes, passwordCharacters.contains(value.count) else {
            return APIError(.validationFailed, "password must be 8-128 characters and at most \(passwordMaxBytes) bytes")
        }
        guard !MessageLimits.containsNUL(value) else {
            return APIError(.validationFailed, "password must not contain NUL characters")
        }
        return nil
    }

    /// A room's topic: at most `roomTopicMaxBytes` UTF-8 bytes (may be empty), no NUL.
    static let roomTopicMaxBytes = 500

    static func roomTopic(_ value: String) -> APIError? {
        guard value.utf8.count <= roomTopicMaxBytes else {
            return APIError(.validationFailed, "topic must be at most \(roomTopicMaxBytes) bytes")
        }
        guard !MessageLimits.containsNUL(value) else {
            return APIError(.validationFailed, "topic must not contain NUL characters")
        }
        return nil
    }

    static func roomName(_ value: String) -> APIError? {
        guard value.utf8.count <= roomNameMaxBytes, roomNameCharacters.contains(value.count),
            !value.allSatisfy({ $0.isWhitespace })
        else {
            return APIError(
                .validationFailed, "name must be 1-100 characters, at most \(roomNameMaxBytes) bytes, and not only spaces"
            )
        }
        guard !MessageLimits.containsNUL(value) else {
            return APIError(.validationFailed, "name must not contain NUL characters")
        }
        return nil
    }
}
