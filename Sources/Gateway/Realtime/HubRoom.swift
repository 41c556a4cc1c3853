import ClusterKit
import NIOCore

/// One room on this gateway: its ordered stream and its local members, and the fan-out of what
/// the stream delivers. Used only under `RoomHub`'s lock (a class, so that it is changed in place).
///
/// Members that are live and in step with the stream (they want exactly what it delivers next)
/// are kept in one list per event loop: a message goes to each loop's `LoopWriter` once, with the
/// list, and the loop writes the same framed bytes to every socket on it (no per-member copy,
/// allocation or wake-up). Members still joining (they hold what arrives) or ahead of the stream
/// (their join answered a later `last_seq` than the stream has delivered) are served one by one
/// until they are in step.
final class HubRoom {
    private final class Member {
        let connection: ClientConnection
        var phase: Phase

        init(connection: ClientConnection, phase: Phase) {
            self.connection = connection
            self.phase = phase
        }
    }

    private enum Phase {
        /// Joining: what arrives is held until the join has sent `joined` and any replay.
        case joining(held: [(seq: Int64?, frame: ByteBuffer, fromUser: Int64?)])
        /// Live, ahead of the stream: messages after `cursor` are delivered one by one.
        case ahead(cursor: Int64)
        /// Live and in its event loop's fan-out list.
        case inStep
    }

    /// The in-step members on one event loop.
    private struct LoopGroup {
        let writer: LoopWriter
        var sockets: [WebSocketHandler] = []
    }

    var stream = RoomStreamStateMachine()
    /// The worker this gateway last saw own the room (for re-joining a new owner).
    var owner: String?
    private var members: [UInt64: Member] = [:]
    private var groups: [ObjectIdentifier: LoopGroup] = [:]
    /// Members served one by one (joining or ahead); usually empty.
    private var oneByOne: Set<UInt64> = []

    var isEmpty: Bool { members.isEmpty }
    var count: Int { members.count }

    /// Adds a member that is joining; `false` if it already was one.
    @discardableResult
    func addJoining(_ connection: ClientConnection) -> Bool {
        guard members[connection.id] == nil else { return false }
        members[connection.id] = Member(connection: connection, phase: .joining(held: []))
        oneByOne.insert(connection.id)
        return true
    }

    /// The member's join completed at `lastSeq` (`joined` and the replay are queued to it): it gets
    /// what was held after that, then goes live. `false` if it is not a member (it left meanwhile).
    func goLive(_ connection: ClientConnection, lastSeq: Int64) -> Bool {
        guard let member = members[connection.id], case .joining(let held) = member.phase else { return false }
        var cursor = lastSeq
        for event in held {
            if let seq = event.seq {
                guard seq > cursor else { continue }
                cursor = seq
                connection.deliver(event.frame)
            } else if event.fromUser != connection.identity.userID {
                connection.send(event.frame)
            }
        }
        member.phase = .ahead(cursor: cursor)
        settle(member)
        return true
    }

    /// Removes a member; `true` if it was one.
    @discardableResult
    func remove(_ connection: ClientConnection) -> Bool {
        guard let member = members.removeValue(forKey: connection.id) else { return false }
        oneByOne.remove(connection.id)
        if case .inStep = member.phase {
            let key = ObjectIdentifier(connection.writer)
            groups[key]?.sockets.removeAll { $0 === connection.socket }
            if groups[key]?.sockets.isEmpty == true { groups[key] = nil }
        }
        return true
    }

    /// Hands in-order messages to every member after its cursor (joining members hold them).
    func deliver(_ deliveries: [RoomStreamStateMachine.Delivery]) {
        for delivery in deliveries {
            for group in groups.values {
                group.writer.fanout(delivery.frame, to: group.sockets)
            }
            guard !oneByOne.isEmpty else { continue }
            for id in oneByOne {
                guard let member = members[id] else { continue }
                switch member.phase {
                case .joining(var held):
                    held.append((delivery.seq, delivery.frame, nil))
                    member.phase = .joining(held: held)
                case .ahead(let cursor):
                    if delivery.seq > cursor {
                        member.connection.deliver(delivery.frame)
                        member.phase = .ahead(cursor: delivery.seq)
                    }
                    settle(member)
                case .inStep:
                    break
                }
            }
        }
    }

    /// A presence or typing frame: to every member but the user's own connections (`nil`: to all).
    func broadcast(_ frame: ByteBuffer, except userID: Int64?) {
        for member in members.values where member.connection.identity.userID != userID {
            sendOrHold(frame, to: member, fromUser: userID)
        }
    }

    /// A private room's `room_updated`: each member gets the frame with its user's role.
    func broadcast(_ frames: RoleFrames) {
        let admins = Set(frames.adminIDs)
        for member in members.values {
            sendOrHold(frames.frame(for: member.connection.identity.userID, admins: admins), to: member, fromUser: nil)
        }
    }

    /// A frame outside the seq stream: held by a joining member (until `joined` is out), else sent.
    private func sendOrHold(_ frame: ByteBuffer, to member: Member, fromUser userID: Int64?) {
        if case .joining(var held) = member.phase {
            held.append((nil, frame, userID))
            member.phase = .joining(held: held)
        } else {
            member.connection.send(frame)
        }
    }

    /// `userID` is no longer a participant: its connections get `frame` and stop being members.
    /// Returns them.
    func removeUser(_ userID: Int64, with frame: ByteBuffer) -> [ClientConnection] {
        let connections = members.values.map(\.connection).filter { $0.identity.userID == userID }
        for connection in connections {
            remove(connection)
            connection.send(frame)
        }
        return connections
    }

    /// The room was closed: every member gets `frame`; returns them (the room is then empty).
    func close(with frame: ByteBuffer) -> [ClientConnection] {
        let connections = members.values.map(\.connection)
        for connection in connections { connection.send(frame) }
        members = [:]
        groups = [:]
        oneByOne = []
        return connections
    }

    /// The live members' connection counts per user (for re-joining a new owner).
    func liveConnectionsByUser() -> [Int64: (identity: Identity, connections: Int64)] {
        var counts: [Int64: (identity: Identity, connections: Int64)] = [:]
        for member in members.values {
            if case .joining = member.phase { continue }
            let identity = member.connection.identity
            counts[identity.userID] = (identity, (counts[identity.userID]?.connections ?? 0) + 1)
        }
        return counts
    }

    /// Moves every ahead member that the stream has caught up with into its loop's fan-out list
    /// (after the stream started).
    func settleAll() {
        for id in oneByOne {
            if let member = members[id] { settle(member) }
        }
    }

    /// Moves an ahead member into its loop's fan-out list once the stream has caught up with it.
    private func settle(_ member: Member) {
        guard case .ahead(let cursor) = member.phase, let delivered = stream.delivered, cursor <= delivered else { return }
        let connection = member.connection
        member.phase = .inStep
        oneByOne.remove(connection.id)
        groups[ObjectIdentifier(connection.writer), default: LoopGroup(writer: connection.writer)].sockets.append(connection.socket)
    }
}
