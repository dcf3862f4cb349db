import EdgeLLMTokenizer

/// Generates text for a prompt and streams it as complete UTF-8 pieces.
public struct TextGenerator {
    public let session: Session

    public init(session: Session) { self.session = session }

    /// Runs one generation from the session's current position; `onText` receives each new piece
    /// of text as soon as it forms whole characters. Returns the tokens and the cost.
    @discardableResult
    public func generate(prompt: [Int32], parameters: GenerationParameters, extraProcessors: [any LogitProcessor] = [],
                         onText: (String) -> Void = { _ in }) throws(EngineError) -> (tokens: [Int32], stats: GenerationStats) {
        var iterator = try TokenIterator(session: session, prompt: prompt, parameters: parameters,
                                         extraProcessors: extraProcessors)
        var detokenizer = StreamingDetokenizer(tokenizer: session.model.tokenizer)
        var tokens: [Int32] = []
        tokens.reserveCapacity(parameters.maxTokens)
        while let token = iterator.next() {
            tokens.append(token)
            let piece = detokenizer.append(token)
            if !piece.isEmpty { onText(piece) }
        }
        let rest = detokenizer.flush()
        if !rest.isEmpty { onText(rest) }
        return (tokens, iterator.stats)
    }
}
