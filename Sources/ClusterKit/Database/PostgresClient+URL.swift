import Logging
import NIOSSL
import PostgresNIO

extension PostgresClient {
    /// A client for `url` with a pool of `poolSize` connections.
    public convenience init(url: PostgresURL, poolSize: Int, logger: Logger) {
        let tls: PostgresClient.Configuration.TLS
        switch url.tlsMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password,
            database: url.database, tls: tls
        )
        configuration.options.maximumConnections = poolSize
        configuration.options.minimumConnections = 1
        configuration.options.connectTimeout = .seconds(3)
        self.init(configuration: configuration, backgroundLogger: logger)
    }
}
