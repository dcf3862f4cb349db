import EdgeLLMAgent
import Foundation
import Testing

/// The built `edgellm agent` as a deployment runs it: signals, a crash, a restart.
extension BrokerTests {
    func startAgentProcess(port: Int, deviceID: String, directory: URL, extraConfig: String = "") throws -> ChildProcess {
        let config = directory.appendingPathComponent("agent.yaml")
        try """
            device_id: \(deviceID)
            recognizer: keyword
            home: \(packageRoot.appendingPathComponent("config/home.example.yaml").path)
            telemetry_interval_s: 1
            broker:
              reconnect_min_s: 0.2
              reconnect_max_s: 1
            \(extraConfig)
            """.write(to: config, atomically: true, encoding: .utf8)
        return try ChildProcess(try edgellmBinary(),
                                ["agent", "--config", config.path, "--broker", "127.0.0.1:\(port)", "--log-level", "debug"],
                                output: directory.appendingPathComponent("agent.log").path)
    }

    @Test func killMinus9LeavesOfflineAndARestartAnswersWhatCameMeanwhile() async throws {
        let broker = try TestBroker()
        let dir = try temporaryDirectory("k9")
        defer { try? FileManager.default.removeItem(at: dir) }
        let topics = AgentTopics(prefix: "edgellm", deviceID: "k9", discoveryPrefix: "homeassistant")
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["edgellm/k9/#"])

        let first = try startAgentProcess(port: broker.port, deviceID: "k9", directory: dir)
        #expect(await client.waitForMessage(on: topics.status, timeout: 20, where: { $0.text == "online" }) != nil,
                "agent came up: \((try? String(contentsOf: dir.appendingPathComponent("agent.log"), encoding: .utf8)) ?? "")")
        try client.publish(topics.command, #"{"id": "before", "text": "turn on the kitchen light"}"#)
        let before = try #require(await client.waitForMessage(on: topics.reply))
        #expect(try Reply.decode(before.payload).actions.first?.entity_id == "light.kitchen_ceiling")

        client.clear()
        first.signal(SIGKILL)
        #expect(await first.wait(timeout: 5) == 128 + SIGKILL)
        // The broker publishes the will: `offline`, retained.
        let will = try #require(await client.waitForMessage(on: topics.status, timeout: 10))
        #expect(will.text == "offline")

        try client.publish(topics.command, #"{"id": "meanwhile", "text": "turn off the bedroom light"}"#)
        let second = try startAgentProcess(port: broker.port, deviceID: "k9", directory: dir)
        let meanwhile = try #require(await client.waitForMessage(on: topics.reply, timeout: 20))
        let reply = try Reply.decode(meanwhile.payload)
        #expect(reply.id == "meanwhile" && reply.status == "ok")
        #expect(reply.actions.first?.entity_id == "light.bedroom")
        second.signal(SIGTERM)
        #expect(await second.wait(timeout: 10) == 0)
    }

    @Test func sigtermAnswersTheCommandInHandThenSaysOffline() async throws {
        let broker = try TestBroker()
        let dir = try temporaryDirectory("term")
        defer { try? FileManager.default.removeItem(at: dir) }
        let topics = AgentTopics(prefix: "edgellm", deviceID: "term", discoveryPrefix: "homeassistant")
        let client = try await TestClient.connect(port: broker.port, subscriptions: ["edgellm/term/#"])
        let agent = try startAgentProcess(port: broker.port, deviceID: "term", directory: dir,
                                          extraConfig: "keyword_cost_ms: 600\nbudget_ms: 5000")
        #expect(await client.waitForMessage(on: topics.status, timeout: 20, where: { $0.text == "online" }) != nil)
        // Telemetry comes every telemetry_interval_s (1 s here), not only at connect.
        #expect(await client.waitForMessage(on: topics.telemetry, timeout: 10, where: { m in
            ((try? JSONDecoder().decode(TelemetrySnapshot.self, from: Data(m.payload)))?.uptimeSeconds ?? 0) >= 1
        }) != nil)
        try client.publish(topics.command, #"{"id": "slow", "text": "turn on the lamp"}"#)
        try await Task.sleep(for: .milliseconds(200))
        agent.signal(SIGTERM)
        let reply = try #require(await client.waitForMessage(on: topics.reply, timeout: 10))
        #expect(try Reply.decode(reply.payload).status == "ok")
        #expect(await client.waitForMessage(on: topics.status, where: { $0.text == "offline" }) != nil)
        #expect(await agent.wait(timeout: 10) == 0)
        let log = try String(contentsOf: dir.appendingPathComponent("agent.log"), encoding: .utf8)
        #expect(log.contains("agent stopped"))
    }

    @Test func aBadConfigIsAnErrorNotAHang() async throws {
        let dir = try temporaryDirectory("badconfig")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("agent.yaml")
        try "budget_ms: 100\nbroker: {hots: x}\n".write(to: config, atomically: true, encoding: .utf8)
        let log = dir.appendingPathComponent("out.log")
        let p = try ChildProcess(try edgellmBinary(), ["agent", "--config", config.path], output: log.path)
        let status = await p.wait(timeout: 10)
        #expect(status != nil && status != 0)
        #expect(try String(contentsOf: log, encoding: .utf8).contains("unknown setting 'broker.hots'"))
    }
}
