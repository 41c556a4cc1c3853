import NIOCore
import Testing

@testable import LoadKit

@Suite struct WebSocketFrameCodecTests {
    private func serverFrame(opcode: UInt8 = 0x1, fin: Bool = true, payload: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger((fin ? 0x80 : 0) | opcode)
        if payload.count < 126 {
            buffer.writeInteger(UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(payload.count))
        } else {
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(payload.count))
        }
        buffer.writeBytes(payload)
        return buffer
    }

    @Test(arguments: [0, 5, 125, 126, 300, 65_535, 65_536, 200_000])
    func unmaskedServerFramesOfEveryLengthEncoding(length: Int) throws {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
        var buffer = serverFrame(payload: payload)
        buffer.writeBytes([0x81])  // the start of the next frame stays
        guard case .frame(let frame) = WebSocketFrameCodec.parse(&buffer) else {
            Issue.record("no frame")
            return
        }
        #expect(frame.fin)
        #expect(frame.opcode == .text)
        #expect(Array(frame.payload.readableBytesView) == payload)
        #expect(buffer.readableBytes == 1)
    }

    @Test func aPartialFrameWaitsForMoreBytes() {
        let whole = serverFrame(payload: Array(repeating: 65, count: 300))
        for cut in [0, 1, 3, 100, whole.readableBytes - 1] {
            var partial = whole.getSlice(at: 0, length: cut)!
            guard case .needMoreBytes = WebSocketFrameCodec.parse(&partial) else {
                Issue.record("cut at \(cut) was not needMoreBytes")
                continue
            }
            #expect(partial.readableBytes == cut)
        }
    }

    @Test func controlAndContinuationFramesAreRecognised() throws {
        var buffer = serverFrame(opcode: 0x8, payload: [0x0F, 0xA0])
        guard case .frame(let close) = WebSocketFrameCodec.parse(&buffer) else { Issue.record("no frame"); return }
        #expect(close.opcode == .close)
        var payload = close.payload
        #expect(payload.readInteger(as: UInt16.self) == 4000)
        var fragment = serverFrame(opcode: 0x0, fin: false, payload: [1])
        guard case .frame(let continuation) = WebSocketFrameCodec.parse(&fragment) else { Issue.record("no frame"); return }
        #expect(continuation.opcode == .continuation)
        #expect(!continuation.fin)
    }

    @Test func reservedBitsOrUnknownOpcodesAreInvalid() {
        var reserved = ByteBuffer(bytes: [0xC1, 0x00])
        guard case .invalid = WebSocketFrameCodec.parse(&reserved) else { Issue.record("reserved bits accepted"); return }
        var unknown = ByteBuffer(bytes: [0x83, 0x00])
        guard case .invalid = WebSocketFrameCodec.parse(&unknown) else { Issue.record("opcode 3 accepted"); return }
    }

    @Test(arguments: [0, 10, 125, 126, 1_000, 70_000])
    func clientFramesAreMaskedAndReadBack(length: Int) throws {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7) }
        var buffer = ByteBuffer()
        WebSocketFrameCodec.writeClientFrame(opcode: .text, payload: payload, maskKey: 0xA1B2_C3D4, into: &buffer)
        #expect(buffer.getInteger(at: 0, as: UInt8.self) == 0x81)
        #expect(buffer.getInteger(at: 1, as: UInt8.self)! & 0x80 == 0x80)
        if length > 0 {
            #expect(!buffer.readableBytesView.suffix(length).elementsEqual(payload))
        }
        guard case .frame(let frame) = WebSocketFrameCodec.parse(&buffer) else { Issue.record("no frame"); return }
        #expect(Array(frame.payload.readableBytesView) == payload)
        #expect(buffer.readableBytes == 0)
    }
}
