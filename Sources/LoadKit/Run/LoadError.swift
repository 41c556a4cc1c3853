/// An error that ends a run with a one-line message (never a crash): bad arguments, a cluster that
/// does not answer as the contract says, a limit of this machine.
public struct LoadError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// The command line or an input file is wrong.
        case badArgument = "bad_argument"
        /// The cluster refused or broke a step the run needs (register, create a room, connect, join).
        case cluster
        /// A limit of this machine (open files) is too low for the run.
        case limit
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func badArgument(_ message: String) -> LoadError { LoadError(.badArgument, message) }
    public static func cluster(_ message: String) -> LoadError { LoadError(.cluster, message) }

    public var description: String { message }
}
