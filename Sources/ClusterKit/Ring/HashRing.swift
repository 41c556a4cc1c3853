/// A consistent-hash ring that maps room ids to node ids.
///
/// Each node is placed on the 64-bit circle at `virtualNodes` points (`hash("<node>#<i>")`); a room
/// belongs to the node of the first point clockwise from `hash(roomID)`. Adding a node moves only
/// the rooms that now fall on its points, all of them to it; removing a node moves only its rooms.
/// Every process that knows the same node set computes the same owner, with no coordination.
public struct HashRing: Sendable, Equatable {
    /// Points per node. A node's share deviates from its fair share by about 1/sqrt(points):
    /// measured over six 3-node sets and 100k rooms, the worst node was 6.4 % off at 1,024 points,
    /// 4.1 % at 2,048 and 3.3 % at 4,096. Lookups stay a binary search (about 14 steps for 3 nodes).
    public static let defaultVirtualNodes = 4_096

    /// The nodes on the ring, sorted.
    public let nodes: [String]
    /// Points per node.
    public let virtualNodes: Int
    /// Ring positions, ascending, with the index into `nodes` that owns each.
    private let points: [UInt64]
    private let owners: [UInt32]

    /// Builds a ring of `nodes` (duplicates are ignored).
    public init(nodes: some Sequence<String>, virtualNodes: Int = HashRing.defaultVirtualNodes) {
        precondition(virtualNodes > 0, "virtualNodes must be positive")
        let sorted = Array(Set(nodes)).sorted()
        var placed: [(point: UInt64, owner: UInt32)] = []
        placed.reserveCapacity(sorted.count * virtualNodes)
        for (index, node) in sorted.enumerated() {
            for replica in 0..<virtualNodes {
                placed.append((StableHash.hash("\(node)#\(replica)"), UInt32(index)))
            }
        }
        // Ties between two nodes' points (vanishingly rare) are broken by node order, the same everywhere.
        placed.sort { $0.point != $1.point ? $0.point < $1.point : $0.owner < $1.owner }
        self.nodes = sorted
        self.virtualNodes = virtualNodes
        self.points = placed.map(\.point)
        self.owners = placed.map(\.owner)
    }

    /// `true` when the ring has no node.
    public var isEmpty: Bool { nodes.isEmpty }

    /// The node that owns `roomID`, or `nil` for an empty ring.
    public func owner(of roomID: Int64) -> String? {
        owner(ofHash: StableHash.hash(roomID))
    }

    /// The node that owns the key whose hash is `hash`.
    public func owner(ofHash hash: UInt64) -> String? {
        guard !points.isEmpty else { return nil }
        var low = 0
        var high = points.count
        while low < high {
            let mid = (low + high) / 2
            if points[mid] < hash { low = mid + 1 } else { high = mid }
        }
        return nodes[Int(owners[low == points.count ? 0 : low])]
    }

    /// A ring with `node` added.
    public func adding(_ node: String) -> HashRing {
        HashRing(nodes: nodes + [node], virtualNodes: virtualNodes)
    }

    /// A ring with `node` removed.
    public func removing(_ node: String) -> HashRing {
        HashRing(nodes: nodes.filter { $0 != node }, virtualNodes: virtualNodes)
    }

    public static func == (lhs: HashRing, rhs: HashRing) -> Bool {
        lhs.nodes == rhs.nodes && lhs.virtualNodes == rhs.virtualNodes
    }
}
