import ArgumentParser
import EdgeLLMAgent
import EdgeLLMEngine
import EdgeLLMIntents
import Logging
import ServiceLifecycle

/// `edgellm agent`: the home-automation agent, a long-running MQTT service.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Turn voice-assistant text from MQTT into Home Assistant intents and service calls.",
        discussion: """
            Commands arrive on <prefix>/<device_id>/command (plain text or JSON) and are answered on \
            .../reply within a latency budget; .../telemetry and .../status report on the agent, and \
            Home Assistant discovers it under <discovery_prefix>/device/. SIGTERM or SIGINT stops it \
            gracefully. Every setting is documented in config/agent.yaml; the options override them.
            """)

    @Option(help: "The agent's YAML config (see config/agent.yaml).")
    var config: String?

    @Option(help: "The MQTT broker as HOST:PORT, HOST or :PORT.")
    var broker: String?

    @Option(name: .customLong("device-id"), help: "This agent's id in its topics.")
    var deviceID: String?

    @Option(help: "The home: a JSON or YAML file of areas and entities.")
    var home: String?

    @Option(help: "The model file (.tm2.bin) the recognizer runs.")
    var model: String?

    @Option(help: "model (the on-device model) or keyword (a stand-in for tests and demos without a model).")
    var recognizer: String?

    @Option(name: .customLong("budget-ms"), help: "The default latency budget per command, in milliseconds.")
    var budgetMilliseconds: Double?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    func run() async throws {
        var settings = try config.map(AgentConfig.load(path:)) ?? AgentConfig()
        if let broker { try settings.setBroker(broker) }
        if let deviceID { settings.deviceID = deviceID }
        if let home { settings.home = .file(home) }
        if let model { settings.model = model }
        if let recognizer {
            guard let kind = AgentConfig.RecognizerKind(rawValue: recognizer) else {
                throw ValidationError("--recognizer must be model or keyword")
            }
            settings.recognizer = kind
        }
        if let budgetMilliseconds { settings.budgetMilliseconds = budgetMilliseconds }
        if let logLevel { settings.logLevel = logLevel }
        try settings.validate()
        guard let level = Logger.Level(rawValue: settings.logLevel) else {
            throw ValidationError("log level must be trace, debug, info, notice, warning, error or critical")
        }

        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "edgellm.agent")
        let agent = try Agent(config: settings, recognizer: try Self.makeRecognizer(settings, logger: logger),
                              logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [AgentService(agent: agent)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }

    static func makeRecognizer(_ settings: AgentConfig, logger: Logger) throws -> any IntentRecognizing {
        let home = try settings.resolvedHome()
        switch settings.recognizer {
        case .keyword:
            logger.notice("using the keyword recognizer, not the model")
            return KeywordRecognizer(home: home, costMilliseconds: settings.keywordCostMilliseconds)
        case .model:
            guard let home else {
                throw ValidationError("the model recognizer needs a home: `home:` in the config, or --home")
            }
            let start = Clock.now()
            let model = try LanguageModel(path: settings.model)
            let recognizer = try IntentRecognizer(model: model, home: home, agentArea: settings.area,
                                                  options: .init(kvPrecision: settings.kvCache))
            logger.info("model recognizer ready in \(Int((Clock.now() - start) * 1000)) ms",
                        metadata: ["model": "\(settings.model)", "prompt_tokens": "\(recognizer.prefixLength)"])
            return recognizer
        }
    }
}
