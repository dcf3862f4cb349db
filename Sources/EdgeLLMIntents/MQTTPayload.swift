/// Entities that carry their own MQTT command (`mqtt: {command_topic, payload}`) are driven by a
/// publish instead of a Home Assistant service call; the payload template sees the call's values.
///
/// Template variables, written `{{ name }}`: state (ON, OFF, OPEN, CLOSE, LOCK, UNLOCK, PAUSE,
/// PLAY, NEXT, PREVIOUS, START, RETURN_TO_BASE; empty for pure settings), service, domain,
/// entity_id, brightness (0–255), brightness_pct, color, temperature, position, volume_level
/// (0–1), volume_pct, item. Unknown names become empty text. Without a template the payload is a
/// JSON object of the state and the call's data.
public enum MQTTPayload {
    static func attach(to call: ServiceCall, entity: Home.Entity) -> ServiceCall {
        guard let mqtt = entity.mqtt else { return call }
        var call = call
        call.mqttTopic = mqtt.commandTopic
        let values = variables(call)
        call.mqttPayload = mqtt.payload.map { render($0, values) } ?? defaultPayload(call, state: values["state"] ?? "")
        return call
    }

    public static func variables(_ call: ServiceCall) -> [String: String] {
        let states = [
            "turn_on": "ON", "turn_off": "OFF", "open_cover": "OPEN", "close_cover": "CLOSE", "open_valve": "OPEN",
            "close_valve": "CLOSE", "lock": "LOCK", "unlock": "UNLOCK", "media_pause": "PAUSE", "media_play": "PLAY",
            "media_next_track": "NEXT", "media_previous_track": "PREVIOUS", "start": "START",
            "return_to_base": "RETURN_TO_BASE",
        ]
        var v: [String: String] = [
            "state": states[call.service] ?? "", "service": call.service, "domain": call.domain,
            "entity_id": call.entityID ?? "",
        ]
        if let pct = call.data["brightness_pct"]?.number {
            v["brightness_pct"] = OutputSyntax.formatNumber(pct)
            v["brightness"] = OutputSyntax.formatNumber((pct * 2.55).rounded())
        }
        if let color = call.data["color_name"]?.text { v["color"] = color }
        if let t = call.data["temperature"]?.number { v["temperature"] = OutputSyntax.formatNumber(t) }
        if let p = call.data["position"]?.number { v["position"] = OutputSyntax.formatNumber(p) }
        if let level = call.data["volume_level"]?.number {
            v["volume_level"] = OutputSyntax.formatNumber(level)
            v["volume_pct"] = OutputSyntax.formatNumber((level * 100).rounded())
        }
        if let item = call.data["item"]?.text { v["item"] = item }
        return v
    }

    /// Replaces every `{{ name }}` with its value.
    public static func render(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstRange(of: "{{") {
            out += rest[..<open.lowerBound]
            let after = rest[open.upperBound...]
            guard let close = after.firstRange(of: "}}") else {
                out += rest[open.lowerBound...]
                return out
            }
            let name = after[..<close.lowerBound].split(separator: " ").joined()
            out += values[name] ?? ""
            rest = after[close.upperBound...]
        }
        return out + rest
    }

    static func defaultPayload(_ call: ServiceCall, state: String) -> String {
        var fields: [(String, String)] = []
        if !state.isEmpty { fields.append(("state", JSONText.quoted(state))) }
        for key in call.data.keys.sorted() {
            fields.append((key, JSONText.value(call.data[key]!)))
        }
        return "{" + fields.map { "\(JSONText.quoted($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }
}
