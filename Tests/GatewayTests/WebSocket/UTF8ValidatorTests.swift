import Testing

@testable import Gateway

@Suite struct UTF8ValidatorTests {
    private func validates(_ bytes: [UInt8]) -> Bool {
        var validator = UTF8Validator()
        return validator.validate(bytes) && validator.isComplete
    }

    @Test func agreesWithTheStandardLibrary_onEveryLeadByte_andTheEdgesOfEveryContinuationRange() {
        // Every lead byte with every second byte, plus valid continuations: the standard library's
        // validating decoder is the reference.
        var disagreements: [[UInt8]] = []
        for first in UInt8.min...UInt8.max {
            // Second bytes: the boundaries of every continuation range, and bytes outside them.
            for second in [0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF] as [UInt8] {
                for tail in [[], [0x80], [0xBF], [0x80, 0x80], [0xBF, 0xBF]] as [[UInt8]] {
                    let bytes = [first, second] + tail
                    if validates(bytes) != (String(validating: bytes, as: UTF8.self) != nil) { disagreements.append(bytes) }
                }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
    }

    @Test(arguments: [
        ([0xC0, 0xAF], false),  // overlong '/'
        ([0xE0, 0x80, 0xAF], false),  // overlong
        ([0xED, 0xA0, 0x80], false),  // surrogate U+D800
        ([0xF4, 0x90, 0x80, 0x80], false),  // U+110000
        ([0xF0, 0x9F, 0x98, 0x80], true),  // U+1F600
        ([0xEF, 0xBF, 0xBF], true),  // U+FFFF
        (Array("plain ascii, longer than eight bytes".utf8), true),
    ] as [([UInt8], Bool)])
    func knownCases(bytes: [UInt8], valid: Bool) {
        #expect(validates(bytes) == valid)
    }

    @Test func validatesAcrossChunkBoundaries_andFailsOnTheFirstBadChunk() {
        var validator = UTF8Validator()
        let first = validator.validate([0xF0, 0x9F])
        #expect(first)
        #expect(!validator.isComplete)
        let second = validator.validate([0x98])
        let third = validator.validate([0x80, 0x61])
        #expect(second && third)
        #expect(validator.isComplete)
        let bad = validator.validate([0x61, 0xFF])
        #expect(!bad)
    }
}
