/// The knobs of one generation, with the original EdgeLLM's defaults.
public struct GenerationParameters: Sendable, Equatable {
    public var maxTokens = 32
    public var temperature: Float = 0.7
    public var topP: Float = 0.9
    public var topK = 0
    public var seed: UInt64 = 0
    /// Stop at an end-of-generation token (EOS, <|im_end|>, ...).
    public var stopAtEndOfGeneration = true

    public init(maxTokens: Int = 32, temperature: Float = 0.7, topP: Float = 0.9, topK: Int = 0,
                seed: UInt64 = 0, stopAtEndOfGeneration: Bool = true) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.seed = seed
        self.stopAtEndOfGeneration = stopAtEndOfGeneration
    }
}
