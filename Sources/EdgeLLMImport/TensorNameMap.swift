/// Hugging Face tensor names to canonical (GGUF) names, for the Llama-family layouts of
/// LlamaForCausalLM, Qwen2ForCausalLM and BitNetForCausalLM.
enum TensorNameMap {
    private static let global: [String: String] = [
        "model.embed_tokens.weight": "token_embd.weight",
        "model.norm.weight": "output_norm.weight",
        "lm_head.weight": "output.weight",
    ]

    private static let perLayer: [String: String] = [
        "self_attn.q_proj": "attn_q",
        "self_attn.k_proj": "attn_k",
        "self_attn.v_proj": "attn_v",
        "self_attn.o_proj": "attn_output",
        "self_attn.attn_sub_norm": "attn_sub_norm",
        "input_layernorm": "attn_norm",
        "post_attention_layernorm": "ffn_norm",
        "mlp.gate_proj": "ffn_gate",
        "mlp.up_proj": "ffn_up",
        "mlp.down_proj": "ffn_down",
        "mlp.ffn_sub_norm": "ffn_sub_norm",
    ]

    /// Buffers some checkpoints carry that the forward pass recomputes.
    static func isIgnored(_ hfName: String) -> Bool {
        hfName.hasSuffix(".rotary_emb.inv_freq") || hfName == "model.rotary_emb.inv_freq"
    }

    /// The canonical name, or nil for a name that is not a weight of these architectures.
    static func canonical(_ hfName: String) -> String? {
        if let g = global[hfName] { return g }
        let prefix = "model.layers."
        guard hfName.hasPrefix(prefix) else { return nil }
        let rest = hfName.dropFirst(prefix.count)
        guard let dot = rest.firstIndex(of: "."), let layer = Int(rest[..<dot]), layer >= 0,
              String(layer) == rest[..<dot] else { return nil }
        let inner = rest[rest.index(after: dot)...]
        guard let lastDot = inner.lastIndex(of: ".") else { return nil }
        let module = String(inner[..<lastDot])
        let param = inner[inner.index(after: lastDot)...]
        guard param == "weight" || param == "bias", let mapped = perLayer[module] else { return nil }
        return "blk.\(layer).\(mapped).\(param)"
    }

    private static let blockWeights: Set<String> = [
        "attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "attn_sub_norm",
        "ffn_norm", "ffn_gate", "ffn_up", "ffn_down", "ffn_sub_norm",
    ]
    private static let blockBiases: Set<String> = ["attn_q", "attn_k", "attn_v"]

    /// Whether the forward pass has a place for a canonical tensor. Anything else (an output
    /// projection bias, MLP biases, a layer beyond the count) would be dropped by the converter
    /// and silently change the model, so readers refuse it.
    static func isSupported(canonical name: String, layerCount: Int) -> Bool {
        if ["token_embd.weight", "output_norm.weight", "output.weight"].contains(name) { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "blk", let layer = Int(parts[1]), String(layer) == parts[1],
              (0..<layerCount).contains(layer) else { return false }
        let module = String(parts[2])
        switch parts[3] {
        case "weight": return blockWeights.contains(module)
        case "bias": return blockBiases.contains(module)
        default: return false
        }
    }
}
