/// Who a client is (its account) and what it does when it connects.
public struct ClientIdentity: Sendable, Equatable {
    public var userID: Int64
    public var username: String
    public var token: String
}
