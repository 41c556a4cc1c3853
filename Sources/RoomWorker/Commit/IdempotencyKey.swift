import Foundation

/// The idempotency key of a send within a room: the sender and its `client_msg_id`.
///
/// Compared and hashed by the id's UTF-8 bytes, as Postgres compares them. Swift's `String`
/// equality is Unicode canonical equivalence: "café" precomposed and decomposed are equal strings
/// but two different keys in the database, and treating them as one acked the second sender with
/// the seq of a message it did not store.
struct IdempotencyKey: Hashable, Sendable {
    let userID: Int64
    let clientMessageID: String

    static func == (lhs: Self, rhs: Self) -> Bool {
        guard lhs.userID == rhs.userID, lhs.clientMessageID.utf8.count == rhs.clientMessageID.utf8.count else { return false }
        var left = lhs.clientMessageID
        var right = rhs.clientMessageID
        return left.withUTF8 { a in right.withUTF8 { b in a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 } }
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(userID)
        var id = clientMessageID
        id.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Bytes this key holds in memory (its id's UTF-8 plus the entry's bookkeeping).
    var heldBytes: Int { clientMessageID.utf8.count + 64 }
}

/// An idempotency key with its room.
struct RoomKey: Hashable, Sendable {
    let roomID: Int64
    let key: IdempotencyKey
}
