/// What values a slot may take. The grammar turns each kind into an automaton over this home's
/// names, so a slot can only ever name something that exists.
public enum SlotKind: Sendable, Equatable, Hashable {
    /// An entity's name or alias, among the entities of the intent's domains.
    case entityName
    case area
    case floor
    case domain
    case deviceClass
    case state
    case color
    /// A whole number in the range, written without leading zeros.
    case integer(ClosedRange<Int>)
    /// A number whose whole part is in the range, with at most one decimal digit (20.5 degrees).
    case decimal(ClosedRange<Int>)
    /// Free text: a timer's name, a shopping item.
    case text

    public var isNumeric: Bool {
        switch self {
        case .integer, .decimal: true
        default: false
        }
    }
}

/// One slot of an intent, as Home Assistant names it.
public struct SlotSpec: Sendable, Equatable {
    public var name: String
    public var kind: SlotKind
    public init(_ name: String, _ kind: SlotKind) {
        self.name = name
        self.kind = kind
    }
}

/// An intent the recognizer can emit: its Home Assistant name, its slots in canonical order, and
/// which slots it needs.
public struct IntentSpec: Sendable, Equatable {
    public var name: String
    public var slots: [SlotSpec]
    /// Every one of these must be present.
    public var required: Set<String>
    /// At least one of these must be present (empty: no such rule).
    public var anyOf: Set<String>
    /// The entity domains it acts on; empty for intents that need no entity (timers, shopping list).
    public var domains: [String]
    /// Whether, like Home Assistant, a command that names no target acts on the speaker's area
    /// ("turn on the lights" said in the kitchen).
    public var fillsContextArea: Bool

    public func slot(_ name: String) -> SlotSpec? { slots.first { $0.name == name } }
}

/// The intents and slots of Home Assistant's English intents (2025-07 release) that EdgeLLM
/// supports, with the vocabularies (domains, device classes, states, colours) their slots use.
public enum IntentSchema {
    /// Every slot in the one order serialisation uses, so each intent + slots has one spelling.
    public static let slotOrder = [
        "name", "area", "floor", "domain", "device_class", "state", "brightness", "color", "temperature",
        "position", "volume_level", "item", "hours", "minutes", "seconds", "start_hours", "start_minutes",
        "start_seconds", "conversation_command",
    ]

    /// Slots whose values are numbers.
    public static let numericSlots: Set<String> = [
        "brightness", "temperature", "position", "volume_level", "hours", "minutes", "seconds",
        "start_hours", "start_minutes", "start_seconds",
    ]

    /// Domains HassTurnOn / HassTurnOff act on: those with an on/off, open/close or lock/unlock action.
    public static let switchableDomains = [
        "light", "switch", "fan", "cover", "valve", "lock", "scene", "script", "input_boolean", "media_player",
        "climate", "humidifier", "siren", "automation", "water_heater", "remote",
    ]

    /// Home Assistant's device classes per domain (those the intents can ask about).
    public static let deviceClasses: [String: [String]] = [
        "cover": ["awning", "blind", "curtain", "damper", "door", "garage", "gate", "shade", "shutter", "window"],
        "binary_sensor": [
            "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door", "garage_door", "gas",
            "heat", "light", "lock", "moisture", "motion", "moving", "occupancy", "opening", "plug", "power",
            "presence", "problem", "running", "safety", "smoke", "sound", "tamper", "update", "vibration", "window",
        ],
        "sensor": [
            "apparent_power", "aqi", "atmospheric_pressure", "battery", "carbon_dioxide", "carbon_monoxide",
            "current", "data_rate", "data_size", "date", "distance", "duration", "energy", "energy_storage",
            "frequency", "gas", "humidity", "illuminance", "irradiance", "moisture", "monetary", "nitrogen_dioxide",
            "nitrogen_monoxide", "nitrous_oxide", "ozone", "pm1", "pm10", "pm25", "power", "power_factor",
            "precipitation", "precipitation_intensity", "pressure", "reactive_power", "signal_strength",
            "sound_pressure", "speed", "sulphur_dioxide", "temperature", "timestamp", "volatile_organic_compounds",
            "volatile_organic_compounds_parts", "voltage", "volume", "volume_storage", "water", "weight",
            "wind_speed",
        ],
        "switch": ["outlet", "switch"],
        "media_player": ["tv", "speaker", "receiver"],
        "valve": ["water", "gas"],
        "humidifier": ["humidifier", "dehumidifier"],
    ]

    /// The intents that, naming no device, act on every light, switch, fan, ... in their area or
    /// floor: such a line must say what kind of device (`IntentRecognizer`, `MentionGuide`).
    public static let switchesAnything: Set<String> = ["HassTurnOn", "HassTurnOff"]
    /// Domains whose entities a HassTurnOn starts, by their own name: scenes and scripts.
    static let startsOnly: Set<String> = ["scene", "script"]

    /// Whether a line that names `entity` also says its domain, as the training data and Home
    /// Assistant's tests write it: scenes, scripts and valves switched on or off; anything
    /// positioned; binary sensors, covers, locks, people, valves and sensors with a device class
    /// asked about ("what is the outside temperature" of a sensor without one is the name alone).
    /// A light, switch, fan, climate device or media player is named alone.
    public static func saysDomain(_ intent: String, naming entity: Home.Entity) -> Bool {
        switch (intent, entity.domain) {
        case ("HassTurnOn", "scene"), ("HassTurnOn", "script"), ("HassTurnOn", "valve"),
             ("HassTurnOff", "scene"), ("HassTurnOff", "script"), ("HassTurnOff", "valve"): true
        case ("HassSetPosition", _): true
        case ("HassGetState", "sensor"): entity.deviceClass != nil
        case ("HassGetState", let domain): ["binary_sensor", "cover", "lock", "person", "valve"].contains(domain)
        default: false
        }
    }

    /// Whether a line that names `entity` also says its device class: only a binary sensor's or
    /// sensor's, asked about ("is the phone battery low": `device_class battery`).
    public static func saysDeviceClass(_ intent: String, naming entity: Home.Entity) -> Bool {
        intent == "HassGetState" && ["binary_sensor", "sensor"].contains(entity.domain) && entity.deviceClass != nil
    }

    /// The intents that start a vacuum or send it home, and the words (as `MentionCheck.forms`
    /// gives them) that say one without its name: every vacuum command of the training data and of
    /// Home Assistant's tests says one of these or the vacuum's name.
    static let vacuumIntents: Set<String> = ["HassVacuumStart", "HassVacuumReturnToBase"]
    static let vacuumWords: Set<String> = [
        "vacuum", "vacuuming", "vac", "hoover", "hoovering", "clean", "cleaning", "mop", "mopping", "robot",
        "dock", "base", "charger", "charging",
    ]

    /// Words (as `MentionCheck.forms` gives them) that say a light: no command of the training
    /// data, the splits or Home Assistant's tests that says one is for a media player, unless a
    /// media player's name says it ("light up the first floor" is no HassMediaPrevious).
    static let lightWords: Set<String> = ["light", "lamp", "lighting"]

    /// Words that say a lock (as `MentionCheck.forms` gives them): every HassTurnOn/Off line of the
    /// training data, the splits and Home Assistant's tests that says one is `domain lock` or names
    /// a lock, but for a device whose name says it (a "Lock Up" script).
    static let lockWords: Set<String> = ["lock", "unlock"]

    /// The words HassClimateSetTemperature commands are made of, besides numbers and the home's
    /// names: those of every such command of the training data (`make data`) but "floor", which
    /// begins a place. A command made of these alone names no place ("set temperature to 30°",
    /// "adjust the temp to seventeen degrees"): its line names none, and the thermostat is the
    /// speaker's area's. One word more ("set the garage temperature to 20" in a home without a
    /// garage) and the model's line is checked as any other, and refused.
    static let climateWords: Set<String> = [
        "adjust", "alright", "can", "change", "cheers", "could", "decrease", "degree", "degrees", "down", "er",
        "excuse", "for", "hey", "hi", "in", "increase", "like", "make", "me", "my", "now", "of", "ok", "okay", "on",
        "our", "please", "pls", "point", "right", "set", "so", "temp", "temperature", "thank", "thanks", "the",
        "there", "to", "turn", "uh", "um", "up", "would", "yo", "you",
    ]

    /// A binary sensor's device class and the state a question asks of it.
    struct SensorState: Hashable, Sendable {
        var deviceClass: String
        var state: String
    }

    /// Words that name what a binary sensor senses ("smoke", "power", "motion"; as
    /// `MentionCheck.forms` gives them): a question that says one asks of those device classes
    /// only ("are any smoke sensors triggered?" is `smoke`, not every class that can be
    /// triggered). They say no state ("is the mains power off?"), but for "problem" and "update",
    /// which are state words too: a problem or an update asked about is there (`on`).
    static let sensorClassWords: [String: Set<String>] = {
        let said: [(deviceClass: String, words: String)] = [
            ("moisture", "water leak"),
            ("motion", "motion movement"),
            ("occupancy", "occupancy"),
            ("smoke", "smoke"),
            ("carbon_monoxide", "carbon monoxide co"),
            ("gas", "gas"),
            ("power", "power"),
            ("sound", "sound noise siren"),
            ("problem", "problem"),
            ("update", "update"),
        ]
        var table: [String: Set<String>] = [:]
        for entry in said {
            for word in entry.words.split(separator: " ") { table[String(word), default: []].insert(entry.deviceClass) }
        }
        return table
    }()

    /// Words that say a binary sensor's state (as `MentionCheck.forms` gives them): per word, the
    /// device classes and states a question saying it may ask of ("wet" is `moisture on`, "up to
    /// date" `update off`, "normal" `battery off`). Where no word of `sensorClassWords` is said, the
    /// class is one these say; the state is one they say of the class, unless the question says
    /// a word of `stateTurners` ("is the mains power off?", "is the washer not running?").
    /// The words of EdgeLLM's sensor templates (scripts/data/templates_extra.yaml) and of Home
    /// Assistant's own binary-sensor conventions (on is the "problem" side: wet, low, detected,
    /// open, unlocked). Every binary-sensor question of the training data, the splits and Home
    /// Assistant's tests has its class and state among those its words say
    /// (scripts/data/tests/test_sensor_words.py checks EdgeLLM's templates and generated data).
    static let sensorStates: [String: Set<SensorState>] = {
        let said: [(deviceClass: String, state: String, words: String)] = [
            ("battery", "on", "low flat dying empty"),
            ("battery", "off", "normal fine charged full ok okay"),
            ("battery_charging", "on", "charging charge"),
            ("moisture", "on", "wet leaking flooded detected"),
            ("moisture", "off", "dry"),
            ("motion", "on", "triggered detected detecting"),
            ("motion", "off", "clear empty unoccupied"),
            ("occupancy", "on", "occupied triggered detected anyone anybody someone somebody use"),
            ("occupancy", "off", "clear empty free unoccupied"),
            ("smoke", "on", "alarming going triggered detected detecting"),
            ("carbon_monoxide", "on", "detected detecting"),
            ("gas", "on", "detected detecting smelling"),
            ("cold", "on", "cold freezing"),
            ("heat", "on", "hot overheating"),
            ("connectivity", "on", "connected online"),
            ("connectivity", "off", "disconnected offline"),
            ("plug", "on", "plugged"),
            ("plug", "off", "unplugged"),
            ("power", "on", "powered live"),
            ("presence", "on", "home here present around detected triggered occupied"),
            ("presence", "off", "away gone out clear empty unoccupied"),
            ("running", "on", "running working going"),
            ("running", "off", "finished done stopped"),
            ("vibration", "on", "vibrating shaking"),
            ("sound", "on", "noisy loud hearing detecting detected"),
            ("light", "on", "lit detecting detected"),
            ("light", "off", "dark"),
            ("problem", "on", "problem"),
            ("safety", "on", "unsafe dangerous"),
            ("safety", "off", "safe ok okay"),
            ("tamper", "on", "tampered"),
            ("tamper", "off", "untouched clear"),
            ("update", "on", "update available"),
            ("update", "off", "date"),
            ("lock", "on", "unlocked"),
            ("lock", "off", "locked"),
            ("door", "on", "open"),
            ("door", "off", "closed shut"),
            ("garage_door", "on", "open"),
            ("garage_door", "off", "closed shut"),
            ("opening", "on", "open"),
            ("opening", "off", "closed shut"),
            ("window", "on", "open"),
            ("window", "off", "closed shut"),
        ]
        var table: [String: Set<SensorState>] = [:]
        for entry in said {
            for word in entry.words.split(separator: " ") {
                table[String(word), default: []].insert(SensorState(deviceClass: entry.deviceClass, state: entry.state))
            }
        }
        return table
    }()

    /// Words that turn a state round or say it outright ("not", "off", "isn't"): a question that
    /// says one leaves the state to the model.
    static let stateTurners: Set<String> = ["not", "no", "off", "isnt", "arent", "wasnt", "dont", "doesnt", "nothing",
                                            "nobody", "never"]

    /// Words that say a binary sensor is asked about: every HassGetState line of the training data,
    /// the splits and Home Assistant's tests that says one (outside the home's names) is
    /// `domain binary_sensor` ("is the floor wet?", "are any devices powered on?").
    static let binarySensorWords: Set<String> = [
        "connected", "dangerous", "detected", "disconnected", "dry", "flooded", "freezing", "leaking", "motion",
        "movement", "noise", "occupied", "offline", "online", "overheating", "plugged", "powered", "shaking",
        "smoke", "tampered", "triggered", "unoccupied", "unplugged", "unsafe", "untouched", "vibrating", "wet",
    ]

    /// The states HassGetState asks about.
    public static let states = ["on", "off", "open", "closed", "locked", "unlocked", "home", "not_home"]

    /// The states that apply to one domain (Home Assistant's tests ask binary sensors "on"/"off"
    /// whatever they sense); every state for domains not listed. A sensor has a value, not one of
    /// these: "what is the outside temperature" asks for it, no `state`.
    public static func states(of domain: String) -> [String] {
        switch domain {
        case "sensor": []
        case "binary_sensor", "light", "switch", "fan", "input_boolean", "automation", "siren": ["on", "off"]
        case "cover", "valve": ["open", "closed"]
        case "lock": ["locked", "unlocked"]
        case "person": ["home", "not_home"]
        default: states
        }
    }

    /// The colour names of Home Assistant's HassLightSet.
    public static let colors = [
        "white", "black", "red", "orange", "yellow", "green", "blue", "purple", "brown", "pink", "turquoise",
    ]

    /// The word a target-less HassTurnOn/HassTurnOff uses for "every matching entity"
    /// (`turn off the living room fans` is name=all, area, domain in Home Assistant's tests).
    public static let allName = "all"
    /// The kinds of device a line names `all` of, as Home Assistant's sentences and the training
    /// data write it: fans ("turn on all the fans in the kitchen" is `name all; area Kitchen;
    /// domain fan`); lights and the rest are written by area and domain alone.
    static let allKinds: Set<String> = ["fan"]

    private static let target: [SlotSpec] = [.init("name", .entityName), .init("area", .area), .init("floor", .floor)]
    private static let targetAny: Set<String> = ["name", "area", "floor", "domain", "device_class"]
    private static let percent = SlotKind.integer(0...100)
    private static let duration = SlotKind.integer(0...999)

    public static let intents: [IntentSpec] = {
        func spec(_ name: String, _ slots: [SlotSpec], required: Set<String> = [], anyOf: Set<String> = [],
                  domains: [String] = [], fills: Bool = false) -> IntentSpec {
            IntentSpec(name: name, slots: slots, required: required, anyOf: anyOf, domains: domains,
                       fillsContextArea: fills)
        }
        let onOff = target + [.init("domain", .domain), .init("device_class", .deviceClass)]
        let media = ["media_player"]
        return [
            spec("HassTurnOn", onOff, anyOf: targetAny, domains: switchableDomains, fills: true),
            spec("HassTurnOff", onOff, anyOf: targetAny, domains: switchableDomains, fills: true),
            spec("HassLightSet", target + [.init("brightness", percent), .init("color", .color)],
                 anyOf: ["brightness", "color"], domains: ["light"], fills: true),
            spec("HassClimateSetTemperature", target + [.init("temperature", .decimal(0...120))],
                 required: ["temperature"], domains: ["climate"], fills: true),
            spec("HassSetPosition", onOff + [.init("position", percent)],
                 required: ["position"], domains: ["cover", "valve"], fills: true),
            spec("HassGetState", onOff + [.init("state", .state)], anyOf: targetAny, domains: ["*"]),
            spec("HassMediaPause", target, domains: media, fills: true),
            spec("HassMediaUnpause", target, domains: media, fills: true),
            spec("HassMediaNext", target, domains: media, fills: true),
            spec("HassMediaPrevious", target, domains: media, fills: true),
            spec("HassSetVolume", target + [.init("volume_level", percent)],
                 required: ["volume_level"], domains: media, fills: true),
            spec("HassVacuumStart", target, domains: ["vacuum"], fills: true),
            spec("HassVacuumReturnToBase", target, domains: ["vacuum"], fills: true),
            spec("HassShoppingListAddItem", [.init("item", .text)], required: ["item"]),
            spec("HassListAddItem", [.init("name", .entityName), .init("item", .text)],
                 required: ["name", "item"], domains: ["todo"]),
            spec("HassStartTimer", [.init("name", .text), .init("hours", duration), .init("minutes", duration),
                                    .init("seconds", duration), .init("conversation_command", .text)],
                 anyOf: ["hours", "minutes", "seconds"]),
            spec("HassCancelTimer", [.init("name", .text), .init("area", .area), .init("start_hours", duration),
                                     .init("start_minutes", duration), .init("start_seconds", duration)]),
            spec("HassNevermind", []),
        ]
    }()

    public static func intent(_ name: String) -> IntentSpec? { intents.first { $0.name == name } }

    /// Whether an entity of `domain` is something `intent` acts on.
    public static func acts(_ intent: IntentSpec, on domain: String) -> Bool {
        intent.domains.contains("*") || intent.domains.contains(domain)
    }
}
