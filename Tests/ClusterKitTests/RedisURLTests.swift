import ClusterKit
import Testing

/// `REDIS_URL` with ACL credentials, and how URLs render their passwords.
@Suite struct RedisURLTests {
    @Test func aclUserAndPassword_areParsed() throws {
        let url = try RedisURL("redis://chorus:s3cret@127.0.0.1:6390/1")
        #expect(url == RedisURL(host: "127.0.0.1", port: 6390, password: "s3cret", database: 1, username: "chorus"))
        #expect(url.username == "chorus")
        #expect(url.password == "s3cret")
    }

    @Test func passwordOnly_isTheDefaultUser() throws {
        let url = try RedisURL("redis://:secret@cache:6380/2")
        #expect(url.username == nil)
        #expect(url == RedisURL(host: "cache", port: 6380, password: "secret", database: 2))
        #expect(try RedisURL("redis://cache").password == nil)
        #expect(try RedisURL("redis://:@cache").password == nil)
    }

    @Test func userAndPassword_arePercentDecodedOnce() throws {
        // %2541 is a literal "%41", not "A".
        let url = try RedisURL("redis://us%40er:p%2541%2F%3A%20x@h:7000")
        #expect(url.username == "us@er")
        #expect(url.password == "p%41/: x")
    }

    @Test func aUserWithoutPassword_isRefused() {
        #expect(throws: ConfigError.self) { try RedisURL("redis://chorus@h:6379") }
        #expect(throws: ConfigError.self) { try RedisURL("redis://chorus:@h:6379") }
    }

    @Test func description_hidesThePassword() throws {
        let url = try RedisURL("redis://chorus:s3cret@127.0.0.1:6390/1")
        #expect(url.description == "redis://chorus@127.0.0.1:6390/1")
        #expect(try RedisURL("redis://:s3cret@h").description == "redis://h:6379/0")
        #expect(!"\(url)".contains("s3cret"))
    }

    @Test func urlString_carriesTheCredentials_andParsesBack() throws {
        let plain = RedisURL(host: "127.0.0.1", port: 6379)
        #expect(plain.urlString == "redis://127.0.0.1:6379/0")
        let acl = RedisURL(host: "127.0.0.1", port: 6390, password: "0123abcd", username: "chorus")
        #expect(acl.urlString == "redis://chorus:0123abcd@127.0.0.1:6390/0")
        #expect(RedisURL(host: "h", port: 1, password: "pw").urlString == "redis://:pw@h:1/0")
        let odd = RedisURL(host: "h", port: 6379, password: "p@ss:/%41 #?ü", database: 3, username: "u ser")
        #expect(odd.urlString == "redis://u%20ser:p%40ss%3A%2F%2541%20%23%3F%C3%BC@h:6379/3")
        #expect(try RedisURL(odd.urlString) == odd)
        #expect(try RedisURL(acl.urlString) == acl)
    }

    @Test func postgresPassword_isPercentDecodedOnce() throws {
        let url = try PostgresURL("postgres://us%40er:p%2541%2F@db:5432/chat")
        #expect(url.username == "us@er")
        #expect(url.password == "p%41/")
    }
}
