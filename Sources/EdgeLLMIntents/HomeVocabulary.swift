/// The values each slot may take in one home, intent by intent: the grammar, the prompt and the
/// resolver all read the home through this, so they agree on what exists.
public struct HomeVocabulary: Sendable {
    /// An intent this home supports, with the slots that have something to name.
    public struct Entry: Sendable, Equatable {
        public var spec: IntentSpec
        /// For slots of a named kind (entity names, areas, ...): the exact strings allowed.
        public var values: [String: [String]]
        /// The device classes a device_class slot may take after each domain value.
        public var deviceClassesByDomain: [String: [String]]
        /// Whether the home has something this intent acts on (or it needs nothing): the prompt
        /// offers these; the others are there only to ask for a kind of device the home lacks.
        public var offered = true
    }

    public let home: Home
    /// In `IntentSchema.intents` order; intents with nothing to act on are left out (no media
    /// player: no HassMediaPause), except those that can ask for a kind of device (a `domain`).
    public let entries: [Entry]
    public let areaNames: [String]
    public let floorNames: [String]

    public init(home: Home) throws(HomeError) {
        try Self.validate(home)
        self.home = home
        areaNames = Self.unique(home.areas.map(\.name))
        floorNames = Self.unique(home.areas.compactMap(\.floor))
        var entries: [Entry] = []
        for spec in IntentSchema.intents {
            if let entry = Self.entry(spec, home: home, areas: areaNames, floors: floorNames) { entries.append(entry) }
        }
        self.entries = entries
        deviceNamesByIntent = Dictionary(uniqueKeysWithValues: entries.map { entry in
            (entry.spec.name, Self.unique(Self.entities(for: entry.spec, in: home).flatMap { [$0.name] + ($0.aliases ?? []) }))
        })
    }

    public func entry(_ intent: String) -> Entry? { entries.first { $0.spec.name == intent } }

    /// The entities an intent may act on.
    public func entities(for spec: IntentSpec) -> [Home.Entity] { Self.entities(for: spec, in: home) }

    private static func entities(for spec: IntentSpec, in home: Home) -> [Home.Entity] {
        home.entities.filter { IntentSchema.acts(spec, on: $0.domain) }
    }

    /// The names and aliases of the devices an intent acts on: what may hide a place said inside
    /// one (`MentionCheck.saysPlace`). A sensor's "Kitchen Temperature" does not hide the kitchen
    /// of "set the kitchen temperature to 21", which a thermostat is set for.
    public func deviceNames(for intent: String) -> [String] { deviceNamesByIntent[intent] ?? [] }
    private let deviceNamesByIntent: [String: [String]]

    /// The entities of an intent that a name or alias means (ignoring case).
    public func entities(for spec: IntentSpec, named name: String) -> [Home.Entity] {
        let key = IntentResolver.folded(name)
        return entities(for: spec).filter { e in
            IntentResolver.folded(e.name) == key || (e.aliases ?? []).contains { IntentResolver.folded($0) == key }
        }
    }

    private static func entry(_ spec: IntentSpec, home: Home, areas: [String], floors: [String]) -> Entry? {
        let entities = home.entities.filter { IntentSchema.acts(spec, on: $0.domain) }
        // A kind of device may be asked for where the home has none: "turn on the lights" in a
        // home without lights is still HassTurnOn, which the resolver answers with "no light
        // here" (rather than the model bending it into some intent that can be written). So a
        // domain slot offers every domain the intent acts on; names, areas and floors stay the
        // home's own.
        let asksKinds = spec.slots.contains { $0.kind == .domain } && !spec.domains.contains("*")
        if !spec.domains.isEmpty && entities.isEmpty && !asksKinds { return nil }
        let domains = unique(entities.map(\.domain) + (asksKinds ? spec.domains : []))
        var values: [String: [String]] = [:]
        var byDomain: [String: [String]] = [:]
        for d in domains {
            byDomain[d] = unique((IntentSchema.deviceClasses[d] ?? []) + entities.filter { $0.domain == d }.compactMap(\.deviceClass))
        }
        var slots: [SlotSpec] = []
        for slot in spec.slots {
            let list: [String]?
            switch slot.kind {
            case .entityName:
                var names = unique(entities.flatMap { [$0.name] + ($0.aliases ?? []) })
                if spec.name == "HassTurnOn" || spec.name == "HassTurnOff", !names.contains(IntentSchema.allName) {
                    names.append(IntentSchema.allName)
                }
                list = names
            case .area: list = areas
            case .floor: list = floors
            case .domain: list = domains
            case .deviceClass:
                let standard = domains.flatMap { IntentSchema.deviceClasses[$0] ?? [] }
                list = unique(standard + entities.compactMap(\.deviceClass))
            case .state: list = IntentSchema.states
            case .color: list = IntentSchema.colors
            case .integer, .decimal, .text: list = nil
            }
            if let list {
                if list.isEmpty { continue }
                values[slot.name] = list
            }
            slots.append(slot)
        }
        let kept = Set(slots.map(\.name))
        guard spec.required.isSubset(of: kept) else { return nil }
        var restricted = spec
        restricted.slots = slots
        restricted.anyOf = spec.anyOf.intersection(kept)
        if !spec.anyOf.isEmpty && restricted.anyOf.isEmpty { return nil }
        return Entry(spec: restricted, values: values, deviceClassesByDomain: byDomain,
                     offered: spec.domains.isEmpty || !entities.isEmpty)
    }

    static func unique(_ strings: [String]) -> [String] {
        var seen = Set<String>()
        return strings.filter { seen.insert($0).inserted }
    }

    /// Names end up inside the output line, whose separators they must not contain.
    private static func validate(_ home: Home) throws(HomeError) {
        func check(_ text: String, _ what: String) throws(HomeError) {
            guard !text.isEmpty else { throw HomeError("\(what) is empty") }
            if text.first == " " || text.last == " " {
                throw HomeError("\(what) '\(text)' starts or ends with a space")
            }
            if text.contains("  ") { throw HomeError("\(what) '\(text)' has two spaces in a row") }
            for scalar in text.unicodeScalars where scalar == ";" || scalar.value < 0x20 || scalar.value == 0x7F {
                throw HomeError("\(what) '\(text)' contains \(scalar == ";" ? "';'" : "a control character"), which the output line reserves")
            }
        }
        for area in home.areas {
            try check(area.name, "area \(area.id): name")
            if let floor = area.floor { try check(floor, "area \(area.id): floor") }
        }
        let areaKeys = Set(home.areas.flatMap { [$0.id, $0.name] })
        for entity in home.entities {
            guard entity.entityID.contains("."), !entity.domain.isEmpty else {
                throw HomeError("entity '\(entity.entityID)': an entity id is domain.object_id")
            }
            try check(entity.name, "entity \(entity.entityID): name")
            for alias in entity.aliases ?? [] { try check(alias, "entity \(entity.entityID): alias") }
            if let deviceClass = entity.deviceClass { try check(deviceClass, "entity \(entity.entityID): device_class") }
            if let area = entity.area, !areaKeys.contains(area) {
                throw HomeError("entity \(entity.entityID): area '\(area)' is not one of the home's areas")
            }
        }
    }
}

/// A home that cannot be served, in one line.
public struct HomeError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
