import ArgumentParser
import LoadKit

/// Clients, rooms, senders and the message stream of the sending scenarios.
struct TrafficArguments: ParsableArguments {
    @Option(help: "Connections (each joins one room).")
    var clients: Int = 2000

    @Option(help: "Rooms; clients are spread evenly over them.")
    var rooms: Int = 20

    @Option(name: .customLong("room-sizes"), help: ArgumentHelp("A size distribution instead of --clients/--rooms: 100,50,… or COUNTxSIZE groups like 18x100,2x1000.", valueName: "SIZES"))
    var roomSizes: String?

    @Option(help: "Sending connections, spread round-robin over the rooms (default: min(100, clients)).")
    var senders: Int?

    @Option(help: "Messages per second, all senders together.")
    var rate: Double = 1000

    @Option(help: "Content bytes per message (23–4096; it starts with the send time).")
    var payload: Int = 100

    @Option(help: "Measured seconds.")
    var duration: Double = 30

    @Option(help: "Seconds of traffic before measuring.")
    var warmup: Double = 5

    @Option(help: "Longest wait after the window for the last acks and deliveries, seconds.")
    var drain: Double = 10

    @Option(help: "Resends of a send answered unavailable, with the same client_msg_id, 100 ms × attempt apart (0: none).")
    var retries: Int = 10

    func make(rate: Double? = nil) throws -> TrafficOptions {
        let sizes = try roomSizes.map(RoomLayout.parseSizes)
        let clients = sizes == nil ? self.clients : nil
        let total = sizes?.reduce(0, +) ?? self.clients
        let layout = try RoomLayout(clients: clients, rooms: sizes == nil ? rooms : nil, sizes: sizes, senders: senders ?? min(100, total))
        return try TrafficOptions(layout: layout, rate: rate ?? self.rate, payload: payload, duration: duration, warmup: warmup, drain: drain, retries: retries)
    }
}
