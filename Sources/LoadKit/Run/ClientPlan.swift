/// One client to connect: where, as whom, and which room to join (a resume joins with
/// `sinceSeq` and continues `tracker`).
public struct ClientPlan: Sendable {
    public var index: Int
    public var identity: ClientIdentity
    public var roomID: Int64?
    public var sinceSeq: Int64?
    public var tracker: SequenceTracker?

    public init(index: Int, identity: ClientIdentity, roomID: Int64?, sinceSeq: Int64? = nil, tracker: SequenceTracker? = nil) {
        self.index = index
        self.identity = identity
        self.roomID = roomID
        self.sinceSeq = sinceSeq
        self.tracker = tracker
    }
}
