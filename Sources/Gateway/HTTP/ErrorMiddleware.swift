import ClusterKit
import Hummingbird
import Logging
import PostgresNIO
import Prometheus

/// Turns every error a route throws into the contract's error body.
///
/// Framework errors (unknown route, body too large) get their contract code; storage that is
/// unreachable or slow gets 503 `unavailable`; anything else is a bug: logged, answered 500 `internal`
/// with no detail. Bad input never reaches that last case — routes validate it first.
/// `unavailable` answers are counted in `unavailable` (`chorus_gateway_unavailable_total{via="rest"}`).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    var unavailable: Counter?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let answer = Self.map(error, logger: context.logger)
            if answer.code == .unavailable { unavailable?.increment() }
            return try answer.response(from: request, context: context)
        }
    }

    static func map(_ error: any Error, logger: Logger) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as HTTPError:
            switch error.status {
            case .notFound: return APIError(.notFound, "no such route")
            case .contentTooLarge: return APIError(.tooLarge, "request body is too large")
            case .badRequest: return APIError(.badRequest, error.body ?? "bad request")
            case .unauthorized: return APIError(.unauthorized, error.body ?? "unauthorized")
            case .methodNotAllowed: return APIError(.notFound, "no such route")
            default:
                if error.status.code < 500 { return APIError(.badRequest, error.body ?? error.status.reasonPhrase) }
            }
        case is TimeoutError, is RedisError, is PostgresError, is PostgresTransactionError:
            logger.warning("storage unavailable", metadata: ["error": "\(String(reflecting: error))"])
            return .storageUnavailable
        case let error as PSQLError where error.code != .server:
            logger.warning("postgres unavailable", metadata: ["error": "\(String(reflecting: error))"])
            return .storageUnavailable
        default:
            break
        }
        logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))"])
        return APIError(.internal, "internal error")
    }
}
