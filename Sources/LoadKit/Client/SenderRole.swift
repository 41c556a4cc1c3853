/// What a sending connection sends: to which room, how big, and how many members receive it.
struct SenderRole {
    let roomID: Int64
    /// Connections joined to the room (the sender's own included): deliveries per message.
    let members: Int
    /// Number of this sender in the run (first part of its `client_msg_id`s).
    let number: Int
    /// Content bytes per message.
    let contentSize: Int
    /// A real client resends an `unavailable` send with the same `client_msg_id` (stored once,
    /// same seq); the harness does too, this many times, 100 ms × attempt apart.
    let maximumRetries: Int
    /// Sends so far (second part of the `client_msg_id`s; unique per sender).
    var counter: UInt64 = 0
}
