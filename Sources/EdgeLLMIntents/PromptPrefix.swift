import EdgeLLMTokenizer

/// The fixed part of the prompt (instructions, the home's names, a few examples in the output
/// syntax), prefilled once, and the wrapping of each command after it. Short on purpose: every
/// token here costs prefill time at start-up and attention time on every request on a Pi.
public struct PromptPrefix: Sendable {
    /// The text before the command (its KV cache is kept across requests).
    public let text: String
    /// The text after the command, ending where the model's answer begins.
    public let suffix: String
    public let tokens: [Int32]
    private let suffixTokens: [Int32]

    /// `examples`: false leaves out the example commands (a model fine-tuned on the syntax does
    /// not need them, and the prefix is then mostly the home's names).
    public init(vocabulary: HomeVocabulary, tokenizer: BPETokenizer, examples includeExamples: Bool = true) {
        let system = Self.instructions(vocabulary)
        let examples = includeExamples ? Self.examples(vocabulary) : []
        let config = tokenizer.config
        var text: String
        var suffix: String
        if let template = ChatTemplate.detect(config) {
            var messages = [ChatMessage(role: "system", content: system)]
            for (command, line) in examples {
                messages.append(ChatMessage(role: "user", content: command))
                messages.append(ChatMessage(role: "assistant", content: line))
            }
            // The command goes where a marker is; what surrounds it is the template's own text.
            let marker = "\u{1}"
            messages.append(ChatMessage(role: "user", content: marker))
            let rendered = template.render(messages, addGenerationPrompt: true, defaultSystemPrompt: nil)
            let parts = rendered.split(separator: marker, maxSplits: 1, omittingEmptySubsequences: false)
            text = String(parts[0])
            suffix = parts.count > 1 ? String(parts[1]) : ""
        } else {
            text = system + "\n\n" + examples.map { "Command: \($0.0)\nLine: \($0.1)\n\n" }.joined() + "Command: "
            suffix = "\nLine:\n"
        }
        self.text = text
        self.suffix = suffix
        var ids: [Int32] = []
        if config.addBOS, let bos = config.bosTokenID, !text.hasPrefix(config.tokens[Int(bos)]) { ids.append(bos) }
        tokens = ids + tokenizer.encode(text, parseSpecial: true)
        suffixTokens = tokenizer.encode(suffix, parseSpecial: true)
    }

    /// The tokens of one command after the prefix. The command itself is plain text: a spoken
    /// "<|im_end|>" must not end the turn.
    public func requestTokens(_ command: String, tokenizer: BPETokenizer) -> [Int32] {
        tokenizer.encode(command, parseSpecial: false) + suffixTokens
    }

    static func instructions(_ vocabulary: HomeVocabulary) -> String {
        var lines = [
            "Turn the command into one line: a Home Assistant intent and its slots, or none when it is not a command for this home.",
            "Line: Intent slot value; slot value",
        ]
        lines.append("Intents: " + vocabulary.entries.filter(\.offered).map(\.spec.name).joined(separator: ", "))
        lines.append("Use only the slots the command needs.")
        let home = vocabulary.home
        if !home.areas.isEmpty {
            lines.append("Areas: " + home.areas.map { area in area.floor.map { "\(area.name) (\($0))" } ?? area.name }
                .joined(separator: ", "))
        }
        var byDomain: [(String, [String])] = []
        for entity in home.entities {
            let label = ([entity.name] + (entity.aliases ?? [])).joined(separator: "/")
            if let i = byDomain.firstIndex(where: { $0.0 == entity.domain }) {
                byDomain[i].1.append(label)
            } else {
                byDomain.append((entity.domain, [label]))
            }
        }
        lines += byDomain.map { "\($0.0): \($0.1.joined(separator: ", "))" }
        return lines.joined(separator: "\n")
    }

    /// A few commands with their lines, built from this home's own names so the examples name
    /// things the grammar allows; one per kind of command the home has, so that no single
    /// example dominates what a small model copies.
    static func examples(_ vocabulary: HomeVocabulary) -> [(String, String)] {
        var examples: [(String, String)] = []
        let home = vocabulary.home
        func line(_ name: String, _ slots: [String: SlotValue]) -> String {
            OutputSyntax.serialise(Intent(name: name, slots: slots))
        }
        func first(_ domain: String, _ index: Int = 0) -> Home.Entity? {
            let all = home.entities.filter { $0.domain == domain }
            return all.isEmpty ? nil : all[min(index, all.count - 1)]
        }
        func spoken(_ name: String) -> String { name.lowercased() }
        if let light = first("light"), vocabulary.entry("HassTurnOn") != nil {
            examples.append(("please switch on \(spoken(light.name))", line("HassTurnOn", ["name": .string(light.name)])))
        }
        if let area = home.entities.lazy.filter({ $0.domain == "light" }).compactMap({ vocabulary.area(of: $0) }).first {
            examples.append(("lights off in the \(spoken(area.name))",
                             line("HassTurnOff", ["area": .string(area.name), "domain": .string("light")])))
        }
        if let light = first("light", 1), vocabulary.entry("HassLightSet") != nil {
            examples.append(("\(spoken(light.name)) brightness to 40 percent",
                             line("HassLightSet", ["name": .string(light.name), "brightness": .number(40)])))
        }
        if let cover = first("cover") {
            examples.append(("close the \(spoken(cover.name))", line("HassTurnOff", ["name": .string(cover.name)])))
        }
        if let climate = first("climate") {
            examples.append(("\(spoken(climate.name)) to 21 degrees",
                             line("HassClimateSetTemperature", ["name": .string(climate.name), "temperature": .number(21)])))
        }
        if let player = first("media_player") {
            examples.append(("pause the \(spoken(player.name))", line("HassMediaPause", ["name": .string(player.name)])))
        }
        if let light = first("light") {
            examples.append(("is \(spoken(light.name)) on",
                             line("HassGetState", ["name": .string(light.name), "state": .string("on")])))
        }
        examples.append(("ten minute timer please", line("HassStartTimer", ["minutes": .number(10)])))
        examples.append(("we ran out of milk, put it on the shopping list",
                         line("HassShoppingListAddItem", ["item": .string("milk")])))
        examples.append(("who wrote hamlet", OutputSyntax.none))
        return examples
    }
}
