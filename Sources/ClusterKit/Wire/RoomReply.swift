import NIOCore

/// A worker's answer to a `RoomRequest`, published on `chorus:g:<gateway id>`.
public struct RoomReply: Equatable, Sendable {
    public enum Result: Equatable, Sendable {
        /// Joined; `replay` holds the encoded `message` frames `(sinceSeq, lastSeq]` when the worker's
        /// tail covers them (else `nil`: the gateway reads them from Postgres).
        case joined(lastSeq: Int64, replay: [ByteBuffer]?)
        /// The message is committed with `seq` (also for a duplicate `client_msg_id`).
        case acked(seq: Int64)
        /// Done (leave, typing, close).
        case done
        /// Refused with a contract error code (`room_not_found`, `unavailable`, ...).
        case failed(code: ErrorCode, message: String)
    }

    public var requestID: UInt64
    public var result: Result

    public init(requestID: UInt64, result: Result) {
        self.requestID = requestID
        self.result = result
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(requestID)
        switch result {
        case .joined(let lastSeq, let replay):
            buffer.writeInteger(UInt8(1))
            buffer.writeInteger(lastSeq)
            if let replay {
                buffer.writeInteger(UInt8(1))
                buffer.writeInteger(UInt32(replay.count))
                for frame in replay { buffer.writeWireBytes(frame) }
            } else {
                buffer.writeInteger(UInt8(0))
            }
        case .acked(let seq):
            buffer.writeInteger(UInt8(2))
            buffer.writeInteger(seq)
        case .done:
            buffer.writeInteger(UInt8(3))
        case .failed(let code, let message):
            buffer.writeInteger(UInt8(4))
            buffer.writeWireString(code.rawValue)
            buffer.writeWireString(message)
        }
    }

    init(decoding buffer: inout ByteBuffer) throws {
        requestID = try buffer.readWireInteger()
        switch try buffer.readWireInteger(as: UInt8.self) {
        case 1:
            let lastSeq: Int64 = try buffer.readWireInteger()
            var replay: [ByteBuffer]?
            if try buffer.readWireInteger(as: UInt8.self) == 1 {
                let count = Int(try buffer.readWireInteger(as: UInt32.self))
                guard count <= buffer.readableBytes / 4 else { throw WireError.truncated }
                var frames: [ByteBuffer] = []
                frames.reserveCapacity(count)
                for _ in 0..<count { frames.append(try buffer.readWireBytes()) }
                replay = frames
            }
            result = .joined(lastSeq: lastSeq, replay: replay)
        case 2: result = .acked(seq: try buffer.readWireInteger())
        case 3: result = .done
        case 4:
            let raw = try buffer.readWireString()
            guard let code = ErrorCode(rawValue: raw) else { throw WireError.invalidValue("error code \(raw)") }
            result = .failed(code: code, message: try buffer.readWireString())
        case let tag: throw WireError.invalidValue("reply kind \(tag)")
        }
    }
}
