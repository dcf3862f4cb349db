/// The short sentences spoken back. Plain English, built from the home's own names.
public enum Speech {
    public static let notUnderstood = "Sorry, I can't do that here."
    public static let timedOut = "Sorry, that took too long."
    public static let failed = "Sorry, something went wrong."
    public static let empty = "Sorry, I didn't catch that."

    static func done(_ intent: Intent, _ entities: [Home.Entity], vocabulary: HomeVocabulary) -> String {
        let slots = intent.slots
        let what = target(entities, slots, vocabulary: vocabulary)
        switch intent.name {
        case "HassTurnOn", "HassTurnOff":
            let on = intent.name == "HassTurnOn"
            let domains = Set(entities.map(\.domain))
            let verb: String
            switch domains.count == 1 ? domains.first! : "" {
            case "cover", "valve": verb = on ? "Opened" : "Closed"
            case "lock": verb = on ? "Locked" : "Unlocked"
            case "scene", "script": verb = on ? "Activated" : "Stopped"
            default: verb = on ? "Turned on" : "Turned off"
            }
            return "\(verb) \(what)"
        case "HassLightSet":
            let brightness = slots["brightness"]?.number.map { OutputSyntax.formatNumber($0) + "%" }
            let color = slots["color"]?.text?.lowercased()
            let setting = [color, brightness.map { color == nil ? $0 : "at \($0)" }].compactMap { $0 }.joined(separator: " ")
            return "Set \(what) to \(setting)"
        case "HassClimateSetTemperature":
            return "Set \(what) to \(slots["temperature"]?.text ?? "") degrees"
        case "HassSetPosition":
            return "Set \(what) to \(slots["position"]?.text ?? "")%"
        case "HassMediaPause": return "Paused \(what)"
        case "HassMediaUnpause": return "Resumed \(what)"
        case "HassMediaNext": return "Playing the next track on \(what)"
        case "HassMediaPrevious": return "Playing the previous track on \(what)"
        case "HassSetVolume": return "Set the volume of \(what) to \(slots["volume_level"]?.text ?? "")%"
        case "HassVacuumStart": return "Started \(what)"
        case "HassVacuumReturnToBase": return "Sent \(what) back to its base"
        case "HassListAddItem": return "Added \(slots["item"]?.text ?? "") to \(entities.first?.name ?? "the list")"
        default: return "Done"
        }
    }

    /// HassGetState without states to read: say what was found.
    static func state(_ entities: [Home.Entity], _ slots: [String: SlotValue], vocabulary: HomeVocabulary) -> String {
        let what = target(entities, slots, vocabulary: vocabulary)
        let pronoun = entities.count == 1 ? "its" : "their"
        return "I found \(what), but I can't read \(pronoun) state yet."
    }

    static func notFound(_ intent: Intent, vocabulary: HomeVocabulary) -> String {
        var parts: [String] = []
        if let name = intent.slots["name"]?.text, name.lowercased() != IntentSchema.allName { parts.append("named \(name)") }
        if let area = intent.slots["area"]?.text { parts.append("in the \(area)") }
        if let floor = intent.slots["floor"]?.text { parts.append("on the \(floor)") }
        let noun = intent.slots["device_class"]?.text.map { $0.replacingUnderscores } ??
            intent.slots["domain"]?.text.map { $0.replacingUnderscores } ?? "device"
        if parts.isEmpty && intent.slots.isEmpty { return "Sorry, please say which \(noun) you mean." }
        return (["Sorry, I couldn't find a \(noun)"] + parts).joined(separator: " ") + "."
    }

    static func cannot(_ intent: Intent, _ entities: [Home.Entity], vocabulary: HomeVocabulary) -> String {
        "Sorry, \(target(entities, intent.slots, vocabulary: vocabulary)) can't do that."
    }

    static func timerStarted(_ slots: [String: SlotValue]) -> String {
        var parts: [String] = []
        for (key, unit) in [("hours", "hour"), ("minutes", "minute"), ("seconds", "second")] {
            if let n = slots[key]?.number { parts.append("\(OutputSyntax.formatNumber(n)) \(unit)\(n == 1 ? "" : "s")") }
        }
        var sentence = "Timer set for " + (parts.count > 1 ? parts.dropLast().joined(separator: ", ") + " and " + parts.last! : parts.first ?? "")
        if let name = slots["name"]?.text { sentence += " named \(name)" }
        return sentence
    }

    /// "Kitchen Light", or "3 lights in the Kitchen".
    static func target(_ entities: [Home.Entity], _ slots: [String: SlotValue], vocabulary: HomeVocabulary) -> String {
        if entities.count == 1 { return entities[0].name }
        var text = "\(entities.count) \(plural(entities, slots))"
        if let area = slots["area"]?.text { text += " in the \(vocabulary.area(named: area)?.name ?? area)" }
        else if let floor = slots["floor"]?.text { text += " on the \(floor)" }
        return text
    }

    private static func plural(_ entities: [Home.Entity], _ slots: [String: SlotValue]) -> String {
        if let dc = slots["device_class"]?.text { return dc.replacingUnderscores + "s" }
        let domains = Set(entities.map(\.domain))
        guard domains.count == 1, let d = domains.first else { return "devices" }
        switch d {
        case "switch": return "switches"
        case "media_player": return "media players"
        case "binary_sensor", "sensor": return "sensors"
        default: return d.replacingUnderscores + "s"
        }
    }
}

extension String {
    fileprivate var replacingUnderscores: String { split(separator: "_").joined(separator: " ") }
}
