/// The client → server frames the harness sends, as JSON text bytes. Content and ids are ASCII
/// made by the harness, so nothing needs escaping.
public enum ClientRequest {
    public static func join(roomID: Int64, sinceSeq: Int64? = nil) -> [UInt8] {
        if let sinceSeq {
            return Array(#"{"type":"join","room_id":\#(roomID),"since_seq":\#(sinceSeq)}"#.utf8)
        }
        return Array(#"{"type":"join","room_id":\#(roomID)}"#.utf8)
    }

    public static func leave(roomID: Int64) -> [UInt8] {
        Array(#"{"type":"leave","room_id":\#(roomID)}"#.utf8)
    }

    public static let ping: [UInt8] = Array(#"{"type":"ping"}"#.utf8)

    /// A `send` whose content carries `sentNanos` and is `contentSize` bytes long.
    public static func send(roomID: Int64, sentNanos: UInt64, contentSize: Int, clientMessageID: String) -> [UInt8] {
        var bytes = Array(#"{"type":"send","room_id":\#(roomID),"content":""#.utf8)
        bytes.reserveCapacity(bytes.count + contentSize + clientMessageID.utf8.count + 24)
        bytes.append(contentsOf: MessageContent.bytes(sentNanos: sentNanos, size: contentSize))
        bytes.append(contentsOf: #"","client_msg_id":""#.utf8)
        bytes.append(contentsOf: clientMessageID.utf8)
        bytes.append(contentsOf: #""}"#.utf8)
        return bytes
    }
}
