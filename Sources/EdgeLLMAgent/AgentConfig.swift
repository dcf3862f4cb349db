import EdgeLLMEngine
import EdgeLLMIntents
import FoundationEssentials
import Yams
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The agent's settings, from a YAML file (config/agent.yaml documents every key), then the
/// command line. Relative paths are read from the working directory.
public struct AgentConfig: Sendable, Equatable {
    public struct TLS: Sendable, Equatable, Decodable {
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
        public var insecure: Bool = false

        enum CodingKeys: String, CodingKey {
            case caFile = "ca_file", certFile = "cert_file", keyFile = "key_file", insecure
        }
        public init() {}
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
            certFile = try c.decodeIfPresent(String.self, forKey: .certFile)
            keyFile = try c.decodeIfPresent(String.self, forKey: .keyFile)
            insecure = try c.decodeIfPresent(Bool.self, forKey: .insecure) ?? false
        }
    }

    public struct Broker: Sendable, Equatable, Decodable {
        public var host = "127.0.0.1"
        public var port = 1883
        /// Fixed per agent: the broker keeps the persistent session under this id.
        public var clientID: String?
        public var username: String?
        /// Inline password: prefer `passwordFile` or `passwordEnv`, which keep it out of the config.
        public var password: String?
        public var passwordFile: String?
        public var passwordEnv: String?
        public var tls: TLS?
        public var keepAliveSeconds = 30
        public var protocolVersion = MQTTProtocolVersion.v5
        public var sessionExpirySeconds: UInt32 = 86_400
        public var reconnectMinSeconds = 1.0
        public var reconnectMaxSeconds = 30.0

        enum CodingKeys: String, CodingKey, CaseIterable {
            case host, port, username, password, tls
            case clientID = "client_id", passwordFile = "password_file", passwordEnv = "password_env"
            case keepAliveSeconds = "keepalive_s", protocolVersion = "protocol"
            case sessionExpirySeconds = "session_expiry_s"
            case reconnectMinSeconds = "reconnect_min_s", reconnectMaxSeconds = "reconnect_max_s"
        }

        public init() {}
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            host = try c.decodeIfPresent(String.self, forKey: .host) ?? host
            port = try c.decodeIfPresent(Int.self, forKey: .port) ?? port
            clientID = try c.decodeIfPresent(String.self, forKey: .clientID)
            username = try c.decodeIfPresent(String.self, forKey: .username)
            password = try c.decodeIfPresent(String.self, forKey: .password)
            passwordFile = try c.decodeIfPresent(String.self, forKey: .passwordFile)
            passwordEnv = try c.decodeIfPresent(String.self, forKey: .passwordEnv)
            tls = try c.decodeIfPresent(TLS.self, forKey: .tls)
            keepAliveSeconds = try c.decodeIfPresent(Int.self, forKey: .keepAliveSeconds) ?? keepAliveSeconds
            if let text = try c.decodeIfPresent(String.self, forKey: .protocolVersion) {
                guard let v = AgentConfig.protocolVersion(text) else {
                    throw AgentError("broker.protocol must be 3.1.1 or 5, not \(text)")
                }
                protocolVersion = v
            }
            sessionExpirySeconds = try c.decodeIfPresent(UInt32.self, forKey: .sessionExpirySeconds)
                ?? sessionExpirySeconds
            reconnectMinSeconds = try c.decodeIfPresent(Double.self, forKey: .reconnectMinSeconds) ?? reconnectMinSeconds
            reconnectMaxSeconds = try c.decodeIfPresent(Double.self, forKey: .reconnectMaxSeconds) ?? reconnectMaxSeconds
        }
    }

    /// The home inline in the config, or the path of a JSON or YAML file that holds it.
    public enum HomeSource: Sendable, Equatable, Decodable {
        case inline(Home)
        case file(String)

        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let path = try? c.decode(String.self) { self = .file(path) } else { self = .inline(try c.decode(Home.self)) }
        }
    }

    public enum RecognizerKind: String, Sendable, Equatable, Decodable {
        /// The on-device model through EdgeLLMIntents.
        case model
        /// Keyword matching over the home, with an optional simulated cost: tests, load tests and
        /// demos on machines without the model.
        case keyword
    }

    public var broker = Broker()
    public var topicPrefix = "edgellm"
    public var deviceID = "edgellm"
    /// Where the agent stands: the area a command means when it names none and the request gives none.
    public var area: String?
    public var model = "models/edgellm-home-135m.tm2.bin"
    public var recognizer = RecognizerKind.model
    /// The model's KV cache: q8_0 takes half of f16's memory (for heads that are multiples of 32).
    public var kvCache = KVCache.Precision.f16
    public var keywordCostMilliseconds = 0.0
    public var home: HomeSource?
    public var budgetMilliseconds = 1500.0
    /// One command through the recognizer before going online: it seeds the admission estimate
    /// (without one, a burst at start-up fills the queue with work that cannot make its budget) and
    /// brings the model's pages into memory.
    public var warmup = true
    public var queueCapacity = 8
    public var maxPayloadBytes = 4096
    public var telemetryIntervalSeconds = 10.0
    public var discovery = true
    public var discoveryPrefix = "homeassistant"
    public var logLevel = "info"

    enum CodingKeys: String, CodingKey, CaseIterable {
        case broker, area, model, recognizer, home, discovery, warmup
        case topicPrefix = "topic_prefix", deviceID = "device_id", keywordCostMilliseconds = "keyword_cost_ms"
        case kvCache = "kv_cache"
        case budgetMilliseconds = "budget_ms", queueCapacity = "queue_capacity"
        case maxPayloadBytes = "max_payload_bytes", telemetryIntervalSeconds = "telemetry_interval_s"
        case discoveryPrefix = "discovery_prefix", logLevel = "log_level"
    }

    public init() {}

    public var clientID: String { broker.clientID ?? "edgellm-agent-\(deviceID)" }

    static func protocolVersion(_ text: String) -> MQTTProtocolVersion? {
        switch text.lowercased() {
        case "5", "5.0", "v5", "mqttv5": return .v5
        case "3.1.1", "311", "4", "v311", "mqttv311": return .v311
        default: return nil
        }
    }

    // MARK: - Loading

    /// Reads the YAML config; unknown keys are errors, so that a typo is not a silent default.
    public static func load(path: String) throws -> AgentConfig {
        let text = try readTextFile(path, what: "config")
        return try parse(yaml: text, source: path)
    }

    public static func parse(yaml: String, source: String = "config") throws -> AgentConfig {
        let node: Node?
        do { node = try Yams.compose(yaml: yaml) } catch {
            throw AgentError("\(source): not valid YAML: \(error)")
        }
        guard let node else { return AgentConfig() }  // empty or only comments
        guard let mapping = node.mapping else { throw AgentError("\(source): expected a mapping of settings") }
        try checkKeys(mapping, allowed: CodingKeys.allCases.map(\.rawValue), at: "", source: source)
        if let b = mapping["broker"]?.mapping {
            try checkKeys(b, allowed: Broker.CodingKeys.allCases.map(\.rawValue), at: "broker.", source: source)
            if let t = b["tls"]?.mapping {
                try checkKeys(t, allowed: ["ca_file", "cert_file", "key_file", "insecure"], at: "broker.tls.",
                              source: source)
            }
        }
        var config: AgentConfig
        do {
            config = try YAMLDecoder().decode(AgentConfig.self, from: node)
        } catch let error as AgentError {
            throw AgentError("\(source): \(error.description)")
        } catch let error as DecodingError {
            throw AgentError("\(source): \(describe(error))")
        }
        try config.validate()
        return config
    }

    private static func checkKeys(_ mapping: Node.Mapping, allowed: [String], at prefix: String, source: String) throws {
        for key in mapping.keys {
            let name = key.string ?? "?"
            if !allowed.contains(name) {
                throw AgentError("\(source): unknown setting '\(prefix)\(name)' (known: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
    }

    /// Rejects settings that would make the agent misbehave later rather than fail now.
    public func validate() throws {
        func topicSafe(_ s: String) -> Bool { !s.isEmpty && !s.contains(where: { "+#/".contains($0) }) }
        guard topicSafe(deviceID) else { throw AgentError("device_id must be non-empty without '/', '+' or '#'") }
        guard !topicPrefix.isEmpty, !topicPrefix.contains(where: { "+#".contains($0) }) else {
            throw AgentError("topic_prefix must be non-empty without '+' or '#'")
        }
        guard !discoveryPrefix.isEmpty, !discoveryPrefix.contains(where: { "+#".contains($0) }) else {
            throw AgentError("discovery_prefix must be non-empty without '+' or '#'")
        }
        guard (1...65535).contains(broker.port) else { throw AgentError("broker.port must be 1...65535") }
        guard broker.keepAliveSeconds >= 5 else { throw AgentError("broker.keepalive_s must be at least 5") }
        guard budgetMilliseconds > 0, budgetMilliseconds.isFinite else { throw AgentError("budget_ms must be positive") }
        guard queueCapacity >= 1 else { throw AgentError("queue_capacity must be at least 1") }
        guard maxPayloadBytes >= 16 else { throw AgentError("max_payload_bytes must be at least 16") }
        guard telemetryIntervalSeconds > 0 else { throw AgentError("telemetry_interval_s must be positive") }
        guard broker.reconnectMinSeconds > 0, broker.reconnectMaxSeconds >= broker.reconnectMinSeconds else {
            throw AgentError("broker.reconnect_min_s must be positive and at most reconnect_max_s")
        }
        guard keywordCostMilliseconds >= 0 else { throw AgentError("keyword_cost_ms must not be negative") }
    }

    /// `host:port`, `host` or `:port`, as `--broker` takes it.
    public mutating func setBroker(_ address: String) throws {
        var host = address
        if let colon = address.lastIndex(of: ":"), !address.hasSuffix("]") {
            let portText = address[address.index(after: colon)...]
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw AgentError("--broker: '\(portText)' is not a port")
            }
            broker.port = port
            host = String(address[..<colon])
        }
        if !host.isEmpty { broker.host = host }
    }

    /// The password from the environment variable, the file, or the config, in that order.
    public func resolvedPassword() throws -> String? {
        if let name = broker.passwordEnv {
            guard let value = getenv(name) else { throw AgentError("broker.password_env: $\(name) is not set") }
            return String(cString: value)
        }
        if let path = broker.passwordFile {
            var text = try readTextFile(path, what: "password file")
            while text.last == "\n" || text.last == "\r" { text.removeLast() }
            return text
        }
        return broker.password
    }

    public func resolvedHome() throws -> Home? {
        switch home {
        case nil: return nil
        case .inline(let home): return home
        case .file(let path): return try AgentConfig.loadHome(path: path)
        }
    }

    /// A home file: JSON when it ends in .json or starts with `{`, YAML otherwise.
    public static func loadHome(path: String) throws -> Home {
        let text = try readTextFile(path, what: "home")
        do {
            if path.hasSuffix(".json") || text.drop(while: \.isWhitespace).first == "{" {
                return try JSONDecoder().decode(Home.self, from: Data(text.utf8))
            }
            return try YAMLDecoder().decode(Home.self, from: text)
        } catch let error as DecodingError {
            throw AgentError("home \(path): \(describe(error))")
        } catch {
            throw AgentError("home \(path): \(error)")
        }
    }

    /// The connection settings, with the password resolved; the will is the retained `offline`.
    public func clientOptions(topics: AgentTopics) throws -> MQTTClientOptions {
        var o = MQTTClientOptions()
        o.host = broker.host
        o.port = broker.port
        o.clientID = clientID
        o.cleanSession = false
        o.sessionExpirySeconds = broker.sessionExpirySeconds
        o.username = broker.username
        o.password = try resolvedPassword()
        if let tls = broker.tls {
            o.tls = .init(caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile, insecure: tls.insecure)
        }
        o.keepAliveSeconds = broker.keepAliveSeconds
        o.protocolVersion = broker.protocolVersion
        o.will = .init(topic: topics.status, payload: "offline", qos: 1, retain: true)
        o.reconnectMinSeconds = broker.reconnectMinSeconds
        o.reconnectMaxSeconds = broker.reconnectMaxSeconds
        o.subscriptions = [(topics.command, 1)]
        if discovery { o.subscriptions.append((topics.homeAssistantStatus, 1)) }
        return o
    }

    /// One line for the log at start-up: where it connects and how, never the password.
    public var summary: String {
        var parts = ["broker \(broker.host):\(broker.port)", "MQTT \(broker.protocolVersion.rawValue)",
                     "client \(clientID)", "topics \(topicPrefix)/\(deviceID)/#"]
        if let u = broker.username { parts.append("user \(u)") }
        if broker.tls != nil { parts.append("TLS") }
        parts.append("budget \(Int(budgetMilliseconds)) ms")
        parts.append("queue \(queueCapacity)")
        return parts.joined(separator: ", ")
    }
}

extension AgentConfig: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        broker = try c.decodeIfPresent(Broker.self, forKey: .broker) ?? broker
        topicPrefix = try c.decodeIfPresent(String.self, forKey: .topicPrefix) ?? topicPrefix
        deviceID = try c.decodeIfPresent(String.self, forKey: .deviceID) ?? deviceID
        area = try c.decodeIfPresent(String.self, forKey: .area)
        model = try c.decodeIfPresent(String.self, forKey: .model) ?? model
        recognizer = try c.decodeIfPresent(RecognizerKind.self, forKey: .recognizer) ?? recognizer
        if let text = try c.decodeIfPresent(String.self, forKey: .kvCache) {
            guard let precision = KVCache.Precision(rawValue: text) else {
                throw AgentError("kv_cache must be f16, f32 or q8_0, not \(text)")
            }
            kvCache = precision
        }
        keywordCostMilliseconds = try c.decodeIfPresent(Double.self, forKey: .keywordCostMilliseconds)
            ?? keywordCostMilliseconds
        home = try c.decodeIfPresent(HomeSource.self, forKey: .home)
        budgetMilliseconds = try c.decodeIfPresent(Double.self, forKey: .budgetMilliseconds) ?? budgetMilliseconds
        warmup = try c.decodeIfPresent(Bool.self, forKey: .warmup) ?? warmup
        queueCapacity = try c.decodeIfPresent(Int.self, forKey: .queueCapacity) ?? queueCapacity
        maxPayloadBytes = try c.decodeIfPresent(Int.self, forKey: .maxPayloadBytes) ?? maxPayloadBytes
        telemetryIntervalSeconds = try c.decodeIfPresent(Double.self, forKey: .telemetryIntervalSeconds)
            ?? telemetryIntervalSeconds
        discovery = try c.decodeIfPresent(Bool.self, forKey: .discovery) ?? discovery
        discoveryPrefix = try c.decodeIfPresent(String.self, forKey: .discoveryPrefix) ?? discoveryPrefix
        logLevel = try c.decodeIfPresent(String.self, forKey: .logLevel) ?? logLevel
    }
}

/// "broker.port: expected Int" rather than DecodingError's debug dump.
func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
        let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return p.isEmpty ? "top level" : p
    }
    switch error {
    case .typeMismatch(let type, let context): return "\(path(context)): expected \(type)"
    case .valueNotFound(let type, let context): return "\(path(context)): missing \(type)"
    case .keyNotFound(let key, let context):
        let at = context.codingPath.isEmpty ? "" : " in \(path(context))"
        return "missing '\(key.stringValue)'\(at)"
    case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
    @unknown default: return "\(error)"
    }
}

/// Reads a whole UTF-8 text file with the C library (this module stays free of Foundation).
func readTextFile(_ path: String, what: String) throws -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw AgentError("\(what) \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw AgentError("\(what) \(path): \(String(cString: strerror(errno)))")
        }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    guard let text = String(validating: bytes, as: UTF8.self) else { throw AgentError("\(what) \(path): not UTF-8") }
    return text
}
