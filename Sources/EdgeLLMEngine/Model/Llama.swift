extension ArchitectureTraits {
    /// Llama 2/3, SmolLM, SmolLM2: pre-norm blocks, grouped-query attention, SwiGLU.
    public static let llama = ArchitectureTraits(
        attentionBias: false, attentionSubNorm: false, feedForwardSubNorm: false, activation: .swiglu)
}
