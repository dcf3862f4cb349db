import FoundationEssentials

/// Home Assistant MQTT discovery, device-based: one retained payload on
/// `<discovery_prefix>/device/<node_id>/config` declares the agent as a device ("dev"), names the
/// software that announced it ("o"), and lists its entities ("cmps"), each with its platform ("p")
/// and a unique id. Availability follows the agent's `status` topic.
public enum Discovery {
    public static let softwareVersion = "0.1.0"
    /// The event entity's types: one per reply status.
    public static let eventTypes = ["ok", "timeout", "rejected", "error"]

    public static func payload(config: AgentConfig, topics: AgentTopics) -> [UInt8] {
        let node = topics.nodeID
        func uid(_ name: String) -> JSON { .string("\(node)_\(name)") }
        func latencySensor(_ name: String, topic: String, template: String) -> JSON {
            .object([
                ("p", "sensor"), ("name", .string(name)), ("unique_id", uid(name.snakeCased)),
                ("state_topic", .string(topic)), ("value_template", .string(template)),
                ("device_class", "duration"), ("unit_of_measurement", "ms"), ("state_class", "measurement"),
                ("suggested_display_precision", 0),
            ])
        }
        func counter(_ name: String, template: String, icon: String) -> JSON {
            .object([
                ("p", "sensor"), ("name", .string(name)), ("unique_id", uid(name.snakeCased)),
                ("state_topic", .string(topics.telemetry)), ("value_template", .string(template)),
                ("state_class", "total_increasing"), ("icon", .string(icon)),
            ])
        }
        // The event's template turns a reply into what HA's MQTT event wants: a JSON object whose
        // `event_type` is one of `event_types`; the other keys become the event's attributes.
        let eventTemplate = "{{ {'event_type': value_json.status, 'id': value_json.id, 'text': value_json.text, "
            + "'speech': value_json.speech, 'intent': (value_json.intent.name if value_json.intent else none), "
            + "'error': value_json.error, 'total_ms': value_json.timing.total_ms} | tojson }}"

        var device: [(String, JSON)] = [
            ("identifiers", .array([.string(node)])),
            ("name", .string("EdgeLLM \(config.deviceID)")),
            ("manufacturer", "EdgeLLM"),
            ("model", "On-device intent agent"),
            ("sw_version", .string(softwareVersion)),
        ]
        if let area = config.area { device.append(("suggested_area", .string(area))) }

        let root: JSON = .object([
            ("dev", .object(device)),
            ("o", .object([("name", "edgellm"), ("sw", .string(softwareVersion))])),
            ("availability", .array([.object([
                ("topic", .string(topics.status)), ("payload_available", "online"),
                ("payload_not_available", "offline"),
            ])])),
            ("qos", 1),
            ("cmps", .object([
                ("last_latency", latencySensor("Last latency", topic: topics.reply,
                                               template: "{{ value_json.timing.total_ms }}")),
                ("latency_p95", latencySensor("Latency p95", topic: topics.telemetry,
                                              template: "{{ value_json.latency_ms.p95 }}")),
                ("latency_p99", latencySensor("Latency p99", topic: topics.telemetry,
                                              template: "{{ value_json.latency_ms.p99 }}")),
                ("requests_served", counter("Requests served", template: "{{ value_json.served }}",
                                            icon: "mdi:message-check")),
                ("budget_misses", counter("Budget misses", template: "{{ value_json.budget_misses }}",
                                          icon: "mdi:timer-alert")),
                ("command", .object([
                    ("p", "text"), ("name", "Command"), ("unique_id", uid("command")),
                    ("command_topic", .string(topics.command)), ("mode", "text"), ("max", 255),
                    ("icon", "mdi:message-text"),
                ])),
                ("result", .object([
                    ("p", "event"), ("name", "Result"), ("unique_id", uid("result")),
                    ("state_topic", .string(topics.reply)),
                    ("event_types", .array(eventTypes.map(JSON.string))),
                    ("value_template", .string(eventTemplate)),
                    ("icon", "mdi:robot"),
                ])),
            ])),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(root)).map(Array.init) ?? []
    }

    /// A JSON value built in code: the payload mixes strings, numbers, lists and objects.
    indirect enum JSON: Encodable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
        case string(String)
        case int(Int)
        case array([JSON])
        case object([(String, JSON)])

        init(stringLiteral value: String) { self = .string(value) }
        init(integerLiteral value: Int) { self = .int(value) }

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .string(let s):
                var c = encoder.singleValueContainer()
                try c.encode(s)
            case .int(let i):
                var c = encoder.singleValueContainer()
                try c.encode(i)
            case .array(let a):
                var c = encoder.unkeyedContainer()
                for v in a { try c.encode(v) }
            case .object(let pairs):
                var c = encoder.container(keyedBy: Key.self)
                for (k, v) in pairs { try c.encode(v, forKey: Key(stringValue: k)) }
            }
        }
    }
}

extension String {
    /// "Last latency" → "last_latency".
    var snakeCased: String { lowercased().split(separator: " ").joined(separator: "_") }
}
