@testable import EdgeLLMAgent
import EdgeLLMEngine
import EdgeLLMIntents
import Foundation
import Testing

/// The agent with the real recognizer on the default intent model (the committed ternary one,
/// models/edgellm-home-135m.md): the MQTT side's contract (a reply for every command, timing filled
/// in, deadlines honoured), and the right intents for the committed set.
extension BrokerTests {
    static let modelPath = packageRoot.appendingPathComponent(AgentConfig().model).path

    @Test
    func theModelRecognizerAnswersOverMQTT() async throws {
        let home = try AgentConfig.loadHome(path: packageRoot.appendingPathComponent("config/home.example.yaml").path)
        let recognizer = try IntentRecognizer(model: try LanguageModel(path: Self.modelPath), home: home,
                                              agentArea: "kitchen")
        let broker = try TestBroker()
        let agent = try AgentHarness(port: broker.port, deviceID: "model", recognizer: recognizer) {
            $0.area = "kitchen"
            $0.budgetMilliseconds = 60_000  // a shared CI machine: the contract, not the speed, is under test
            $0.warmup = true
        }
        try await agent.waitUntilConnected(timeout: 120)
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["edgellm/model/reply"])
        try client.publish(agent.topics.command, "turn on the kitchen light")
        try client.publish(agent.topics.command, #"{"id": "m2", "text": "switch off the bedroom light"}"#)
        // A budget far below one command's cost: answered at once, or stopped at its deadline.
        try client.publish(agent.topics.command, #"{"id": "m3", "text": "turn on the garage fan", "budget_ms": 20}"#)
        let replies = await client.waitForReplies(on: agent.topics.reply, count: 3, timeout: 180)
        try #require(replies.count == 3)
        let entities = Set(home.entities.map(\.entityID))
        for r in replies where r.id != "m3" {
            #expect(["ok", "rejected"].contains(r.status), "\(r.status): \(r.error ?? "")")
            #expect(r.timing.prompt_tokens > 0 && r.timing.generated_tokens > 0)
            #expect(r.timing.prefill_ms > 0 && r.timing.decode_ms > 0)
            #expect(r.timing.met)
            for a in r.actions { #expect(a.entity_id.map(entities.contains) ?? true, "\(a.entity_id ?? "")") }
        }
        let short = try #require(replies.first { $0.id == "m3" })
        #expect(["rejected", "timeout"].contains(short.status))
        #expect(!short.timing.met)
        await agent.stop()
    }

    /// Every committed command (Tests/Fixtures/intents: 54, all intents, negatives, a speaker's
    /// area) through the broker: the replies carry the intents this model gets right (40 of 54,
    /// all 40 with every slot, on 2026-12-03, as `edgellm eval` counts them: a rejected reply is no
    /// intent; greedy decoding is deterministic, so the bounds are the counts).
    @Test
    func theCommittedCommandsGetTheirIntentsOverMQTT() async throws {
        let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/intents")
        let home = try AgentConfig.loadHome(path: fixtures.appendingPathComponent("home.json").path)
        let cases = try Evaluation.load(path: fixtures.appendingPathComponent("commands.jsonl").path)
        let recognizer = try IntentRecognizer(model: try LanguageModel(path: Self.modelPath), home: home, agentArea: nil)
        let broker = try TestBroker()
        let agent = try AgentHarness(port: broker.port, deviceID: "intents", recognizer: recognizer) {
            $0.budgetMilliseconds = 120_000  // the intents, not a shared CI machine's speed, are under test
            $0.queueCapacity = 64
        }
        try await agent.waitUntilConnected(timeout: 120)
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["edgellm/intents/reply"])
        for (i, c) in cases.enumerated() {
            let context = c.context.area.map { #", "context": {"area": \#(jsonQuoted($0))}"# } ?? ""
            try client.publish(agent.topics.command, #"{"id": "c\#(i)", "text": \#(jsonQuoted(c.text))\#(context)}"#)
        }
        let replies = await client.waitForReplies(on: agent.topics.reply, count: cases.count, timeout: 600)
        try #require(replies.count == cases.count)
        var intents = 0, exact = 0
        for (i, c) in cases.enumerated() {
            let r = try #require(replies.first { $0.id == "c\(i)" })
            #expect(["ok", "rejected"].contains(r.status), "\(c.text): \(r.status) \(r.error ?? "")")
            let predicted = r.status == "ok" ? r.intent : nil
            if predicted?.name == c.gold?.name {
                intents += 1
                if Evaluation.slotsMatch(c.gold?.slots ?? [:], predicted?.slots ?? [:]) { exact += 1 }
            }
        }
        #expect(intents >= 40, "\(intents) of \(cases.count) intents right")
        #expect(exact >= 40, "\(exact) of \(cases.count) exactly right")
        await agent.stop()
    }
}
