import EdgeLLMModelFile

/// What distinguishes the architectures of the Llama family inside one transformer block.
/// Each architecture's file (Llama.swift, Qwen2.swift, BitNet.swift) gives its traits.
public struct ArchitectureTraits: Sendable {
    public enum FeedForwardActivation: Sendable { case swiglu, relu2 }
    /// Q, K and V projections carry biases.
    public var attentionBias: Bool
    /// An RMSNorm on the attention output before the output projection.
    public var attentionSubNorm: Bool
    /// An RMSNorm on the gated hidden state before the down projection.
    public var feedForwardSubNorm: Bool
    public var activation: FeedForwardActivation

    public static func of(_ architecture: ModelConfig.Architecture) -> ArchitectureTraits {
        switch architecture {
        case .llama: .llama
        case .qwen2: .qwen2
        case .bitnet: .bitnet
        }
    }
}
