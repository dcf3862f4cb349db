/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Built-in renderings of the chat formats we support, instead of a Jinja interpreter: published
/// templates are detected by their markers and reproduced exactly for the cases models use.
public enum ChatTemplate: String, Sendable {
    /// `<|im_start|>role\ncontent<|im_end|>\n` (SmolLM2, Qwen2).
    case chatml
    /// Meta Llama 3 Instruct: `<|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>`.
    case llama3

    /// Picks the template from the model's Jinja chat template text and vocabulary (e.g. presence
    /// of <|im_start|> or <|start_header_id|>); nil when none fits.
    public static func detect(_ config: TokenizerConfig) -> ChatTemplate? {
        if let template = config.chatTemplate {
            if template.contains("<|im_start|>") { return .chatml }
            if template.contains("<|start_header_id|>") { return .llama3 }
            return nil
        }
        let tokens = Set(config.tokens)
        if tokens.contains("<|im_start|>"), tokens.contains("<|im_end|>") { return .chatml }
        if tokens.contains("<|start_header_id|>"), tokens.contains("<|eot_id|>") { return .llama3 }
        return nil
    }

    /// The prompt text for `messages`; encode it with special-token parsing on.
    ///
    /// `defaultSystemPrompt` is inserted as a system turn when the conversation has none, as
    /// SmolLM2's template does. The llama3 text starts with `<|begin_of_text|>` (like
    /// `apply_chat_template`), so no BOS should be added when encoding it.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool, defaultSystemPrompt: String?) -> String {
        var turns = messages
        if let system = defaultSystemPrompt, let first = turns.first, first.role != "system" {
            turns.insert(ChatMessage(role: "system", content: system), at: 0)
        }
        var text = ""
        switch self {
        case .chatml:
            for turn in turns {
                text += "<|im_start|>\(turn.role)\n\(turn.content)<|im_end|>\n"
            }
            if addGenerationPrompt { text += "<|im_start|>assistant\n" }
        case .llama3:
            text = "<|begin_of_text|>"
            for turn in turns {
                // Meta's template applies Jinja's `trim` to every message.
                text += "<|start_header_id|>\(turn.role)<|end_header_id|>\n\n\(Self.trimmed(turn.content))<|eot_id|>"
            }
            if addGenerationPrompt { text += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        }
        return text
    }

    /// The default system prompt the model's own template inserts when none is given (SmolLM2's
    /// inserts "You are a helpful AI assistant named SmolLM, trained by Hugging Face"), read from
    /// the literal system turn in the Jinja text; nil when the template has none.
    public static func defaultSystemPrompt(in config: TokenizerConfig) -> String? {
        guard let template = config.chatTemplate else { return nil }
        let opening = Array("<|im_start|>system".unicodeScalars)
        let scalars = Array(template.unicodeScalars)
        var searchFrom = 0
        while let found = firstIndex(of: opening, in: scalars, from: searchFrom) {
            searchFrom = found + opening.count
            let quote = found > 0 && (scalars[found - 1] == "'" || scalars[found - 1] == "\"")
                ? scalars[found - 1] : nil
            guard let turn = literalText(scalars, from: searchFrom, quote: quote) else { continue }
            guard turn.first == "\n", let end = turn.firstRange(of: "<|im_end|>") else { continue }
            let prompt = String(turn[turn.index(after: turn.startIndex)..<end.lowerBound])
            if !prompt.isEmpty { return prompt }
        }
        return nil
    }

    /// The text a template writes literally from `start`: inside a Jinja string literal up to its
    /// closing quote (escapes resolved), or as raw template text up to the next `{{` or `{%`.
    private static func literalText(_ scalars: [Unicode.Scalar], from start: Int, quote: Unicode.Scalar?) -> String? {
        var text = String.UnicodeScalarView()
        var index = start
        while index < scalars.count {
            let scalar = scalars[index]
            if let quote {
                if scalar == quote { return String(text) }
                if scalar == "\\", index + 1 < scalars.count {
                    index += 1
                    switch scalars[index] {
                    case "n": text.append("\n")
                    case "t": text.append("\t")
                    case "r": text.append("\r")
                    default: text.append(scalars[index])
                    }
                    index += 1
                    continue
                }
            } else if scalar == "{", index + 1 < scalars.count, scalars[index + 1] == "{" || scalars[index + 1] == "%" {
                return String(text)
            }
            text.append(scalar)
            index += 1
        }
        return quote == nil ? String(text) : nil
    }

    private static func firstIndex(of needle: [Unicode.Scalar], in haystack: [Unicode.Scalar], from start: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }

    // Jinja's trim is Python's str.strip(): whitespace at both ends.
    private static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
