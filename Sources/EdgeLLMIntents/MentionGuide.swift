/// Steers constrained decoding toward a line that `MentionCheck` accepts.
///
/// Left alone, a model that has the intent right but reaches for a name the command does not say
/// writes a line the check then refuses, and the command fails. Guided, when the model starts a
/// name, area or floor value the command does not say, the next best value the command does say
/// is taken instead, where the grammar allows one; and once the line names something said, a
/// name, area or floor slot the command says nothing for is not added, nor begun while a slot
/// ahead has something said ("set the balcony volume to 74": not `name`, which the grammar would
/// fill with the balcony's one speaker, but `area Balcony`). A redirect only ever leads
/// to a value the command says, never to `all` or the speaker's area: where none is reachable (the
/// command is about something this home lacks) the guide stands aside, the model writes what it
/// writes and the check refuses it as before, so such a command still comes to no action.
///
/// When a value has no said value to be steered to but another target slot of the intent has one
/// ("HassTurnOff name Kitchen cabinets" for "turn off the kitchen lights", with a Kitchen area),
/// the decoder goes back to where the slot began and starts the best-scoring slot that has one
/// instead (`ConstrainedDecoder`): the command then acts on what it says, not in the speaker's area.
///
/// A command that says one of the home's devices by name is seldom small talk, yet the ternary
/// model often puts `none` narrowly first for one ("is the phone charging?", "party mode on"):
/// where `none` leads its best intent by less than `noneLead`, the decoder takes the intent, and
/// the line is acted on only as a question about a device the command names, or as a scene or
/// script it names and asks for (`MentionCheck.mayOverruleNone`).
///
/// Durations likewise: when the command says none, no duration slot is begun, and an intent that
/// needs one (a timer) is not written at all, so the model's next choice of intent is taken ("turn
/// on the first floor lights" is not a timer however much "first" looks like a number to it). So
/// too a brightness, position, volume or temperature with no number said apart from the names
/// that hold one ("make bedroom 3 black" is no brightness 3), and a colour with none said.
///
/// What the command says is not left out: an area or floor it says is written unless a written
/// name says it ("turn off the lights in the first floor": `floor First Floor; domain light`, not
/// every light in the speaker's area). And a line that would act on everything in a place (it
/// names `all`, or is a HassTurnOn/Off naming no device) goes on until it says what kind of device
/// ("lights out in bedroom 3": `area Bedroom 3; domain light`).
///
/// A vacuum intent needs a vacuum said (`IntentSchema.vacuumWords` or a vacuum's name): the ternary
/// model wrote "light up the first floor" as `HassVacuumStart floor First Floor`.
///
/// A place said only inside a device's name is the device's, not a place said ("turn off the
/// bedroom lamp": `name Bedroom Lamp`, not every light in the bedroom; `MentionCheck.saysPlace`),
/// and a command that says a device's name whole is not about `all` of a kind.
///
/// A device the command names whole is the line's target: the line names it before any other
/// slot and does not end without it ("is CO detected?": `name CO`, "TV pause": `name TV`), unless
/// the command asks of a kind ("are any occupancy sensors triggered?") or the name is also a
/// place's. And `all` is written only of fans said, as the data writes it ("turn on kitchen
/// lights" is `area Kitchen; domain light`, not `name all`).
///
/// A binary sensor is asked about in its own words (`IntentSchema.sensorClassWords`,
/// `sensorStates`): a question's device class and state are among those its words say ("is the
/// phone home?" is the phone's `presence`, "is the battery normal?" `state off`, "are any smoke
/// sensors triggered?" `smoke`); where its words say a binary sensor at all ("is the floor wet?")
/// the line is `domain binary_sensor`, and asked of a kind it names no device or place the command
/// does not say. A question's name said only right after "any", "which" and the like says the
/// kind asked about ("which motion sensors are triggered?"), not the device.
struct MentionGuide {
    /// Per intent, per guided slot key, the values the command says, as the grammar spells them,
    /// and the values the model may write of its own accord: those, `all` (where a fan is said)
    /// and the speaker's area.
    private let said: [[UInt8]: [[UInt8]: [[UInt8]]]]
    private let accepted: [[UInt8]: [[UInt8]: [[UInt8]]]]
    /// The intents the line may start as ("none" included) and, when the command says no
    /// duration, those that need one and the duration keys.
    private let lineStarts: [[UInt8]]
    private let barredIntents: Set<[UInt8]>
    private let barredKeys: Set<[UInt8]>
    /// Per intent, the areas and floors the command says that the line must name, by key in slot
    /// order: a place said is a place meant. Not for intents with free text, which may say a place
    /// ("a timer to turn off the kitchen lights"), nor for a place a device class also names
    /// ("open the garage door").
    private let places: [[UInt8]: [(key: [UInt8], values: [String])]]
    /// Whether the command says the whole name of one of the home's devices.
    let saysName: Bool
    /// The intents whose line must name a device: the command says one's name whole, its words in
    /// a row, the last not plural, and asks of no kind of device ("is CO detected?" is the
    /// sensor named CO, "TV pause" the TV; "are any occupancy sensors triggered?" asks of a kind).
    private let namesDue: Set<[UInt8]>
    /// The intents whose `all` is withheld (no fan said) although their lines may name it or a
    /// device: the model may still begin the name, so that the value it reaches for shows what
    /// it meant — `all` refused, it goes back to a slot the command says and keeps its kind
    /// ("turn on kitchen lights": `area Kitchen; domain light`); a device the home lacks, it goes
    /// back and must say the kind itself (`ConstrainedDecoder`).
    private let allWithheld: Set<[UInt8]>
    /// Per intent, the one domain a line may write because the command's words say it: a lock
    /// said ("lock the kitchen doors") is `domain lock`, not a door cover, unless a device's name
    /// says it ("run lock up" is the Lock Up script).
    private let domainSaid: [[UInt8]: [UInt8]]
    /// The numbers the command says, as the line writes them (`MentionCheck.saidNumbers`): a
    /// number or duration slot writes one of them ("ten minute five-seconds timer" is no `minutes
    /// 1`); nil where the command says one read otherwise ("half", "max").
    private let numbersSaid: [[UInt8]]?
    /// For a question about a binary sensor (`MentionCheck.saidSensor`), the device classes its
    /// words say: a `binary_sensor` line's class is one of them, where the grammar allows one
    /// ("are any devices powered on?" is `power`, not `plug`); empty where they say none.
    private let sensorClasses: [[UInt8]]
    /// Per class, the states the words say of it: the line's state is one of them ("is the phone
    /// battery normal?" is `device_class battery; state off`).
    private let sensorStates: [[UInt8]: [[UInt8]]]
    /// Whether the command asks of a kind of binary sensor: its words say one
    /// (`IntentSchema.binarySensorWords`) and ask of a kind (`MentionCheck.kindQuantifiers`).
    private let asksOfSensorKinds: Bool
    /// Whether the command says a temperature and nothing else (`MentionCheck.saysOnlyATemperature`):
    /// a thermostat line then names no device, area or floor, and the agent sets the speaker's area.
    private let saysOnlyATemperature: Bool
    /// Whether a line that would act on everything in a place is kept going until it says what
    /// kind of device (`endsTooSoon`); off, such a line may end and the recognizer refuses it.
    var addsKind = true
    /// How far (in logits) `none` must lead the model's best intent, for a command that says a
    /// device's name, to be taken. The validation split's commands that the model narrowly
    /// refused were all within 1.7; small talk that names a device mostly leads by more
    /// (BENCHMARKS.md, "What the command says, kept").
    static let noneLead: Float = 2

    private static let slotKeys = IntentSchema.slotOrder.map { Array($0.utf8) }
    private static let nameKey = Array("name".utf8)
    private static let noneLine = Array(OutputSyntax.none.utf8)
    private static let space = UInt8(ascii: " ")
    private static let semicolon = UInt8(ascii: ";")

    init(command: String, vocabulary: HomeVocabulary, contextArea: String?) {
        let words = MentionCheck.words(command)
        let forms = MentionCheck.saidForms(words)
        // "all" said: a name said whole is no reason to bar `all` ("turn off every fan" with a Fan).
        let saysAll = !forms.isDisjoint(with: MentionCheck.quantifiers)
        // `all` is written only of a kind of device said ("kitchen fans on"): the grammar would
        // otherwise follow "turn on kitchen lights"' `name all` with `domain fan`.
        let saysAllKind = MentionCheck.saysAllKind(forms)
        var said: [[UInt8]: [[UInt8]: [[UInt8]]]] = [:]
        var accepted: [[UInt8]: [[UInt8]: [[UInt8]]]] = [:]
        var places: [[UInt8]: [(key: [UInt8], values: [String])]] = [:]
        // Intents that act on the same devices share their names' runs (the media intents, on and off).
        var runsOfNames: [[String]: [Range<Int>]] = [:]
        var namesDue: Set<[UInt8]> = []
        var allWithheld: Set<[UInt8]> = []
        var domainSaid: [[UInt8]: [UInt8]] = [:]
        let saysLock = !forms.isDisjoint(with: IntentSchema.lockWords)
        // Only where the home has a binary sensor to ask about: in one without, a line steered so has
        // nowhere to go but the model's own choice of some other domain.
        let hasBinarySensor = vocabulary.entry(Self.getStateName)?.values["domain"]?.contains("binary_sensor") ?? false
        let sensor = hasBinarySensor
            ? MentionCheck.saidSensor(words, outside: vocabulary.deviceNames(for: Self.getStateName) + vocabulary.areaNames
                + vocabulary.floorNames)
            : MentionCheck.SaidSensor()
        if sensor.saysBinarySensor {
            domainSaid[Self.getStateIntent] = Self.binarySensor
        }
        let asksOfKinds = !forms.isDisjoint(with: MentionCheck.kindQuantifiers)
        for entry in vocabulary.entries {
            let intent = Array(entry.spec.name.utf8)
            let deviceNames = vocabulary.deviceNames(for: entry.spec.name)
            let nameRuns = runsOfNames[deviceNames] ?? MentionCheck.runs(of: deviceNames, in: words, singular: true)
            runsOfNames[deviceNames] = nameRuns
            // A lock said: the line acts on locks only, unless a device that is no lock is said by a
            // name that says it (the "Lock Up" script).
            var lockNames: Set<String>?
            if saysLock, IntentSchema.switchesAnything.contains(entry.spec.name), (entry.values["domain"] ?? []).contains("lock") {
                let entities = vocabulary.entities(for: entry.spec)
                if MentionCheck.asksOfLocks(words, forms, entities: entities) {
                    domainSaid[intent] = Self.lockDomain
                    lockNames = Set(entities.filter { $0.domain == "lock" }.flatMap { [$0.name] + ($0.aliases ?? []) }.map { $0.lowercased() })
                }
            }
            if !entry.spec.slots.contains(where: { $0.kind == .text }) {
                let kinds = Set(entry.deviceClassesByDomain.values.joined())
                for key in ["area", "floor"] where entry.spec.slot(key) != nil {
                    let values = (entry.values[key] ?? []).filter {
                        MentionCheck.saysPlace($0, words, forms, outside: nameRuns) && !kinds.contains($0.lowercased())
                    }
                    if !values.isEmpty { places[intent, default: []].append((Array(key.utf8), values)) }
                }
            }
            if !asksOfKinds, !nameRuns.isEmpty, entry.spec.slots.contains(where: { $0.kind == .entityName }) {
                // A name that is also a place's is the model's to read either way; so is a device
                // that is not in a place the command says ("the chandelier in the lounge", the
                // Chandelier being in the dining room), or no lock where a lock is said.
                let placeRuns = MentionCheck.runs(of: (entry.values["area"] ?? []) + (entry.values["floor"] ?? []), in: words)
                let placesSaid = places[intent] ?? []
                let due = deviceNames.contains { name in
                    guard lockNames?.contains(name.lowercased()) ?? true, MentionCheck.says(name, forms),
                          MentionCheck.runs(of: [name], in: words, singular: true).contains(where: { !placeRuns.contains($0) })
                    else { return false }
                    return vocabulary.entities(for: entry.spec, named: name).contains { entity in
                        guard let area = vocabulary.area(of: entity) else { return true }
                        return placesSaid.allSatisfy { place in
                            let own = place.key == Self.floorKey ? area.floor : area.name
                            return place.values.contains { $0.lowercased() == own?.lowercased() }
                        }
                    }
                }
                if due { namesDue.insert(intent) }
            }
            for slot in entry.spec.slots where MentionCheck.slots.contains(slot.name) {
                guard slot.kind == .entityName || slot.kind == .area || slot.kind == .floor else { continue }
                var saidValues: [[UInt8]] = []
                var acceptedValues: [[UInt8]] = []
                for value in entry.values[slot.name] ?? [] {
                    let lowered = value.lowercased()
                    // `all` is never a redirect's target, even when the command says "all": "all the
                    // garage lights" in a home without a garage must not become every light.
                    let isAll = lowered == IntentSchema.allName
                    // A question's name said only after "any" or "which" is the kind it asks of.
                    let isSaid = !isAll && (slot.kind == .entityName
                        ? MentionCheck.says(value, forms) && lockNames?.contains(lowered) ?? true
                            && !(asksOfKinds && intent == Self.getStateIntent && MentionCheck.saysOnlyAsKind(value, in: words))
                        : MentionCheck.saysPlace(value, words, forms, outside: nameRuns))
                    if isSaid { saidValues.append(Array(value.utf8)) }
                    if isAll && !saysAllKind && (entry.values[slot.name] ?? []).count > 1 { allWithheld.insert(intent) }
                    if isSaid || (isAll && saysAllKind) || (slot.kind == .area && contextArea?.lowercased() == lowered) {
                        acceptedValues.append(Array(value.utf8))
                    }
                }
                if slot.kind == .entityName {
                    // The most the command says: "right pond pump" is the Right Pond Pump, not the
                    // Pond Pump, in a home with both.
                    let wordSets = saidValues.map { Set(MentionCheck.words(String(decoding: $0, as: UTF8.self))) }
                    let partial = Set(saidValues.indices.filter { i in
                        wordSets.indices.contains { j in wordSets[i].isStrictSubset(of: wordSets[j]) }
                    }.map { saidValues[$0] })
                    saidValues.removeAll(where: partial.contains)
                    acceptedValues.removeAll(where: partial.contains)
                    // Nor `all` where the command says one of them whole: "upstairs bathroom exhaust
                    // fan on" is that fan, not every fan somewhere.
                    let names = saidValues.map { String(decoding: $0, as: UTF8.self) }
                    if !saysAll, !MentionCheck.runs(of: names, in: words, singular: true).isEmpty {
                        acceptedValues.removeAll { $0.elementsEqual(IntentSchema.allName.utf8) }
                    }
                }
                said[intent, default: [:]][Array(slot.name.utf8)] = saidValues
                accepted[intent, default: [:]][Array(slot.name.utf8)] = acceptedValues
            }
        }
        self.said = said
        self.accepted = accepted
        self.places = places
        self.namesDue = namesDue
        self.allWithheld = allWithheld
        self.domainSaid = domainSaid
        sensorClasses = sensor.classes.sorted().map { Array($0.utf8) }
        sensorStates = Dictionary(uniqueKeysWithValues: sensor.states.map { deviceClass, states in
            (Array(deviceClass.utf8), states.sorted().map { Array($0.utf8) })
        })
        asksOfSensorKinds = sensor.saysBinarySensor && asksOfKinds
        numbersSaid = MentionCheck.saidNumbers(command).map { $0.map { Array($0.utf8) } }
        saysOnlyATemperature = MentionCheck.saysOnlyATemperature(words)
        saysName = said.values.contains { keys in keys[Self.nameKey].map { !$0.isEmpty } ?? false }
        lineStarts = vocabulary.entries.map { Array($0.spec.name.utf8) } + [Self.noneLine]
        // Slots whose value the command cannot be giving, and the intents that need one.
        var barred: Set<String> = []
        if !MentionCheck.saysDuration(words) { barred.formUnion(MentionCheck.durationSlots) }
        let saidValues = Set(said.values.flatMap { $0.values.joined() }).map { String(decoding: $0, as: UTF8.self) }
        if !MentionCheck.saysNumber(words, apartFrom: saidValues) { barred.formUnion(MentionCheck.numberSlots) }
        if !IntentSchema.colors.contains(where: forms.contains) { barred.insert("color") }
        // A vacuum is started or sent home only when the command says a vacuum, by a word for one
        // or by its name: "light up the first floor" is no HassVacuumStart.
        let saysVacuum = !forms.isDisjoint(with: IntentSchema.vacuumWords)
            || vocabulary.deviceNames(for: "HassVacuumStart").contains { MentionCheck.says($0, forms) }
        // Nor is a light said a media player's doing, unless a media player's name says it (a
        // light word inside a place's name, "Lamp Room", says no light).
        let placeRuns = MentionCheck.runs(of: vocabulary.areaNames + vocabulary.floorNames, in: words)
        let saysLight = words.indices.contains { i in
            !Set(MentionCheck.forms(words[i])).isDisjoint(with: IntentSchema.lightWords) && !placeRuns.contains { $0.contains(i) }
        }
        barredIntents = Set(vocabulary.entries.map(\.spec).filter { spec in
            !spec.required.isDisjoint(with: barred) || (!spec.anyOf.isEmpty && spec.anyOf.isSubset(of: barred))
                || (!saysVacuum && IntentSchema.vacuumIntents.contains(spec.name))
                || (saysLight && spec.domains == ["media_player"]
                    && !MentionCheck.saysName(withA: IntentSchema.lightWords, of: vocabulary.entities(for: spec), in: words))
        }.map { Array($0.name.utf8) })
        barredKeys = Set(barred.map { Array($0.utf8) })
    }

    /// Whether a new slot (or the end of the line) comes next after `line`: the intent is written,
    /// or a slot ended with ";".
    func atSlotStart(_ line: [UInt8]) -> Bool {
        Self.endsSlot(line) || (!line.contains(Self.space) && lineStarts.contains(line))
    }

    /// Whether `line` has just ended a slot: it ends in ";" or "; ".
    static func endsSlot(_ line: [UInt8]) -> Bool {
        line.last == semicolon || (line.last == space && line.dropLast().last == semicolon)
    }

    /// The guided key whose value `line` is writing (the key and the space after it written).
    func guidedKey(ofValueIn line: [UInt8]) -> [UInt8]? {
        guard let (intent, segment) = Self.lastSegment(line), let keyEnd = segment.firstIndex(of: Self.space) else { return nil }
        let key = Array(segment[..<keyEnd])
        return said[intent]?[key] != nil ? key : nil
    }

    /// Whether `written`, the bytes after a slot start, are the slot `key` and nothing before it.
    static func isSlot(_ key: [UInt8], _ written: some Collection<UInt8>) -> Bool {
        let rest = written.drop { $0 == semicolon || $0 == space }
        return rest.starts(with: key + [space]) && !rest.contains(semicolon)
    }

    /// Whether `bytes` after `line` begin a guided key, none of `excluded`, for which the command
    /// says a value: where the decoder may go instead of a slot with no said value reachable.
    func beginsSaidSlot(_ line: [UInt8], appending bytes: some Collection<UInt8>, excluding excluded: Set<[UInt8]>) -> Bool {
        guard let (intent, segment) = Self.lastSegment(line + bytes), !segment.isEmpty,
              let keys = said[intent] else { return false }
        let key = segment.firstIndex(of: Self.space).map { Array(segment[..<$0]) }
        return keys.contains { candidate, values in
            !values.isEmpty && !excluded.contains(candidate)
                && (key.map { $0 == candidate } ?? candidate.starts(with: segment))
        }
    }

    private static let order = Dictionary(uniqueKeysWithValues: slotKeys.enumerated().map { ($1, $0) })

    /// Whether a key at slot-order position `next`, after a line whose last key is at `last`,
    /// would leave out for good a place the command says that no written name says either.
    private static func passesPlace(before next: Int, after last: Int, _ places: [(key: [UInt8], values: [String])],
                                    named: [String]) -> Bool {
        let passed = places.filter { place in order[place.key].map { $0 > last && $0 < next } ?? false }
        guard !passed.isEmpty else { return false }
        let forms = MentionCheck.saidForms(named.flatMap(MentionCheck.words))
        return passed.contains { place in place.values.contains { !MentionCheck.says($0, forms) } }
    }

    /// Whether a line whose last key is at `lastKey` may not end yet: it would leave out a place
    /// the command says, or (with `addsKind`) act on everything in a place — it names `all`, or is
    /// a HassTurnOn/Off that names no device, without saying what kind of device. "HassTurnOff
    /// area Office" switches off everything in the office; no training or test line means that.
    private func endsTooSoon(_ intent: [UInt8], _ places: [(key: [UInt8], values: [String])], named: [String],
                             lastKey: Int) -> Bool {
        if Self.passesPlace(before: Self.slotKeys.count, after: lastKey, places, named: named)
            || passesName(intent, before: Self.slotKeys.count, after: lastKey) { return true }
        guard addsKind, lastKey < Self.kindKey else { return false }
        return named.contains { $0.lowercased() == IntentSchema.allName }
            || (named.isEmpty && IntentSchema.switchesAnything.contains(String(decoding: intent, as: UTF8.self)))
    }

    private static let kindKey = order[Array("domain".utf8)]!
    private static let domainKey = Array("domain".utf8)
    private static let floorKey = Array("floor".utf8)
    private static let climateIntent = Array("HassClimateSetTemperature".utf8)
    private static let targetKeys: Set<[UInt8]> = [nameKey, Array("area".utf8), floorKey]
    private static let numberKeys = Set((MentionCheck.numberSlots + MentionCheck.durationSlots).map { Array($0.utf8) })
    private static let deviceClassKey = Array("device_class".utf8)
    private static let stateKey = Array("state".utf8)
    private static let getStateName = "HassGetState"
    private static let getStateIntent = Array(getStateName.utf8)
    private static let binarySensor = Array("binary_sensor".utf8)
    private static let lockDomain = Array("lock".utf8)

    /// Whether a key at slot-order position `next`, with no key written before it (`last` < 0),
    /// would leave out the device name the command says for this intent (`namesDue`).
    private func passesName(_ intent: [UInt8], before next: Int, after last: Int) -> Bool {
        last < 0 && next > 0 && namesDue.contains(intent)
    }

    /// Whether `line` is writing `name all` (whole: " a" may begin a device's name as well).
    static func writesAll(_ line: [UInt8]) -> Bool {
        guard let (_, segment) = lastSegment(line), let keyEnd = segment.firstIndex(of: space) else { return false }
        return segment[..<keyEnd].elementsEqual(nameKey) && segment[(keyEnd + 1)...].elementsEqual(IntentSchema.allName.utf8)
    }

    /// Whether `bytes` at the start of a line spell the beginning of `none`.
    static func beginsNone(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && (noneLine.starts(with: bytes) || bytes.starts(with: noneLine))
    }

    /// The intent of a line and the slot text after its last separator (nil before the intent ends).
    private static func lastSegment(_ text: [UInt8]) -> ([UInt8], ArraySlice<UInt8>)? {
        guard let intentEnd = text.firstIndex(of: space) else { return nil }
        var start = (text.lastIndex(of: semicolon) ?? intentEnd) + 1
        if start < text.count, text[start] == space, text[..<start].last == semicolon { start += 1 }
        return (Array(text[..<intentEnd]), text[start...])
    }

    /// Whether `line` followed by `bytes` stays on course in every slot the new bytes touch: a
    /// guided value only as the start of an allowed one, and whole where it ends (at ";" or, with
    /// `endsLine`, at the end of the line); a guided key with nothing allowed for it only while the
    /// line names nothing said. The model's own choice (`redirect` false) may also be `all` or the
    /// speaker's area; a redirect only a value the command says.
    func permits(_ line: [UInt8], appending bytes: some Collection<UInt8>, endsLine: Bool, redirect: Bool) -> Bool {
        var text = line + bytes
        var endsLine = endsLine
        if let terminator = text[line.count...].firstIndex(of: ByteGrammar.terminator) {
            text.removeSubrange(terminator...)
            endsLine = true
        }
        guard let intentEnd = text.firstIndex(of: Self.space) else {
            // An intent still being spelled: refused when every intent it can become is barred;
            // ending here, when it is barred or owes a name.
            if endsLine { return !barredIntents.contains(text) && !namesDue.contains(text) }
            guard !barredIntents.isEmpty else { return true }
            return lineStarts.contains { $0.starts(with: text) && !barredIntents.contains($0) }
        }
        let intent = Array(text[..<intentEnd])
        guard !barredIntents.contains(intent) else { return false }
        let said = said[intent] ?? [:]
        let allowed = redirect ? said : accepted[intent] ?? [:]
        var namesSomethingSaid = false
        var lastKey = -1
        var named: [String] = []
        // The binary sensor's device class the line wrote, where it wrote `domain binary_sensor`.
        var sensorDomain = false
        var sensorClass: [UInt8]?
        let places = places[intent] ?? []
        /// Whether a slot `key` may not begin here: it is barred; or it is guided with nothing
        /// allowed, once the line names something said or while a slot ahead has something said
        /// (go there instead); or it would pass a place the command says that the line has not
        /// named. A redirect, while nothing said is named and a slot ahead has something said,
        /// goes only to a slot with something said: steered off "area" for "turn off the tv room
        /// lamp", the line must not become `domain light`, every light.
        func refuses(_ key: [UInt8]) -> Bool {
            if barredKeys.contains(key) { return true }
            // A lock has no device class.
            if key == Self.deviceClassKey, domainSaid[intent] == Self.lockDomain { return true }
            if saysOnlyATemperature, intent.elementsEqual(Self.climateIntent), Self.targetKeys.contains(key) { return true }
            // A question of a kind of binary sensor names no device or place the command does not
            // say ("which smoke sensors are triggered?" is no `name Gas`, "are any occupancy
            // sensors triggered?" no `area Bedroom`).
            if asksOfSensorKinds, intent == Self.getStateIntent, Self.targetKeys.contains(key), said[key]?.isEmpty ?? true {
                return true
            }
            let saidAhead = !namesSomethingSaid && said.contains { other, values in
                other != key && !values.isEmpty && Self.order[other] ?? 0 > lastKey
            }
            if let values = allowed[key] {
                let mayBegin = !values.isEmpty || (key == Self.nameKey && allWithheld.contains(intent))
                if !mayBegin && (namesSomethingSaid || saidAhead) { return true }
            } else if redirect && saidAhead {
                return true
            }
            if passesName(intent, before: Self.order[key] ?? 0, after: lastKey) { return true }
            return Self.passesPlace(before: Self.order[key] ?? 0, after: lastKey, places, named: named)
        }
        var start = intentEnd + 1
        while start <= text.count {
            let close = text[start...].firstIndex(of: Self.semicolon)
            let end = close ?? text.count
            let segment = text[start..<end]
            // Slots that ended before the new bytes were judged when they were written.
            if end >= line.count {
                if let keyEnd = segment.firstIndex(of: Self.space) {
                    let key = Array(segment[..<keyEnd])
                    // A key whose spelling ends in the new bytes is judged as one being spelled.
                    if keyEnd >= line.count, refuses(key) { return false }
                    if barredKeys.contains(key) { return false }
                    if endsLine, close == nil, let index = Self.order[key] {
                        let names = named + (index == 0 ? [String(decoding: segment[(keyEnd + 1)...], as: UTF8.self)] : [])
                        if endsTooSoon(intent, places, named: names, lastKey: index) { return false }
                    }
                    // The value so far: one of `values` where it ends, the start of one before.
                    let value = segment[(keyEnd + 1)...]
                    let whole = close != nil || endsLine
                    func isOne(of values: [[UInt8]]) -> Bool {
                        values.contains { whole ? $0.elementsEqual(value) : $0.starts(with: value) }
                    }
                    if let numbersSaid, Self.numberKeys.contains(key), !isOne(of: numbersSaid) { return false }
                    if key == Self.domainKey, let domain = domainSaid[intent], !isOne(of: [domain]) { return false }
                    if sensorDomain, !sensorClasses.isEmpty, intent == Self.getStateIntent {
                        if key == Self.deviceClassKey, !isOne(of: sensorClasses) { return false }
                        if key == Self.stateKey, let sensorClass, let states = sensorStates[sensorClass], !isOne(of: states) {
                            return false
                        }
                    }
                    if let values = allowed[key] {
                        // A redirect must commit to a said value, not only to the space before one
                        // (after which the model's own choice could be `all` again).
                        guard !(redirect && value.isEmpty), isOne(of: values) else { return false }
                    }
                } else if !segment.isEmpty {
                    // A key still being spelled: refused when every key it can become is.
                    let keys = Self.slotKeys.filter { $0.starts(with: segment) }
                    if !keys.isEmpty, keys.allSatisfy(refuses) { return false }
                } else if endsLine, close == nil, endsTooSoon(intent, places, named: named, lastKey: lastKey) {
                    return false
                }
            }
            if let keyEnd = segment.firstIndex(of: Self.space), let index = Self.order[Array(segment[..<keyEnd])] {
                lastKey = index
                if index == 0 { named.append(String(decoding: segment[(keyEnd + 1)...], as: UTF8.self)) }
                if close != nil, index == Self.kindKey { sensorDomain = segment[(keyEnd + 1)...].elementsEqual(Self.binarySensor) }
                if close != nil, sensorDomain, segment[..<keyEnd].elementsEqual(Self.deviceClassKey) {
                    sensorClass = Array(segment[(keyEnd + 1)...])
                }
            }
            // `said` holds no `all` ("all" names nothing: "all; area X" must keep its area).
            if close != nil, let keyEnd = segment.firstIndex(of: Self.space),
               let values = said[Array(segment[..<keyEnd])],
               values.contains(where: { $0.elementsEqual(segment[(keyEnd + 1)...]) }) {
                namesSomethingSaid = true
            }
            guard let close else { break }
            start = close + 1
            if start < text.count, text[start] == Self.space { start += 1 }
        }
        return true
    }
}
