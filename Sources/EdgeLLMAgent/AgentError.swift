/// A failure the agent reports to its operator (config, startup, broker); one line, no secrets.
public struct AgentError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
