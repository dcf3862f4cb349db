import EdgeLLMIntents
import FoundationEssentials

/// The JSON answer to one command (see docs in config/agent.yaml):
/// `{"id", "text", "intent", "actions", "speech", "status", "error", "timing"}`.
public struct ReplyPayload: Sendable, Equatable, Codable {
    public struct Action: Sendable, Equatable, Codable {
        public var domain: String
        public var service: String
        public var entityID: String?
        public var data: [String: SlotValue]
        /// Set when the agent itself published this action over MQTT; Home Assistant skips these.
        public var mqttTopic: String?

        enum CodingKeys: String, CodingKey {
            case domain, service, data
            case entityID = "entity_id", mqttTopic = "mqtt_topic"
        }

        public init(_ call: ServiceCall) {
            domain = call.domain
            service = call.service
            entityID = call.entityID
            data = call.data
            mqttTopic = call.mqttTopic
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(domain, forKey: .domain)
            try c.encode(service, forKey: .service)
            try c.encode(entityID, forKey: .entityID)
            try c.encode(data, forKey: .data)
            try c.encodeIfPresent(mqttTopic, forKey: .mqttTopic)
        }
    }

    public struct Timing: Sendable, Equatable, Codable {
        /// Arrival to the start of recognition.
        public var queueMilliseconds: Double = 0
        public var prefillMilliseconds: Double = 0
        public var decodeMilliseconds: Double = 0
        /// Arrival to the reply, all of it.
        public var totalMilliseconds: Double = 0
        public var promptTokens = 0
        public var generatedTokens = 0
        public var budgetMilliseconds: Double = 0
        /// The recognizer reached its verdict within the budget: false for timeouts, for commands the
        /// agent rejected before recognition, and for bad payloads.
        public var met = false

        enum CodingKeys: String, CodingKey {
            case met
            case queueMilliseconds = "queue_ms", prefillMilliseconds = "prefill_ms", decodeMilliseconds = "decode_ms"
            case totalMilliseconds = "total_ms", promptTokens = "prompt_tokens", generatedTokens = "generated_tokens"
            case budgetMilliseconds = "budget_ms"
        }

        public init() {}
    }

    public var id: String?
    public var text: String?
    public var intent: Intent?
    public var actions: [Action] = []
    public var speech = ""
    public var status: Recognition.Status
    public var error: String?
    public var timing = Timing()

    enum CodingKeys: String, CodingKey { case id, text, intent, actions, speech, status, error, timing }

    public init(id: String?, text: String?, status: Recognition.Status, error: String? = nil) {
        self.id = id
        self.text = text
        self.status = status
        self.error = error
    }

    public init(command: Command, recognition: Recognition) {
        id = command.id
        text = command.text
        intent = recognition.intent
        actions = recognition.actions.map(Action.init)
        speech = recognition.speech
        status = recognition.status
        error = recognition.error
        timing.prefillMilliseconds = recognition.prefillMilliseconds
        timing.decodeMilliseconds = recognition.decodeMilliseconds
        timing.promptTokens = recognition.promptTokens
        timing.generatedTokens = recognition.generatedTokens
    }

    // Every key is always present (null when absent), so consumers need no existence checks.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(text, forKey: .text)
        try c.encode(intent, forKey: .intent)
        try c.encode(actions, forKey: .actions)
        try c.encode(speech, forKey: .speech)
        try c.encode(status, forKey: .status)
        try c.encode(error, forKey: .error)
        try c.encode(timing, forKey: .timing)
    }

    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and dictionaries of them cannot fail; the fallback keeps
        // the "every command gets a reply" promise even so.
        guard let data = try? encoder.encode(self) else {
            return Array(#"{"status":"error","error":"reply could not be encoded"}"#.utf8)
        }
        return Array(data)
    }
}

/// Milliseconds rounded to 0.01 ms: enough for budgets, and short JSON.
@inline(__always) func milliseconds(_ seconds: Double) -> Double {
    (seconds * 100_000).rounded() / 100
}
