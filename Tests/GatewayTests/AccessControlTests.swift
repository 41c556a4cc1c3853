import ChorusTestSupport
import ClusterKit
import Foundation
import Hummingbird
import Testing

/// Contract v1.1 (private rooms, participants and roles, direct messages) on a real cluster:
/// two gateways, several workers, real Redis and Postgres. Every rule of the section has a check
/// here; `ParticipantRulesTests` covers the role table exhaustively without I/O.
@Suite struct AccessControlTests {
    typealias User = (id: Int64, username: String, token: String)

    /// A private room, its history, members and participants exist only for its participants:
    /// anyone else gets exactly what an unknown id gets.
    @Test func privateRoom_doesNotExistForStrangers() async throws {
        let cluster = try await TestCluster(workers: 2)
        let api = API(cluster: cluster)
        let alice = try await cluster.register("alice")
        let bob = try await cluster.register("bob")
        let created = try await api.call(.post, "/v1/rooms", alice, #"{"name":"secret","visibility":"private","topic":"plans"}"#)
        #expect(created.status == 201)
        let room = try #require(created.json["room"]["id"].int)
        #expect(created.json["room"]["visibility"].string == "private")
        #expect(created.json["room"]["topic"].string == "plans")
        #expect(created.json["room"]["role"].string == "owner")
        #expect(created.json["room"]["owner_id"].int == alice.id)
        let unknown: Int64 = 999_999_999
        let public_ = try await api.call(.post, "/v1/rooms", alice, #"{"name":"open"}"#)
        #expect(public_.json["room"]["visibility"].string == "public" && !public_.json["room"]["role"].exists)
        let publicRoom = try #require(public_.json["room"]["id"].int)

        // Every call about the room, by a stranger, through either gateway: the unknown id's answer.
        let calls: [(HTTPRequest.Method, String, String?)] = [
            (.get, "", nil), (.patch, "", #"{"name":"x"}"#), (.delete, "", nil), (.get, "/members", nil), (.get, "/messages", nil),
            (.get, "/messages?limit=abc", nil), (.get, "/participants", nil), (.post, "/participants", #"{"user_id":\#(bob.id)}"#),
            (.patch, "/participants/\(alice.id)", #"{"role":"member"}"#), (.delete, "/participants/\(alice.id)", nil),
            (.delete, "/participants/me", nil),
        ]
        for (method, path, body) in calls {
            for gateway in 0..<2 {
                let hidden = try await api.call(method, "/v1/rooms/\(room)\(path)", bob, body, through: gateway)
                let none = try await api.call(method, "/v1/rooms/\(unknown)\(path)", bob, body, through: gateway)
                #expect(hidden.status == 404 && hidden.json["error"]["code"].string == "not_found", "\(method) \(path): \(hidden)")
                #expect(hidden.json["error"]["message"].string == none.json["error"]["message"].string && none.status == 404,
                        "\(method) \(path) tells a private room from an unknown one")
            }
        }
        // 401 comes first, also on the new endpoints.
        for (method, path, body) in calls + [(.post, "/v1/dms", #"{"user_id":\#(bob.id)}"#), (.get, "/v1/users/me/rooms", nil)] {
            let url = path.hasPrefix("/v1/") ? path : "/v1/rooms/\(room)\(path)"
            let response = try await cluster.gateways[0].request(url, method: method, body: body)
            #expect(response.status == .unauthorized, "\(method) \(url)")
        }
        // Public rooms have no participant list.
        #expect(try await api.call(.get, "/v1/rooms/\(publicRoom)/participants", alice).status == 404)
        #expect(try await api.call(.post, "/v1/rooms/\(publicRoom)/participants", alice, #"{"user_id":\#(bob.id)}"#).status == 404)
        // Listed only to participants.
        let listed = try await api.call(.get, "/v1/rooms?limit=200", bob)
        #expect(!listed.json["rooms"].array.contains { $0["id"].int == room })
        #expect(listed.json["rooms"].array.contains { $0["id"].int == publicRoom })
        let mine = try await api.call(.get, "/v1/users/me/rooms", alice)
        #expect(mine.json["rooms"].array.map { $0["id"].int } == [room])
        #expect(mine.json["rooms"][0]["role"].string == "owner")
        #expect(try await api.call(.get, "/v1/users/me/rooms", bob).json["rooms"].array.isEmpty)

        // Over the WebSocket: join and send are room_not_found, as for an unknown room.
        let socket = try await cluster.connect(token: bob.token, through: 1)
        for id in [room, unknown] {
            socket.send(#"{"type":"join","room_id":\#(id)}"#)
            let error = try await socket.next(type: "error")
            #expect(error["code"].string == "room_not_found" && error["ref"].string == "join", "\(error.value ?? "")")
        }
        // The participant can.
        let owner = try await cluster.connect(token: alice.token, through: 0)
        owner.send(#"{"type":"join","room_id":\#(room)}"#)
        _ = try await owner.next(type: "joined")
        owner.send(#"{"type":"send","room_id":\#(room),"content":"hi","client_msg_id":"m1"}"#)
        #expect(try await owner.next(type: "ack")["seq"].int == 1)
        #expect(try await api.call(.get, "/v1/rooms/\(room)/messages", alice).json["messages"].array.count == 1)
        await socket.close()
        await owner.close()
        await cluster.stop()
    }

    /// The role table of the contract, through the API: who may add, promote, demote, remove and
    /// leave; order 404 → 403 → 400; idempotent adds; a re-added participant sees the whole history.
    @Test func roles_ruleWhoMayDoWhat() async throws {
        let cluster = try await TestCluster(workers: 2)
        let api = API(cluster: cluster)
        let owner = try await cluster.register("owner")
        let admin = try await cluster.register("admin")
        let member = try await cluster.register("member")
        let other = try await cluster.register("other")
        let late = try await cluster.register("late")
        let room = try #require(try await api.call(.post, "/v1/rooms", owner, #"{"name":"team","visibility":"private"}"#).json["room"]["id"].int)
        let base = "/v1/rooms/\(room)/participants"
        func status(_ method: HTTPRequest.Method, _ path: String, _ user: User, _ body: String? = nil, gateway: Int = 0) async throws -> Int {
            try await api.call(method, base + path, user, body, through: gateway).status
        }
        func roles() async throws -> [Int64: String] {
            let list = try await api.call(.get, base, owner)
            return Dictionary(uniqueKeysWithValues: list.json["participants"].array.compactMap { p in p["user_id"].int.map { ($0, p["role"].string ?? "") } })
        }

        #expect(try await status(.post, "", owner, #"{"user_id":\#(admin.id),"role":"admin"}"#) == 204)
        #expect(try await status(.post, "", owner, #"{"user_id":\#(member.id)}"#) == 204)
        #expect(try await status(.post, "", owner, #"{"user_id":\#(member.id)}"#) == 204)  // idempotent
        #expect(try await roles() == [owner.id: "owner", admin.id: "admin", member.id: "member"])
        let listed = try await api.call(.get, base + "?limit=2", owner, through: 1)
        let ids = listed.json["participants"].array.compactMap { $0["user_id"].int }
        #expect(ids == Array([owner.id, admin.id, member.id].sorted().prefix(2)))
        #expect(listed.json["participants"][0]["username"].string != nil && listed.json["participants"][0]["added_at"].string != nil)
        let page2 = try await api.call(.get, base + "?after_id=\(ids[1])", owner)
        #expect(page2.json["participants"].array.compactMap { $0["user_id"].int } == [[owner.id, admin.id, member.id].max()!])
        // Each participant reads its own role on the room.
        #expect(try await api.call(.get, "/v1/rooms/\(room)", admin).json["room"]["role"].string == "admin")
        #expect(try await api.call(.get, "/v1/rooms/\(room)", member, through: 1).json["room"]["role"].string == "member")

        // A member: 403 for everything of the owner and admins, before the body is read.
        #expect(try await status(.post, "", member, #"{"user_id":\#(other.id)}"#) == 403)
        #expect(try await status(.post, "", member, #"{"nonsense"#) == 403)
        #expect(try await status(.patch, "/\(admin.id)", member, #"{"role":"member"}"#) == 403)
        #expect(try await status(.delete, "/\(admin.id)", member) == 403)
        #expect(try await status(.delete, "/\(other.id)", member) == 403)
        #expect(try await api.call(.patch, "/v1/rooms/\(room)", member, #"{"name":"x"}"#).status == 403)
        #expect(try await api.call(.delete, "/v1/rooms/\(room)", member).status == 403)

        // The body: 400 for what is not a role the API gives, 404 for an unknown user.
        for body in [#"{"user_id":\#(other.id),"role":"owner"}"#, #"{"user_id":\#(other.id),"role":"king"}"#, #"{"role":"member"}"#, "[]"] {
            #expect(try await status(.post, "", admin, body) == 400, "\(body)")
        }
        #expect(try await status(.patch, "/\(member.id)", admin, #"{"role":"owner"}"#) == 400)
        #expect(try await status(.post, "", admin, #"{"user_id":999999999}"#) == 404)
        #expect(try await status(.patch, "/\(other.id)", admin, #"{"role":"admin"}"#) == 404)  // not a participant

        // An admin: adds, promotes and removes members; cannot demote or remove admins (itself included)
        // nor touch the owner; may rename the room; may leave.
        #expect(try await status(.post, "", admin, #"{"user_id":\#(other.id)}"#, gateway: 1) == 204)
        #expect(try await status(.patch, "/\(other.id)", admin, #"{"role":"admin"}"#) == 204)
        #expect(try await status(.patch, "/\(other.id)", admin, #"{"role":"member"}"#) == 403)
        #expect(try await status(.delete, "/\(other.id)", admin) == 403)
        #expect(try await status(.patch, "/me", admin, #"{"role":"member"}"#) == 403)
        #expect(try await status(.patch, "/\(owner.id)", admin, #"{"role":"member"}"#) == 403)
        #expect(try await status(.delete, "/\(owner.id)", admin) == 403)
        #expect(try await status(.delete, "/\(late.id)", admin) == 204)  // not a participant: nothing to do
        #expect(try await api.call(.patch, "/v1/rooms/\(room)", admin, #"{"topic":"by an admin"}"#).status == 200)
        #expect(try await api.call(.delete, "/v1/rooms/\(room)", admin).status == 403)
        // POST without a role leaves an admin an admin; with one, PATCH's rules apply.
        #expect(try await status(.post, "", admin, #"{"user_id":\#(other.id)}"#) == 204)
        #expect(try await roles()[other.id] == "admin")
        #expect(try await status(.post, "", admin, #"{"user_id":\#(other.id),"role":"member"}"#) == 403)
        #expect(try await status(.post, "", owner, #"{"user_id":\#(other.id),"role":"member"}"#) == 204)
        #expect(try await roles()[other.id] == "member")

        // The owner: demotes and removes admins; cannot leave, demote or remove itself.
        #expect(try await status(.post, "", owner, #"{"user_id":\#(other.id),"role":"admin"}"#) == 204)
        #expect(try await status(.delete, "/\(other.id)", owner, gateway: 1) == 204)
        #expect(try await status(.delete, "/me", owner) == 403)
        #expect(try await status(.delete, "/\(owner.id)", owner) == 403)
        #expect(try await status(.patch, "/\(owner.id)", owner, #"{"role":"admin"}"#) == 403)
        #expect(try await roles() == [owner.id: "owner", admin.id: "admin", member.id: "member"])

        // Leaving: anyone but the owner, once; then the room is gone for them.
        #expect(try await status(.delete, "/me", member) == 204)
        #expect(try await status(.delete, "/me", member) == 404)
        #expect(try await api.call(.get, "/v1/rooms/\(room)", member).status == 404)
        #expect(try await status(.delete, "/me", admin, gateway: 1) == 204)
        #expect(try await roles() == [owner.id: "owner"])

        // History belongs to the room: a participant added later, or again, reads all of it.
        let socket = try await cluster.connect(token: owner.token)
        socket.send(#"{"type":"join","room_id":\#(room)}"#)
        _ = try await socket.next(type: "joined")
        for index in 1...3 {
            socket.send(#"{"type":"send","room_id":\#(room),"content":"m\#(index)"}"#)
            _ = try await socket.next(type: "ack")
        }
        for user in [late, member] {
            #expect(try await status(.post, "", owner, #"{"user_id":\#(user.id)}"#) == 204)
            let history = try await api.call(.get, "/v1/rooms/\(room)/messages", user, through: 1)
            #expect(history.json["messages"].array.compactMap { $0["content"].string } == ["m1", "m2", "m3"])
        }
        // The owner closes the room; then it is gone for everyone.
        #expect(try await api.call(.delete, "/v1/rooms/\(room)", owner).status == 204)
        #expect(try await api.call(.get, "/v1/rooms/\(room)", late).status == 404)
        #expect(try await api.call(.get, "/v1/users/me/rooms", late).json["rooms"].array.isEmpty)
        await socket.close()
        await cluster.stop()
    }

    /// Removal takes effect at once on every gateway: each connection of the removed user joined to
    /// the room gets `removed` and stops receiving it, the others get `presence` leave, and the
    /// removed user's join, send, typing and history reads are refused as for a stranger.
    @Test func removal_reachesEveryConnectionOfTheUser_onEveryGateway() async throws {
        let cluster = try await TestCluster(workers: 3)
        let api = API(cluster: cluster)
        let alice = try await cluster.register("alice")
        let bob = try await cluster.register("bob")
        let room = try #require(try await api.call(.post, "/v1/rooms", alice, #"{"name":"r","visibility":"private"}"#).json["room"]["id"].int)
        #expect(try await api.call(.post, "/v1/rooms/\(room)/participants", alice, #"{"user_id":\#(bob.id)}"#).status == 204)
        let a = try await cluster.connect(token: alice.token, through: 0)
        a.send(#"{"type":"join","room_id":\#(room)}"#)
        _ = try await a.next(type: "joined")
        var bobs: [ChatClient] = []
        for gateway in [0, 1, 1] {
            let b = try await cluster.connect(token: bob.token, through: gateway)
            b.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await b.next(type: "joined")
            bobs.append(b)
        }
        #expect(try await a.next(type: "presence")["event"].string == "join")
        a.send(#"{"type":"send","room_id":\#(room),"content":"before"}"#)
        for b in bobs { #expect(try await b.next(type: "message")["content"].string == "before") }

        #expect(try await api.call(.delete, "/v1/rooms/\(room)/participants/\(bob.id)", alice, through: 1).status == 204)
        for b in bobs {
            let removed = try await b.next(type: "removed")
            #expect(removed["room_id"].int == room)
        }
        let leave = try await a.next(type: "presence")
        #expect(leave["event"].string == "leave" && leave["user_id"].int == bob.id)
        a.send(#"{"type":"send","room_id":\#(room),"content":"after"}"#)
        _ = try await a.next(type: "ack")
        for b in bobs {
            b.send(#"{"type":"send","room_id":\#(room),"content":"still here?","client_msg_id":"x"}"#)
            let refused = try await b.next(type: "error")
            #expect(refused["code"].string == "room_not_found" && refused["ref"].string == "x")
            b.send(#"{"type":"typing","room_id":\#(room)}"#)
            #expect(try await b.next(type: "error")["code"].string == "room_not_found")
            b.send(#"{"type":"join","room_id":\#(room)}"#)
            #expect(try await b.next(type: "error")["code"].string == "room_not_found")
            b.send(#"{"type":"ping"}"#)
            _ = try await b.next(type: "pong")
            #expect(!b.frames.contains { $0["content"].string == "after" || $0["type"].string == "typing" })
        }
        for gateway in 0..<2 {
            #expect(try await api.call(.get, "/v1/rooms/\(room)/messages", bob, through: gateway).status == 404)
        }
        let members = try await api.call(.get, "/v1/rooms/\(room)/members", alice)
        #expect(members.json["members"].array.compactMap { $0["user_id"].int } == [alice.id])
        // Leaving with `me` works the same way.
        #expect(try await api.call(.post, "/v1/rooms/\(room)/participants", alice, #"{"user_id":\#(bob.id)}"#).status == 204)
        bobs[1].send(#"{"type":"join","room_id":\#(room),"since_seq":1}"#)
        _ = try await bobs[1].next(type: "joined")
        #expect(try await bobs[1].next(type: "message")["content"].string == "after")
        #expect(try await api.call(.delete, "/v1/rooms/\(room)/participants/me", bob, through: 0).status == 204)
        #expect(try await bobs[1].next(type: "removed")["room_id"].int == room)
        for b in bobs { await b.close() }
        await a.close()
        await cluster.stop()
    }

    /// The user is joined on one gateway; the room's owner worker goes away (drained, then killed)
    /// and the room moves; the removal, asked on the other gateway, still reaches the user's
    /// connection, and the new owner refuses the removed user's sends.
    @Test func removal_afterTheRoomChangedOwner_stillRemoves() async throws {
        let cluster = try await TestCluster(workers: 3)
        let api = API(cluster: cluster)
        let alice = try await cluster.register("alice")
        let bob = try await cluster.register("bob")
        let carol = try await cluster.register("carol")
        let room = try #require(try await api.call(.post, "/v1/rooms", alice, #"{"name":"r","visibility":"private"}"#).json["room"]["id"].int)
        for user in [bob, carol] {
            #expect(try await api.call(.post, "/v1/rooms/\(room)/participants", alice, #"{"user_id":\#(user.id)}"#).status == 204)
        }
        var sockets: [ChatClient] = []
        for user in [bob, carol] {
            let socket = try await cluster.connect(token: user.token, through: 1)
            socket.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await socket.next(type: "joined")
            sockets.append(socket)
        }
        let (b, c) = (sockets[0], sockets[1])

        // Drained: the room is handed over at once; the gateway re-joins bob and carol on the next owner.
        let first = try cluster.owner(of: room)
        print(try await cluster.chaos("term \(cluster.stateName(of: first))"))
        #expect(await first.process.waitForExit(timeout: .seconds(10)) == 0)
        try await Task.sleep(for: .seconds(1))
        #expect(try await api.call(.delete, "/v1/rooms/\(room)/participants/\(bob.id)", alice, through: 0).status == 204)
        #expect(try await b.next(type: "removed")["room_id"].int == room)
        #expect(try await Self.join(b, room)["code"].string == "room_not_found")

        // Killed: the removal waits for the next owner (the lease must expire), then reaches carol.
        let remaining = cluster.workers.filter { $0.process.isRunning }
        let ring = HashRing(nodes: remaining.map(\.nodeID))
        let second = try #require(remaining.first { $0.nodeID == ring.owner(of: room) })
        print(try await cluster.chaos("kill \(cluster.stateName(of: second))"))
        let removal = try await api.call(.delete, "/v1/rooms/\(room)/participants/\(carol.id)", alice, through: 0)
        #expect(removal.status == 204, "\(removal)")
        #expect(try await c.next(type: "removed", timeout: .seconds(20))["room_id"].int == room)
        #expect(try await Self.join(c, room)["code"].string == "room_not_found")
        // The room still works for its owner on the last worker.
        let a = try await cluster.connect(token: alice.token, through: 1)
        #expect(try await Self.join(a, room)["type"].string == "joined")
        for socket in sockets + [a] { await socket.close() }
        await cluster.stop()
    }

    /// `room_updated` in a private room carries each receiving user's own role.
    @Test func roomUpdated_carriesEachReceiversRole() async throws {
        let cluster = try await TestCluster(workers: 2)
        let api = API(cluster: cluster)
        let owner = try await cluster.register("owner")
        let admin = try await cluster.register("admin")
        let member = try await cluster.register("member")
        let room = try #require(try await api.call(.post, "/v1/rooms", owner, #"{"name":"r","visibility":"private"}"#).json["room"]["id"].int)
        #expect(try await api.call(.post, "/v1/rooms/\(room)/participants", owner, #"{"user_id":\#(admin.id),"role":"admin"}"#).status == 204)
        #expect(try await api.call(.post, "/v1/rooms/\(room)/participants", owner, #"{"user_id":\#(member.id)}"#).status == 204)
        var sockets: [(ChatClient, String)] = []
        for (index, (user, role)) in [(owner, "owner"), (admin, "admin"), (member, "member")].enumerated() {
            let socket = try await cluster.connect(token: user.token, through: index % 2)
            socket.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await socket.next(type: "joined")
            sockets.append((socket, role))
        }
        let patched = try await api.call(.patch, "/v1/rooms/\(room)", admin, #"{"name":"renamed","topic":"t"}"#, through: 1)
        #expect(patched.status == 200 && patched.json["room"]["role"].string == "admin")
        for (socket, role) in sockets {
            let updated = try await socket.next(type: "room_updated")
            #expect(updated["room"]["name"].string == "renamed" && updated["room"]["topic"].string == "t")
            #expect(updated["room"]["visibility"].string == "private")
            #expect(updated["room"]["role"].string == role)
        }
        for (socket, _) in sockets { await socket.close() }
        await cluster.stop()
    }

    /// Direct messages: one private room per pair, made on first use (also when both sides ask at
    /// once), returned to either side; no owner; fixed participants; cannot be renamed or deleted.
    @Test func directMessages_onePerPair_fixedParticipants() async throws {
        let cluster = try await TestCluster(workers: 2)
        let api = API(cluster: cluster)
        let alice = try await cluster.register("alice")
        let bob = try await cluster.register("bob")
        let carol = try await cluster.register("carol")
        let dave = try await cluster.register("dave")

        let first = try await api.call(.post, "/v1/dms", alice, #"{"user_id":\#(bob.id)}"#)
        #expect(first.status == 201, "\(first)")
        let room = try #require(first.json["room"]["id"].int)
        #expect(first.json["room"]["visibility"].string == "private")
        #expect(first.json["room"]["owner_id"].isNull)
        #expect(first.json["room"]["role"].string == "member")
        #expect(first.json["room"]["name"].string?.isEmpty == false)
        let again = try await api.call(.post, "/v1/dms", alice, #"{"user_id":\#(bob.id)}"#, through: 1)
        let reverse = try await api.call(.post, "/v1/dms", bob, #"{"user_id":\#(alice.id)}"#)
        #expect(again.status == 200 && again.json["room"]["id"].int == room)
        #expect(reverse.status == 200 && reverse.json["room"]["id"].int == room)
        #expect(try await api.call(.post, "/v1/dms", alice, #"{"user_id":\#(alice.id)}"#).status == 400)
        #expect(try await api.call(.post, "/v1/dms", alice, #"{"user_id":999999999}"#).status == 404)
        #expect(try await api.call(.post, "/v1/dms", alice, #"{}"#).status == 400)

        // Both sides at once, through both gateways: one room.
        async let one = api.call(.post, "/v1/dms", carol, #"{"user_id":\#(dave.id)}"#, through: 0)
        async let two = api.call(.post, "/v1/dms", dave, #"{"user_id":\#(carol.id)}"#, through: 1)
        let (x, y) = try await (one, two)
        #expect(Set([x.status, y.status]) == [200, 201], "\(x.status) \(y.status)")
        #expect(x.json["room"]["id"].int == y.json["room"]["id"].int)

        // Listed for both, as members; invisible to others.
        for user in [alice, bob] {
            let mine = try await api.call(.get, "/v1/users/me/rooms", user)
            #expect(mine.json["rooms"].array.map { $0["id"].int } == [room])
            #expect(mine.json["rooms"][0]["role"].string == "member")
        }
        #expect(try await api.call(.get, "/v1/rooms/\(room)", carol).status == 404)
        let participants = try await api.call(.get, "/v1/rooms/\(room)/participants", bob)
        #expect(participants.json["participants"].array.compactMap { $0["user_id"].int } == [alice.id, bob.id].sorted())
        #expect(participants.json["participants"].array.allSatisfy { $0["role"].string == "member" })

        // Nothing about it changes.
        #expect(try await api.call(.patch, "/v1/rooms/\(room)", alice, #"{"name":"ours"}"#).status == 403)
        #expect(try await api.call(.delete, "/v1/rooms/\(room)", alice).status == 403)
        #expect(try await api.call(.post, "/v1/rooms/\(room)/participants", alice, #"{"user_id":\#(carol.id)}"#).status == 403)
        #expect(try await api.call(.patch, "/v1/rooms/\(room)/participants/\(bob.id)", alice, #"{"role":"admin"}"#).status == 403)
        #expect(try await api.call(.delete, "/v1/rooms/\(room)/participants/\(bob.id)", alice).status == 403)
        #expect(try await api.call(.delete, "/v1/rooms/\(room)/participants/me", alice).status == 403)

        // And it carries messages like any room, across gateways.
        let a = try await cluster.connect(token: alice.token, through: 0)
        let b = try await cluster.connect(token: bob.token, through: 1)
        for socket in [a, b] {
            socket.send(#"{"type":"join","room_id":\#(room)}"#)
            _ = try await socket.next(type: "joined")
        }
        a.send(#"{"type":"send","room_id":\#(room),"content":"psst"}"#)
        #expect(try await b.next(type: "message")["content"].string == "psst")
        let c = try await cluster.connect(token: carol.token, through: 1)
        c.send(#"{"type":"join","room_id":\#(room)}"#)
        #expect(try await c.next(type: "error")["code"].string == "room_not_found")
        for socket in [a, b, c] { await socket.close() }
        await cluster.stop()
    }

    /// Joins `room`, retrying while the answer is `unavailable` (the room is moving, or a loaded
    /// machine let a worker's heartbeat lapse): returns the `joined` frame or the final error.
    static func join(_ socket: ChatClient, _ room: Int64, timeout: Duration = .seconds(20)) async throws -> JSON {
        let deadline = ContinuousClock.now + timeout
        while true {
            socket.send(#"{"type":"join","room_id":\#(room)}"#)
            let answer = try await socket.next("joined or error", timeout: timeout) { $0["type"].string == "joined" || $0["type"].string == "error" }
            guard answer["code"].string == "unavailable", ContinuousClock.now < deadline else { return answer }
            try await Task.sleep(for: .milliseconds(300))
        }
    }

    /// REST calls to one gateway of a test cluster.
    struct API {
        let cluster: TestCluster

        struct Answer: CustomStringConvertible {
            let status: Int
            let text: String
            var json: JSON { JSON(text: text) }
            var description: String { "\(status) \(text)" }
        }

        func call(
            _ method: HTTPRequest.Method, _ path: String, _ user: User, _ body: String? = nil, through gateway: Int = 0
        ) async throws -> Answer {
            let response = try await cluster.gateways[gateway].request(
                path, method: method, headers: [.authorization: "Bearer \(user.token)"], body: body
            )
            return Answer(status: Int(response.status.code), text: String(buffer: response.body ?? .init()))
        }
    }
}
