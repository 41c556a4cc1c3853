/// Validates UTF-8 incrementally (RFC 3629), so that a text message split over several frames is
/// checked as its fragments arrive: a fragment that is already invalid fails at once (RFC 6455
/// §8.1: fail fast), and a message is valid only if it ends on a character boundary.
///
/// Rejects overlong forms, surrogates (U+D800–U+DFFF) and code points above U+10FFFF.
struct UTF8Validator: Sendable, Equatable {
    /// Continuation bytes still expected for the current character.
    private var needed: UInt8 = 0
    /// The range the next continuation byte must be in (narrower than 0x80–0xBF right after
    /// E0, ED, F0 and F4, which is how overlongs, surrogates and values past U+10FFFF are refused).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    /// Whether everything validated so far ends on a character boundary.
    var isComplete: Bool { needed == 0 }

    /// Validates the next bytes; `false` as soon as they cannot be part of valid UTF-8.
    mutating func validate<Bytes: Sequence>(_ bytes: Bytes) -> Bool where Bytes.Element == UInt8 {
        let fast = bytes.withContiguousStorageIfAvailable { validate(buffer: $0) }
        if let fast { return fast }
        for byte in bytes where !step(byte) { return false }
        return true
    }

    private mutating func validate(buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let count = buffer.count
        while index < count {
            // ASCII runs, eight bytes at a time, while no character is open.
            if needed == 0 {
                while index + 8 <= count {
                    let word = UnsafeRawPointer(buffer.baseAddress! + index).loadUnaligned(as: UInt64.self)
                    guard word & 0x8080_8080_8080_8080 == 0 else { break }
                    index += 8
                }
                guard index < count else { break }
            }
            guard step(buffer[index]) else { return false }
            index += 1
        }
        return true
    }

    private mutating func step(_ byte: UInt8) -> Bool {
        if needed > 0 {
            guard byte >= lower, byte <= upper else { return false }
            needed -= 1
            lower = 0x80
            upper = 0xBF
            return true
        }
        switch byte {
        case 0x00...0x7F: return true
        case 0xC2...0xDF: expect(1)
        case 0xE0: expect(2, from: 0xA0)
        case 0xE1...0xEC, 0xEE...0xEF: expect(2)
        case 0xED: expect(2, to: 0x9F)
        case 0xF0: expect(3, from: 0x90)
        case 0xF1...0xF3: expect(3)
        case 0xF4: expect(3, to: 0x8F)
        default: return false  // 0x80–0xC1 (continuation or overlong lead), 0xF5–0xFF
        }
        return true
    }

    private mutating func expect(_ count: UInt8, from lower: UInt8 = 0x80, to upper: UInt8 = 0xBF) {
        needed = count
        self.lower = lower
        self.upper = upper
    }
}
