@testable import EdgeLLMAgent
import EdgeLLMEngine
import EdgeLLMIntents
import Foundation
import Testing

@Suite struct ConfigTests {
    @Test func theExampleConfigLoadsWithItsHome() throws {
        let path = packageRoot.appendingPathComponent("config/agent.yaml").path
        let config = try AgentConfig.load(path: path)
        #expect(config.deviceID == "pi")
        #expect(config.area == "kitchen")
        #expect(config.broker.protocolVersion == .v5)
        #expect(config.budgetMilliseconds == 1500)
        #expect(config.topicPrefix == "edgellm")
        #expect(config.discoveryPrefix == "homeassistant")
        #expect(config.clientID == "edgellm-agent-pi")
        #expect(config.home == .file("config/home.example.yaml"))
        let home = try AgentConfig.loadHome(path: packageRoot.appendingPathComponent("config/home.example.yaml").path)
        #expect(home.areas.count == 4)
        #expect(home.entities.contains { $0.entityID == "fan.garage" && $0.mqtt?.commandTopic == "zigbee2mqtt/garage_fan/set" })
    }

    @Test func emptyConfigIsAllDefaults() throws {
        #expect(try AgentConfig.parse(yaml: "# nothing\n") == AgentConfig())
    }

    @Test func everySettingIsRead() throws {
        let config = try AgentConfig.parse(yaml: """
            broker:
              host: mqtt.lan
              port: 8883
              client_id: agent-7
              username: u
              password: p
              tls: {ca_file: /ca.pem, cert_file: /c.pem, key_file: /k.pem, insecure: true}
              keepalive_s: 15
              protocol: 3.1.1
              session_expiry_s: 60
              reconnect_min_s: 0.5
              reconnect_max_s: 4
            topic_prefix: house
            device_id: hall
            area: hall
            model: m.bin
            kv_cache: q8_0
            recognizer: keyword
            keyword_cost_ms: 20
            home:
              areas: [{id: hall, name: Hall}]
              entities: [{entity_id: light.hall, name: Hall light, area: hall}]
            budget_ms: 900
            warmup: false
            queue_capacity: 3
            max_payload_bytes: 512
            telemetry_interval_s: 2.5
            discovery: false
            discovery_prefix: ha
            log_level: debug
            """)
        #expect(config.broker.host == "mqtt.lan" && config.broker.port == 8883)
        #expect(config.clientID == "agent-7")
        #expect(config.broker.tls?.insecure == true && config.broker.tls?.keyFile == "/k.pem")
        #expect(config.broker.protocolVersion == .v311)
        #expect(config.broker.sessionExpirySeconds == 60)
        #expect(config.broker.reconnectMinSeconds == 0.5)
        #expect(config.recognizer == .keyword && config.keywordCostMilliseconds == 20)
        #expect(config.kvCache == .q8_0)
        #expect(config.home == .inline(Home(areas: [.init(id: "hall", name: "Hall")],
                                            entities: [.init(entityID: "light.hall", name: "Hall light", area: "hall")])))
        #expect(!config.warmup)
        #expect(config.queueCapacity == 3 && config.maxPayloadBytes == 512 && config.telemetryIntervalSeconds == 2.5)
        #expect(!config.discovery && config.discoveryPrefix == "ha" && config.logLevel == "debug")
        let topics = AgentTopics(config: config)
        #expect(topics.command == "house/hall/command")
        #expect(topics.homeAssistantStatus == "ha/status")
        let options = try config.clientOptions(topics: topics)
        #expect(options.will == .init(topic: "house/hall/status", payload: "offline", qos: 1, retain: true))
        #expect(!options.cleanSession)
        #expect(options.subscriptions.map(\.topic) == ["house/hall/command"])
    }

    @Test(arguments: [
        ("budget: 5", "unknown setting 'budget'"),
        ("broker: {hots: x}", "unknown setting 'broker.hots'"),
        ("broker: {tls: {ca: x}}", "unknown setting 'broker.tls.ca'"),
        ("broker: {protocol: 4.0}", "broker.protocol must be 3.1.1 or 5"),
        ("broker: {port: seventy}", "broker.port: expected Int"),
        ("device_id: a/b", "device_id must be non-empty"),
        ("budget_ms: 0", "budget_ms must be positive"),
        ("queue_capacity: 0", "queue_capacity must be at least 1"),
        ("kv_cache: q4", "kv_cache must be f16, f32 or q8_0, not q4"),
        ("- a list", "expected a mapping"),
        ("a: [", "not valid YAML"),
    ])
    func mistakesAreReportedByName(yaml: String, message: String) {
        #expect {
            try AgentConfig.parse(yaml: yaml)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func brokerOverride() throws {
        var c = AgentConfig()
        try c.setBroker("mqtt.lan:1884")
        #expect(c.broker.host == "mqtt.lan" && c.broker.port == 1884)
        try c.setBroker(":1999")
        #expect(c.broker.host == "mqtt.lan" && c.broker.port == 1999)
        try c.setBroker("other")
        #expect(c.broker.host == "other" && c.broker.port == 1999)
        #expect(throws: AgentError.self) { try c.setBroker("x:notaport") }
    }

    @Test func passwordComesFromEnvironmentOrFileAndIsNeverInTheSummary() throws {
        let dir = try temporaryDirectory("config")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("pw")
        try "s3cret-file\n".write(to: file, atomically: true, encoding: .utf8)
        var c = try AgentConfig.parse(yaml: "broker: {username: u, password_file: \(file.path)}")
        #expect(try c.resolvedPassword() == "s3cret-file")
        setenv("EDGELLM_TEST_PW", "s3cret-env", 1)
        c.broker.passwordEnv = "EDGELLM_TEST_PW"
        #expect(try c.resolvedPassword() == "s3cret-env")
        c.broker.passwordEnv = "EDGELLM_TEST_PW_UNSET"
        #expect(throws: AgentError.self) { try c.resolvedPassword() }
        c.broker.password = "inline-secret"
        #expect(!c.summary.contains("secret"))
    }

    @Test func homeFilesInJSONAndYAML() throws {
        let dir = try temporaryDirectory("home")
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("home.json")
        try #"{"areas": [{"id": "k", "name": "Kitchen"}], "entities": [{"entity_id": "light.k", "name": "Light", "area": "k"}]}"#
            .write(to: json, atomically: true, encoding: .utf8)
        #expect(try AgentConfig.loadHome(path: json.path).entities.first?.entityID == "light.k")
        let bad = dir.appendingPathComponent("bad.yaml")
        try "areas: []\nentities: [{name: x}]\n".write(to: bad, atomically: true, encoding: .utf8)
        #expect { try AgentConfig.loadHome(path: bad.path) } throws: { "\($0)".contains("missing 'entity_id'") }
        #expect(throws: AgentError.self) { try AgentConfig.loadHome(path: dir.appendingPathComponent("none").path) }
    }
}
