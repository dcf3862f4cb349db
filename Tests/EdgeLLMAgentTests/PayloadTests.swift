@testable import EdgeLLMAgent
import EdgeLLMIntents
import Foundation
import Testing

@Suite struct CommandPayloadTests {
    func parse(_ text: String, max: Int = 4096) -> Result<Command, CommandError> {
        CommandPayload.parse(Array(text.utf8), maxBytes: max)
    }

    @Test func plainTextIsTheCommand() throws {
        let c = try parse("  turn on the kitchen light \n").get()
        #expect(c == Command(text: "turn on the kitchen light"))
    }

    @Test func jsonCommandWithEveryField() throws {
        let c = try parse(#" {"id": "r1", "text": "lamp on", "budget_ms": 800, "context": {"area": "living_room"}}"#).get()
        #expect(c == Command(id: "r1", text: "lamp on", budgetMilliseconds: 800, context: .init(area: "living_room")))
    }

    @Test func numericIDsAreEchoedAsText() throws {
        #expect(try parse(#"{"id": 42, "text": "x"}"#).get().id == "42")
    }

    @Test func textThatMerelyLooksLikeJSONElsewhereIsPlainText() throws {
        #expect(try parse(#"say "{hi}""#).get().text == #"say "{hi}""#)
        #expect(try parse("[1, 2]").get().text == "[1, 2]")
    }

    @Test(arguments: [
        ("", "empty command", nil),
        ("   \n\t", "empty command", nil),
        ("{", "invalid JSON", nil),
        (#"{"id": "a" "text": "x"}"#, "invalid JSON", nil),
        ("{\"text\": \"x\"} trailing", "invalid JSON", nil),
        (#"{"id": "a"}"#, "missing or empty 'text'", "a"),
        (#"{"id": "a", "text": "  "}"#, "missing or empty 'text'", "a"),
        (#"{"id": "a", "text": 5}"#, "text: expected String", "a"),
        (#"{"id": "a", "text": "x", "budget_ms": "800"}"#, "budget_ms: expected Double", "a"),
        (#"{"id": "a", "text": "x", "budget_ms": 0}"#, "budget_ms must be a positive number of milliseconds", "a"),
        (#"{"id": "a", "text": "x", "budget_ms": -5}"#, "budget_ms must be a positive number of milliseconds", "a"),
        (#"{"id": "a", "text": "x", "budget_ms": 1e9}"#, "budget_ms must be at most 600000", "a"),
        (#"{"id": "a", "text": "x", "context": "kitchen"}"#, "context: expected Dictionary<String, Any>", "a"),
        (#"{"id": "a", "text": "x", "context": {"area": 3}}"#, "context.area: expected String", "a"),
        (#"{"id": true, "text": "x"}"#, "id: expected String", nil),
        (#"{"text": ["x"]}"#, "text: expected String", nil),
    ] as [(String, String, String?)])
    func badPayloadsAreErrorsWithTheirID(payload: String, message: String, id: String?) {
        guard case .failure(let error) = parse(payload) else {
            Issue.record("accepted \(payload)")
            return
        }
        #expect(error.id == id)
        #expect(error.message.hasPrefix(message), "\(error.message)")
    }

    @Test func oversizeAndInvalidUTF8() {
        guard case .failure(let big) = parse(String(repeating: "a", count: 100), max: 64) else {
            Issue.record("accepted oversize")
            return
        }
        #expect(big.message == "payload is 100 bytes, over the limit of 64")
        guard case .failure(let bad) = CommandPayload.parse([0x74, 0x75, 0xFF, 0xFE, 0x6E], maxBytes: 64) else {
            Issue.record("accepted invalid UTF-8")
            return
        }
        #expect(bad.message == "payload is not valid UTF-8")
    }
}

@Suite struct ReplyPayloadTests {
    @Test func everyKeyIsPresentAndAbsentOnesAreNull() throws {
        let reply = ReplyPayload(id: nil, text: nil, status: .error, error: "empty command")
        let object = try JSONSerialization.jsonObject(with: Data(reply.encoded())) as! [String: Any]
        #expect(Set(object.keys) == ["id", "text", "intent", "actions", "speech", "status", "error", "timing"])
        #expect(object["intent"] is NSNull)
        #expect(object["id"] is NSNull)
        #expect(object["status"] as? String == "error")
        let timing = object["timing"] as! [String: Any]
        #expect(Set(timing.keys) == ["queue_ms", "prefill_ms", "decode_ms", "total_ms", "prompt_tokens",
                                     "generated_tokens", "budget_ms", "met"])
    }

    @Test func recognitionFieldsCarryOver() throws {
        let recognition = Recognition(
            status: .ok, intent: Intent(name: "HassLightSet", slots: ["name": .string("lamp"), "brightness": .number(50)]),
            actions: [ServiceCall(domain: "light", service: "turn_on", entityID: "light.lamp", data: ["brightness_pct": .number(50)]),
                      ServiceCall(domain: "fan", service: "turn_on", entityID: "fan.x", mqttTopic: "z2m/fan/set", mqttPayload: "ON")],
            speech: "Done", promptTokens: 40, generatedTokens: 12, prefillMilliseconds: 30, decodeMilliseconds: 90)
        let reply = ReplyPayload(command: Command(id: "r", text: "lamp to half"), recognition: recognition)
        let object = try JSONSerialization.jsonObject(with: Data(reply.encoded())) as! [String: Any]
        let intent = object["intent"] as! [String: Any]
        #expect(intent["name"] as? String == "HassLightSet")
        #expect((intent["slots"] as? [String: Any])?["brightness"] as? Double == 50)
        let actions = object["actions"] as! [[String: Any]]
        #expect(actions.count == 2)
        #expect(actions[0]["entity_id"] as? String == "light.lamp")
        #expect(actions[0]["mqtt_topic"] == nil)
        #expect(actions[1]["mqtt_topic"] as? String == "z2m/fan/set")
        let timing = object["timing"] as! [String: Any]
        #expect(timing["prompt_tokens"] as? Int == 40)
        #expect(timing["decode_ms"] as? Double == 90)
        #expect(try JSONDecoder().decode(ReplyPayload.self, from: Data(reply.encoded())) == reply)
    }
}

@Suite struct DiscoveryTests {
    @Test func devicePayloadHasWhatHomeAssistantRequires() throws {
        var config = AgentConfig()
        config.deviceID = "pi.kitchen"
        config.area = "kitchen"
        let topics = AgentTopics(config: config)
        #expect(topics.discovery == "homeassistant/device/edgellm_pi_kitchen/config")
        let root = try JSONSerialization.jsonObject(with: Data(Discovery.payload(config: config, topics: topics)))
            as! [String: Any]
        let dev = root["dev"] as! [String: Any]
        #expect((dev["identifiers"] as? [String])?.isEmpty == false)
        #expect(dev["name"] is String)
        #expect(dev["suggested_area"] as? String == "kitchen")
        #expect((root["o"] as? [String: Any])?["name"] is String)
        let availability = (root["availability"] as! [[String: Any]])[0]
        #expect(availability["topic"] as? String == "edgellm/pi.kitchen/status")
        #expect(availability["payload_not_available"] as? String == "offline")
        let cmps = root["cmps"] as! [String: [String: Any]]
        var uniqueIDs = Set<String>()
        for (id, c) in cmps {
            #expect(id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
            let platform = try #require(c["p"] as? String)
            uniqueIDs.insert(try #require(c["unique_id"] as? String))
            switch platform {
            case "sensor":
                #expect(c["state_topic"] is String)
                #expect(c["value_template"] is String)
            case "text":
                #expect(c["command_topic"] as? String == topics.command)
            case "event":
                #expect(c["state_topic"] as? String == topics.reply)
                #expect(c["event_types"] as? [String] == ["ok", "timeout", "rejected", "error"])
            default:
                Issue.record("unexpected platform \(platform)")
            }
        }
        #expect(uniqueIDs.count == cmps.count)
        for name in ["last_latency", "latency_p95", "latency_p99"] {
            let s = try #require(cmps[name])
            #expect(s["device_class"] as? String == "duration")
            #expect(s["unit_of_measurement"] as? String == "ms")
            #expect(s["state_class"] as? String == "measurement")
        }
        #expect(cmps["requests_served"]?["state_class"] as? String == "total_increasing")
        #expect(cmps["budget_misses"]?["value_template"] as? String == "{{ value_json.budget_misses }}")
    }
}

@Suite struct QueueAndBudgetTests {
    @Test func queueRefusesWhenFullAndHandsBackLeftoversOnClose() {
        let q = RequestQueue<Int>(capacity: 3)
        #expect(q.tryPush(1) && q.tryPush(2) && q.tryPush(3))
        #expect(!q.tryPush(4))
        #expect(q.pop() == 1)
        #expect(q.tryPush(5))
        #expect(q.maxDepth == 3)
        #expect(q.load == (queued: 3, inProgress: 1))
        q.done()
        #expect(q.load == (queued: 3, inProgress: 0))
        #expect(q.close() == [2, 3, 5])
        #expect(!q.tryPush(6))
        #expect(q.pop() == nil)
    }

    @Test func queueStaysCompactOverManyCycles() {
        let q = RequestQueue<Int>(capacity: 4)
        for i in 0..<10_000 {
            #expect(q.tryPush(i))
            #expect(q.pop() == i)
        }
        #expect(q.count == 0)
        #expect(q.maxDepth == 1)
    }

    @Test func estimateIsTheMedianOfRecentCosts() {
        let e = CostEstimator(size: 4)
        #expect(e.estimate == 0)
        #expect(e.isStale(now: 0, after: 5))
        for s in [0.1, 0.1, 5.0] { e.record(seconds: s, at: 100) }
        #expect(e.estimate == 0.1)
        for s in [0.3, 0.3, 0.3] { e.record(seconds: s, at: 101) }
        #expect(e.estimate == 0.3)
        #expect(!e.isStale(now: 105, after: 5))
        #expect(e.isStale(now: 106.5, after: 5))
    }

    @Test func admissionCountsWorkAhead() {
        let b = LatencyBudget(arrival: 10, budgetMilliseconds: 500)
        #expect(b.deadline == 10.5)
        #expect(b.canFinish(by: LatencyBudget.expectedFinish(now: 10, inHandRemaining: 0, queuedAhead: 3, cost: 0.1)))
        #expect(!b.canFinish(by: LatencyBudget.expectedFinish(now: 10, inHandRemaining: 0.05, queuedAhead: 4, cost: 0.1)))
    }

    @Test func keywordRecognizerHonoursItsDeadline() {
        let r = KeywordRecognizer(home: nil, costMilliseconds: 200)
        let start = now()
        let result = r.recognize("turn on the lamp", context: .init(), deadline: start + 0.05)
        #expect(result.status == .timeout)
        #expect(now() - start < 0.15)
    }
}
