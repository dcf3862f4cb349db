/// An action must be on something the command names. A model that meets a device or area the home
/// lacks ("pause the granny flat music" in a home with no granny flat) tends to pick the nearest
/// one it has, and the grammar cannot stop it: every listed name is grammatical. So the names,
/// areas and floors of a line must be words of the command — the speaker's own area excepted,
/// which the satellite supplies — or the line is not acted on.
///
/// Words match case-insensitively, ignoring punctuation and a plural `s` ("lights" says "Light",
/// "kitchen's" says "Kitchen"). Every line of the held-out test split and of Home Assistant's test
/// sentences passes with its gold slots (BENCHMARKS.md).
public enum MentionCheck {
    /// The first of the line's name, area and floor slots whose value the command does not say,
    /// as (slot, value); nil when it says them all. `contextArea` is the speaker's area name.
    public static func unsaid(_ intent: Intent, in command: String, contextArea: String?) -> (slot: String, value: String)? {
        let said = Set(words(command))
        for slot in ["name", "area", "floor"] {
            guard case .string(let value)? = intent.slots[slot], value.lowercased() != IntentSchema.allName else { continue }
            if slot == "area", let contextArea, value.lowercased() == contextArea.lowercased() { continue }
            if !words(value).allSatisfy(said.contains) { return (slot, value) }
        }
        return nil
    }

    /// Lower-case words of letters and digits, a trailing plural `s` dropped from words of four
    /// letters or more.
    static func words(_ text: String) -> [String] {
        var out: [String] = []
        var word = ""
        func flush() {
            guard !word.isEmpty else { return }
            if word.count > 3, word.hasSuffix("s") { word.removeLast() }
            out.append(word)
            word = ""
        }
        for c in text.lowercased() {
            if c.isLetter || c.isNumber { word.append(c) } else { flush() }
        }
        flush()
        return out
    }
}
