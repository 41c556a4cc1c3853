import Foundation

/// A live (not deleted) user as stored.
struct UserRecord: Sendable, Equatable {
    let id: Int64
    let username: String
    let email: String
    let createdAt: Date
}

/// A user with follower counts.
struct UserProfile: Sendable, Equatable {
    let user: UserRecord
    let followers: Int64
    let following: Int64
}
