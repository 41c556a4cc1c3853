/// Who may do what in a room (contract v1.1, "Rules"), as pure decisions: the routes read the
/// roles, ask here, and carry out what is allowed. One place, so that every rule has a unit test.
///
/// The caller is a participant (a stranger was answered 404 before any of these is asked).
enum ParticipantRules {
    enum Decision: Equatable, Sendable {
        /// Do it.
        case allowed
        /// Nothing to do (already so): answer success.
        case unchanged
        /// 403 with this message.
        case forbidden(String)
    }

    /// The participant being acted on.
    struct Target: Equatable, Sendable {
        let userID: Int64
        /// `nil`: not a participant.
        let role: ParticipantRole?
    }

    /// The caller as a participant of a room.
    struct Caller: Equatable, Sendable {
        let userID: Int64
        let role: ParticipantRole
    }

    private static let directMessage = Decision.forbidden("a direct message has exactly its two participants")

    /// May `caller` add participants at all (before the body is read: 403 comes before 400)?
    static func mayManage(_ caller: Caller, isDirect: Bool) -> Decision {
        if isDirect { return directMessage }
        return caller.role == .member ? .forbidden("only the owner and admins manage participants") : .allowed
    }

    /// `caller` adds `target` with `role` (nil: as a member, or unchanged if already a participant).
    static func add(_ caller: Caller, _ target: Target, role: ParticipantRole?, isDirect: Bool) -> Decision {
        if case .forbidden(let why) = mayManage(caller, isDirect: isDirect) { return .forbidden(why) }
        guard target.role != nil else { return .allowed }
        guard let role else { return .unchanged }
        return changeRole(caller, target, to: role, isDirect: isDirect)
    }

    /// `caller` sets `target`'s role to `role` (`member` or `admin`). `target` is a participant.
    static func changeRole(_ caller: Caller, _ target: Target, to role: ParticipantRole, isDirect: Bool) -> Decision {
        if case .forbidden(let why) = mayManage(caller, isDirect: isDirect) { return .forbidden(why) }
        guard let current = target.role else { return .allowed }
        if current == .owner { return .forbidden("nobody changes the owner's role") }
        if role == .owner { return .forbidden("a room has exactly one owner") }
        if current == role { return .unchanged }
        if role < current {
            // A demotion: the owner's call alone (an admin may leave, not demote itself).
            return caller.role == .owner ? .allowed : .forbidden("only the owner demotes an admin")
        }
        return .allowed  // member → admin, by the owner or an admin
    }

    /// `caller` removes `target` (itself: leaving).
    static func remove(_ caller: Caller, _ target: Target, isDirect: Bool) -> Decision {
        if isDirect { return directMessage }
        if target.userID == caller.userID {
            return caller.role == .owner ? .forbidden("the owner cannot leave; delete the room instead") : .allowed
        }
        if caller.role == .member { return .forbidden("only the owner and admins remove participants") }
        switch target.role {
        case nil: return .unchanged
        case .owner?: return .forbidden("nobody removes the owner")
        case .admin?: return caller.role == .owner ? .allowed : .forbidden("only the owner removes an admin")
        case .member?: return .allowed
        }
    }

    /// May `role` (nil: not a participant, in a public room) rename the room or set its topic?
    static func update(role: ParticipantRole?, isOwner: Bool, isPrivate: Bool, isDirect: Bool) -> Decision {
        if isDirect { return .forbidden("a direct message has no name or topic to change") }
        if isOwner { return .allowed }
        if isPrivate, role == .admin { return .allowed }
        return .forbidden(isPrivate ? "only the owner and admins can change the room" : "only the room's owner can change it")
    }

    /// May the caller delete (close) the room?
    static func close(isOwner: Bool, isDirect: Bool) -> Decision {
        if isDirect { return .forbidden("a direct message cannot be deleted") }
        return isOwner ? .allowed : .forbidden("only the room's owner can delete it")
    }
}
