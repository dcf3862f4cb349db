/// Canonical tensor names inside a TM2 file. They follow GGUF's names, but the weights are in
/// Hugging Face layout: Q and K rows are *not* permuted for interleaved RoPE, because the engine
/// applies RoPE in the "rotate half" pairing for every architecture.
public enum TensorName {
    public static let tokenEmbedding = "token_embd.weight"
    public static let outputNorm = "output_norm.weight"
    public static let output = "output.weight"

    public static func attnNorm(_ layer: Int) -> String { "blk.\(layer).attn_norm.weight" }
    public static func attnQ(_ layer: Int) -> String { "blk.\(layer).attn_q.weight" }
    public static func attnK(_ layer: Int) -> String { "blk.\(layer).attn_k.weight" }
    public static func attnV(_ layer: Int) -> String { "blk.\(layer).attn_v.weight" }
    public static func attnQBias(_ layer: Int) -> String { "blk.\(layer).attn_q.bias" }
    public static func attnKBias(_ layer: Int) -> String { "blk.\(layer).attn_k.bias" }
    public static func attnVBias(_ layer: Int) -> String { "blk.\(layer).attn_v.bias" }
    public static func attnOutput(_ layer: Int) -> String { "blk.\(layer).attn_output.weight" }
    public static func attnSubNorm(_ layer: Int) -> String { "blk.\(layer).attn_sub_norm.weight" }
    public static func ffnNorm(_ layer: Int) -> String { "blk.\(layer).ffn_norm.weight" }
    public static func ffnGate(_ layer: Int) -> String { "blk.\(layer).ffn_gate.weight" }
    public static func ffnUp(_ layer: Int) -> String { "blk.\(layer).ffn_up.weight" }
    public static func ffnDown(_ layer: Int) -> String { "blk.\(layer).ffn_down.weight" }
    public static func ffnSubNorm(_ layer: Int) -> String { "blk.\(layer).ffn_sub_norm.weight" }

    /// The linear layers of the transformer blocks: the ones that become ternary by default.
    public static func isBlockLinear(_ name: String) -> Bool {
        guard name.hasPrefix("blk."), name.hasSuffix(".weight") else { return false }
        return ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"]
            .contains { name.hasSuffix(".\($0).weight") }
    }
}
