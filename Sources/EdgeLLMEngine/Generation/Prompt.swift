import EdgeLLMTokenizer

/// Turns what a user typed into prompt tokens.
public enum Prompt {
    /// - No text: just BOS (unconditional generation, as the original EdgeLLM does).
    /// - Text: BOS (when the tokenizer asks for it) + the text's tokens.
    /// - Chat: the model's chat template around one user message, then the assistant's turn.
    public static func tokens(_ text: String?, chat: Bool, system: String? = nil,
                              tokenizer: BPETokenizer) throws(EngineError) -> [Int32] {
        let config = tokenizer.config
        var ids: [Int32] = []
        if chat {
            guard let template = ChatTemplate.detect(config) else {
                throw EngineError("this model has no chat template that EdgeLLM knows (ChatML or Llama 3); drop --chat")
            }
            var messages: [ChatMessage] = []
            if let system { messages.append(ChatMessage(role: "system", content: system)) }
            messages.append(ChatMessage(role: "user", content: text ?? ""))
            let rendered = template.render(messages, addGenerationPrompt: true,
                                           defaultSystemPrompt: ChatTemplate.defaultSystemPrompt(in: config))
            if config.addBOS, let bos = config.bosTokenID, !rendered.hasPrefix(config.tokens[Int(bos)]) {
                ids.append(bos)
            }
            ids += tokenizer.encode(rendered, parseSpecial: true)
            return ids
        }
        guard let text, !text.isEmpty else {
            guard let bos = config.bosTokenID ?? config.eosTokenID else {
                throw EngineError("this model has no BOS token to start from; give a prompt with -i")
            }
            return [bos]
        }
        if config.addBOS, let bos = config.bosTokenID { ids.append(bos) }
        ids += tokenizer.encode(text, parseSpecial: true)
        if ids.isEmpty { throw EngineError("the prompt encodes to no tokens") }
        return ids
    }
}
