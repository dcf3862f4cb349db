@testable import EdgeLLMAgent
import EdgeLLMEngine
import EdgeLLMIntents
import Foundation
import Testing

/// The agent with the real recognizer on the default model: the MQTT side's contract (a reply for
/// every command, timing filled in, deadlines honoured), not the recognizer's accuracy.
extension BrokerTests {
    static let modelPath = packageRoot.appendingPathComponent("models/smollm2-135m.q8.tm2.bin").path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: modelPath), "needs models/smollm2-135m.q8.tm2.bin (make model)"))
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
}
