extension ArchitectureTraits {
    /// Qwen2 / Qwen2.5: Llama with biases on the Q, K and V projections.
    public static let qwen2 = ArchitectureTraits(
        attentionBias: true, attentionSubNorm: false, feedForwardSubNorm: false, activation: .swiglu)
}
