/// The topics one agent uses: its own under `<prefix>/<device_id>/`, and Home Assistant's.
public struct AgentTopics: Sendable, Equatable {
    public var base: String
    /// In, QoS 1: plain text or a JSON command.
    public var command: String
    /// Out: one JSON reply per command (unless an MQTT 5 command names its own response topic).
    public var reply: String
    /// Out, retained: counts and latency percentiles every `telemetry_interval_s`.
    public var telemetry: String
    /// Out, retained: `online`, or `offline` (published on shutdown, and by the broker as the will).
    public var status: String
    /// In: Home Assistant's birth message; `online` means it restarted and wants discovery again.
    public var homeAssistantStatus: String
    /// Out, retained: the device-based discovery payload.
    public var discovery: String
    /// The device's id in discovery topics and unique ids: only [a-zA-Z0-9_-] is allowed there.
    public var nodeID: String

    public init(prefix: String, deviceID: String, discoveryPrefix: String) {
        base = "\(prefix)/\(deviceID)"
        command = base + "/command"
        reply = base + "/reply"
        telemetry = base + "/telemetry"
        status = base + "/status"
        homeAssistantStatus = "\(discoveryPrefix)/status"
        let safe = deviceID.unicodeScalars.map { s -> Character in
            s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "_" || s == "-")
                ? Character(s) : "_"
        }
        nodeID = "edgellm_" + String(safe)
        discovery = "\(discoveryPrefix)/device/\(nodeID)/config"
    }

    public init(config: AgentConfig) {
        self.init(prefix: config.topicPrefix, deviceID: config.deviceID, discoveryPrefix: config.discoveryPrefix)
    }
}
