/// A participant's role in a private room (contract v1.1).
enum ParticipantRole: String, Sendable, Codable, Equatable, Comparable {
    case member, admin, owner

    /// Roles rank member < admin < owner.
    static func < (lhs: ParticipantRole, rhs: ParticipantRole) -> Bool {
        lhs.rank < rhs.rank
    }

    private var rank: Int {
        switch self {
        case .member: 0
        case .admin: 1
        case .owner: 2
        }
    }
}
