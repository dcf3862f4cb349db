/// Steers constrained decoding toward a line that `MentionCheck` accepts.
///
/// Left alone, a model that has the intent right but reaches for a name the command does not say
/// writes a line the check then refuses, and the command fails. Guided, when the model starts a
/// name, area or floor value the command does not say, the next best value the command does say
/// is taken instead, where the grammar allows one; and once the line names something said, a
/// name, area or floor slot the command says nothing for is not added. A redirect only ever leads
/// to a value the command says, never to `all` or the speaker's area: where none is reachable (the
/// command is about something this home lacks) the guide stands aside, the model writes what it
/// writes and the check refuses it as before, so such a command still comes to no action.
struct MentionGuide {
    /// Per intent, per guided slot key, the values the command says, as the grammar spells them,
    /// and the values the model may write of its own accord: those, `all` and the speaker's area.
    private let said: [[UInt8]: [[UInt8]: [[UInt8]]]]
    private let accepted: [[UInt8]: [[UInt8]: [[UInt8]]]]

    private static let slotKeys = IntentSchema.slotOrder.map { Array($0.utf8) }
    private static let space = UInt8(ascii: " ")
    private static let semicolon = UInt8(ascii: ";")

    init(command: String, vocabulary: HomeVocabulary, contextArea: String?) {
        let forms = MentionCheck.saidForms(command)
        var said: [[UInt8]: [[UInt8]: [[UInt8]]]] = [:]
        var accepted: [[UInt8]: [[UInt8]: [[UInt8]]]] = [:]
        for entry in vocabulary.entries {
            let intent = Array(entry.spec.name.utf8)
            for slot in entry.spec.slots where MentionCheck.slots.contains(slot.name) {
                guard slot.kind == .entityName || slot.kind == .area || slot.kind == .floor else { continue }
                var saidValues: [[UInt8]] = []
                var acceptedValues: [[UInt8]] = []
                for value in entry.values[slot.name] ?? [] {
                    let lowered = value.lowercased()
                    // `all` is never a redirect's target, even when the command says "all": "all the
                    // garage lights" in a home without a garage must not become every light.
                    let isAll = lowered == IntentSchema.allName
                    let isSaid = !isAll && MentionCheck.says(value, forms)
                    if isSaid { saidValues.append(Array(value.utf8)) }
                    if isSaid || isAll || (slot.kind == .area && contextArea?.lowercased() == lowered) {
                        acceptedValues.append(Array(value.utf8))
                    }
                }
                said[intent, default: [:]][Array(slot.name.utf8)] = saidValues
                accepted[intent, default: [:]][Array(slot.name.utf8)] = acceptedValues
            }
        }
        self.said = said
        self.accepted = accepted
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
        guard let intentEnd = text.firstIndex(of: Self.space), let said = said[Array(text[..<intentEnd])],
              let accepted = accepted[Array(text[..<intentEnd])] else { return true }
        let allowed = redirect ? said : accepted
        var namesSomethingSaid = false
        var start = intentEnd + 1
        while start <= text.count {
            let close = text[start...].firstIndex(of: Self.semicolon)
            let end = close ?? text.count
            let segment = text[start..<end]
            // Slots that ended before the new bytes were judged when they were written.
            if end >= line.count {
                if let keyEnd = segment.firstIndex(of: Self.space) {
                    if let values = allowed[Array(segment[..<keyEnd])] {
                        let value = segment[(keyEnd + 1)...]
                        let whole = close != nil || endsLine
                        // A redirect must commit to a said value, not only to the space before one
                        // (after which the model's own choice could be `all` again).
                        guard !(redirect && value.isEmpty),
                              values.contains(where: { whole ? $0.elementsEqual(value) : $0.starts(with: value) }) else {
                            return false
                        }
                    }
                } else if namesSomethingSaid, !segment.isEmpty {
                    // A key still being spelled: refused when every key it can become is guided
                    // and has nothing allowed.
                    let keys = Self.slotKeys.filter { $0.starts(with: segment) }
                    if !keys.isEmpty, keys.allSatisfy({ allowed[$0]?.isEmpty ?? false }) { return false }
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
