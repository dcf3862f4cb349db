import EdgeLLMIntents
import FoundationEssentials
import Logging
import Synchronization

/// The agent's core: commands in, replies out, within budgets.
///
/// Threads: the MQTT network thread parses each command, decides admission and enqueues it (or
/// answers `error`/`rejected` at once); one worker thread runs the recognizer on the queued
/// requests in arrival order; the Swift concurrency side (AgentService) only publishes telemetry
/// and drives start-up and shutdown. Publishing is allowed from all three.
public final class Agent: MQTTClientDelegate, Sendable {
    struct Request: Sendable {
        var command: Command
        var budget: LatencyBudget
        var responseTopic: String?
        var correlationData: [UInt8]?
        /// Admitted against the estimate to refresh it (LatencyBudget.probeAfterSeconds).
        var probe = false
    }

    public let config: AgentConfig
    public let topics: AgentTopics
    let recognizer: any IntentRecognizing
    let client: MQTTClient
    let logger: Logger
    let queue: RequestQueue<Request>
    let costs = CostEstimator()
    let telemetry: Telemetry
    let discoveryPayload: [UInt8]

    private let accepting = Atomic<Bool>(true)
    private let workerDone = Atomic<Bool>(false)
    /// Start time and deadline of the request the worker has in hand, for admission and shutdown.
    private let inHand = Mutex<(start: Double, deadline: Double)?>(nil)
    private let worker = Mutex<OSThread?>(nil)
    let probeAfterSeconds: Double

    public convenience init(config: AgentConfig, recognizer: any IntentRecognizing, logger: Logger) throws {
        try self.init(config: config, recognizer: recognizer, logger: logger,
                      probeAfterSeconds: LatencyBudget.probeAfterSeconds)
    }

    init(config: AgentConfig, recognizer: any IntentRecognizing, logger: Logger, probeAfterSeconds: Double) throws {
        try config.validate()
        self.probeAfterSeconds = probeAfterSeconds
        self.config = config
        self.recognizer = recognizer
        self.logger = logger
        topics = AgentTopics(config: config)
        client = try MQTTClient(options: try config.clientOptions(topics: topics), logger: logger)
        queue = RequestQueue(capacity: config.queueCapacity)
        telemetry = Telemetry(now: monotonicNow())
        discoveryPayload = Discovery.payload(config: config, topics: topics)
    }

    /// Starts the worker, which warms up (see `AgentConfig.warmup`) and then connects: commands the
    /// broker kept for us may arrive at once, and the agent says `online` only once it can serve.
    public func start() throws {
        let thread = try OSThread.start(name: "agent-worker") { [self] in
            if config.warmup { warmUp() }
            // Stopped while warming up: connecting now would only say `online` on the way out.
            guard accepting.load(ordering: .acquiring) else {
                workerDone.store(true, ordering: .releasing)
                return
            }
            do {
                try client.start(delegate: self)
                logger.info("agent started: \(config.summary)")
                runWorker()
            } catch {
                logger.critical("cannot start the MQTT client: \(error)")
            }
            workerDone.store(true, ordering: .releasing)
        }
        worker.withLock { $0 = thread }
    }

    private func warmUp() {
        let start = monotonicNow()
        let result = recognizer.recognize("turn on the light", context: CommandContext(area: config.area),
                                          deadline: start + 60)
        let end = monotonicNow()
        if result.status != .error { costs.record(seconds: end - start, at: end) }
        logger.info("warm-up: \(result.status.rawValue) in \(format(milliseconds(end - start))) ms")
    }

    public var isConnected: Bool { client.isConnected }

    /// Graceful shutdown, first half: no new work; what is still queued is answered `rejected`.
    /// The request in hand runs on to its answer (its deadline bounds it).
    public func beginShutdown() {
        guard accepting.exchange(false, ordering: .sequentiallyConsistent) else { return }
        let left = queue.close()
        if !left.isEmpty { logger.info("shutting down: rejecting \(left.count) queued command(s)") }
        for request in left { reject(request, reason: "agent is shutting down", now: monotonicNow()) }
    }

    /// Graceful shutdown, second half: waits for the worker, then publishes telemetry and the retained
    /// `offline`, waits for the broker to acknowledge them, and disconnects. Every wait is bounded.
    public func finish() async {
        beginShutdown()
        // The worker may be between taking its last request and starting it: follow its deadline.
        var limit = monotonicNow() + 2
        while !workerDone.load(ordering: .acquiring) {
            if let deadline = inHand.withLock({ $0?.deadline }) { limit = max(limit, deadline + 2) }
            if monotonicNow() >= limit { break }
            try? await Task.sleep(for: .milliseconds(5))
        }
        if workerDone.load(ordering: .acquiring) {
            worker.withLock { $0 }?.join()
        } else {
            logger.warning("recognizer overran its deadline by 2 s; disconnecting without its answer")
        }
        // Disconnected, the broker has already published the will (`offline`); a publish now would
        // only wait for a reconnect.
        if client.isConnected {
            publishTelemetry()
            publish(topic: topics.status, payload: Array("offline".utf8), retain: true)
        }
        let end = monotonicNow() + 2
        while client.hasPendingPublishes && monotonicNow() < end {
            try? await Task.sleep(for: .milliseconds(5))
        }
        client.stop()
        logger.info("agent stopped")
    }

    // MARK: - MQTT callbacks (network thread)

    public func mqttClientDidConnect(_ client: MQTTClient, sessionPresent: Bool) {
        publish(topic: topics.status, payload: Array("online".utf8), retain: true)
        if config.discovery { publishDiscovery() }
        publishTelemetry()
    }

    public func mqttClientDidDisconnect(_ client: MQTTClient, returnCode: Int32) {
        if returnCode != 0 { logger.warning("disconnected from the MQTT broker (code \(returnCode)); reconnecting") }
    }

    public func mqttClient(_ client: MQTTClient, didReceive message: MQTTMessage) {
        if message.topic == topics.command {
            handleCommand(message)
        } else if message.topic == topics.homeAssistantStatus {
            // Home Assistant's birth message: it restarted, and may have lost non-retained state.
            if message.text == "online" && config.discovery { publishDiscovery() }
        }
    }

    func handleCommand(_ message: MQTTMessage) {
        let arrival = monotonicNow()
        telemetry.received()
        let command: Command
        switch CommandPayload.parse(message.payload, maxBytes: config.maxPayloadBytes) {
        case .failure(let error):
            logger.info("bad command payload: \(error.message)", metadata: ["id": "\(error.id ?? "-")"])
            var reply = ReplyPayload(id: error.id, text: error.text, status: .error, error: error.message)
            reply.timing.budgetMilliseconds = config.budgetMilliseconds
            reply.timing.totalMilliseconds = milliseconds(monotonicNow() - arrival)
            send(reply, to: message.responseTopic, correlationData: message.correlationData, wellFormed: false,
                 ranRecognizer: false)
            return
        case .success(var c):
            if c.context.area == nil { c.context.area = config.area }
            command = c
        }
        var request = Request(
            command: command,
            budget: LatencyBudget(arrival: arrival, budgetMilliseconds: command.budgetMilliseconds ?? config.budgetMilliseconds),
            responseTopic: message.responseTopic, correlationData: message.correlationData)
        guard accepting.load(ordering: .acquiring) else {
            reject(request, reason: "agent is shutting down", now: monotonicNow())
            return
        }
        let now = monotonicNow()
        let cost = costs.estimate
        let (queued, inProgress) = queue.load
        // A request just taken by the worker may not have its start time yet: count all of it.
        let inHandRemaining = inProgress == 0 ? 0 : inHand.withLock { $0.map { $0.start + cost - now } } ?? cost
        let expected = LatencyBudget.expectedFinish(now: now, inHandRemaining: inHandRemaining,
                                                    queuedAhead: queued, cost: cost)
        if !request.budget.canFinish(by: expected) && inProgress == 0 && queued == 0
            && costs.isStale(now: now, after: probeAfterSeconds) {
            request.probe = true
        }
        guard request.probe || request.budget.canFinish(by: expected) else {
            reject(request, reason: "cannot finish within \(format(request.budget.budgetMilliseconds)) ms: "
                       + "about \(format(milliseconds(expected - arrival))) ms expected", now: now)
            return
        }
        guard queue.tryPush(request) else {
            reject(request, reason: "queue full (\(queue.capacity) waiting)", now: now)
            return
        }
    }

    // MARK: - Worker thread

    private func runWorker() {
        while let request = queue.pop() {
            defer { queue.done() }
            let start = monotonicNow()
            // It may have waited longer than admission expected: do not spend the CPU on a lost cause.
            if !request.probe && start + costs.estimate > request.budget.deadline {
                reject(request, reason: "waited \(format(milliseconds(start - request.budget.arrival))) ms in the queue; "
                           + "cannot finish within \(format(request.budget.budgetMilliseconds)) ms", now: start)
                continue
            }
            inHand.withLock { $0 = (start, request.budget.deadline) }
            let recognition = recognizer.recognize(request.command.text, context: request.command.context,
                                                   deadline: request.budget.deadline)
            let end = monotonicNow()
            inHand.withLock { $0 = nil }
            // A timed-out run still measured a lower bound of the cost; errors (a command too long,
            // a failed model call) end early and would make the agent over-admit.
            if recognition.status != .error { costs.record(seconds: end - start, at: end) }

            var reply = ReplyPayload(command: request.command, recognition: recognition)
            reply.timing.queueMilliseconds = milliseconds(start - request.budget.arrival)
            reply.timing.totalMilliseconds = milliseconds(end - request.budget.arrival)
            reply.timing.budgetMilliseconds = request.budget.budgetMilliseconds
            // Met: the recognizer reached its verdict (whatever it was) before the deadline.
            reply.timing.met = recognition.status != .timeout && end <= request.budget.deadline
            if recognition.status == .ok { publishMQTTActions(recognition.actions) }
            send(reply, to: request.responseTopic, correlationData: request.correlationData, wellFormed: true,
                 ranRecognizer: true)
        }
    }

    /// Entities driven over MQTT directly (zigbee2mqtt and the like) are switched by the agent itself.
    private func publishMQTTActions(_ actions: [ServiceCall]) {
        for action in actions {
            guard let topic = action.mqttTopic else { continue }
            let payload: [UInt8]
            if let text = action.mqttPayload {
                payload = Array(text.utf8)
            } else {
                payload = (try? JSONEncoder().encode(action.data)).map(Array.init) ?? Array("{}".utf8)
            }
            publish(topic: topic, payload: payload, retain: false)
        }
    }

    // MARK: - Replies and publishing

    /// `rejected` by the agent itself (overload, budget, shutdown), before or instead of recognition;
    /// the recognizer also answers `rejected`, for commands that are not for this home.
    private func reject(_ request: Request, reason: String, now: Double) {
        var reply = ReplyPayload(id: request.command.id, text: request.command.text, status: .rejected, error: reason)
        reply.timing.queueMilliseconds = milliseconds(now - request.budget.arrival)
        reply.timing.totalMilliseconds = milliseconds(monotonicNow() - request.budget.arrival)
        reply.timing.budgetMilliseconds = request.budget.budgetMilliseconds
        send(reply, to: request.responseTopic, correlationData: request.correlationData, wellFormed: true,
             ranRecognizer: false, overloaded: true)
    }

    private func send(_ reply: ReplyPayload, to responseTopic: String?, correlationData: [UInt8]?, wellFormed: Bool,
                      ranRecognizer: Bool, overloaded: Bool = false) {
        telemetry.record(status: reply.status, totalMilliseconds: reply.timing.totalMilliseconds, met: reply.timing.met,
                         wellFormed: wellFormed, ranRecognizer: ranRecognizer, overloaded: overloaded)
        let topic = responseTopic ?? topics.reply
        do {
            try client.publish(topic: topic, payload: reply.encoded(), qos: 1, retain: false,
                               correlationData: correlationData)
        } catch {
            logger.error("cannot publish reply to \(topic): \(error)", metadata: ["id": "\(reply.id ?? "-")"])
        }
        logger.debug("reply \(reply.status.rawValue) in \(reply.timing.totalMilliseconds) ms",
                     metadata: ["id": "\(reply.id ?? "-")"])
    }

    private func publish(topic: String, payload: [UInt8], retain: Bool) {
        do {
            try client.publish(topic: topic, payload: payload, qos: 1, retain: retain)
        } catch {
            logger.error("cannot publish to \(topic): \(error)")
        }
    }

    public func publishDiscovery() {
        publish(topic: topics.discovery, payload: discoveryPayload, retain: true)
    }

    public func telemetrySnapshot() -> TelemetrySnapshot {
        telemetry.snapshot(now: monotonicNow(), queueDepth: queue.count, queueCapacity: queue.capacity,
                           queueMaxDepth: queue.maxDepth, costEstimateSeconds: costs.estimate)
    }

    /// Skipped while disconnected (it is retained, and published again on connect): called from a
    /// Swift task, it must not wait for a reconnect.
    public func publishTelemetry() {
        guard client.isConnected else { return }
        publish(topic: topics.telemetry, payload: telemetrySnapshot().encoded(), retain: true)
    }
}

private func format(_ ms: Double) -> String {
    ms >= 100 || ms == ms.rounded() ? String(Int(ms.rounded())) : String((ms * 10).rounded() / 10)
}
