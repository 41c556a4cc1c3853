import Testing

@testable import LoadKit

@Suite struct RoomLayoutTests {
    @Test func clientsAreSpreadEvenlyOverRooms() throws {
        let layout = try RoomLayout(clients: 2_000, rooms: 20, sizes: nil, senders: 100)
        #expect(layout.roomSizes == Array(repeating: 100, count: 20))
        #expect(layout.clients == 2_000)
        #expect(layout.roomOfClient[0] == 0 && layout.roomOfClient[99] == 0 && layout.roomOfClient[100] == 1)
    }

    @Test func aRemainderGoesToTheFirstRooms() throws {
        let layout = try RoomLayout(clients: 10, rooms: 3, sizes: nil, senders: 0)
        #expect(layout.roomSizes == [4, 3, 3])
    }

    @Test func sendersGoRoundRobinOverRooms() throws {
        let layout = try RoomLayout(clients: 20, rooms: 2, sizes: nil, senders: 5)
        // Room 0 holds clients 0-9, room 1 clients 10-19.
        #expect(layout.senders == [0, 10, 1, 11, 2])
    }

    @Test func sendersSkipRoomsThatAreFull() throws {
        let layout = try RoomLayout(clients: nil, rooms: nil, sizes: [1, 3], senders: 4)
        #expect(layout.senders == [0, 1, 2, 3])
    }

    @Test func aSizeDistributionParses() throws {
        #expect(try RoomLayout.parseSizes("100,50") == [100, 50])
        #expect(try RoomLayout.parseSizes("2x100,1x1000") == [100, 100, 1000])
        let layout = try RoomLayout(clients: nil, rooms: nil, sizes: try RoomLayout.parseSizes("2x3,4"), senders: 2)
        #expect(layout.roomSizes == [3, 3, 4])
        #expect(layout.clients == 10)
    }

    @Test func badLayoutsAreRefusedWithAMessage() {
        #expect(throws: LoadError.self) { try RoomLayout(clients: 0, rooms: 1, sizes: nil, senders: 0) }
        #expect(throws: LoadError.self) { try RoomLayout(clients: 5, rooms: 6, sizes: nil, senders: 0) }
        #expect(throws: LoadError.self) { try RoomLayout(clients: 5, rooms: 1, sizes: nil, senders: 6) }
        #expect(throws: LoadError.self) { try RoomLayout(clients: 9, rooms: nil, sizes: [5, 5], senders: 1) }
        #expect(throws: LoadError.self) { try RoomLayout.parseSizes("0x5") }
        #expect(throws: LoadError.self) { try RoomLayout.parseSizes("abc") }
        #expect(throws: LoadError.self) { try RoomLayout.parseSizes("") }
    }

    @Test func rampStepsGoFromStartToMax() throws {
        #expect(try RampScenario.Options.steps(start: 500, step: 500, max: 2_000) == [500, 1_000, 1_500, 2_000])
        #expect(try RampScenario.Options.steps(start: 100, step: 300, max: 800) == [100, 400, 700])
        #expect(throws: LoadError.self) { try RampScenario.Options.steps(start: 0, step: 1, max: 5) }
    }

    @Test func trafficOptionsRefuseBadPayloadsAndWarnNearTheFrameLimit() throws {
        let layout = try RoomLayout(clients: 100, rooms: 2, sizes: nil, senders: 10)
        #expect(throws: LoadError.self) { try TrafficOptions(layout: layout, rate: 10, payload: 10, duration: 1, warmup: 0, drain: 1) }
        #expect(throws: LoadError.self) { try TrafficOptions(layout: layout, rate: 10, payload: 5_000, duration: 1, warmup: 0, drain: 1) }
        let traffic = try TrafficOptions(layout: layout, rate: 100, payload: 100, duration: 1, warmup: 0, drain: 1)
        #expect(traffic.senderRateWarning(rate: 100) == nil)
        #expect(traffic.senderRateWarning(rate: 450) != nil)
    }

    @Test func resumeDropsReceiversSpreadOverTheClients() {
        // Plain integers stand for the handles' indexes.
        let receivers = Array(0..<10).filter { ![0, 5].contains($0) }
        let picked = (0..<4).map { receivers[$0 * receivers.count / 4] }
        #expect(picked == [1, 3, 6, 8])
    }
}
