/// The grammar of output lines for one home: every line it accepts parses (`OutputSyntax`),
/// names an intent this home supports with its slots in canonical order, fills the slots the
/// intent needs, and names only entities, areas and floors that exist.
public enum IntentGrammar {
    public static func build(_ vocabulary: HomeVocabulary) throws(GrammarError) -> ByteGrammar {
        var b = Construction(builder: ByteGrammarBuilder(), vocabulary: vocabulary)
        var items: [(bytes: [UInt8], then: Int32)] = []
        for entry in vocabulary.entries {
            if let after = try b.slots(entry, from: 0, satisfied: false, first: true, scope: Scope()) {
                items.append((Array(entry.spec.name.utf8), after))
            }
        }
        items.append((Array(OutputSyntax.none.utf8), b.builder.end))
        let start = try b.builder.choice(items, orEnd: false)
        return b.builder.finish(start: start)
    }

    /// What the slots written so far pin down. After a name, the area, floor, domain, device
    /// class and state can only be that entity's (no `name Ceiling Fan; domain light`, no `name
    /// Outside Temperature; state on`), and its domain and device class are written or not as the
    /// training data writes them (`IntentSchema.saysDomain`); after a domain, the device classes
    /// and states are that domain's (no `domain light; device_class damper`). After `name all`
    /// the line says a kind of device that one names all of (`IntentSchema.allKinds`): no `name
    /// all; area Kitchen; domain script` for "turn on kitchen lights".
    private struct Scope: Hashable {
        var name: String?
        var namesAll = false
        var domain: String?
    }

    private struct Construction {
        var builder: ByteGrammarBuilder
        let vocabulary: HomeVocabulary
        private var slotMemo: [SlotKey: Int32?] = [:]
        private var valueMemo: [ValueKey: Int32] = [:]
        private var textMemo: [Int32: Int32] = [:]

        init(builder: ByteGrammarBuilder, vocabulary: HomeVocabulary) {
            self.builder = builder
            self.vocabulary = vocabulary
        }

        private struct SlotKey: Hashable {
            var intent: String
            var index: Int
            var satisfied: Bool
            var first: Bool
            var scope: Scope
        }

        private struct ValueKey: Hashable {
            var intent: String
            var slot: String
            var then: Int32
            var scope: Scope
        }

        /// The state before slot `index` of an intent; nil where no complete line can follow (a
        /// required slot was skipped, or the "at least one of" rule can no longer be met).
        mutating func slots(_ entry: HomeVocabulary.Entry, from index: Int, satisfied: Bool,
                            first: Bool, scope: Scope) throws(GrammarError) -> Int32? {
            let key = SlotKey(intent: entry.spec.name, index: index, satisfied: satisfied, first: first, scope: scope)
            if let memo = slotMemo[key] { return memo }
            let spec = entry.spec
            let named = scope.name.map { vocabulary.entities(for: spec, named: $0) }
            var items: [(bytes: [UInt8], then: Int32)] = []
            var m = index
            while m < spec.slots.count {
                let slot = spec.slots[m]
                let pinned = saysKind(spec, slot, named: named, scope)
                if pinned == false {
                    m += 1
                    continue
                }
                let nowSatisfied = satisfied || spec.anyOf.contains(slot.name)
                var value: Int32?
                switch slot.kind {
                case .entityName, .domain:
                    // The value decides what may follow, so each value gets its own continuation.
                    var branches: [(bytes: [UInt8], then: Int32)] = []
                    for v in strings(entry, slot, scope) {
                        var next = scope
                        if slot.kind == .domain {
                            next.domain = v
                        } else if v != IntentSchema.allName {
                            next.name = v
                        } else {
                            next.namesAll = true
                        }
                        if let after = try slots(entry, from: m + 1, satisfied: nowSatisfied, first: false, scope: next) {
                            branches.append((Array(v.utf8), after))
                        }
                    }
                    value = branches.isEmpty ? nil : try builder.choice(branches, orEnd: false)
                default:
                    if let after = try slots(entry, from: m + 1, satisfied: nowSatisfied, first: false, scope: scope) {
                        value = try self.value(entry, slot, then: after, scope: scope)
                    }
                }
                if let value {
                    items.append((Array(((first ? " " : "; ") + slot.name + " ").utf8), value))
                }
                if spec.required.contains(slot.name) || pinned == true { break }
                m += 1
            }
            let requiredLeft = spec.slots[index...].contains { spec.required.contains($0.name) || saysKind(spec, $0, named: named, scope) == true }
            let canEnd = !requiredLeft && (spec.anyOf.isEmpty || satisfied)
            let state: Int32? = items.isEmpty && !canEnd ? nil : try builder.choice(items, orEnd: canEnd)
            slotMemo[key] = state
            return state
        }

        /// After a name, whether the line goes on to say the entity's domain or device class
        /// (`IntentSchema.saysDomain`, `saysDeviceClass`): true, it must; false, it must not; nil
        /// where no name is written (`named` nil) or the entities the name means differ.
        private func saysKind(_ spec: IntentSpec, _ slot: SlotSpec, named: [Home.Entity]?, _ scope: Scope) -> Bool? {
            if scope.namesAll, slot.kind == .domain { return true }
            guard let named else { return nil }
            let says: Set<Bool>
            switch slot.kind {
            case .domain:
                says = Set(named.map { IntentSchema.saysDomain(spec.name, naming: $0) })
            case .deviceClass:
                says = Set(named.filter { scope.domain == nil || $0.domain == scope.domain }
                    .map { IntentSchema.saysDeviceClass(spec.name, naming: $0) })
            default:
                return nil
            }
            return says.count == 1 ? says.first : nil
        }

        /// The strings a named slot may take here.
        private func strings(_ entry: HomeVocabulary.Entry, _ slot: SlotSpec, _ scope: Scope) -> [String] {
            let all = entry.values[slot.name] ?? []
            let named = scope.name.map { vocabulary.entities(for: entry.spec, named: $0) }
            switch slot.kind {
            // An entity without an area may be said to be anywhere ("party mode in the kitchen").
            case .area:
                guard let named, !named.contains(where: { vocabulary.area(of: $0) == nil }) else { return all }
                return HomeVocabulary.unique(named.compactMap { vocabulary.area(of: $0)?.name })
            case .floor:
                guard let named, !named.contains(where: { vocabulary.area(of: $0) == nil }) else { return all }
                return HomeVocabulary.unique(named.compactMap { vocabulary.area(of: $0)?.floor })
            case .domain:
                if scope.namesAll { return all.filter(IntentSchema.allKinds.contains) }
                guard let named else { return all }
                return all.filter { d in named.contains { $0.domain == d } }
            case .deviceClass:
                if let named {
                    return HomeVocabulary.unique(named.filter { scope.domain == nil || $0.domain == scope.domain }.compactMap(\.deviceClass))
                }
                guard let domain = scope.domain else { return all }
                return entry.deviceClassesByDomain[domain] ?? []
            case .state:
                if let domain = scope.domain { return IntentSchema.states(of: domain) }
                guard let named else { return all }
                return HomeVocabulary.unique(named.flatMap { IntentSchema.states(of: $0.domain) })
            default:
                return all
            }
        }

        private mutating func value(_ entry: HomeVocabulary.Entry, _ slot: SlotSpec,
                                    then: Int32, scope: Scope) throws(GrammarError) -> Int32? {
            let key = ValueKey(intent: entry.spec.name, slot: slot.name, then: then, scope: scope)
            if let memo = valueMemo[key] { return memo }
            let strings: [String]
            switch slot.kind {
            case .text:
                return try freeText(then: then)
            case .integer(let range):
                strings = range.map { String($0) }
            case .decimal(let range):
                strings = range.flatMap { whole in [String(whole)] + (1...9).map { "\(whole).\($0)" } }
            default:
                strings = self.strings(entry, slot, scope)
            }
            guard !strings.isEmpty else { return nil }
            let state = try builder.choice(strings.map { (Array($0.utf8), then) }, orEnd: false)
            valueMemo[key] = state
            return state
        }

        /// Words separated by single spaces, any UTF-8 text but ";" and control characters, then
        /// `then`'s ";" or end of line.
        private mutating func freeText(then: Int32) throws(GrammarError) -> Int32 {
            if let memo = textMemo[then] { return memo }
            let afterSpace = builder.reserve()
            let word = builder.reserve()
            let continuation1 = builder.intern(accepting: false, edges: [.init(lo: 0x80, hi: 0xBF, target: word)])
            let continuation2 = builder.intern(accepting: false, edges: [.init(lo: 0x80, hi: 0xBF, target: continuation1)])
            let continuation3 = builder.intern(accepting: false, edges: [.init(lo: 0x80, hi: 0xBF, target: continuation2)])
            let characters: [ByteGrammar.Edge] = [
                .init(lo: 0x21, hi: 0x3A, target: word), // ';' is 0x3B
                .init(lo: 0x3C, hi: 0x7E, target: word),
                .init(lo: 0xC2, hi: 0xDF, target: continuation1),
                .init(lo: 0xE0, hi: 0xEF, target: continuation2),
                .init(lo: 0xF0, hi: 0xF4, target: continuation3),
            ]
            try builder.define(afterSpace, accepting: false, edges: characters)
            try builder.define(word, accepting: builder.isAccepting(then),
                               edges: characters + [.init(lo: 0x20, hi: 0x20, target: afterSpace)] + builder.edges(of: then))
            textMemo[then] = afterSpace
            return afterSpace
        }
    }
}
