import EdgeLLMModelFile

/// A PEFT LoRA adapter folder (adapter_config.json, adapter_model.safetensors, as peft's
/// `save_pretrained` writes them), read and checked for what a plain merge can apply:
/// W + scale · B·A for each adapted block linear.
///
/// Anything that would make the plain merge compute another model than the adapter does (DoRA's
/// magnitudes, transposed weights, extra trained modules or biases, per-module ranks) is refused
/// rather than half applied.
public struct LoRAAdapter: Sendable {
    /// The two factors of one adapted linear: A is [rank, cols], B is [rows, rank].
    struct Pair: Sendable {
        var a: SafetensorsFile.Entry?
        var b: SafetensorsFile.Entry?
    }

    public let directory: String
    /// The folder name, for the recipe and source written into the converted file.
    public let name: String
    public let rank: Int
    /// lora_alpha / r, or lora_alpha / √r with rsLoRA.
    public let scale: Float
    /// Canonical names of the adapted tensors, sorted.
    public let targets: [String]

    private let file: SafetensorsFile
    private let pairs: [String: Pair]

    public init(directory: String) throws {
        self.directory = directory
        name = baseName(directory, dropping: "")
        guard isDirectory(directory) else {
            throw ImportError("cannot read LoRA adapter '\(directory)': " + (pathExists(directory)
                ? "expected a folder with adapter_config.json and adapter_model.safetensors" : "no such directory"))
        }
        let configPath = joinPath(directory, "adapter_config.json")
        guard isRegularFile(configPath) else {
            throw ImportError("cannot read LoRA adapter '\(directory)': no adapter_config.json in the folder")
        }
        let config = try JSONValue.parse(try readSmallFile(configPath), what: "adapter_config.json")
        guard config.object != nil else { throw ImportError("adapter_config.json is not a JSON object") }
        let peftType = config["peft_type"]?.string ?? "LORA"
        guard peftType == "LORA" else {
            throw ImportError("LoRA adapter '\(name)' has peft_type \(peftType): only LORA adapters can be merged")
        }
        for (key, why) in Self.refusedSettings where Self.isSet(config[key]) {
            throw ImportError("LoRA adapter '\(name)' sets \(key): \(why) is not supported")
        }
        if let bias = config["bias"], !bias.isNull, bias.string != "none" {
            throw ImportError("LoRA adapter '\(name)' has bias \(bias.string.map { "'\($0)'" } ?? "set"): only bias 'none' is supported")
        }
        guard let rank = config["r"]?.int, rank > 0 else {
            throw ImportError("adapter_config.json of '\(name)' has no positive integer r")
        }
        guard let alpha = config["lora_alpha"]?.double, alpha.isFinite else {
            throw ImportError("adapter_config.json of '\(name)' has no lora_alpha")
        }
        self.rank = rank
        scale = Float(config["use_rslora"]?.bool == true ? alpha / Double(rank).squareRoot() : alpha / Double(rank))

        let weightsPath = joinPath(directory, "adapter_model.safetensors")
        guard isRegularFile(weightsPath) else {
            let hasBin = isRegularFile(joinPath(directory, "adapter_model.bin"))
            throw ImportError("no adapter_model.safetensors in '\(directory)'" + (hasBin ? " (adapter_model.bin is not supported)" : ""))
        }
        file = try SafetensorsFile(path: weightsPath)

        var pairs: [String: Pair] = [:]
        for entry in file.entries {
            let (target, factor) = try Self.parse(entry.name, adapter: name)
            guard ["F32", "F16", "BF16"].contains(entry.dtype) else {
                throw ImportError("unsupported safetensors dtype '\(entry.dtype)' in \(entry.name)")
            }
            guard entry.shape.count == 2 else {
                throw ImportError("LoRA tensor '\(entry.name)' has shape \(entry.shape), expected a matrix")
            }
            var pair = pairs[target] ?? Pair()
            if factor == "A" {
                guard pair.a == nil else { throw ImportError("LoRA tensor '\(entry.name)' appears twice") }
                guard entry.shape[0] == rank else {
                    throw ImportError("LoRA tensor '\(entry.name)' has shape \(entry.shape), expected \(rank) rows (r)")
                }
                pair.a = entry
            } else {
                guard pair.b == nil else { throw ImportError("LoRA tensor '\(entry.name)' appears twice") }
                guard entry.shape[1] == rank else {
                    throw ImportError("LoRA tensor '\(entry.name)' has shape \(entry.shape), expected \(rank) columns (r)")
                }
                pair.b = entry
            }
            pairs[target] = pair
        }
        for (target, pair) in pairs where pair.a == nil || pair.b == nil {
            let (has, lacks) = pair.a == nil ? ("B", "A") : ("A", "B")
            throw ImportError("LoRA adapter '\(name)' has lora_\(has) but no lora_\(lacks) for \(target)")
        }
        guard !pairs.isEmpty else { throw ImportError("LoRA adapter '\(name)' has no lora_A/lora_B tensors") }
        self.pairs = pairs
        targets = pairs.keys.sorted()
    }

    /// Settings whose effect a plain W + scale·B·A merge would silently drop, with what to call them.
    private static let refusedSettings: [(String, String)] = [
        ("use_dora", "DoRA (weight-decomposed LoRA)"),
        ("fan_in_fan_out", "fan_in_fan_out (transposed Conv1D weights)"),
        ("modules_to_save", "training whole modules beside the adapter (modules_to_save)"),
        ("rank_pattern", "a rank per module (rank_pattern)"),
        ("alpha_pattern", "an alpha per module (alpha_pattern)"),
        ("lora_bias", "a trained bias on lora_B (lora_bias)"),
        ("trainable_token_indices", "trained embedding rows (trainable_token_indices)"),
        ("alora_invocation_tokens", "activated LoRA (alora_invocation_tokens)"),
        ("target_parameters", "LoRA on raw parameters (target_parameters)"),
        ("layer_replication", "layer replication"),
        ("use_qalora", "QA-LoRA"),
    ]

    /// Whether a config value turns a feature on: null, false and empty collections do not.
    private static func isSet(_ value: JSONValue?) -> Bool {
        switch value {
        case nil, .null?, .bool(false)?: return false
        case .array(let a)?: return !a.isEmpty
        case .object(let o)?: return !o.isEmpty
        case .string(let s)?: return !s.isEmpty
        default: return true
        }
    }

    /// `base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight` → (`blk.0.attn_q.weight`, "A").
    private static func parse(_ tensor: String, adapter: String) throws(ImportError) -> (String, String) {
        let prefix = "base_model.model."
        var module = Substring(tensor)
        if module.hasPrefix(prefix) { module = module.dropFirst(prefix.count) }
        let factor: String
        if module.hasSuffix(".lora_A.weight") {
            factor = "A"
        } else if module.hasSuffix(".lora_B.weight") {
            factor = "B"
        } else {
            throw ImportError("unexpected tensor '\(tensor)' in LoRA adapter '\(adapter)': only lora_A/lora_B weights can be merged")
        }
        let weightName = String(module.dropLast(".lora_A.weight".count)) + ".weight"
        guard let canonical = TensorNameMap.canonical(weightName) else {
            throw ImportError("LoRA adapter '\(adapter)' adapts '\(weightName)', which is not a weight of a supported model")
        }
        // Adapting the embedding or the head needs other arithmetic (and, when tied, a decision
        // about which of the two changes), so only the block linears are merged.
        guard TensorName.isBlockLinear(canonical) else {
            throw ImportError("LoRA adapter '\(adapter)' adapts '\(weightName)': only the blocks' linear layers (q/k/v/o/gate/up/down) are supported")
        }
        return (canonical, factor)
    }

    /// The factors of one target: A [rank, cols] and B [rows, rank], each as float32.
    func factors(_ target: String) throws(ImportError) -> (a: [Float], aShape: [Int], b: [Float], bShape: [Int])? {
        guard let pair = pairs[target], let a = pair.a, let b = pair.b else { return nil }
        return (try file.loadFloat32(a), a.shape, try file.loadFloat32(b), b.shape)
    }

    /// [rows, cols] of the update to a target, from the shapes of B and A.
    func updateShape(_ target: String) -> [Int]? {
        guard let pair = pairs[target], let a = pair.a, let b = pair.b else { return nil }
        return [b.shape[0], a.shape[1]]
    }
}
