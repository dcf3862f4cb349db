/// Writes small GGUF files byte by byte, to make malformed and unusual files the fixtures do not
/// cover. Valid fixtures come from gguf-py instead.
struct GGUFBuilder {
    enum Value {
        case u32(UInt32)
        case f32(Float)
        case bool(Bool)
        case string(String)
        case strings([String])
        case i32s([Int32])
        /// A value type number followed by raw bytes, for malformed values.
        case raw(type: UInt32, bytes: [UInt8])
    }

    struct Tensor {
        var name: String
        var dims: [UInt64]
        var type: UInt32
        var data: [UInt8]
        /// Overrides the computed data offset.
        var offset: UInt64? = nil
    }

    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    var metadata: [(String, Value)] = []
    var tensors: [Tensor] = []
    var alignment = 32
    /// Overrides the counts written in the header.
    var tensorCountOverride: UInt64? = nil
    var kvCountOverride: UInt64? = nil

    /// A minimal valid llama model: 3 tokens, a [3 x 4] F32 embedding.
    static func minimalLlama(arch: String = "llama") -> GGUFBuilder {
        var b = GGUFBuilder()
        b.metadata = [
            ("general.architecture", .string(arch)),
            ("\(arch).context_length", .u32(16)),
            ("\(arch).embedding_length", .u32(4)),
            ("\(arch).block_count", .u32(1)),
            ("\(arch).feed_forward_length", .u32(8)),
            ("\(arch).attention.head_count", .u32(2)),
            ("\(arch).attention.head_count_kv", .u32(1)),
            ("\(arch).attention.layer_norm_rms_epsilon", .f32(1e-5)),
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.tokens", .strings(["a", "b", "c"])),
            ("tokenizer.ggml.merges", .strings([])),
            ("tokenizer.ggml.bos_token_id", .u32(0)),
            ("tokenizer.ggml.eos_token_id", .u32(1)),
        ]
        b.tensors = [Tensor(name: "token_embd.weight", dims: [4, 3], type: 0, data: f32Bytes((0..<12).map(Float.init)))]
        return b
    }

    static func f32Bytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { le($0.bitPattern) }
    }

    mutating func set(_ key: String, _ value: Value) {
        if let i = metadata.firstIndex(where: { $0.0 == key }) { metadata[i].1 = value } else { metadata.append((key, value)) }
    }

    mutating func remove(_ key: String) {
        metadata.removeAll { $0.0 == key }
    }

    func build() -> [UInt8] {
        var out = magic
        out += GGUFBuilder.le(version)
        out += GGUFBuilder.le(tensorCountOverride ?? UInt64(tensors.count))
        out += GGUFBuilder.le(kvCountOverride ?? UInt64(metadata.count))
        for (key, value) in metadata {
            out += GGUFBuilder.string(key)
            out += GGUFBuilder.encode(value)
        }
        var offsets: [UInt64] = []
        var next: UInt64 = 0
        for t in tensors {
            offsets.append(t.offset ?? next)
            next += UInt64((t.data.count + alignment - 1) / alignment * alignment)
        }
        for (t, offset) in zip(tensors, offsets) {
            out += GGUFBuilder.string(t.name)
            out += GGUFBuilder.le(UInt32(t.dims.count))
            for d in t.dims { out += GGUFBuilder.le(d) }
            out += GGUFBuilder.le(t.type)
            out += GGUFBuilder.le(offset)
        }
        while out.count % alignment != 0 { out.append(0) }
        for t in tensors {
            out += t.data
            while out.count % alignment != 0 { out.append(0) }
        }
        return out
    }

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        withUnsafeBytes(of: v.littleEndian) { Array($0) }
    }

    static func string(_ s: String) -> [UInt8] {
        le(UInt64(s.utf8.count)) + Array(s.utf8)
    }

    static func encode(_ v: Value) -> [UInt8] {
        switch v {
        case .u32(let x): return le(UInt32(4)) + le(x)
        case .f32(let x): return le(UInt32(6)) + le(x.bitPattern)
        case .bool(let x): return le(UInt32(7)) + [x ? 1 : 0]
        case .string(let s): return le(UInt32(8)) + string(s)
        case .strings(let a): return le(UInt32(9)) + le(UInt32(8)) + le(UInt64(a.count)) + a.flatMap(string)
        case .i32s(let a): return le(UInt32(9)) + le(UInt32(5)) + le(UInt64(a.count)) + a.flatMap { le($0) }
        case .raw(let type, let bytes): return le(type) + bytes
        }
    }
}
