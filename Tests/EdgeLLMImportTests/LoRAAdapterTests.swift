import Foundation
import Testing
import EdgeLLMImport
import EdgeLLMModelFile

/// A PEFT LoRA adapter (scripts/fixtures/make_lora_fixture.py, saved in float16) merged into
/// tiny-llama-tied, against peft's own merge_and_unload.
@Suite struct LoRAAdapterTests {
    static let models = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/models")
    static let basePath = models.appendingPathComponent("tiny-llama-tied").path
    static let adapterPath = models.appendingPathComponent("tiny-llama-lora/adapter").path

    struct MergedReference: Decodable {
        struct Tensor: Decodable { var shape: [Int]; var values: [Float] }
        var tensors: [String: Tensor]
    }

    static func merged(adapter: String = adapterPath) throws -> LoRAMergedModel {
        try LoRAMergedModel(base: try openSourceModel(path: basePath), adapter: try LoRAAdapter(directory: adapter))
    }

    /// max |a − b| / max |b|.
    static func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        var diff: Float = 0, scale: Float = 0
        for (x, y) in zip(a, b) {
            diff = max(diff, abs(x - y))
            scale = max(scale, abs(y))
        }
        return diff / scale
    }

    @Test func mergedTensorsEqualPeft() throws {
        let data = try Data(contentsOf: Self.models.appendingPathComponent("tiny-llama-lora/reference_lora.json"))
        let reference = try JSONDecoder().decode(MergedReference.self, from: data)
        let model = try Self.merged()
        let adapter = model.adapter
        #expect(adapter.rank == 4)
        #expect(adapter.scale == 2)
        #expect(adapter.targets.count == 3 * 7)
        #expect(reference.tensors.count == 3)
        let base = try openSourceModel(path: Self.basePath)
        for (hfName, expected) in reference.tensors {
            // model.layers.N.<module>.weight, as the canonical name map reads it.
            let canonical = try #require(Self.canonical(hfName))
            #expect(try model.shape(of: canonical) == expected.shape)
            let values = try model.loadFloat32(canonical)
            #expect(values.count == expected.values.count)
            #expect(Self.relativeError(values, expected.values) < 1e-5, "\(canonical)")
            // The update is not negligible: the merge really happened.
            #expect(Self.relativeError(try base.loadFloat32(canonical), expected.values) > 0.1, "\(canonical)")
        }
        // Everything not adapted is the base's, bit for bit.
        #expect(model.tensorNames == base.tensorNames)
        for name in [TensorName.tokenEmbedding, TensorName.outputNorm, TensorName.attnNorm(1)] {
            #expect(bitDifferences(try model.loadFloat32(name), try base.loadFloat32(name)) == 0, "\(name)")
        }
        #expect(model.sourceDescription == "hf:tiny-llama-tied + lora:adapter")
    }

    static func canonical(_ hfName: String) -> String? {
        let parts = hfName.split(separator: ".")
        guard parts.count == 6, let layer = Int(parts[2]) else { return nil }
        let map = ["q_proj": TensorName.attnQ(layer), "v_proj": TensorName.attnV(layer), "down_proj": TensorName.ffnDown(layer)]
        return map[String(parts[4])]
    }

    /// rsLoRA scales by alpha / √r (8 / 2) instead of alpha / r (8 / 4): twice the update here.
    @Test func rsLoRADoublesTheUpdate() throws {
        let dir = try TemporaryDirectory()
        let path = try Self.adapter(in: dir) { $0["use_rslora"] = true }
        let rs = try Self.merged(adapter: path)
        #expect(rs.adapter.scale == 4)
        let plain = try Self.merged()
        let base = try openSourceModel(path: Self.basePath)
        let name = TensorName.ffnUp(2)
        let w = try base.loadFloat32(name), a = try plain.loadFloat32(name), b = try rs.loadFloat32(name)
        let twice = zip(w, a).map { $0 + 2 * ($1 - $0) }
        #expect(Self.relativeError(b, twice) < 1e-5)
    }

    /// A copy of the fixture adapter with its config edited and, optionally, other tensors.
    static func adapter(in dir: TemporaryDirectory, name: String = "bad",
                        tensors: [(String, [Int])]? = nil,
                        config edit: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        let path = try dir.copy(folder: adapterPath, as: name)
        let configURL = URL(fileURLWithPath: path + "/adapter_config.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        if let tensors {
            try Data(safetensors(tensors)).write(to: URL(fileURLWithPath: path + "/adapter_model.safetensors"))
        }
        return path
    }

    /// A float32 safetensors file of the given names and shapes, filled with 0.01.
    static func safetensors(_ tensors: [(String, [Int])]) -> [UInt8] {
        var entries: [String] = []
        var data: [UInt8] = []
        for (name, shape) in tensors {
            let count = shape.reduce(1, *)
            entries.append("\"\(name)\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[\(data.count),\(data.count + 4 * count)]}")
            for _ in 0..<count { withUnsafeBytes(of: Float(0.01).bitPattern.littleEndian) { data += $0 } }
        }
        let header = Array("{\(entries.joined(separator: ","))}".utf8)
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out += $0 }
        return out + header + data
    }

    static func lora(_ module: String, a: [Int], b: [Int]) -> [(String, [Int])] {
        [("base_model.model.\(module).lora_A.weight", a), ("base_model.model.\(module).lora_B.weight", b)]
    }

    @Test func badAdaptersAreRefusedInOneLine() throws {
        let dir = try TemporaryDirectory()
        let missing = dir.url.appendingPathComponent("nothing").path
        try FileManager.default.createDirectory(atPath: missing, withIntermediateDirectories: true)
        #expect(importError { _ = try LoRAAdapter(directory: missing) }?.description
                == "cannot read LoRA adapter '\(missing)': no adapter_config.json in the folder")

        let cases: [(String, [(String, [Int])]?, (inout [String: Any]) -> Void, String)] = [
            ("dora", nil, { $0["use_dora"] = true },
             "LoRA adapter 'dora' sets use_dora: DoRA (weight-decomposed LoRA) is not supported"),
            ("fanin", nil, { $0["fan_in_fan_out"] = true },
             "LoRA adapter 'fanin' sets fan_in_fan_out: fan_in_fan_out (transposed Conv1D weights) is not supported"),
            ("saved", nil, { $0["modules_to_save"] = ["lm_head"] },
             "LoRA adapter 'saved' sets modules_to_save: training whole modules beside the adapter (modules_to_save) is not supported"),
            ("ranks", nil, { $0["rank_pattern"] = ["q_proj": 8] },
             "LoRA adapter 'ranks' sets rank_pattern: a rank per module (rank_pattern) is not supported"),
            ("bias", nil, { $0["bias"] = "all" },
             "LoRA adapter 'bias' has bias 'all': only bias 'none' is supported"),
            ("ia3", nil, { $0["peft_type"] = "IA3" },
             "LoRA adapter 'ia3' has peft_type IA3: only LORA adapters can be merged"),
            ("onlya", [("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", [4, 32])], { _ in },
             "LoRA adapter 'onlya' has lora_A but no lora_B for blk.0.attn_q.weight"),
            ("rank", Self.lora("model.layers.0.self_attn.q_proj", a: [8, 32], b: [32, 8]), { _ in },
             "LoRA tensor 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' has shape [8, 32], expected 4 rows (r)"),
            ("embed", [("base_model.model.model.embed_tokens.lora_embedding_A", [4, 320])], { _ in },
             "unexpected tensor 'base_model.model.model.embed_tokens.lora_embedding_A' in LoRA adapter 'embed': only lora_A/lora_B weights can be merged"),
            ("head", Self.lora("lm_head", a: [4, 32], b: [320, 4]), { _ in },
             "LoRA adapter 'head' adapts 'lm_head.weight': only the blocks' linear layers (q/k/v/o/gate/up/down) are supported"),
        ]
        for (name, tensors, edit, expected) in cases {
            let path = try Self.adapter(in: dir, name: name, tensors: tensors, config: edit)
            #expect(importError { _ = try LoRAAdapter(directory: path) }?.description == expected)
        }

        // Readable adapters that do not fit the base model.
        let base = try openSourceModel(path: Self.basePath)
        let fit: [(String, [(String, [Int])], String)] = [
            ("layer5", Self.lora("model.layers.5.self_attn.q_proj", a: [4, 32], b: [32, 4]),
             "LoRA adapter 'layer5' adapts blk.5.attn_q.weight, which hf:tiny-llama-tied does not have"),
            ("shape", Self.lora("model.layers.0.self_attn.k_proj", a: [4, 32], b: [32, 4]),
             "LoRA adapter 'shape' has an update of shape [32, 32] for blk.0.attn_k.weight, which has shape [16, 32] in hf:tiny-llama-tied"),
        ]
        for (name, tensors, expected) in fit {
            let path = try Self.adapter(in: dir, name: name, tensors: tensors)
            let adapter = try LoRAAdapter(directory: path)
            #expect(importError { _ = try LoRAMergedModel(base: base, adapter: adapter) }?.description == expected)
        }
    }

    /// The recipe and source of a converted file name the adapter.
    @Test func convertedFileNamesTheAdapter() throws {
        let dir = try TemporaryDirectory()
        let out = dir.url.appendingPathComponent("merged.tm2.bin").path
        try Converter.convert(try Self.merged(), to: out, options: ConversionOptions(weights: .q8_0))
        let file = try TM2File(path: out)
        #expect(file.metadata.optionalString(MetadataKey.recipe) == "weights=q8_0 embed=q8_0 head=q8_0 lora=adapter")
        #expect(file.metadata.optionalString(MetadataKey.source) == "hf:tiny-llama-tied + lora:adapter")
    }
}
