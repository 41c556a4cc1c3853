/// The contract's rules for user-supplied values. Each returns the `validation_failed` error to throw, or nil.
enum Validation {
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
            !value.contains(where: { $0.isWhitespace })
        else {
            return APIError(.validationFailed, "email must be an address like name@example.com")
        }
        return nil
    }

    static func password(_ value: String) -> APIError? {
        guard (8...128).contains(value.count) else {
            return APIError(.validationFailed, "password must be 8-128 characters")
        }
        return nil
    }

    static func roomName(_ value: String) -> APIError? {
        guard (1...100).contains(value.count), !value.allSatisfy({ $0.isWhitespace }) else {
            return APIError(.validationFailed, "name must be 1-100 characters and not only spaces")
        }
        return nil
    }
}
