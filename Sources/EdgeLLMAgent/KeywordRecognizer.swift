import EdgeLLMIntents
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A stand-in for the model: "turn on/off <entity name or alias>" over the home, nothing else.
/// It lets the agent run, be tested and be load-tested where no model is at hand, with a simulated
/// per-request cost that honours the deadline the way the real recognizer must.
public final class KeywordRecognizer: IntentRecognizing {
    let home: Home
    let costSeconds: Double

    public init(home: Home?, costMilliseconds: Double = 0) {
        self.home = home ?? Home(areas: [], entities: [])
        costSeconds = costMilliseconds / 1000
    }

    public func recognize(_ text: String, context: CommandContext, deadline: Double?) -> Recognition {
        let start = monotonicNow()
        if costSeconds > 0 {
            let end = start + costSeconds
            if let deadline, deadline < end {
                sleep(seconds: max(0, deadline - start)) { false }
                return Recognition(status: .timeout, intent: nil, actions: [], speech: "",
                                   error: "deadline reached", decodeMilliseconds: milliseconds(monotonicNow() - start))
            }
            sleep(seconds: costSeconds) { false }
        }
        let elapsed = milliseconds(monotonicNow() - start)
        let lower = text.lowercased()
        let on: Bool
        if lower.contains("turn on") || lower.contains("switch on") {
            on = true
        } else if lower.contains("turn off") || lower.contains("switch off") {
            on = false
        } else {
            // Like the model's recognizer: `rejected` means "not a command for this home".
            return Recognition(status: .rejected, intent: nil, actions: [],
                               speech: "Sorry, I can only turn things on and off.", decodeMilliseconds: elapsed)
        }
        let verb = on ? "on" : "off"
        var candidates = home.entities.filter { entity in
            ([entity.name] + (entity.aliases ?? [])).contains { lower.contains($0.lowercased()) }
        }
        // "the light": any entity of that domain, to be narrowed by area below.
        if candidates.isEmpty { candidates = home.entities.filter { lower.contains($0.domain) } }
        // Several matches ("light" in every room): the spoken area, then the satellite's area, decide.
        let spokenArea = home.areas.first { lower.contains($0.name.lowercased()) }?.id
        let area = spokenArea ?? context.area
        guard let entity = candidates.first(where: { $0.area == area }) ?? candidates.first else {
            return Recognition(status: .rejected, intent: Intent(name: on ? "HassTurnOn" : "HassTurnOff"), actions: [],
                               speech: "I could not find that device.", decodeMilliseconds: elapsed)
        }
        var slots: [String: SlotValue] = ["name": .string(entity.name)]
        if let a = entity.area { slots["area"] = .string(a) }
        let call = ServiceCall(domain: entity.domain, service: on ? "turn_on" : "turn_off", entityID: entity.entityID,
                               mqttTopic: entity.mqtt?.commandTopic,
                               mqttPayload: entity.mqtt.map { $0.payload ?? (on ? "ON" : "OFF") })
        return Recognition(status: .ok, intent: Intent(name: on ? "HassTurnOn" : "HassTurnOff", slots: slots),
                           actions: [call], speech: "Turned \(verb) the \(entity.name).",
                           promptTokens: lower.split(separator: " ").count, decodeMilliseconds: elapsed)
    }
}
