extension ArchitectureTraits {
    /// BitNet b1.58 (microsoft/bitnet-b1.58-2B-4T): squared-ReLU gated FFN and two extra
    /// RMSNorms ("sub-norms") that keep the int8-quantised inputs of the ternary projections in
    /// range. Activation quantisation itself follows the weight type: every ternary matmul takes
    /// per-token int8 activations.
    public static let bitnet = ArchitectureTraits(
        attentionBias: false, attentionSubNorm: true, feedForwardSubNorm: true, activation: .relu2)
}
