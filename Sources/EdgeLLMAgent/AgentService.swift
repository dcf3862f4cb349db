import Logging
import ServiceLifecycle

/// The agent as a swift-service-lifecycle Service: runs until the group shuts down gracefully
/// (SIGTERM/SIGINT), then answers or finishes what it holds, publishes `offline` and disconnects.
public struct AgentService: Service {
    public let agent: Agent

    public init(agent: Agent) { self.agent = agent }

    public func run() async throws {
        try agent.start()
        // Telemetry is the only periodic work; the sleep is cancelled when shutdown begins, and
        // beginShutdown runs at that moment too so no new command is admitted from then on.
        await withGracefulShutdownHandler {
            try? await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: .milliseconds(Int64(agent.config.telemetryIntervalSeconds * 1000)))
                    agent.publishTelemetry()
                }
            }
        } onGracefulShutdown: {
            agent.beginShutdown()
        }
        await agent.finish()
    }
}
