import Foundation
import Testing
import EdgeLLMImport
import EdgeLLMModelFile

/// Hugging Face folders saved by transformers (and one packed BitNet checkpoint built with
/// transformers' own pack_weights), read back as `SourceModel`s.
@Suite struct HuggingFaceModelTests {
    func check(_ model: HuggingFaceModel, against folder: String, tolerance: Float = 0) throws {
        let reference = try Reference(stem: Fixtures.hfPath("\(folder)/expected"))
        #expect(Set(model.tensorNames) == Set(reference.tensors.map(\.name)))
        for r in reference.tensors {
            #expect(try model.shape(of: r.name) == r.shape, "\(r.name)")
            let values = try model.loadFloat32(r.name)
            if tolerance == 0 {
                #expect(bitDifferences(values, r.values) == 0, "\(folder) \(r.name)")
            } else {
                expectClose(values, r.values, tolerance: tolerance, "\(folder) \(r.name)")
            }
        }
    }

    @Test func llamaF32Untied() throws {
        let model = try HuggingFaceModel(directory: Fixtures.hfPath("tiny-llama-f32"))
        let c = model.config
        #expect(c.architecture == .llama)
        #expect(c.name == "tiny-llama-f32")
        #expect(c.dim == 32)
        #expect(c.layerCount == 2)
        #expect(c.headCount == 4)
        #expect(c.kvHeadCount == 2)
        #expect(c.headDim == 8)
        #expect(c.ffnDim == 64)
        #expect(c.maxSequenceLength == 512)
        #expect(c.rmsNormEps == 1e-5)
        #expect(c.ropeTheta == 10000)
        #expect(c.ropeScaling == nil)
        #expect(c.tiedEmbeddings == false)
        // config.json's vocab_size (embedding rows) exceeds the 267 tokens: padding.
        #expect(c.vocabSize == 272)
        #expect(model.tokenizer.tokens.count <= c.vocabSize)
        #expect(model.tensorNames.contains("output.weight"))
        #expect(model.sourceDescription == "hf:tiny-llama-f32")
        try check(model, against: "tiny-llama-f32")
    }

    @Test func llamaF16TiedWithLlama3Scaling() throws {
        let model = try HuggingFaceModel(directory: Fixtures.hfPath("tiny-llama-f16"))
        let c = model.config
        #expect(c.tiedEmbeddings)
        #expect(!model.tensorNames.contains("output.weight"))
        #expect(c.ropeTheta == 500_000)
        #expect(c.maxSequenceLength == 131072)
        #expect(c.rmsNormEps == 1e-6)
        #expect(c.ropeScaling == .init(factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192))
        try check(model, against: "tiny-llama-f16")
    }

    @Test func qwen2BF16Sharded() throws {
        let dir = Fixtures.hfPath("tiny-qwen2-bf16")
        #expect(FileManager.default.fileExists(atPath: dir + "/model.safetensors.index.json"))
        let model = try HuggingFaceModel(directory: dir)
        let c = model.config
        #expect(c.architecture == .qwen2)
        #expect(c.ropeTheta == 1_000_000)
        #expect(c.maxSequenceLength == 32768)
        #expect(c.tiedEmbeddings)
        #expect(model.tensorNames.contains("blk.0.attn_q.bias"))
        #expect(model.tensorNames.contains("blk.1.attn_v.bias"))
        try check(model, against: "tiny-qwen2-bf16")
    }

    /// `tiny-bitnet` uses transformers' default BitLinear (divides by weight_scale),
    /// `tiny-bitnet-autobitlinear` AutoBitLinear (multiplies by it).
    @Test(arguments: ["tiny-bitnet", "tiny-bitnet-autobitlinear"])
    func bitnetPackedWeightsMatchTransformersLayers(folder: String) throws {
        let model = try HuggingFaceModel(directory: Fixtures.hfPath(folder))
        let c = model.config
        #expect(c.architecture == .bitnet)
        #expect(c.ropeTheta == 500_000)
        #expect(c.rmsNormEps == 1e-5)
        #expect(c.maxSequenceLength == 4096)
        #expect(c.tiedEmbeddings)
        #expect(model.tensorNames.contains("blk.0.attn_sub_norm.weight"))
        #expect(model.tensorNames.contains("blk.0.ffn_sub_norm.weight"))
        #expect(try model.shape(of: "blk.0.ffn_gate.weight") == [64, 32])
        #expect(try model.shape(of: "blk.0.ffn_down.weight") == [32, 64])
        // Expected values are transformers' BitLinear applied to the identity; it divides by the
        // scale in float32 through a slightly different route, so allow an ulp or two.
        try check(model, against: folder, tolerance: 1e-6)
        let q = try model.loadFloat32("blk.0.attn_q.weight")
        #expect(Set(q.map { $0 == 0 ? 0 : ($0 > 0 ? 1 : -1) }).isSuperset(of: [-1, 0, 1]))
        #expect(Set(q.map(abs)).count == 2) // zero and one magnitude: ternary times one scale
    }

    // MARK: bad folders

    @Test func missingConfigJSON() throws {
        let dir = try TemporaryDirectory()
        #expect(throws: ImportError("cannot read model '\(dir.url.path)': no config.json in the folder")) {
            try HuggingFaceModel(directory: dir.url.path)
        }
    }

    func folder(editing config: (inout [String: Any]) -> Void, in dir: TemporaryDirectory,
                from source: String = "tiny-llama-f32") throws -> String {
        let path = try dir.copy(folder: Fixtures.hfPath(source), as: "model")
        let url = URL(fileURLWithPath: path + "/config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        config(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        return path
    }

    @Test func chatTemplateFromItsOwnFile() throws {
        // transformers 4.47+ writes chat_template.jinja instead of a tokenizer_config.json key.
        let dir = try TemporaryDirectory()
        let path = try folder(editing: { _ in }, in: dir)
        let configURL = URL(fileURLWithPath: path + "/tokenizer_config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        let inConfig = json.removeValue(forKey: "chat_template") as? String
        try JSONSerialization.data(withJSONObject: json).write(to: configURL)
        #expect(try HuggingFaceModel(directory: path).tokenizer.chatTemplate == nil)
        let template = "{% for message in messages %}<|im_start|>{{ message['content'] }}{% endfor %}"
        try Data(template.utf8).write(to: URL(fileURLWithPath: path + "/chat_template.jinja"))
        #expect(try HuggingFaceModel(directory: path).tokenizer.chatTemplate == template)
        // Where tokenizer_config.json has one, it stays the one used.
        #expect(inConfig != nil)
        json["chat_template"] = inConfig
        try JSONSerialization.data(withJSONObject: json).write(to: configURL)
        #expect(try HuggingFaceModel(directory: path).tokenizer.chatTemplate == inConfig)
    }

    @Test func unsupportedArchitecture() throws {
        let dir = try TemporaryDirectory()
        let path = try folder(editing: { $0["model_type"] = "mistral"; $0["architectures"] = ["MistralForCausalLM"] }, in: dir)
        #expect(throws: ImportError("unsupported architecture 'mistral' (supported: llama, qwen2, bitnet)")) {
            try HuggingFaceModel(directory: path)
        }
    }

    @Test func configProblems() throws {
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("config.json has no hidden_size", { $0["hidden_size"] = nil }),
            ("config.json num_attention_heads is not a positive integer", { $0["num_attention_heads"] = "four" }),
            ("unsupported rope scaling 'yarn' in config.json (only llama3 is supported)",
             { $0["rope_parameters"] = ["rope_type": "yarn", "factor": 4.0, "rope_theta": 10000.0] }),
            ("unsupported quantization 'awq' in config.json (only unquantised or BitNet checkpoints)",
             { $0["quantization_config"] = ["quant_method": "awq"] }),
            ("unsupported activation 'gelu' for llama (expected silu)", { $0["hidden_act"] = "gelu" }),
            ("model.embed_tokens.weight has shape [272, 32], config.json says [300, 32]", { $0["vocab_size"] = 300 }),
        ]
        for (message, edit) in cases {
            let dir = try TemporaryDirectory()
            let path = try folder(editing: edit, in: dir)
            #expect(importError { _ = try HuggingFaceModel(directory: path) }?.description == message)
        }
    }

    @Test func olderConfigKeysRopeThetaAndRopeScaling() throws {
        // transformers 4 writes rope_theta and rope_scaling (with "type" in some versions).
        let dir = try TemporaryDirectory()
        let path = try folder(editing: {
            $0["rope_parameters"] = nil
            $0["rope_theta"] = 500000.0
            $0["rope_scaling"] = ["type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                  "high_freq_factor": 4.0, "original_max_position_embeddings": 8192]
            $0["head_dim"] = nil
            $0["num_key_value_heads"] = nil
        }, in: dir, from: "tiny-llama-f16")
        let c = try HuggingFaceModel(directory: path).config
        #expect(c.ropeTheta == 500_000)
        #expect(c.ropeScaling == .init(factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192))
        #expect(c.headDim == 8) // hidden_size / heads
        #expect(c.kvHeadCount == 4) // defaults to the head count
    }

    @Test func configJSONSyntaxVariants() throws {
        // A byte order mark, escapes, surrogate pairs, exponent spellings and odd whitespace.
        let dir = try TemporaryDirectory()
        let path = try dir.copy(folder: Fixtures.hfPath("tiny-llama-f32"), as: "model")
        let text = "\u{FEFF}{ \"architectures\" : [\"LlamaForCausalLM\"],\r\n\t\"model_type\":\"llama\",\n"
            + "\"_name_or_path\": \"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\/ \\n\",\n"
            + "\"hidden_size\": 32, \"intermediate_size\": 6.4E1, \"num_hidden_layers\": 2,"
            + "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"vocab_size\": 272,"
            + "\"rms_norm_eps\": 1E-5, \"rope_theta\": 1e4, \"tie_word_embeddings\": false,"
            + "\"max_position_embeddings\": 512, \"rope_scaling\": null, \"extra\": {\"a\": [1, -2.5e-3, true, null, {}]} }"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/config.json"))
        let c = try HuggingFaceModel(directory: path).config
        #expect(c.ffnDim == 64)
        #expect(c.rmsNormEps == 1e-5)
        #expect(c.ropeTheta == 10000)

        for bad in ["{\"hidden_size\": 32,}", "{\"a\": \"unterminated}", "[1, 2", "{} x", String(repeating: "[", count: 100_000)] {
            try Data(bad.utf8).write(to: URL(fileURLWithPath: path + "/config.json"))
            let e = importError { _ = try HuggingFaceModel(directory: path) }
            #expect(e?.description.hasPrefix("invalid JSON in config.json") == true, "\(e?.description ?? "nil")")
        }
    }

    @Test func tensorsTheForwardPassCannotUse() throws {
        // With one layer declared, the second layer's weights have nowhere to go.
        let dir = try TemporaryDirectory()
        let path = try folder(editing: { $0["num_hidden_layers"] = 1 }, in: dir)
        let e = importError { _ = try HuggingFaceModel(directory: path) }
        #expect(e?.description.hasPrefix("unsupported tensor 'model.layers.1.") == true, "\(e?.description ?? "nil")")
    }

    @Test func noWeights() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.copy(folder: Fixtures.hfPath("tiny-llama-f32"), as: "model")
        try FileManager.default.removeItem(atPath: path + "/model.safetensors")
        #expect(importError { _ = try HuggingFaceModel(directory: path) }?.description == "no safetensors weights in '\(path)'")
    }

    @Test func missingShard() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.copy(folder: Fixtures.hfPath("tiny-qwen2-bf16"), as: "model")
        try FileManager.default.removeItem(atPath: path + "/model-00002-of-00002.safetensors")
        #expect(importError { _ = try HuggingFaceModel(directory: path) }?.description
                == "weights file 'model-00002-of-00002.safetensors' is missing from '\(path)'")
    }

    @Test func damagedSafetensors() throws {
        let original = try readBytes(Fixtures.hfPath("tiny-llama-f32/model.safetensors"))
        let headerLength = Int(original[0]) | Int(original[1]) << 8 | Int(original[2]) << 16
        var cases: [([UInt8], String)] = [
            ([], "truncated safetensors file 'model.safetensors'"),
            (Array(original[..<(8 + headerLength / 2)]), "truncated safetensors file 'model.safetensors': header of"),
            (Array(original[..<(original.count - 100)]), "truncated safetensors file 'model.safetensors': data of"),
        ]
        var badJSON = original
        badJSON[8] = UInt8(ascii: "[")
        cases.append((badJSON, "invalid JSON in the header of 'model.safetensors'"))
        var hugeHeader = original
        hugeHeader[7] = 0x7f
        cases.append((hugeHeader, "truncated safetensors file 'model.safetensors': header of"))
        for (bytes, prefix) in cases {
            let dir = try TemporaryDirectory()
            let path = try dir.copy(folder: Fixtures.hfPath("tiny-llama-f32"), as: "model")
            try Data(bytes).write(to: URL(fileURLWithPath: path + "/model.safetensors"))
            let e = importError { _ = try HuggingFaceModel(directory: path) }
            #expect(e?.description.hasPrefix(prefix) == true, "\(e?.description ?? "nil") should start with \(prefix)")
        }
    }

    @Test func bitnetWithoutScales() throws {
        // Dropping quantization_config makes the packed U8 weights meaningless.
        let dir = try TemporaryDirectory()
        let path = try folder(editing: { $0["quantization_config"] = nil }, in: dir, from: "tiny-bitnet")
        #expect(importError { _ = try HuggingFaceModel(directory: path) }?.description.hasPrefix("unsupported safetensors dtype 'U8'") == true)
    }
}
