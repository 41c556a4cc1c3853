import ClusterKit

/// The sends of one group commit, with their seqs assigned: per room, contiguous after
/// `previous[room]`, the room's `last_seq` that the commit's fence checks.
struct CommitBatch: Equatable, Sendable {
    var sends: [PendingSend]
    var previous: [Int64: Int64]

    var messages: [ChatMessage] { sends.map(\.message) }
}

/// Why Postgres refused one message of a batch on its own (a data error: SQLSTATE class 22 or 54,
/// or a unique violation that is not a resend).
struct CommitRejection: Equatable, Sendable, Error {
    /// The SQLSTATE, e.g. `22021` (a byte sequence the database cannot store).
    var sqlState: String
}
