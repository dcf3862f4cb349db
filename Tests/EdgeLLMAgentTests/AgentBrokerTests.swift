@testable import EdgeLLMAgent
import EdgeLLMIntents
import Foundation
import Testing

/// Everything that needs a broker: one at a time, since they time things on a small machine.
@Suite(.serialized) struct BrokerTests {}

extension BrokerTests {
    @Test func plainTextAndJSONCommandsAreAnswered() async throws {
        let broker = try TestBroker()
        let recognizer = FakeRecognizer(costMilliseconds: 5)
        let agent = try AgentHarness(port: broker.port, deviceID: "basic", recognizer: recognizer) { $0.area = "kitchen" }
        try await agent.waitUntilConnected()
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["edgellm/basic/#"])
        #expect(await client.waitForMessage(on: agent.topics.status, where: { $0.text == "online" }) != nil)

        try client.publish(agent.topics.command, "turn on the kitchen light")
        try client.publish(agent.topics.command,
                           #"{"id": "j1", "text": "lamp off", "budget_ms": 900, "context": {"area": "living_room"}}"#)
        let replies = await client.waitForReplies(on: agent.topics.reply, count: 2)
        try #require(replies.count == 2)

        let plain = try #require(replies.first { $0.id == nil })
        #expect(plain.status == "ok")
        #expect(plain.text == "turn on the kitchen light")
        #expect(plain.intent?.name == "Echo")
        #expect(plain.intent?.slots["area"] == .string("kitchen"))  // the agent's own area
        #expect(plain.actions.first?.entity_id == "light.test")
        #expect(plain.speech == "echo: turn on the kitchen light")
        #expect(plain.timing.budget_ms == 1500)
        #expect(plain.timing.met)
        #expect(plain.timing.prompt_tokens == 3 && plain.timing.generated_tokens == 2)
        #expect(plain.timing.total_ms >= plain.timing.queue_ms)

        let json = try #require(replies.first { $0.id == "j1" })
        #expect(json.status == "ok")
        #expect(json.intent?.slots["area"] == .string("living_room"))  // the request's context wins
        #expect(json.timing.budget_ms == 900)
        #expect(json.error == nil)

        await agent.stop()
        #expect(await client.waitForMessage(on: agent.topics.status, where: { $0.text == "offline" }) != nil)
        #expect(recognizer.texts.count == 2)
    }

    @Test func mqtt5ResponseTopicAndCorrelationDataAreHonoured() async throws {
        let broker = try TestBroker()
        let agent = try AgentHarness(port: broker.port, deviceID: "rr", recognizer: FakeRecognizer())
        try await agent.waitUntilConnected()
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["edgellm/rr/#", "requester/+/inbox"])
        let correlation: [UInt8] = [0, 1, 2, 250, 255]
        try client.publish(agent.topics.command, "what time is it", responseTopic: "requester/7/inbox",
                           correlationData: correlation)
        // A bad payload's error goes the same way.
        try client.publish(agent.topics.command, "{nope", responseTopic: "requester/8/inbox", correlationData: [9])
        let ok = try #require(await client.waitForMessage(on: "requester/7/inbox"))
        #expect(ok.correlationData == correlation)
        #expect(try Reply.decode(ok.payload).status == "ok")
        let bad = try #require(await client.waitForMessage(on: "requester/8/inbox"))
        #expect(bad.correlationData == [9])
        #expect(try Reply.decode(bad.payload).status == "error")
        #expect(client.messages(on: agent.topics.reply).isEmpty)
        await agent.stop()
    }

    @Test func everyBadPayloadGetsAnErrorAndTheAgentKeepsServing() async throws {
        let broker = try TestBroker()
        let agent = try AgentHarness(port: broker.port, deviceID: "bad", recognizer: FakeRecognizer()) {
            $0.maxPayloadBytes = 64
        }
        try await agent.waitUntilConnected()
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["edgellm/bad/reply"])
        let bad: [(id: String?, bytes: [UInt8], message: String)] = [
            (nil, [], "empty command"),
            (nil, Array("  \n ".utf8), "empty command"),
            (nil, Array(repeating: 0x61, count: 65), "payload is 65 bytes"),
            (nil, [0x6C, 0x61, 0x6D, 0x70, 0xC3, 0x28], "payload is not valid UTF-8"),
            (nil, Array("{\"id\": \"x1\", \"text\"".utf8), "invalid JSON"),
            ("b1", Array(#"{"id": "b1", "text": 12}"#.utf8), "text: expected String"),
            ("b2", Array(#"{"id": "b2", "text": "a", "budget_ms": 0}"#.utf8), "budget_ms must be a positive"),
            ("b3", Array(#"{"id": "b3", "text": "a", "budget_ms": -100}"#.utf8), "budget_ms must be a positive"),
            ("b4", Array(#"{"id": "b4", "text": "a", "context": []}"#.utf8), "context: expected"),
            ("b5", Array(#"{"id": "b5"}"#.utf8), "missing or empty 'text'"),
        ]
        for b in bad { try client.publish(agent.topics.command, bytes: b.bytes) }
        try client.publish(agent.topics.command, #"{"id": "good", "text": "still there?"}"#)
        let replies = await client.waitForReplies(on: agent.topics.reply, count: bad.count + 1)
        try #require(replies.count == bad.count + 1)
        // Replies keep the commands' order here: errors are answered at once, in arrival order.
        for (reply, expected) in zip(replies, bad) {
            #expect(reply.status == "error")
            #expect(reply.id == expected.id)
            #expect(reply.error?.hasPrefix(expected.message) == true, "\(reply.error ?? "nil") for \(expected.message)")
            #expect(!reply.timing.met)
        }
        #expect(replies.last?.id == "good" && replies.last?.status == "ok")
        let t = agent.agent.telemetrySnapshot()
        #expect(t.errors == UInt64(bad.count) && t.served == 1 && t.received == UInt64(bad.count + 1))
        #expect(t.budgetMisses == 0)
        await agent.stop()
    }

    @Test(arguments: [MQTTProtocolVersion.v5, .v311])
    func aCommandSentWhileTheAgentIsDownIsAnsweredWhenItReturns(version: MQTTProtocolVersion) async throws {
        let broker = try TestBroker()
        let configure: (inout AgentConfig) -> Void = { $0.broker.protocolVersion = version }
        let first = try AgentHarness(port: broker.port, deviceID: "away", recognizer: FakeRecognizer(), configure: configure)
        try await first.waitUntilConnected()
        await first.stop()
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["edgellm/away/reply"],
                                                  protocolVersion: version)
        try client.publish(first.topics.command, #"{"id": "while-away", "text": "turn on the porch light"}"#)
        try await Task.sleep(for: .milliseconds(300))
        #expect(client.messages.isEmpty)

        let second = try AgentHarness(port: broker.port, deviceID: "away", recognizer: FakeRecognizer(), configure: configure)
        let reply = try #require(await client.waitForMessage(on: second.topics.reply))
        let decoded = try Reply.decode(reply.payload)
        #expect(decoded.id == "while-away" && decoded.status == "ok")
        await second.stop()
    }

    @Test func theAgentReconnectsAfterTheBrokerRestarts() async throws {
        let broker = try TestBroker()
        let agent = try AgentHarness(port: broker.port, deviceID: "phoenix", recognizer: FakeRecognizer())
        try await agent.waitUntilConnected()
        broker.stop()
        #expect(await waitUntil(timeout: 10) { !agent.agent.isConnected })
        try broker.start()
        try await agent.waitUntilConnected(timeout: 10)
        #expect(agent.agent.client.connectionCount == 2)
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["edgellm/phoenix/#"])
        // The retained `online` was lost with the broker's memory; the agent published it again.
        #expect(await client.waitForMessage(on: agent.topics.status, where: { $0.text == "online" }) != nil)
        try client.publish(agent.topics.command, #"{"id": "after", "text": "hello again"}"#)
        let reply = try #require(await client.waitForMessage(on: agent.topics.reply))
        #expect(try Reply.decode(reply.payload).id == "after")
        await agent.stop()
    }

    @Test func aBurstOfTenTimesTheSustainableRateIsRejectedWithinBudget() async throws {
        // 40 ms per command sustains 25/s; the burst is 250/s for 0.4 s.
        let cost = 40.0, budget = 300.0, capacity = 4, count = 100
        let broker = try TestBroker()
        let agent = try AgentHarness(port: broker.port, deviceID: "burst", recognizer: FakeRecognizer(costMilliseconds: cost)) {
            $0.budgetMilliseconds = budget
            $0.queueCapacity = capacity
        }
        try await agent.waitUntilConnected()
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["edgellm/burst/reply"])
        // Warm the cost estimate the way traffic would.
        for i in 0..<3 {
            try client.publish(agent.topics.command, #"{"id": "warm\#(i)", "text": "warm up"}"#)
            _ = await client.waitForReplies(on: agent.topics.reply, count: i + 1)
        }
        client.clear()

        var sent: [String: Double] = [:]
        for i in 0..<count {
            sent["b\(i)"] = now()
            try client.publish(agent.topics.command, #"{"id": "b\#(i)", "text": "burst \#(i)"}"#)
            try await Task.sleep(for: .milliseconds(4))
        }
        _ = await client.waitForReplies(on: agent.topics.reply, count: count, timeout: 20)
        let arrivals = client.messages(on: agent.topics.reply)
        let replies = arrivals.compactMap { try? Reply.decode($0.payload) }
        #expect(replies.count == count, "every command is answered")
        #expect(Set(replies.compactMap(\.id)) == Set(sent.keys))

        let rejected = replies.filter { $0.status == "rejected" }
        let ok = replies.filter { $0.status == "ok" }
        #expect(rejected.count >= count / 3, "much of a 10x burst is turned away (\(rejected.count) rejected)")
        #expect(ok.count >= 5, "and the agent keeps serving what it can (\(ok.count) ok)")
        #expect(replies.allSatisfy { ["ok", "rejected", "timeout"].contains($0.status) })
        // Rejections are immediate, not after waiting out the budget.
        for r in rejected { #expect(r.timing.total_ms < budget, "\(r.id ?? "") rejected after \(r.timing.total_ms) ms") }
        // Nothing the agent answered took longer than its budget (plus scheduling slack on a busy machine).
        for r in replies { #expect(r.timing.total_ms <= budget + 200, "\(r.id ?? "") \(r.status) took \(r.timing.total_ms) ms") }
        let snapshot = agent.agent.telemetrySnapshot()
        #expect(snapshot.queueMaxDepth <= capacity)
        #expect(snapshot.rejected == UInt64(rejected.count))
        #expect(snapshot.overloaded == UInt64(rejected.count))
        #expect(snapshot.budgetMisses >= UInt64(rejected.count))
        await agent.stop()
    }

    @Test func discoveryIsPublishedOnConnectAndWhenHomeAssistantComesOnline() async throws {
        let broker = try TestBroker()
        let agent = try AgentHarness(port: broker.port, deviceID: "ha", recognizer: FakeRecognizer())
        try await agent.waitUntilConnected()
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["homeassistant/#", "edgellm/ha/#"])
        let first = try #require(await client.waitForMessage(on: agent.topics.discovery))
        #expect(first.retain)  // retained, so a subscriber that comes later still gets it
        let root = try JSONSerialization.jsonObject(with: Data(first.payload)) as! [String: Any]
        let cmps = try #require(root["cmps"] as? [String: [String: Any]])
        #expect(cmps["command"]?["command_topic"] as? String == agent.topics.command)
        #expect(cmps["result"]?["p"] as? String == "event")
        // Telemetry and status are retained too: the sensors and availability have a state at once.
        let telemetry = try #require(await client.waitForMessage(on: agent.topics.telemetry))
        #expect(telemetry.retain)
        _ = try JSONDecoder().decode(TelemetrySnapshot.self, from: Data(telemetry.payload))
        #expect(client.messages(on: agent.topics.status).first?.retain == true)
        client.clear()
        try client.publish("homeassistant/status", "online")
        let again = try #require(await client.waitForMessage(on: agent.topics.discovery))
        #expect(again.payload == first.payload)
        await agent.stop()
    }

    @Test func telemetryCountsAndPercentilesArrivePeriodically() async throws {
        let broker = try TestBroker()
        let agent = try AgentHarness(port: broker.port, deviceID: "tele", recognizer: FakeRecognizer(costMilliseconds: 10))
        try await agent.waitUntilConnected()
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["edgellm/tele/#"])
        for i in 0..<5 { try client.publish(agent.topics.command, #"{"id": "t\#(i)", "text": "t"}"#) }
        try client.publish(agent.topics.command, #"{"id": "late", "text": "t", "budget_ms": 1}"#)
        try client.publish(agent.topics.command, "")
        _ = await client.waitForReplies(on: agent.topics.reply, count: 7)
        // The periodic publish comes from AgentService; here the harness publishes as it would.
        agent.agent.publishTelemetry()
        let message = try #require(await client.waitForMessage(on: agent.topics.telemetry) { m in
            (try? JSONDecoder().decode(TelemetrySnapshot.self, from: Data(m.payload)))?.served == 5
        })
        let t = try JSONDecoder().decode(TelemetrySnapshot.self, from: Data(message.payload))
        #expect(t.received == 7 && t.errors == 1)
        #expect(t.rejected + t.timeout == 1 && t.budgetMisses == 1)
        #expect(t.overloaded == t.rejected)
        #expect(t.latencyMilliseconds.count >= 5)
        #expect(t.latencyMilliseconds.p50 >= 10 && t.latencyMilliseconds.p50 <= t.latencyMilliseconds.p95)
        #expect(t.latencyMilliseconds.p95 <= t.latencyMilliseconds.p99 && t.latencyMilliseconds.p99 <= t.latencyMilliseconds.max)
        #expect(t.lastLatencyMilliseconds != nil)
        await agent.stop()
    }

    @Test func gracefulShutdownFinishesTheRequestInHandAndRejectsTheQueue() async throws {
        let broker = try TestBroker()
        let agent = try AgentHarness(port: broker.port, deviceID: "bye", recognizer: FakeRecognizer(costMilliseconds: 400)) {
            $0.budgetMilliseconds = 5000
        }
        try await agent.waitUntilConnected()
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["edgellm/bye/#"])
        for i in 0..<3 { try client.publish(agent.topics.command, #"{"id": "s\#(i)", "text": "slow"}"#) }
        #expect(await waitUntil(timeout: 5) { agent.agent.queue.count == 2 })
        await agent.stop()
        let replies = await client.waitForReplies(on: agent.topics.reply, count: 3)
        #expect(replies.first { $0.id == "s0" }?.status == "ok")
        #expect(replies.filter { $0.status == "rejected" }.count == 2)
        #expect(replies.allSatisfy { $0.status == "ok" || $0.error == "agent is shutting down" })
        let statuses = client.messages(on: agent.topics.status).map(\.text)
        #expect(statuses.last == "offline")
        // The answers went out before the agent said goodbye.
        let order = client.messages.map(\.topic)
        #expect(order.lastIndex(of: agent.topics.reply)! < order.lastIndex(of: agent.topics.status)!)
    }

    @Test func keywordRecognizerDrivesMQTTEntitiesDirectly() async throws {
        let broker = try TestBroker()
        let home = try AgentConfig.loadHome(path: packageRoot.appendingPathComponent("config/home.example.yaml").path)
        let agent = try AgentHarness(port: broker.port, deviceID: "kw", recognizer: KeywordRecognizer(home: home)) {
            $0.area = "kitchen"
        }
        try await agent.waitUntilConnected()
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["edgellm/kw/reply", "zigbee2mqtt/#"])
        try client.publish(agent.topics.command, "turn on the garage fan")
        try client.publish(agent.topics.command, "please turn off the kitchen light")
        let replies = await client.waitForReplies(on: agent.topics.reply, count: 2)
        #expect(replies.first { $0.text == "turn on the garage fan" }?.actions.first?.entity_id == "fan.garage")
        #expect(replies.first { $0.text == "please turn off the kitchen light" }?.actions.first?.service == "turn_off")
        let z2m = try #require(await client.waitForMessage(on: "zigbee2mqtt/garage_fan/set"))
        #expect(z2m.text == "ON")
        await agent.stop()
    }

    @Test func credentialsFromTheEnvironmentAndAWrongPasswordIsRetriedNotFatal() async throws {
        let broker = try TestBroker(users: ["agent": "agent-pw", "ha": "ha-pw"])
        setenv("EDGELLM_TEST_BROKER_PW", "agent-pw", 1)
        let wrong = try AgentHarness(port: broker.port, deviceID: "auth-wrong", recognizer: FakeRecognizer()) {
            $0.broker.username = "agent"
            $0.broker.password = "not-it"
        }
        let agent = try AgentHarness(port: broker.port, deviceID: "auth", recognizer: FakeRecognizer()) {
            $0.broker.username = "agent"
            $0.broker.passwordEnv = "EDGELLM_TEST_BROKER_PW"
        }
        try await agent.waitUntilConnected()
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["edgellm/auth/reply"],
                                                  username: "ha", password: "ha-pw")
        try client.publish(agent.topics.command, "hello")
        #expect(await client.waitForMessage(on: agent.topics.reply) != nil)
        try await Task.sleep(for: .milliseconds(500))
        #expect(!wrong.agent.isConnected && wrong.agent.client.connectionCount == 0)
        await wrong.stop()
        await agent.stop()
    }

    @Test(.enabled(if: TestBroker.openssl != nil, "needs the openssl command to make certificates"))
    func tlsWithTheBrokersCA() async throws {
        let broker = try TestBroker(tls: true)
        let ca = try #require(broker.caFile)
        let agent = try AgentHarness(port: broker.port, deviceID: "tls", recognizer: FakeRecognizer()) {
            var tls = AgentConfig.TLS()
            tls.caFile = ca
            $0.broker.tls = tls
        }
        try await agent.waitUntilConnected()
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["edgellm/tls/reply"], caFile: ca)
        try client.publish(agent.topics.command, "over TLS")
        let reply = try #require(await client.waitForMessage(on: agent.topics.reply))
        #expect(try Reply.decode(reply.payload).status == "ok")
        await agent.stop()
    }

    @Test func aSlowStartDoesNotRejectEverythingAfterIt() async throws {
        let broker = try TestBroker()
        let agent = try AgentHarness(port: broker.port, deviceID: "cold",
                                     recognizer: FakeRecognizer(costMilliseconds: 20, firstCostMilliseconds: 1000),
                                     probeAfterSeconds: 0.5) { $0.budgetMilliseconds = 300 }
        try await agent.waitUntilConnected()
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["edgellm/cold/reply"])
        func ask(_ id: String, budget: Int = 300) async throws -> Reply? {
            try client.publish(agent.topics.command, #"{"id": "\#(id)", "text": "x", "budget_ms": \#(budget)}"#)
            return await client.waitForReplies(on: agent.topics.reply, count: client.messages.count + 1)
                .first { $0.id == id }
        }
        #expect(try await ask("cold", budget: 5000)?.status == "ok")   // a cold start of a second
        #expect(try await ask("right-after")?.status == "rejected")  // the estimate (1 s) says it cannot make it
        try await Task.sleep(for: .milliseconds(700))
        #expect(try await ask("probe")?.status == "ok")          // idle, estimate stale: tried anyway
        #expect(try await ask("recovered")?.status == "ok")      // and the estimate is back to 20 ms
        await agent.stop()
    }

    @Test func warmUpSeedsTheEstimateSoAStartUpBurstIsRejectedAtOnce() async throws {
        let broker = try TestBroker()
        let recognizer = FakeRecognizer(costMilliseconds: 200)
        let agent = try AgentHarness(port: broker.port, deviceID: "warm", recognizer: recognizer) {
            $0.warmup = true
            $0.budgetMilliseconds = 300
        }
        try await agent.waitUntilConnected()
        #expect(recognizer.texts == ["turn on the light"])  // before the agent went online
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["edgellm/warm/reply"])
        for i in 0..<6 { try client.publish(agent.topics.command, #"{"id": "w\#(i)", "text": "x"}"#) }
        let replies = await client.waitForReplies(on: agent.topics.reply, count: 6)
        try #require(replies.count == 6)
        #expect(replies.filter { $0.status == "ok" }.count == 1)
        let rejected = replies.filter { $0.status == "rejected" }
        #expect(rejected.count == 5)
        for r in rejected { #expect(r.timing.total_ms < 100, "\(r.id ?? "") rejected after \(r.timing.total_ms) ms") }
        await agent.stop()
    }
}
