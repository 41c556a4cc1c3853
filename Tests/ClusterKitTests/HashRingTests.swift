import ClusterKit
import Testing

@Suite struct HashRingTests {
    static let rooms: [Int64] = Array(1...100_000)

    private func shares(_ ring: HashRing) -> [String: Int] {
        var counts: [String: Int] = [:]
        for room in Self.rooms { counts[ring.owner(of: room)!, default: 0] += 1 }
        return counts
    }

    @Test(arguments: [
        ["worker-1", "worker-2", "worker-3"],
        ["node-a", "node-b", "node-c"],
        ["10.0.0.1:9100", "10.0.0.2:9100", "10.0.0.3:9100"],
    ])
    func threeNodes_eachOwnAThirdWithinFivePercent(nodes: [String]) {
        let counts = shares(HashRing(nodes: nodes))
        #expect(counts.count == 3)
        let fair = Double(Self.rooms.count) / 3
        for (node, count) in counts {
            let deviation = abs(Double(count) - fair) / fair
            #expect(deviation <= 0.05, "\(node) owns \(count) rooms, \(deviation * 100)% off a third")
        }
    }

    @Test func addingAFourthNode_movesAboutAQuarter_allToTheNewNode() {
        let before = HashRing(nodes: ["worker-1", "worker-2", "worker-3"])
        let after = before.adding("worker-4")
        var moved = 0
        for room in Self.rooms {
            let old = before.owner(of: room)!
            let new = after.owner(of: room)!
            if old != new {
                moved += 1
                #expect(new == "worker-4", "room \(room) moved from \(old) to \(new)")
            }
        }
        let fraction = Double(moved) / Double(Self.rooms.count)
        #expect(abs(fraction - 0.25) <= 0.25 * 0.05, "moved \(fraction * 100)% of rooms")
    }

    @Test func removingANode_movesOnlyItsRooms() {
        let before = HashRing(nodes: ["worker-1", "worker-2", "worker-3", "worker-4"])
        let after = before.removing("worker-2")
        for room in Self.rooms {
            let old = before.owner(of: room)!
            let new = after.owner(of: room)!
            if old != "worker-2" {
                #expect(new == old, "room \(room) of \(old) moved to \(new)")
            } else {
                #expect(new != "worker-2")
            }
        }
    }

    @Test func ownerIsTheSame_whateverTheOrderNodesAreGivenIn() {
        let a = HashRing(nodes: ["worker-3", "worker-1", "worker-2"])
        let b = HashRing(nodes: ["worker-1", "worker-2", "worker-3", "worker-2"])
        #expect(a == b)
        for room in Self.rooms.prefix(5_000) { #expect(a.owner(of: room) == b.owner(of: room)) }
    }

    @Test func emptyRing_hasNoOwner() {
        #expect(HashRing(nodes: []).owner(of: 1) == nil)
    }

    @Test func stableHash_isPinned() {
        // Pinned values: a change here would move every room of a running cluster during an upgrade.
        #expect(StableHash.hash("worker-1#0") == 0x563c_8b67_f7cd_6e19)
        #expect(StableHash.hash(Int64(42)) == 0x2d1c_8760_f804_7fc7)
    }
}
