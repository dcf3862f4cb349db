import CMosquitto
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One received PUBLISH, copied out of libmosquitto's buffers.
public struct MQTTMessage: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: Int32
    public var retain: Bool
    /// MQTT 5 request/response: where the requester wants its answer, and what to echo with it.
    public var responseTopic: String?
    public var correlationData: [UInt8]?

    public init(topic: String, payload: [UInt8], qos: Int32 = 0, retain: Bool = false,
                responseTopic: String? = nil, correlationData: [UInt8]? = nil) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.responseTopic = responseTopic
        self.correlationData = correlationData
    }

    public var text: String { String(decoding: payload, as: UTF8.self) }
}

public enum MQTTProtocolVersion: String, Sendable, Codable {
    case v311 = "3.1.1"
    case v5 = "5"
}

public struct MQTTClientOptions: Sendable {
    public struct TLS: Sendable, Equatable {
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
        /// Skips the broker host name check; for brokers on a LAN address with a name-only certificate.
        public var insecure = false
        public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, insecure: Bool = false) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
            self.insecure = insecure
        }
    }

    public struct Message: Sendable, Equatable {
        public var topic: String
        public var payload: [UInt8]
        public var qos: Int32
        public var retain: Bool
        public init(topic: String, payload: String, qos: Int32 = 1, retain: Bool = true) {
            self.topic = topic
            self.payload = Array(payload.utf8)
            self.qos = qos
            self.retain = retain
        }
    }

    public var host = "127.0.0.1"
    public var port = 1883
    public var clientID: String?
    /// false keeps the session (subscriptions and queued QoS 1 messages) on the broker while the
    /// client is away; with MQTT 5 it lasts `sessionExpirySeconds`.
    public var cleanSession = true
    public var sessionExpirySeconds: UInt32 = 86_400
    public var username: String?
    public var password: String?
    public var tls: TLS?
    public var keepAliveSeconds = 30
    public var protocolVersion = MQTTProtocolVersion.v5
    public var will: Message?
    public var reconnectMinSeconds = 1.0
    public var reconnectMaxSeconds = 30.0
    /// Subscribed on every connect, so they survive a broker that lost its sessions.
    public var subscriptions: [(topic: String, qos: Int32)] = []

    public init() {}
}

public protocol MQTTClientDelegate: AnyObject, Sendable {
    /// On the network thread, after the broker accepted the connection and the subscriptions went out.
    func mqttClientDidConnect(_ client: MQTTClient, sessionPresent: Bool)
    /// On the network thread; `returnCode` 0 is a disconnect we asked for.
    func mqttClientDidDisconnect(_ client: MQTTClient, returnCode: Int32)
    /// On the network thread: keep this short (parse, admit, enqueue), never run inference here.
    func mqttClient(_ client: MQTTClient, didReceive message: MQTTMessage)
}

extension MQTTClientDelegate {
    public func mqttClientDidConnect(_ client: MQTTClient, sessionPresent: Bool) {}
    public func mqttClientDidDisconnect(_ client: MQTTClient, returnCode: Int32) {}
}

public struct MQTTError: Error, CustomStringConvertible, Sendable {
    public var code: Int32
    public var operation: String
    public init(_ operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }
    public var description: String { "\(operation): \(String(cString: mosquitto_strerror(code)))" }
}

let mosquittoSuccess = Int32(MOSQ_ERR_SUCCESS.rawValue)

// libmosquitto wants one process-wide init before the first client; a global is initialised once,
// thread-safely, on first use.
private let mosquittoLibrary: Void = { _ = mosquitto_lib_init() }()

/// A libmosquitto client with its own network thread.
///
/// The thread runs `mosquitto_loop` and does the reconnecting itself rather than using
/// `mosquitto_loop_start`: libmosquitto's built-in reconnect drops the MQTT 5 CONNECT properties,
/// so a reconnected MQTT 5 session would silently fall back to a session expiry of zero and lose
/// the commands sent while the agent restarts. Callbacks therefore arrive on that thread.
public final class MQTTClient: @unchecked Sendable {
    // @unchecked: `handle` is used from the network thread and from publishers, which libmosquitto
    // allows once the client is marked threaded; the Swift-side state is behind `state`.
    private let handle: OpaquePointer
    public let options: MQTTClientOptions
    private let logger: Logger

    private struct State {
        var delegate: (any MQTTClientDelegate)?
        var thread: OSThread?
        var connected = false
        var acceptedThisConnection = false
        var connections = 0
        var pending = Set<Int32>()
        var earlyAcks = Set<Int32>()
    }
    private let state = Mutex(State())
    /// Held around (re)connecting and around each publish: mosquitto_connect_bind_v5 replaces the
    /// socket pair that a publish on another thread writes its wake-up byte to, and that byte must
    /// never land on a recycled file descriptor (it could be the new broker socket).
    private let connectGate = Mutex(())
    private let stopping = Atomic<Bool>(false)
    private let threadExited = Atomic<Bool>(false)

    public init(options: MQTTClientOptions, logger: Logger) throws {
        _ = mosquittoLibrary
        self.options = options
        self.logger = logger
        guard let mosq = mosquitto_new(options.clientID, options.cleanSession, nil) else {
            throw MQTTError("mosquitto_new", code: Int32(MOSQ_ERR_NOMEM.rawValue))
        }
        handle = mosq
        // From here on `self` is complete; libmosquitto gets it unretained (see MosquittoCallbacks).
        mosquitto_user_data_set(mosq, Unmanaged.passUnretained(self).toOpaque())
        do { try configure() } catch {
            mosquitto_destroy(mosq)
            throw error
        }
    }

    private func configure() throws {
        func check(_ rc: Int32, _ operation: String) throws {
            if rc != mosquittoSuccess { throw MQTTError(operation, code: rc) }
        }
        let version = options.protocolVersion == .v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311
        try check(mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, version), "protocol version")
        // Replies are small and latency-bound: Nagle's algorithm would hold them back for an ACK.
        try check(mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1), "TCP_NODELAY")
        // Publishers on other threads queue packets and wake the network thread instead of writing.
        try check(mosquitto_threaded_set(handle, true), "threaded")
        if let username = options.username {
            try check(mosquitto_username_pw_set(handle, username, options.password), "username/password")
        }
        if let tls = options.tls {
            try check(mosquitto_tls_set(handle, tls.caFile, nil, tls.certFile, tls.keyFile, nil), "TLS")
            if tls.insecure { try check(mosquitto_tls_insecure_set(handle, true), "TLS insecure") }
        }
        if let will = options.will {
            try check(will.payload.withUnsafeBytes {
                mosquitto_will_set(handle, will.topic, Int32($0.count), $0.baseAddress, will.qos, will.retain)
            }, "last will")
        }
        mosquitto_connect_v5_callback_set(handle, mosquittoOnConnect)
        mosquitto_disconnect_v5_callback_set(handle, mosquittoOnDisconnect)
        mosquitto_publish_v5_callback_set(handle, mosquittoOnPublish)
        mosquitto_message_v5_callback_set(handle, mosquittoOnMessage)
        mosquitto_log_callback_set(handle, mosquittoOnLog)
    }

    deinit {
        stopping.store(true, ordering: .sequentiallyConsistent)
        // A network thread that never exited still uses the handle: leaking it beats a crash.
        if state.withLock({ $0.thread == nil }) || threadExited.load(ordering: .acquiring) {
            mosquitto_destroy(handle)
        }
    }

    public var isConnected: Bool { state.withLock { $0.connected } }
    /// How many times the broker accepted a connection from this client.
    public var connectionCount: Int { state.withLock { $0.connections } }

    /// Connects in the background and keeps reconnecting, with capped exponential backoff, until `stop`.
    public func start(delegate: any MQTTClientDelegate) throws {
        try state.withLock { s in
            guard s.thread == nil, !stopping.load(ordering: .acquiring) else {
                throw AgentError("MQTT client already started or stopped")
            }
            s.delegate = delegate
            s.thread = try OSThread.start(name: "mqtt-network") { [self] in
                runNetworkLoop()
                threadExited.store(true, ordering: .releasing)
            }
        }
    }

    /// Sends DISCONNECT (so the broker does not publish the will) and waits up to `timeout` seconds
    /// for the network thread to finish.
    public func stop(timeout: Double = 3) {
        guard !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        // A connect in progress (an unreachable broker can hold one for minutes) is not waited for:
        // the network thread sees `stopping` when it returns.
        _ = connectGate.withLockIfAvailable { _ in mosquitto_disconnect(handle) }
        let thread = state.withLock { $0.thread }
        guard let thread else { return }
        let end = monotonicNow() + timeout
        while !threadExited.load(ordering: .acquiring) && monotonicNow() < end { usleep(5_000) }
        if threadExited.load(ordering: .acquiring) {
            thread.join()
        } else {
            logger.warning("MQTT network thread did not stop within \(timeout) s")
        }
        state.withLock { $0.delegate = nil }
    }

    /// Queues a PUBLISH; QoS 1 messages queued while disconnected go out after the reconnect.
    @discardableResult
    public func publish(topic: String, payload: [UInt8], qos: Int32 = 1, retain: Bool = false,
                        responseTopic: String? = nil, correlationData: [UInt8]? = nil) throws -> Int32 {
        var properties: OpaquePointer?
        defer { mosquitto_property_free_all(&properties) }
        if options.protocolVersion == .v5 {
            if let responseTopic {
                _ = mosquitto_property_add_string(&properties, Int32(MQTT_PROP_RESPONSE_TOPIC.rawValue), responseTopic)
            }
            if let correlationData {
                _ = correlationData.withUnsafeBytes {
                    mosquitto_property_add_binary(&properties, Int32(MQTT_PROP_CORRELATION_DATA.rawValue),
                                                  $0.baseAddress, UInt16(clamping: $0.count))
                }
            }
        }
        var mid: Int32 = 0
        let rc = connectGate.withLock { _ in
            payload.withUnsafeBytes {
                mosquitto_publish_v5(handle, &mid, topic, Int32($0.count), $0.baseAddress, qos, retain, properties)
            }
        }
        guard rc == mosquittoSuccess else { throw MQTTError("publish to \(topic)", code: rc) }
        // The acknowledgement can beat us here: it is then already in earlyAcks.
        state.withLock { s in
            if s.earlyAcks.remove(mid) == nil { s.pending.insert(mid) }
        }
        return mid
    }

    public func publish(topic: String, text: String, qos: Int32 = 1, retain: Bool = false) throws {
        try publish(topic: topic, payload: Array(text.utf8), qos: qos, retain: retain)
    }

    /// Waits until every publish so far has been acknowledged (QoS 1) or written (QoS 0).
    @discardableResult
    public func waitForPublishes(timeout: Double) -> Bool {
        let end = monotonicNow() + timeout
        while hasPendingPublishes && monotonicNow() < end { usleep(2_000) }
        return !hasPendingPublishes
    }

    public var hasPendingPublishes: Bool { state.withLock { !$0.pending.isEmpty } }

    /// Blocks until connected or `timeout` seconds pass; for tests and tools, not for callbacks.
    public func waitUntilConnected(timeout: Double) -> Bool {
        let end = monotonicNow() + timeout
        while monotonicNow() < end {
            if isConnected { return true }
            usleep(2_000)
        }
        return isConnected
    }

    // MARK: - Network thread

    private func runNetworkLoop() {
        var delay = options.reconnectMinSeconds
        var failuresLogged = 0
        while !stopping.load(ordering: .acquiring) {
            state.withLock { $0.acceptedThisConnection = false }
            let rc = connectBlocking()
            if rc == mosquittoSuccess {
                var stopDeadline: Double?
                while true {
                    let loop = mosquitto_loop(handle, 100, 1)
                    if loop != mosquittoSuccess {
                        if !stopping.load(ordering: .acquiring) {
                            logger.warning("MQTT connection lost: \(String(cString: mosquitto_strerror(loop)))")
                        }
                        break
                    }
                    // After stop() the loop still has to flush DISCONNECT; give it a bounded moment.
                    if stopping.load(ordering: .acquiring) {
                        let now = monotonicNow()
                        if stopDeadline == nil { stopDeadline = now + 2 }
                        if now > stopDeadline! { break }
                    }
                }
                if state.withLock({ $0.acceptedThisConnection }) {
                    delay = options.reconnectMinSeconds
                    failuresLogged = 0
                }
            } else if failuresLogged < 3 || failuresLogged % 20 == 0 {
                // A broker that stays away would otherwise fill the journal.
                logger.warning("cannot connect to MQTT broker \(options.host):\(options.port): \(String(cString: mosquitto_strerror(rc)))")
                failuresLogged += 1
            } else {
                failuresLogged += 1
            }
            state.withLock { $0.connected = false }
            if stopping.load(ordering: .acquiring) { break }
            // Jitter keeps a fleet of agents from reconnecting in lockstep after a broker restart.
            let wait = delay * Double.random(in: 0.8...1.2)
            logger.debug("reconnecting to MQTT broker in \(wait) s")
            sleep(seconds: wait) { stopping.load(ordering: .acquiring) }
            delay = min(delay * 2, options.reconnectMaxSeconds)
        }
    }

    private func connectBlocking() -> Int32 {
        var properties: OpaquePointer?
        defer { mosquitto_property_free_all(&properties) }
        if options.protocolVersion == .v5 && !options.cleanSession {
            _ = mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue),
                                             options.sessionExpirySeconds)
        }
        // Blocking (DNS and TCP) with the gate held: publishers wait for the connect, which is
        // what their messages wait for anyway.
        return connectGate.withLock { _ in
            mosquitto_connect_bind_v5(handle, options.host, Int32(options.port), Int32(options.keepAliveSeconds),
                                      nil, properties)
        }
    }

    // MARK: - Callbacks (network thread)

    func handleConnect(returnCode: Int32, sessionPresent: Bool) {
        guard returnCode == 0 else {
            let reason = options.protocolVersion == .v5 ? mosquitto_reason_string(returnCode)
                                                        : mosquitto_connack_string(returnCode)
            logger.error("MQTT broker refused the connection: \(reason.map { String(cString: $0) } ?? "\(returnCode)")")
            return
        }
        for subscription in options.subscriptions {
            let rc = mosquitto_subscribe_v5(handle, nil, subscription.topic, subscription.qos, 0, nil)
            if rc != mosquittoSuccess {
                logger.error("cannot subscribe to \(subscription.topic): \(String(cString: mosquitto_strerror(rc)))")
            }
        }
        let delegate = state.withLock { s -> (any MQTTClientDelegate)? in
            s.connected = true
            s.acceptedThisConnection = true
            s.connections += 1
            return s.delegate
        }
        logger.info("connected to MQTT broker \(options.host):\(options.port)",
                    metadata: ["session_present": "\(sessionPresent)"])
        delegate?.mqttClientDidConnect(self, sessionPresent: sessionPresent)
    }

    func handleDisconnect(returnCode: Int32) {
        let delegate = state.withLock { s -> (any MQTTClientDelegate)? in
            s.connected = false
            return s.delegate
        }
        delegate?.mqttClientDidDisconnect(self, returnCode: returnCode)
    }

    func handlePublished(messageID: Int32) {
        state.withLock { s in
            if s.pending.remove(messageID) == nil { s.earlyAcks.insert(messageID) }
        }
    }

    func handleMessage(_ message: MQTTMessage) {
        let delegate = state.withLock { $0.delegate }
        delegate?.mqttClient(self, didReceive: message)
    }

    func handleLog(level: Int32, message: String) {
        if level & Int32(MOSQ_LOG_ERR) != 0 {
            logger.debug("libmosquitto: \(message)")
        } else {
            logger.trace("libmosquitto: \(message)")
        }
    }
}
