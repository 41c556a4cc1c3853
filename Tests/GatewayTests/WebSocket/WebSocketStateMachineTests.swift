import ClusterKit
import NIOCore
import Testing

@testable import Gateway

/// RFC 6455 after the upgrade, rule by rule, on the pure state machine: no sockets, no sleeps
/// (time is a number passed in).
@Suite struct WebSocketStateMachineTests {
    typealias Machine = WebSocketStateMachine
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    private func machine(_ configure: (inout Machine.Configuration) -> Void = { _ in }, expiresAt: NIODeadline? = nil) -> Machine {
        var configuration = Machine.Configuration()
        configuration.maxMessageBytes = 64
        configuration.maxFragments = 4
        configure(&configuration)
        return Machine(configuration: configuration, now: Self.start, expiresAt: expiresAt)
    }

    private func frame(_ opcode: UInt8, _ bytes: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0) -> Machine.Frame {
        Machine.Frame(fin: fin, reservedBits: rsv, opcode: opcode, masked: masked, payload: ByteBuffer(bytes: bytes))
    }

    private func text(_ string: String, fin: Bool = true) -> Machine.Frame { frame(0x1, Array(string.utf8), fin: fin) }

    private func failed(_ action: Machine.Action) -> CloseCode? {
        if case .closeConnection(let close?) = action { return close.code }
        return nil
    }

    private func receive(_ frames: [Machine.Frame], _ machine: inout Machine) -> [Machine.Action] {
        frames.map { machine.frameReceived($0, now: Self.start) }
    }

    // MARK: Messages

    @Test func aMaskedTextFrame_isDelivered() {
        var machine = machine()
        #expect(machine.frameReceived(text("hi"), now: Self.start) == .deliver(.text(ByteBuffer(string: "hi"))))
    }

    @Test func fragments_areJoined_inOrder_withControlFramesBetween() {
        var machine = machine()
        let actions = receive([text("a", fin: false), frame(0x9, [7]), frame(0x0, Array("b".utf8), fin: false), frame(0x0, Array("c".utf8))], &machine)
        #expect(actions == [.none, .sendPong(ByteBuffer(bytes: [7])), .none, .deliver(.text(ByteBuffer(string: "abc")))])
    }

    @Test func binaryMessages_areDeliveredAsBinary() {
        var machine = machine()
        #expect(machine.frameReceived(frame(0x2, [0xFF, 0x00]), now: Self.start) == .deliver(.binary(ByteBuffer(bytes: [0xFF, 0x00]))))
    }

    // MARK: Framing rules (1002)

    @Test func anUnmaskedClientFrame_failsWith1002() {
        var machine = machine()
        #expect(failed(machine.frameReceived(frame(0x1, [0x61], masked: false), now: Self.start)) == .protocolError)
        #expect(!machine.isOpen)
    }

    @Test(arguments: [0x40, 0x20, 0x10, 0x70] as [UInt8])
    func reservedBits_withoutAnExtension_failWith1002(rsv: UInt8) {
        var machine = machine()
        #expect(failed(machine.frameReceived(frame(0x1, [0x61], rsv: rsv), now: Self.start)) == .protocolError)
    }

    @Test(arguments: [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] as [UInt8])
    func reservedOpcodes_failWith1002(opcode: UInt8) {
        var machine = machine()
        #expect(failed(machine.frameReceived(frame(opcode, []), now: Self.start)) == .protocolError)
    }

    @Test func anOrphanContinuation_failsWith1002() {
        var machine = machine()
        #expect(failed(machine.frameReceived(frame(0x0, [0x61]), now: Self.start)) == .protocolError)
    }

    @Test func aNewMessageInsideAFragmentedOne_failsWith1002() {
        var machine = machine()
        let actions = receive([text("a", fin: false), text("b")], &machine)
        #expect(failed(actions[1]) == .protocolError)
    }

    @Test func aMalformedControlFrame_fromTheDecoder_failsWith1002_andAnOversizedFrameWith1009() {
        var first = machine()
        #expect(failed(first.decodingFailed(tooLarge: false)) == .protocolError)
        var second = machine()
        #expect(failed(second.decodingFailed(tooLarge: true)) == .messageTooBig)
    }

    // MARK: Limits

    @Test func aFragmentedMessageOverTheLimit_failsWith1009_assoonAsItIs() {
        var machine = machine()
        let actions = receive([text(String(repeating: "a", count: 40), fin: false), frame(0x0, Array(repeating: 0x61, count: 25), fin: false)], &machine)
        #expect(actions[0] == .none)
        #expect(failed(actions[1]) == .messageTooBig)
    }

    @Test func aMessageOfExactlyTheLimit_isDelivered() {
        var machine = machine()
        let actions = receive([text(String(repeating: "a", count: 32), fin: false), frame(0x0, Array(repeating: 0x61, count: 32))], &machine)
        #expect(actions[1] == .deliver(.text(ByteBuffer(string: String(repeating: "a", count: 64)))))
    }

    @Test func endlessEmptyContinuations_failWith1008_atTheFragmentCap() {
        var machine = machine()  // at most 4 fragments
        let actions = receive([text("", fin: false)] + Array(repeating: frame(0x0, [], fin: false), count: 4), &machine)
        #expect(Array(actions.prefix(4)) == [.none, .none, .none, .none])
        #expect(failed(actions[4]) == .policyViolation)
    }

    // MARK: UTF-8 (1007)

    @Test func invalidUTF8_inATextFrame_failsWith1007() {
        var machine = machine()
        #expect(failed(machine.frameReceived(frame(0x1, [0x61, 0xC0, 0xAF]), now: Self.start)) == .invalidPayload)
    }

    @Test func anInvalidFragment_failsAtOnce_beforeTheMessageEnds() {
        var machine = machine()
        let actions = receive([text("ok", fin: false), frame(0x0, [0xED, 0xA0, 0x80], fin: false)], &machine)  // a surrogate
        #expect(actions[0] == .none)
        #expect(failed(actions[1]) == .invalidPayload)
    }

    @Test func aCharacterSplitAcrossFragments_isValid() {
        var machine = machine()
        let euro: [UInt8] = [0xE2, 0x82, 0xAC]
        let actions = receive([frame(0x1, [euro[0]], fin: false), frame(0x0, [euro[1]], fin: false), frame(0x0, [euro[2]])], &machine)
        #expect(actions.last == .deliver(.text(ByteBuffer(bytes: euro))))
    }

    @Test func aMessageEndingInsideACharacter_failsWith1007() {
        var machine = machine()
        #expect(failed(machine.frameReceived(frame(0x1, [0x61, 0xE2, 0x82]), now: Self.start)) == .invalidPayload)
    }

    @Test func binaryMessages_areNotCheckedForUTF8() {
        var machine = machine()
        #expect(machine.frameReceived(frame(0x2, [0xC0, 0xAF]), now: Self.start) == .deliver(.binary(ByteBuffer(bytes: [0xC0, 0xAF]))))
    }

    // MARK: Close handshake

    @Test func aClientClose_isEchoed_andTheConnectionCloses() {
        var machine = machine()
        let close = machine.frameReceived(frame(0x8, [0x03, 0xE9] + Array("bye".utf8)), now: Self.start)
        #expect(close == .closeConnection(sendingClose: .init(code: .goingAway, reason: "")))
        #expect(machine.frameReceived(text("late"), now: Self.start) == .none)
    }

    @Test func anEmptyClose_isAnswered1000() {
        var machine = machine()
        #expect(machine.frameReceived(frame(0x8, []), now: Self.start) == .closeConnection(sendingClose: .init(code: .normal, reason: "")))
    }

    @Test func aOneByteClose_failsWith1002() {
        var machine = machine()
        #expect(failed(machine.frameReceived(frame(0x8, [0x03]), now: Self.start)) == .protocolError)
    }

    @Test(arguments: [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] as [UInt16])
    func invalidCloseCodes_failWith1002(code: UInt16) {
        var machine = machine()
        #expect(failed(machine.frameReceived(frame(0x8, [UInt8(code >> 8), UInt8(code & 0xFF)]), now: Self.start)) == .protocolError)
    }

    @Test(arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999] as [UInt16])
    func validCloseCodes_areEchoed(code: UInt16) {
        var machine = machine()
        let action = machine.frameReceived(frame(0x8, [UInt8(code >> 8), UInt8(code & 0xFF)]), now: Self.start)
        #expect(action == .closeConnection(sendingClose: .init(code: CloseCode(rawValue: code), reason: "")))
    }

    @Test func aCloseReasonThatIsNotUTF8_failsWith1007() {
        var machine = machine()
        #expect(failed(machine.frameReceived(frame(0x8, [0x03, 0xE8, 0xCE, 0xBA, 0xE1, 0xBD]), now: Self.start)) == .invalidPayload)
    }

    @Test func aServerClose_waitsForTheClientsClose_ignoringDataMeanwhile() {
        var machine = machine()
        #expect(machine.closeRequested(.init(code: .tokenRevoked, reason: "token revoked"), now: Self.start) == .sendClose(.init(code: .tokenRevoked, reason: "token revoked")))
        #expect(machine.closeRequested(.init(code: .normal, reason: ""), now: Self.start) == .none)  // the first close wins
        #expect(machine.frameReceived(text("still talking"), now: Self.start) == .none)
        #expect(machine.frameReceived(frame(0x9, []), now: Self.start) == .none)
        #expect(machine.frameReceived(frame(0x8, [0x0F, 0xA1]), now: Self.start) == .closeConnection(sendingClose: nil))
    }

    @Test func aServerClose_givesUpAfterTheCloseTimeout() {
        var machine = machine { $0.closeTimeout = .seconds(2) }
        _ = machine.closeRequested(.init(code: .goingAway, reason: ""), now: Self.start)
        #expect(machine.nextDeadline == Self.start + .seconds(2))
        #expect(machine.timerFired(now: Self.start + .seconds(1)) == .none)
        #expect(machine.timerFired(now: Self.start + .seconds(2)) == .closeConnection(sendingClose: nil))
        #expect(machine.nextDeadline == nil)
    }

    @Test func aSlowConsumersClose_waitsItsOwnGracePeriod() {
        var machine = machine()
        _ = machine.closeRequested(.init(code: .slowConsumer, reason: ""), now: Self.start, timeout: .seconds(60))
        #expect(machine.nextDeadline == Self.start + .seconds(60))
    }

    // MARK: Ping, idle, expiry

    @Test func aPing_isAnsweredWithItsPayload_andPongsAreIgnored() {
        var machine = machine()
        #expect(machine.frameReceived(frame(0x9, [1, 2, 3]), now: Self.start) == .sendPong(ByteBuffer(bytes: [1, 2, 3])))
        #expect(machine.frameReceived(frame(0xA, [9]), now: Self.start) == .none)
    }

    @Test func anIdleClient_isPinged_thenDropped_ifItStaysSilent() {
        var machine = machine { $0.pingInterval = .seconds(30); $0.pongTimeout = .seconds(10) }
        #expect(machine.nextDeadline == Self.start + .seconds(30))
        #expect(machine.timerFired(now: Self.start + .seconds(29)) == .none)
        #expect(machine.timerFired(now: Self.start + .seconds(30)) == .sendPing)
        #expect(machine.nextDeadline == Self.start + .seconds(40))
        #expect(machine.timerFired(now: Self.start + .seconds(35)) == .none)
        #expect(failed(machine.timerFired(now: Self.start + .seconds(40))) == .goingAway)
    }

    @Test func anyFrame_countsAsLife_andPostponesThePing() {
        var machine = machine { $0.pingInterval = .seconds(30); $0.pongTimeout = .seconds(10) }
        _ = machine.timerFired(now: Self.start + .seconds(30))  // ping sent
        _ = machine.frameReceived(frame(0xA, []), now: Self.start + .seconds(31))  // pong
        #expect(machine.nextDeadline == Self.start + .seconds(61))
        #expect(machine.timerFired(now: Self.start + .seconds(40)) == .none)
        #expect(machine.isOpen)
    }

    @Test func anExpiredToken_closesWith4001_atItsExpiry() {
        let expiry = Self.start + .seconds(5)
        var machine = machine(expiresAt: expiry)
        #expect(machine.nextDeadline == expiry)
        #expect(machine.timerFired(now: expiry) == .sendClose(.init(code: .tokenRevoked, reason: "token expired")))
    }
}
