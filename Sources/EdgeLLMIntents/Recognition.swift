/// What the agent's MQTT side needs from intent recognition; the recognizer (constrained decoding
/// over the on-device model) and test doubles both provide it.
public protocol IntentRecognizing: AnyObject, Sendable {
    /// Turns one command into an intent and service calls. `deadline` is a `Clock.now()` time
    /// (monotonic seconds): generation stops there and the result's status is `.timeout`.
    /// Never throws: failures come back as `.error` with a one-line message.
    func recognize(_ text: String, context: CommandContext, deadline: Double?) -> Recognition
}

/// Where a command was spoken, when the voice satellite knows.
public struct CommandContext: Sendable, Equatable, Codable {
    public var area: String?
    public init(area: String? = nil) { self.area = area }
}

/// A slot value as Home Assistant's intents carry them: text or a number.
public enum SlotValue: Sendable, Equatable, Hashable, Codable {
    case string(String)
    case number(Double)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let d): try c.encode(d)
        }
    }
}

/// A Home Assistant intent: its name (HassTurnOn, ...) and slots (name, area, brightness, ...).
public struct Intent: Sendable, Equatable, Codable {
    public var name: String
    public var slots: [String: SlotValue]
    public init(name: String, slots: [String: SlotValue] = [:]) {
        self.name = name
        self.slots = slots
    }
}

/// One Home Assistant service call, or an MQTT publish for entities that name their own topic.
public struct ServiceCall: Sendable, Equatable, Codable {
    public var domain: String
    public var service: String
    public var entityID: String?
    public var data: [String: SlotValue]
    /// Set when the entity is driven over MQTT directly (e.g. zigbee2mqtt/<name>/set).
    public var mqttTopic: String?
    public var mqttPayload: String?

    public init(domain: String, service: String, entityID: String?, data: [String: SlotValue] = [:],
                mqttTopic: String? = nil, mqttPayload: String? = nil) {
        self.domain = domain
        self.service = service
        self.entityID = entityID
        self.data = data
        self.mqttTopic = mqttTopic
        self.mqttPayload = mqttPayload
    }

    enum CodingKeys: String, CodingKey {
        case domain, service, data
        case entityID = "entity_id"
        case mqttTopic = "mqtt_topic"
        case mqttPayload = "mqtt_payload"
    }
}

/// The outcome of one command.
public struct Recognition: Sendable, Equatable {
    public enum Status: String, Sendable, Codable { case ok, timeout, rejected, error }

    public var status: Status
    /// nil when the sentence is not a command for this home.
    public var intent: Intent?
    public var actions: [ServiceCall]
    /// A short sentence to speak back ("Turned on the kitchen light").
    public var speech: String
    public var error: String?
    public var promptTokens: Int
    public var generatedTokens: Int
    public var prefillMilliseconds: Double
    public var decodeMilliseconds: Double
    /// Forward passes after the command's prefill (fewer than generatedTokens: tokens the grammar
    /// forces are fed together with the model's choice before them).
    public var decodeSteps = 0
    /// Tokens of the output line appended by the grammar without a choice of the model.
    public var forcedTokens = 0
    /// Slots the mention guide went back on and began again (`MentionGuide`).
    public var rewinds = 0
    /// The line the model wrote (`OutputSyntax`), for logs and evaluation.
    public var output = ""

    public init(status: Status, intent: Intent?, actions: [ServiceCall], speech: String, error: String? = nil,
                promptTokens: Int = 0, generatedTokens: Int = 0, prefillMilliseconds: Double = 0,
                decodeMilliseconds: Double = 0) {
        self.status = status
        self.intent = intent
        self.actions = actions
        self.speech = speech
        self.error = error
        self.promptTokens = promptTokens
        self.generatedTokens = generatedTokens
        self.prefillMilliseconds = prefillMilliseconds
        self.decodeMilliseconds = decodeMilliseconds
    }
}
