import ClusterKit
import NIOCore

/// The in-memory state of a room this worker owns: its committed `lastSeq`, a bounded tail of
/// encoded messages for fast resume, the idempotency window, and presence (who is joined, through
/// which gateways). Pure value logic, no I/O.
struct OwnedRoom {
    let roomID: Int64
    private(set) var lastSeq: Int64
    private var tail = CircularBuffer<(seq: Int64, frame: ByteBuffer)>()
    private let tailCapacity: Int
    private var recent: [IdempotencyKey: Int64] = [:]
    private var recentOrder = CircularBuffer<IdempotencyKey>()
    private let windowCapacity: Int
    /// userID → (username, connections per gateway).
    private(set) var presence: [Int64: (username: String, gateways: [String: Int])] = [:]
    /// The participants of a private room (`nil`: the room is public, everyone may join). Loaded
    /// with the room and read again after every `access` request.
    private(set) var participants: Set<Int64>?
    /// Set when the room is handed over (the ring moved it away, or it was idle): new requests
    /// are refused or held while Postgres releases it.
    var releasing = false
    /// Bytes of the tail's frames (their buffers' capacity: what they hold in memory).
    private var tailBytes = 0
    /// Bytes of the idempotency window's keys.
    private var keyBytes = 0

    /// What this room holds in memory, roughly: its tail's frames, its key window and its presence.
    var heldBytes: Int { Self.baseBytes + tailBytes + keyBytes + presence.count * 128 + (participants?.count ?? 0) * 16 }
    /// What an empty room costs (its slot, its entry in every table).
    static let baseBytes = 512

    /// `true` while the tail or the key window holds anything that `shed()` would drop.
    var canShed: Bool { tailBytes + keyBytes > 0 }
    /// `true` while a user is joined.
    var hasPresence: Bool { !presence.isEmpty }

    init(roomID: Int64, lastSeq: Int64, tailCapacity: Int, windowCapacity: Int, participants: Set<Int64>? = nil) {
        self.roomID = roomID
        self.participants = participants
        self.lastSeq = lastSeq
        self.tailCapacity = tailCapacity
        self.windowCapacity = windowCapacity
    }

    // MARK: Messages

    /// Records committed messages (ascending seq, continuing `lastSeq`).
    mutating func committed(_ message: ChatMessage, frame: ByteBuffer) {
        lastSeq = max(lastSeq, message.seq)
        if tailCapacity > 0 {
            if tail.count == tailCapacity, let dropped = tail.popFirst() { tailBytes -= dropped.frame.capacity }
            tail.append((message.seq, frame))
            tailBytes += frame.capacity
        }
        if let clientID = message.clientMessageID {
            remember(IdempotencyKey(userID: message.userID, clientMessageID: clientID), seq: message.seq)
        }
    }

    /// Remembers that `key` is stored as `seq`.
    mutating func remember(_ key: IdempotencyKey, seq: Int64) {
        guard windowCapacity > 0, recent[key] == nil else { return }
        if recentOrder.count == windowCapacity, let oldest = recentOrder.popFirst() {
            recent[oldest] = nil
            keyBytes -= oldest.heldBytes
        }
        recent[key] = seq
        recentOrder.append(key)
        keyBytes += key.heldBytes
    }

    /// Drops the tail and the key window (the room was idle, or the worker is over its memory
    /// budget). The room stays owned with its `lastSeq` and presence: a resume is then read from
    /// Postgres by the gateway, and a resend is caught by the database's unique key. Both fill
    /// again as the room is used.
    mutating func shed() {
        tail = CircularBuffer()
        recent = [:]
        recentOrder = CircularBuffer()
        tailBytes = 0
        keyBytes = 0
    }

    /// The seq already given to `key`, if it is in the window.
    func storedSeq(for key: IdempotencyKey) -> Int64? { recent[key] }

    /// The encoded messages `(sinceSeq, lastSeq]` if the tail holds all of them and there are at most `limit`.
    func replay(after sinceSeq: Int64, limit: Int) -> [ByteBuffer]? {
        guard sinceSeq < lastSeq else { return [] }
        guard lastSeq - sinceSeq <= Int64(limit), let first = tail.first, first.seq <= sinceSeq + 1 else { return nil }
        return tail.filter { $0.seq > sinceSeq }.map(\.frame)
    }

    // MARK: Access

    /// `true` if `userID` may join, send and type here (any user, in a public room).
    func admits(_ userID: Int64) -> Bool {
        participants?.contains(userID) ?? true
    }

    /// A fresh read of this private room's participants replaces the set: returns the users no
    /// longer in it, and those of them that were present (their presence ends here).
    mutating func replaceParticipants(_ fresh: Set<Int64>) -> (gone: [Int64], present: [(userID: Int64, username: String)]) {
        guard let old = participants else { return ([], []) }
        participants = fresh
        let gone = old.subtracting(fresh).sorted()
        var present: [(Int64, String)] = []
        for userID in gone {
            if let entry = presence.removeValue(forKey: userID) { present.append((userID, entry.username)) }
        }
        return (gone, present)
    }

    // MARK: Presence

    /// A connection of `userID` joined through `gateway`; `true` if it is the user's first anywhere.
    mutating func join(userID: Int64, username: String, gateway: String) -> Bool {
        var entry = presence[userID] ?? (username, [:])
        let first = entry.gateways.isEmpty
        entry.gateways[gateway, default: 0] += 1
        presence[userID] = entry
        return first
    }

    /// Sets how many connections `userID` has through `gateway` (a re-join after an ownership
    /// change); `true` if the user was not present before.
    mutating func setConnections(userID: Int64, username: String, gateway: String, count: Int) -> Bool {
        var entry = presence[userID] ?? (username, [:])
        let first = entry.gateways.isEmpty
        entry.gateways[gateway] = count > 0 ? count : nil
        presence[userID] = entry.gateways.isEmpty ? nil : entry
        return first && count > 0
    }

    /// A connection of `userID` on `gateway` left; `true` if it was the user's last anywhere.
    mutating func leave(userID: Int64, gateway: String) -> Bool {
        guard var entry = presence[userID], let count = entry.gateways[gateway] else { return false }
        entry.gateways[gateway] = count > 1 ? count - 1 : nil
        if entry.gateways.isEmpty {
            presence[userID] = nil
            return true
        }
        presence[userID] = entry
        return false
    }

    /// Forgets every connection through `gateway` (it died); returns the users that are no longer
    /// present anywhere.
    mutating func dropGateway(_ gateway: String) -> [(userID: Int64, username: String)] {
        var gone: [(Int64, String)] = []
        for (userID, var entry) in presence where entry.gateways[gateway] != nil {
            entry.gateways[gateway] = nil
            if entry.gateways.isEmpty {
                presence[userID] = nil
                gone.append((userID, entry.username))
            } else {
                presence[userID] = entry
            }
        }
        return gone
    }

    /// Carries presence over from an earlier state of the same room (after a reload).
    mutating func adoptPresence(from other: OwnedRoom) {
        presence = other.presence
    }
}
