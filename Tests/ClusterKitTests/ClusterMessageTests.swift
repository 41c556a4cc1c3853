@testable import ClusterKit
import NIOCore
import Testing

@Suite struct ClusterMessageTests {
    @Test(arguments: [
        ClusterMessage.tokenRevoked(jti: "3f1c-é", userID: 42, expiresAt: 1_795_000_000),
        ClusterMessage.tokenRevoked(jti: "", userID: Int64.max, expiresAt: 0),
        ClusterMessage.userRevoked(userID: 7),
    ])
    func roundTrips(message: ClusterMessage) throws {
        #expect(try ClusterMessage(decoding: message.encoded()) == message)
    }

    @Test func encodingIsPinned() {
        // Version 1 bytes: a change here breaks mixed-version clusters during a rolling upgrade.
        let bytes = Array(ClusterMessage.userRevoked(userID: 258).encoded().readableBytesView)
        #expect(bytes == [1, 2, 0, 0, 0, 0, 0, 0, 1, 2])
    }

    @Test func unknownVersion_isRejected() {
        #expect(throws: WireError.unsupportedVersion(9)) { try ClusterMessage(decoding: ByteBuffer(bytes: [9, 1])) }
    }

    @Test func unknownKind_isRejected() {
        #expect(throws: WireError.unknownKind(200)) { try ClusterMessage(decoding: ByteBuffer(bytes: [1, 200])) }
    }

    @Test func everyTruncation_isRejectedWithoutTrapping() {
        let full = Array(ClusterMessage.tokenRevoked(jti: "abc", userID: 1, expiresAt: 2).encoded().readableBytesView)
        for length in 0..<full.count {
            #expect(throws: WireError.self) { try ClusterMessage(decoding: ByteBuffer(bytes: full.prefix(length))) }
        }
    }

    @Test func trailingBytes_areRejected() {
        var buffer = ClusterMessage.userRevoked(userID: 1).encoded()
        buffer.writeInteger(UInt8(0))
        #expect(throws: WireError.trailingBytes(1)) { try ClusterMessage(decoding: buffer) }
    }

    @Test func hugeStringLength_isRejected() {
        let bytes: [UInt8] = [1, 1, 0xFF, 0xFF, 0xFF, 0xFF, 65]
        #expect(throws: WireError.truncated) { try ClusterMessage(decoding: ByteBuffer(bytes: bytes)) }
    }
}
