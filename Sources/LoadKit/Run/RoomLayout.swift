/// Who is where: which room each client joins and which clients send. Pure, so that the
/// distribution rules are tested without a cluster.
public struct RoomLayout: Sendable, Equatable {
    /// Number of clients per room slot (rooms are created in this order).
    public let roomSizes: [Int]
    /// The room slot of every client (clients of one room are contiguous).
    public let roomOfClient: [Int]
    /// The senders' client numbers; sender `k` is in room slot `k % rooms`.
    public let senders: [Int]

    public var clients: Int { roomOfClient.count }
    public var rooms: Int { roomSizes.count }

    /// `clients` spread as evenly as possible over `rooms` (the first rooms get one more), or the
    /// explicit `sizes`; `senders` spread round-robin over the rooms, each the next member of its room.
    public init(clients: Int?, rooms: Int?, sizes: [Int]?, senders: Int) throws {
        let roomSizes: [Int]
        if let sizes {
            guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }) else { throw LoadError.badArgument("room sizes must be positive") }
            if let clients, clients != sizes.reduce(0, +) {
                throw LoadError.badArgument("--clients \(clients) does not match the room sizes (total \(sizes.reduce(0, +)))")
            }
            if let rooms, rooms != sizes.count {
                throw LoadError.badArgument("--rooms \(rooms) does not match the number of room sizes (\(sizes.count))")
            }
            roomSizes = sizes
        } else {
            guard let clients, clients > 0 else { throw LoadError.badArgument("--clients must be at least 1") }
            let rooms = rooms ?? 1
            guard rooms > 0 else { throw LoadError.badArgument("--rooms must be at least 1") }
            guard rooms <= clients else { throw LoadError.badArgument("--rooms \(rooms) is more than --clients \(clients)") }
            roomSizes = (0..<rooms).map { clients / rooms + ($0 < clients % rooms ? 1 : 0) }
        }
        let total = roomSizes.reduce(0, +)
        guard senders >= 0, senders <= total else {
            throw LoadError.badArgument("--senders \(senders) must be between 0 and the number of clients (\(total))")
        }
        var roomOfClient: [Int] = []
        roomOfClient.reserveCapacity(total)
        var firstClient: [Int] = []
        for (slot, size) in roomSizes.enumerated() {
            firstClient.append(roomOfClient.count)
            roomOfClient.append(contentsOf: repeatElement(slot, count: size))
        }
        var taken = [Int](repeating: 0, count: roomSizes.count)
        var senderClients: [Int] = []
        var slot = 0
        while senderClients.count < senders {
            if taken[slot] < roomSizes[slot] {
                senderClients.append(firstClient[slot] + taken[slot])
                taken[slot] += 1
            }
            slot = (slot + 1) % roomSizes.count
        }
        self.roomSizes = roomSizes
        self.roomOfClient = roomOfClient
        self.senders = senderClients
    }

    /// Parses a size distribution: `100,100,50` or `COUNTxSIZE` groups like `18x100,2x1000`.
    public static func parseSizes(_ text: String) throws -> [Int] {
        var sizes: [Int] = []
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "x")
            if pieces.count == 2, let count = Int(pieces[0]), let size = Int(pieces[1]), count > 0, size > 0 {
                sizes.append(contentsOf: repeatElement(size, count: count))
            } else if pieces.count == 1, let size = Int(pieces[0]), size > 0 {
                sizes.append(size)
            } else {
                throw LoadError.badArgument("room sizes '\(text)': expected sizes like 100,50 or groups like 18x100,2x1000")
            }
        }
        guard !sizes.isEmpty else { throw LoadError.badArgument("room sizes '\(text)' are empty") }
        return sizes
    }
}
