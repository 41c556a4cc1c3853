import Testing

@testable import Gateway

/// The role rules of contract v1.1, every combination, without I/O.
@Suite struct ParticipantRulesTests {
    typealias Rules = ParticipantRules
    static let owner = Rules.Caller(userID: 1, role: .owner)
    static let admin = Rules.Caller(userID: 2, role: .admin)
    static let member = Rules.Caller(userID: 3, role: .member)

    func target(_ id: Int64, _ role: ParticipantRole?) -> Rules.Target { .init(userID: id, role: role) }

    func allowed(_ decision: Rules.Decision) -> Bool { decision == .allowed }
    func forbidden(_ decision: Rules.Decision) -> Bool { if case .forbidden = decision { true } else { false } }

    @Test func onlyTheOwnerAndAdminsManage_andNobodyInADirectMessage() {
        #expect(allowed(Rules.mayManage(Self.owner, isDirect: false)))
        #expect(allowed(Rules.mayManage(Self.admin, isDirect: false)))
        #expect(forbidden(Rules.mayManage(Self.member, isDirect: false)))
        for caller in [Self.owner, Self.admin, Self.member] {
            #expect(forbidden(Rules.mayManage(caller, isDirect: true)))
            #expect(forbidden(Rules.remove(caller, target(caller.userID, caller.role), isDirect: true)))
            #expect(forbidden(Rules.update(role: caller.role, isOwner: caller.role == .owner, isPrivate: true, isDirect: true)))
            #expect(forbidden(Rules.close(isOwner: caller.role == .owner, isDirect: true)))
        }
    }

    @Test func adding() {
        for caller in [Self.owner, Self.admin] {
            #expect(allowed(Rules.add(caller, target(9, nil), role: nil, isDirect: false)))
            #expect(allowed(Rules.add(caller, target(9, nil), role: .admin, isDirect: false)))
            #expect(Rules.add(caller, target(9, .member), role: nil, isDirect: false) == .unchanged)
            #expect(Rules.add(caller, target(9, .admin), role: nil, isDirect: false) == .unchanged)  // not demoted
            #expect(allowed(Rules.add(caller, target(9, .member), role: .admin, isDirect: false)))
        }
        #expect(forbidden(Rules.add(Self.member, target(9, nil), role: nil, isDirect: false)))
        #expect(forbidden(Rules.add(Self.admin, target(9, .admin), role: .member, isDirect: false)))
        #expect(allowed(Rules.add(Self.owner, target(9, .admin), role: .member, isDirect: false)))
    }

    @Test func roles_promotedByOwnerOrAdmin_demotedByTheOwnerOnly_theOwnerUntouchable() {
        #expect(allowed(Rules.changeRole(Self.owner, target(9, .member), to: .admin, isDirect: false)))
        #expect(allowed(Rules.changeRole(Self.admin, target(9, .member), to: .admin, isDirect: false)))
        #expect(allowed(Rules.changeRole(Self.owner, target(9, .admin), to: .member, isDirect: false)))
        #expect(forbidden(Rules.changeRole(Self.admin, target(9, .admin), to: .member, isDirect: false)))
        #expect(forbidden(Rules.changeRole(Self.admin, target(2, .admin), to: .member, isDirect: false)))  // itself
        #expect(Rules.changeRole(Self.admin, target(2, .admin), to: .admin, isDirect: false) == .unchanged)
        #expect(Rules.changeRole(Self.owner, target(9, .member), to: .member, isDirect: false) == .unchanged)
        for caller in [Self.owner, Self.admin] {
            #expect(forbidden(Rules.changeRole(caller, target(1, .owner), to: .admin, isDirect: false)))
            #expect(forbidden(Rules.changeRole(caller, target(9, .member), to: .owner, isDirect: false)))
        }
        #expect(forbidden(Rules.changeRole(Self.member, target(9, .member), to: .admin, isDirect: false)))
        #expect(forbidden(Rules.changeRole(Self.member, target(3, .member), to: .admin, isDirect: false)))
    }

    @Test func removing_andLeaving() {
        // Leaving: everyone but the owner.
        #expect(forbidden(Rules.remove(Self.owner, target(1, .owner), isDirect: false)))
        #expect(allowed(Rules.remove(Self.admin, target(2, .admin), isDirect: false)))
        #expect(allowed(Rules.remove(Self.member, target(3, .member), isDirect: false)))
        // Others.
        #expect(allowed(Rules.remove(Self.owner, target(9, .admin), isDirect: false)))
        #expect(allowed(Rules.remove(Self.owner, target(9, .member), isDirect: false)))
        #expect(allowed(Rules.remove(Self.admin, target(9, .member), isDirect: false)))
        #expect(forbidden(Rules.remove(Self.admin, target(9, .admin), isDirect: false)))
        #expect(forbidden(Rules.remove(Self.admin, target(1, .owner), isDirect: false)))
        #expect(forbidden(Rules.remove(Self.member, target(9, .member), isDirect: false)))
        #expect(forbidden(Rules.remove(Self.member, target(9, nil), isDirect: false)))
        // Not a participant: nothing to do, for the owner and admins.
        #expect(Rules.remove(Self.owner, target(9, nil), isDirect: false) == .unchanged)
        #expect(Rules.remove(Self.admin, target(9, nil), isDirect: false) == .unchanged)
    }

    @Test func updatingAndClosingTheRoom() {
        #expect(allowed(Rules.update(role: nil, isOwner: true, isPrivate: false, isDirect: false)))
        #expect(forbidden(Rules.update(role: nil, isOwner: false, isPrivate: false, isDirect: false)))
        #expect(allowed(Rules.update(role: .owner, isOwner: true, isPrivate: true, isDirect: false)))
        #expect(allowed(Rules.update(role: .admin, isOwner: false, isPrivate: true, isDirect: false)))
        #expect(forbidden(Rules.update(role: .member, isOwner: false, isPrivate: true, isDirect: false)))
        #expect(allowed(Rules.close(isOwner: true, isDirect: false)))
        #expect(forbidden(Rules.close(isOwner: false, isDirect: false)))
    }
}
