/// Turns an intent into service calls the way Home Assistant does: a name or alias picks
/// entities; otherwise area, floor, domain and device class narrow the intent's entities down.
public struct IntentResolver: Sendable {
    /// The service calls and what to say.
    public struct Resolution: Sendable, Equatable {
        public var actions: [ServiceCall]
        public var speech: String
        /// The entities the intent acts on (or asks about).
        public var entities: [Home.Entity]
        /// False when nothing in the home matches (the intent is kept, nothing is done).
        public var matched: Bool
    }

    public let vocabulary: HomeVocabulary
    /// Where the agent's microphone is, for commands whose context does not say.
    public let agentArea: String?

    public init(vocabulary: HomeVocabulary, agentArea: String?) throws(HomeError) {
        self.vocabulary = vocabulary
        if let agentArea, vocabulary.area(named: agentArea) == nil {
            throw HomeError("agent area '\(agentArea)' is not one of the home's areas")
        }
        self.agentArea = agentArea.flatMap { vocabulary.area(named: $0)?.name }
    }

    /// The speaker's area: the satellite's, when the home has it, else the agent's own.
    public func speakerArea(_ context: CommandContext) -> String? {
        (context.area.flatMap { vocabulary.area(named: $0) }?.name) ?? agentArea
    }

    /// Home Assistant's rule for commands that name no target ("turn on the lights", "pause"):
    /// they act on the area the command was spoken in, so the intent gets that area as a slot.
    public func withContextArea(_ intent: Intent, context: CommandContext) -> Intent {
        guard let spec = IntentSchema.intent(intent.name), spec.fillsContextArea,
              let area = speakerArea(context),
              vocabulary.entry(intent.name)?.spec.slot("area") != nil else { return intent }
        let name = intent.slots["name"]?.text
        guard intent.slots["area"] == nil, intent.slots["floor"] == nil,
              name == nil || name?.lowercased() == IntentSchema.allName else { return intent }
        var filled = intent
        filled.slots["area"] = .string(area)
        return filled
    }

    public func resolve(_ intent: Intent) -> Resolution {
        let slots = intent.slots
        switch intent.name {
        case "HassNevermind":
            return Resolution(actions: [], speech: "", entities: [], matched: true)
        case "HassStartTimer":
            return Resolution(actions: [], speech: Speech.timerStarted(slots), entities: [], matched: true)
        case "HassCancelTimer":
            return Resolution(actions: [], speech: "Timer cancelled", entities: [], matched: true)
        case "HassShoppingListAddItem":
            let item = slots["item"]?.text ?? ""
            let call = ServiceCall(domain: "shopping_list", service: "add_item", entityID: nil, data: ["name": .string(item)])
            return Resolution(actions: [call], speech: "Added \(item) to your shopping list", entities: [], matched: true)
        default:
            break
        }
        guard let spec = IntentSchema.intent(intent.name) else {
            return Resolution(actions: [], speech: Speech.notUnderstood, entities: [], matched: false)
        }
        let entities = targets(spec, slots)
        guard !entities.isEmpty else {
            return Resolution(actions: [], speech: Speech.notFound(intent, vocabulary: vocabulary), entities: [], matched: false)
        }
        if intent.name == "HassGetState" {
            return Resolution(actions: [], speech: Speech.state(entities, slots, vocabulary: vocabulary),
                              entities: entities, matched: true)
        }
        var actions: [ServiceCall] = []
        var acted: [Home.Entity] = []
        for entity in entities {
            if let call = serviceCall(intent, entity) {
                actions.append(MQTTPayload.attach(to: call, entity: entity))
                acted.append(entity)
            }
        }
        guard !acted.isEmpty else {
            return Resolution(actions: [], speech: Speech.cannot(intent, entities, vocabulary: vocabulary),
                              entities: entities, matched: false)
        }
        return Resolution(actions: actions, speech: Speech.done(intent, acted, vocabulary: vocabulary),
                          entities: acted, matched: true)
    }

    /// Domains a target-less "turn on the kitchen" may touch: never locks, doors or scripts.
    static let areaOnlyDomains: Set<String> = ["light", "switch", "fan", "input_boolean"]

    /// The entities an intent's slots pick out.
    public func targets(_ spec: IntentSpec, _ slots: [String: SlotValue]) -> [Home.Entity] {
        var candidates = vocabulary.entities(for: spec)
        let name = slots["name"]?.text.map(Self.folded)
        let area = slots["area"]?.text.flatMap { vocabulary.area(named: $0) }
        let floor = slots["floor"]?.text.map(Self.folded)
        let domain = slots["domain"]?.text.map(Self.folded)
        let deviceClass = slots["device_class"]?.text.map(Self.folded)
        if slots["area"] != nil && area == nil { return [] }
        if let name, name != IntentSchema.allName { candidates = vocabulary.entities(for: spec, named: name) }
        let named = name != nil && name != IntentSchema.allName
        // A named entity without an area may be said to be anywhere ("party mode in the kitchen").
        func placed(_ e: Home.Entity, _ test: (Home.Area) -> Bool) -> Bool {
            guard let a = vocabulary.area(of: e) else { return named }
            return test(a)
        }
        if let area { candidates = candidates.filter { placed($0) { $0.id == area.id } } }
        if let floor { candidates = candidates.filter { placed($0) { $0.floor.map(Self.folded) == floor } } }
        if let domain { candidates = candidates.filter { $0.domain == domain } }
        if let deviceClass { candidates = candidates.filter { $0.deviceClass.map(Self.folded) == deviceClass } }
        if (spec.name == "HassTurnOn" || spec.name == "HassTurnOff") && !named && domain == nil && deviceClass == nil {
            candidates = candidates.filter { Self.areaOnlyDomains.contains($0.domain) }
        }
        let targeted = named || area != nil || floor != nil || domain != nil || deviceClass != nil
        // "Pause" with nowhere to go: fine if there is only one thing it can mean.
        if !targeted && candidates.count > 1 { return [] }
        return candidates
    }

    /// The Home Assistant service an intent calls on one entity; nil where it has none.
    func serviceCall(_ intent: Intent, _ entity: Home.Entity) -> ServiceCall? {
        let d = entity.domain
        func call(_ domain: String, _ service: String, _ data: [String: SlotValue] = [:]) -> ServiceCall {
            ServiceCall(domain: domain, service: service, entityID: entity.entityID, data: data)
        }
        let slots = intent.slots
        switch intent.name {
        case "HassTurnOn", "HassTurnOff":
            let on = intent.name == "HassTurnOn"
            switch d {
            case "cover": return call(d, on ? "open_cover" : "close_cover")
            case "valve": return call(d, on ? "open_valve" : "close_valve")
            case "lock": return call(d, on ? "lock" : "unlock")
            case "scene": return on ? call(d, "turn_on") : nil
            case "light", "switch", "fan", "media_player", "climate", "script", "automation":
                return call(d, on ? "turn_on" : "turn_off")
            default: return call("homeassistant", on ? "turn_on" : "turn_off")
            }
        case "HassLightSet":
            guard d == "light" else { return nil }
            var data: [String: SlotValue] = [:]
            if let b = slots["brightness"]?.number { data["brightness_pct"] = .number(min(max(b, 0), 100)) }
            if let c = slots["color"]?.text { data["color_name"] = .string(c.lowercased()) }
            return call(d, "turn_on", data)
        case "HassClimateSetTemperature":
            guard d == "climate", let t = slots["temperature"]?.number else { return nil }
            return call(d, "set_temperature", ["temperature": .number(t)])
        case "HassSetPosition":
            guard let p = slots["position"]?.number else { return nil }
            switch d {
            case "cover": return call(d, "set_cover_position", ["position": .number(p)])
            case "valve": return call(d, "set_valve_position", ["position": .number(p)])
            default: return nil
            }
        case "HassMediaPause": return d == "media_player" ? call(d, "media_pause") : nil
        case "HassMediaUnpause": return d == "media_player" ? call(d, "media_play") : nil
        case "HassMediaNext": return d == "media_player" ? call(d, "media_next_track") : nil
        case "HassMediaPrevious": return d == "media_player" ? call(d, "media_previous_track") : nil
        case "HassSetVolume":
            guard d == "media_player", let v = slots["volume_level"]?.number else { return nil }
            return call(d, "volume_set", ["volume_level": .number(min(max(v, 0), 100) / 100)])
        case "HassVacuumStart": return d == "vacuum" ? call(d, "start") : nil
        case "HassVacuumReturnToBase": return d == "vacuum" ? call(d, "return_to_base") : nil
        case "HassListAddItem":
            guard d == "todo", let item = slots["item"]?.text else { return nil }
            return call(d, "add_item", ["item": .string(item)])
        default: return nil
        }
    }

    /// Case- and space-insensitive comparison form, as Home Assistant matches names.
    static func folded(_ s: String) -> String {
        s.lowercased().split(separator: " ").joined(separator: " ")
    }
}

extension HomeVocabulary {
    /// An area by name or id, ignoring case.
    public func area(named key: String) -> Home.Area? {
        let k = IntentResolver.folded(key)
        return home.areas.first { IntentResolver.folded($0.name) == k } ?? home.areas.first { IntentResolver.folded($0.id) == k }
    }

    /// The area an entity is in (its `area` is an area's id or name).
    public func area(of entity: Home.Entity) -> Home.Area? {
        guard let key = entity.area else { return nil }
        return home.areas.first { $0.id == key } ?? home.areas.first { $0.name == key }
    }
}

extension SlotValue {
    /// The value as text (numbers as the output line writes them).
    public var text: String? {
        switch self {
        case .string(let s): s
        case .number(let d): OutputSyntax.formatNumber(d)
        }
    }

    public var number: Double? {
        switch self {
        case .number(let d): d
        case .string(let s): Double(s)
        }
    }
}
