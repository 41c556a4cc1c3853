import ClusterKit
import Testing

/// Which close codes tell a client to reconnect and resume, and which are final.
@Suite struct CloseCodeTests {
    @Test(arguments: [1001, 1006, 1011, 1012, 1013, 4008] as [UInt16])
    func reconnectCodes_askTheClientToResume(code: UInt16) {
        #expect(CloseCode(rawValue: code).clientShouldReconnect)
    }

    @Test(arguments: [1000, 1002, 1003, 1007, 1008, 1009, 4001, 4000, 3000] as [UInt16])
    func finalCodes_askForNoRetry(code: UInt16) {
        #expect(!CloseCode(rawValue: code).clientShouldReconnect)
    }

    @Test func contractCodes_haveTheirNumbers() {
        #expect(CloseCode.goingAway.rawValue == 1001)
        #expect(CloseCode.messageTooBig.rawValue == 1009)
        #expect(CloseCode.tokenRevoked.rawValue == 4001)
        #expect(CloseCode.slowConsumer.rawValue == 4008)
    }
}
