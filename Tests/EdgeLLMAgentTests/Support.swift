@testable import EdgeLLMAgent
import EdgeLLMIntents
import Foundation
import Logging
import Synchronization

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Polls `condition` every few milliseconds until it holds or `timeout` seconds pass. Blocking, for
/// the few places that are not async (process start-up); tests use `waitUntil`.
func eventually(timeout: Double, _ condition: () -> Bool) -> Bool {
    let end = now() + timeout
    while now() < end {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}

/// The async `eventually`: sleeping, not blocking, so that the agent's own tasks keep running on a
/// small cooperative pool (2 cores: 2 threads).
func waitUntil(timeout: Double, _ condition: () -> Bool) async -> Bool {
    let end = now() + timeout
    while now() < end {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("edgellm-agent-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A free TCP port on 127.0.0.1, from the kernel.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket failed") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard bound else { throw TestFailure("bind failed") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}

/// A child process started with posix_spawn, with a clean signal mask and default dispositions:
/// Foundation's Process passes on the test runner's blocked signals, and mosquitto then never
/// sees SIGTERM.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    private var exitStatus: Int32?

    init(_ executable: String, _ arguments: [String], output: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw TestFailure("cannot start \(executable): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    func signal(_ signal: Int32) { if exitStatus == nil { kill(pid, signal) } }

    /// The exit status (or 128 + signal), or nil if it is still running after `timeout` seconds.
    func wait(timeout: Double) async -> Int32? {
        _ = await waitUntil(timeout: timeout) { reap() }
        return exitStatus
    }

    func waitBlocking(timeout: Double) -> Int32? {
        _ = eventually(timeout: timeout) { reap() }
        return exitStatus
    }

    private func reap() -> Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return false }
        let signalled = status & 0x7f
        exitStatus = signalled == 0 ? (status >> 8) & 0xff : 128 + signalled
        return true
    }

    var isRunning: Bool { !reap() }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
    }
}

/// A mosquitto broker of the test's own on 127.0.0.1, on a free port, with its own config file.
final class TestBroker: @unchecked Sendable {
    let port: Int
    let directory: URL
    private var process: ChildProcess?

    static func executable(_ name: String = "mosquitto") throws -> String {
        let candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
            + ["/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin"]
        for dir in candidates where FileManager.default.isExecutableFile(atPath: dir + "/" + name) {
            return dir + "/" + name
        }
        throw TestFailure("\(name) is not installed (scripts/setup.sh installs it)")
    }

    /// `users`: name → password; with any, anonymous clients are refused.
    let users: [String: String]

    /// With TLS: the CA that signed the broker's certificate (for 127.0.0.1).
    private(set) var caFile: String?

    init(users: [String: String] = [:], tls: Bool = false) throws {
        port = try freePort()
        directory = try temporaryDirectory("broker")
        self.users = users
        if tls { caFile = try makeCertificates() }
        try start()
    }

    static var openssl: String? { try? executable("openssl") }

    /// A throwaway CA and a server certificate for 127.0.0.1, made with the openssl command.
    private func makeCertificates() throws -> String {
        let d = directory.path
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=edgellm-test-ca",
             "-keyout", "\(d)/ca.key", "-out", "\(d)/ca.crt"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "\(d)/server.key",
             "-out", "\(d)/server.csr"],
        ]
        let openssl = try Self.executable("openssl")
        for args in steps {
            let p = try ChildProcess(openssl, args, output: "\(d)/openssl.log")
            guard p.waitBlocking(timeout: 30) == 0 else { throw TestFailure("openssl \(args[0]) failed") }
        }
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: "\(d)/san.ext", atomically: true, encoding: .utf8)
        let sign = try ChildProcess(openssl, ["x509", "-req", "-in", "\(d)/server.csr", "-CA", "\(d)/ca.crt",
                                              "-CAkey", "\(d)/ca.key", "-CAcreateserial", "-days", "1",
                                              "-extfile", "\(d)/san.ext", "-out", "\(d)/server.crt"],
                                    output: "\(d)/openssl.log")
        guard sign.waitBlocking(timeout: 30) == 0 else { throw TestFailure("openssl x509 failed") }
        // mosquitto started as root reads its key files as the mosquitto user.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: "\(d)/server.key")
        return "\(d)/ca.crt"
    }

    func start() throws {
        let config = directory.appendingPathComponent("mosquitto.conf")
        var auth = "allow_anonymous true"
        if !users.isEmpty {
            let file = directory.appendingPathComponent("passwords")
            try "".write(to: file, atomically: true, encoding: .utf8)
            for (user, password) in users {
                let p = try ChildProcess(try Self.executable("mosquitto_passwd"), ["-b", file.path, user, password],
                                         output: directory.appendingPathComponent("passwd.log").path)
                guard p.waitBlocking(timeout: 10) == 0 else { throw TestFailure("mosquitto_passwd failed") }
            }
            auth = "allow_anonymous false\npassword_file \(file.path)"
        }
        let tls = caFile == nil ? "" : """
            cafile \(directory.path)/ca.crt
            certfile \(directory.path)/server.crt
            keyfile \(directory.path)/server.key
            """
        try """
        listener \(port) 127.0.0.1
        \(tls)
        \(auth)
        persistence false
        set_tcp_nodelay true
        log_dest file \(directory.path)/mosquitto.log
        """.write(to: config, atomically: true, encoding: .utf8)
        process = try ChildProcess(try Self.executable(), ["-c", config.path],
                                   output: directory.appendingPathComponent("stdout.log").path)
        guard eventually(timeout: 5, { canConnect(port: port) }) else {
            stop()
            throw TestFailure("mosquitto did not start on port \(port)")
        }
    }

    func stop() {
        guard let p = process else { return }
        process = nil
        p.signal(SIGTERM)
        if p.waitBlocking(timeout: 5) == nil { p.signal(SIGKILL) }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// An MQTT client for the test side: subscribes, publishes and remembers everything it received.
final class TestClient: MQTTClientDelegate, @unchecked Sendable {
    let client: MQTTClient
    private let received = Mutex<[MQTTMessage]>([])

    private init(options o: MQTTClientOptions) throws {
        client = try MQTTClient(options: o, logger: quietLogger)
    }

    static func connect(port: Int, subscriptions: [String], protocolVersion: MQTTProtocolVersion = .v5,
                        username: String? = nil, password: String? = nil,
                        caFile: String? = nil) async throws -> TestClient {
        var o = MQTTClientOptions()
        o.tls = caFile.map { MQTTClientOptions.TLS(caFile: $0) }
        o.username = username
        o.password = password
        o.port = port
        o.clientID = "test-\(UUID().uuidString.prefix(8))"
        o.protocolVersion = protocolVersion
        o.reconnectMinSeconds = 0.2
        o.reconnectMaxSeconds = 0.5
        o.subscriptions = subscriptions.map { ($0, 1) }
        let c = try TestClient(options: o)
        try c.client.start(delegate: c)
        guard await waitUntil(timeout: 5, { c.client.isConnected }) else { throw TestFailure("test client did not connect") }
        // The SUBACK is not reported; a short pause lets the subscriptions take effect.
        try await Task.sleep(for: .milliseconds(150))
        return c
    }

    func mqttClient(_ client: MQTTClient, didReceive message: MQTTMessage) {
        received.withLock { $0.append(message) }
    }

    var messages: [MQTTMessage] { received.withLock { $0 } }
    func messages(on topic: String) -> [MQTTMessage] { messages.filter { $0.topic == topic } }
    func clear() { received.withLock { $0.removeAll() } }

    func publish(_ topic: String, _ text: String, responseTopic: String? = nil, correlationData: [UInt8]? = nil) throws {
        try client.publish(topic: topic, payload: Array(text.utf8), qos: 1, responseTopic: responseTopic,
                           correlationData: correlationData)
    }

    func publish(_ topic: String, bytes: [UInt8]) throws {
        try client.publish(topic: topic, payload: bytes, qos: 1)
    }

    /// The first message on `topic` that satisfies `predicate`, waiting up to `timeout` seconds.
    func waitForMessage(on topic: String, timeout: Double = 10,
                        where predicate: (MQTTMessage) -> Bool = { _ in true }) async -> MQTTMessage? {
        var found: MQTTMessage?
        _ = await waitUntil(timeout: timeout) {
            found = messages(on: topic).first(where: predicate)
            return found != nil
        }
        return found
    }

    func waitForReplies(on topic: String, count: Int, timeout: Double = 10) async -> [Reply] {
        _ = await waitUntil(timeout: timeout) { messages(on: topic).count >= count }
        return messages(on: topic).compactMap { try? Reply.decode($0.payload) }
    }

    func stop() { client.stop() }
    deinit { client.stop() }
}

/// A reply as a consumer reads it.
struct Reply: Decodable {
    struct IntentJSON: Decodable {
        var name: String
        var slots: [String: SlotValue]
    }
    struct Action: Decodable {
        var domain: String
        var service: String
        var entity_id: String?
        var data: [String: SlotValue]
    }
    struct Timing: Decodable {
        var queue_ms: Double
        var prefill_ms: Double
        var decode_ms: Double
        var total_ms: Double
        var prompt_tokens: Int
        var generated_tokens: Int
        var budget_ms: Double
        var met: Bool
    }
    var id: String?
    var text: String?
    var intent: IntentJSON?
    var actions: [Action]
    var speech: String
    var status: String
    var error: String?
    var timing: Timing

    static func decode(_ bytes: [UInt8]) throws -> Reply { try JSONDecoder().decode(Reply.self, from: Data(bytes)) }
}

/// Echoes the command as the intent's text slot after a fixed cost, honouring the deadline.
final class FakeRecognizer: IntentRecognizing {
    let costSeconds: Double
    /// A cost for the first call alone: a cold start.
    let firstCostSeconds: Double?
    private let calls = Mutex<[String]>([])

    init(costMilliseconds: Double = 0, firstCostMilliseconds: Double? = nil) {
        costSeconds = costMilliseconds / 1000
        firstCostSeconds = firstCostMilliseconds.map { $0 / 1000 }
    }

    var texts: [String] { calls.withLock { $0 } }

    func recognize(_ text: String, context: CommandContext, deadline: Double?) -> Recognition {
        let first = calls.withLock { c in
            c.append(text)
            return c.count == 1
        }
        let costSeconds = first ? firstCostSeconds ?? self.costSeconds : self.costSeconds
        let start = now()
        let end = start + costSeconds
        if let deadline, deadline < end {
            if deadline > start { usleep(UInt32((deadline - start) * 1e6)) }
            return Recognition(status: .timeout, intent: nil, actions: [], speech: "", error: "deadline reached")
        }
        if costSeconds > 0 { usleep(UInt32(costSeconds * 1e6)) }
        var slots: [String: SlotValue] = ["text": .string(text)]
        if let area = context.area { slots["area"] = .string(area) }
        return Recognition(status: .ok, intent: Intent(name: "Echo", slots: slots),
                           actions: [ServiceCall(domain: "light", service: "turn_on", entityID: "light.test")],
                           speech: "echo: \(text)", promptTokens: 3, generatedTokens: 2,
                           prefillMilliseconds: 1, decodeMilliseconds: costSeconds * 1000)
    }
}

/// An in-process agent against a test broker.
final class AgentHarness: @unchecked Sendable {
    let agent: Agent
    let topics: AgentTopics
    private var stopped = false

    init(port: Int, deviceID: String, recognizer: any IntentRecognizing, probeAfterSeconds: Double = 5,
         configure: (inout AgentConfig) -> Void = { _ in }) throws {
        var config = AgentConfig()
        config.broker.port = port
        config.broker.reconnectMinSeconds = 0.2
        config.broker.reconnectMaxSeconds = 1
        config.broker.keepAliveSeconds = 5
        config.deviceID = deviceID
        config.telemetryIntervalSeconds = 1
        config.warmup = false  // the tests count recognizer calls and shape costs themselves
        configure(&config)
        agent = try Agent(config: config, recognizer: recognizer, logger: quietLogger, probeAfterSeconds: probeAfterSeconds)
        topics = agent.topics
        try agent.start()
    }

    func waitUntilConnected(timeout: Double = 5) async throws {
        guard await waitUntil(timeout: timeout, { agent.isConnected }) else { throw TestFailure("agent did not connect") }
    }

    func stop() async {
        guard !stopped else { return }
        stopped = true
        await agent.finish()
    }
}

/// The built `edgellm` binary, as the command-line tests find it.
func edgellmBinary() throws -> String {
    for dir in [".build/debug", ".build/release"] {
        let p = packageRoot.appendingPathComponent(dir).appendingPathComponent("edgellm").path
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    throw TestFailure("edgellm is not built (swift build)")
}
