import ClusterKit
import Foundation
import NIOCore

/// A client → server frame, validated: everything the contract calls `bad_request` or `too_large`
/// is rejected here, with the `ref` the error frame must echo.
enum ClientFrame: Equatable {
    case join(roomID: Int64, sinceSeq: Int64?)
    case leave(roomID: Int64)
    case send(roomID: Int64, content: String, clientMessageID: String?)
    case typing(roomID: Int64)
    case ping

    struct Rejection: Error, Equatable {
        let code: ErrorCode
        let message: String
        let ref: String?
    }

    private struct Raw: Decodable {
        let type: String?
        let room_id: Int64?
        let since_seq: Int64?
        let content: String?
        let client_msg_id: String?
    }

    /// The frame's `type`.
    var type: ClientFrameType {
        switch self {
        case .join: .join
        case .leave: .leave
        case .send: .send
        case .typing: .typing
        case .ping: .ping
        }
    }

    /// Parses one text frame.
    static func parse(_ text: String) throws(Rejection) -> ClientFrame {
        try parse(data: Data(text.utf8))
    }

    /// Parses one text message (valid UTF-8: the WebSocket layer checked it).
    static func parse(_ bytes: ByteBuffer) throws(Rejection) -> ClientFrame {
        try parse(data: Data(bytes.readableBytesView))
    }

    private static func parse(data: Data) throws(Rejection) -> ClientFrame {
        let raw: Raw
        do {
            raw = try JSONDecoder().decode(Raw.self, from: data)
        } catch {
            // Recover the ref if the frame is an object with a string client_msg_id or type.
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            let ref = (object?["client_msg_id"] as? String) ?? (object?["type"] as? String)
            throw Rejection(code: .badRequest, message: Self.describe(error), ref: ref)
        }
        let ref = raw.client_msg_id ?? raw.type
        func bad(_ message: String) -> Rejection { Rejection(code: .badRequest, message: message, ref: ref) }
        func requiredRoomID() throws(Rejection) -> Int64 {
            guard let roomID = raw.room_id else { throw bad("missing field 'room_id'") }
            return roomID
        }
        guard let name = raw.type else { throw bad("missing field 'type'") }
        guard let type = ClientFrameType(rawValue: name) else { throw bad("unknown type '\(name)'") }
        switch type {
        case .ping:
            return .ping
        case .join:
            let roomID = try requiredRoomID()
            if let since = raw.since_seq, since < 0 { throw bad("'since_seq' must not be negative") }
            return .join(roomID: roomID, sinceSeq: raw.since_seq)
        case .leave:
            return .leave(roomID: try requiredRoomID())
        case .typing:
            return .typing(roomID: try requiredRoomID())
        case .send:
            let roomID = try requiredRoomID()
            guard let content = raw.content else { throw bad("missing field 'content'") }
            if let violation = MessageLimits.violation(content: content, clientMessageID: raw.client_msg_id) {
                throw Rejection(code: violation.code, message: violation.message, ref: ref)
            }
            return .send(roomID: roomID, content: content, clientMessageID: raw.client_msg_id)
        }
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "frame is not valid JSON" }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return field.isEmpty ? "frame must be a JSON object" : "field '\(field)' has the wrong type"
        case .dataCorrupted(let context):
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return field.isEmpty ? "frame is not valid JSON" : "field '\(field)' is invalid"
        default:
            return "frame is not valid JSON"
        }
    }
}
