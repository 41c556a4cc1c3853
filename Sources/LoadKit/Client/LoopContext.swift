/// What belongs to one event loop of the harness: its statistics and its share of the senders.
/// Touched only on that loop.
final class LoopContext {
    let stats = LoopStats()
    var pacer: SendPacer?
}
