/// The `type` of a client → server WebSocket frame, as the contract lists them.
///
/// Parsers switch over it exhaustively: a `type` that is not one of these is `bad_request`
/// ("unknown type"), never taken for another frame.
public enum ClientFrameType: String, CaseIterable, Sendable {
    /// `join` `{room_id, since_seq?}`: answered `joined`, then missed and live messages.
    case join
    /// `leave` `{room_id}`: answered `left`.
    case leave
    /// `send` `{room_id, content, client_msg_id?}`: answered `ack` once stored.
    case send
    /// `typing` `{room_id}`: the others in the room get `typing`; nothing is stored.
    case typing
    /// `ping`: answered `pong`.
    case ping
}
