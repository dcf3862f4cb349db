import EdgeLLMModelFile
import EdgeLLMTokenizer

/// A Hugging Face model folder (config.json, tokenizer.json, safetensors weights, possibly
/// sharded) presented as a `SourceModel`. Hugging Face layout is the canonical layout, so
/// tensors are only renamed and widened to float32 (or, for packed BitNet checkpoints, unpacked).
public final class HuggingFaceModel: SourceModel, Sendable {
    public let directory: String
    public let sourceDescription: String
    public let config: ModelConfig
    public let tokenizer: TokenizerConfig
    public let tensorNames: [String]

    private struct Source: Sendable {
        let file: Int
        let entry: SafetensorsFile.Entry
        /// For packed BitNet weights: the scalar scale and whether it divides.
        let bitnet: (scale: Float, divide: Bool)?
        let shape: [Int]
    }

    private let files: [SafetensorsFile]
    private let sources: [String: Source]

    public init(directory: String) throws {
        self.directory = directory
        let folder = baseName(directory, dropping: "")
        let configPath = joinPath(directory, "config.json")
        guard isRegularFile(configPath) else {
            throw ImportError("cannot read model '\(directory)': no config.json in the folder")
        }
        let json = try JSONValue.parse(try readSmallFile(configPath), what: "config.json")
        var hf = try HuggingFaceConfig(json: json, name: folder)

        files = try Self.openWeights(directory)

        var sources: [String: Source] = [:]
        var scales: [String: (file: Int, entry: SafetensorsFile.Entry)] = [:]
        var packed: [String: (file: Int, entry: SafetensorsFile.Entry)] = [:]
        for (fileIndex, file) in files.enumerated() {
            for entry in file.entries {
                if TensorNameMap.isIgnored(entry.name) { continue }
                if entry.name.hasSuffix(".weight_scale") {
                    let weightName = String(entry.name.dropLast(".weight_scale".count)) + ".weight"
                    guard let canonical = TensorNameMap.canonical(weightName) else {
                        throw ImportError("unexpected tensor '\(entry.name)' in \(baseName(file.path, dropping: ""))")
                    }
                    scales[canonical] = (fileIndex, entry)
                    continue
                }
                guard let canonical = TensorNameMap.canonical(entry.name),
                      TensorNameMap.isSupported(canonical: canonical, layerCount: hf.model.layerCount) else {
                    throw ImportError("unsupported tensor '\(entry.name)' in \(baseName(file.path, dropping: "")): the \(hf.model.architecture.rawValue) forward pass has no place for it")
                }
                guard sources[canonical] == nil, packed[canonical] == nil else {
                    throw ImportError("tensor '\(entry.name)' appears twice in the safetensors files")
                }
                switch entry.dtype {
                case "F32", "F16", "BF16":
                    sources[canonical] = Source(file: fileIndex, entry: entry, bitnet: nil, shape: entry.shape)
                case "U8" where hf.bitnetScale != nil && entry.shape.count == 2:
                    packed[canonical] = (fileIndex, entry)
                default:
                    throw ImportError("unsupported safetensors dtype '\(entry.dtype)' in \(entry.name)")
                }
            }
        }
        for (canonical, p) in packed {
            guard let s = scales.removeValue(forKey: canonical) else {
                throw ImportError("packed BitNet weight '\(p.entry.name)' has no weight_scale")
            }
            let values = try files[s.file].loadFloat32(s.entry)
            guard values.count == 1, let scale = values.first, scale.isFinite, scale != 0 else {
                throw ImportError("weight_scale of '\(p.entry.name)' must be one non-zero number")
            }
            let shape = [p.entry.shape[0] * 4, p.entry.shape[1]]
            sources[canonical] = Source(file: p.file, entry: p.entry,
                                        bitnet: (scale, hf.bitnetScale == .divide), shape: shape)
        }
        if let stray = scales.first {
            throw ImportError("weight_scale for '\(stray.key)' belongs to no packed BitNet weight")
        }

        guard let embedding = sources[TensorName.tokenEmbedding] else {
            throw ImportError("no model.embed_tokens.weight in the safetensors files")
        }
        guard embedding.shape == [hf.model.vocabSize, hf.model.dim] else {
            throw ImportError("model.embed_tokens.weight has shape \(embedding.shape), config.json says [\(hf.model.vocabSize), \(hf.model.dim)]")
        }
        let hasHead = sources[TensorName.output] != nil
        let tied = hf.tieWordEmbeddings ?? !hasHead
        if !tied && !hasHead {
            throw ImportError("config.json says tie_word_embeddings is false but there is no lm_head.weight")
        }
        // A tied head is the embedding; a stored copy of it would only be converted twice.
        if tied { sources[TensorName.output] = nil }
        hf.model.tiedEmbeddings = tied

        let tokenizer = try Self.readTokenizer(directory)
        guard tokenizer.tokens.count <= hf.model.vocabSize else {
            throw ImportError("tokenizer has \(tokenizer.tokens.count) tokens but config.json vocab_size is \(hf.model.vocabSize)")
        }

        self.sources = sources
        self.tokenizer = tokenizer
        config = hf.model
        sourceDescription = "hf:\(folder)"
        // Checkpoint order (file, then offset) keeps reads sequential during conversion.
        tensorNames = sources.sorted { ($0.value.file, $0.value.entry.offset) < ($1.value.file, $1.value.entry.offset) }
            .map(\.key)
    }

    /// The safetensors files of the folder: those named by the shard index, else
    /// model.safetensors, else every *.safetensors file.
    private static func openWeights(_ directory: String) throws(ImportError) -> [SafetensorsFile] {
        let indexPath = joinPath(directory, "model.safetensors.index.json")
        var names: [String] = []
        if isRegularFile(indexPath) {
            let index = try JSONValue.parse(try readSmallFile(indexPath), what: "model.safetensors.index.json")
            guard let map = index["weight_map"]?.object else {
                throw ImportError("model.safetensors.index.json has no weight_map")
            }
            var seen = Set<String>()
            for value in map.values {
                guard let file = value.string, !file.contains("/"), !file.hasPrefix(".") else {
                    throw ImportError("model.safetensors.index.json names an invalid file")
                }
                if seen.insert(file).inserted { names.append(file) }
            }
            names.sort()
        } else if isRegularFile(joinPath(directory, "model.safetensors")) {
            names = ["model.safetensors"]
        } else {
            names = try directoryEntries(directory).filter { $0.hasSuffix(".safetensors") }
        }
        guard !names.isEmpty else {
            let hasBin = isRegularFile(joinPath(directory, "pytorch_model.bin"))
            throw ImportError("no safetensors weights in '\(directory)'" + (hasBin ? " (pytorch_model.bin is not supported)" : ""))
        }
        var files: [SafetensorsFile] = []
        for name in names {
            let path = joinPath(directory, name)
            guard isRegularFile(path) else { throw ImportError("weights file '\(name)' is missing from '\(directory)'") }
            files.append(try SafetensorsFile(path: path))
        }
        return files
    }

    private static func readTokenizer(_ directory: String) throws(ImportError) -> TokenizerConfig {
        let path = joinPath(directory, "tokenizer.json")
        guard isRegularFile(path) else {
            throw ImportError("no tokenizer.json in '\(directory)' (only fast-tokenizer folders are supported)")
        }
        let tokenizerJSON = try readSmallFile(path)
        let configPath = joinPath(directory, "tokenizer_config.json")
        let configJSON = isRegularFile(configPath) ? try readSmallFile(configPath) : nil
        do {
            var config = try TokenizerConfig(tokenizerJSON: tokenizerJSON, tokenizerConfigJSON: configJSON)
            // transformers 4.47+ saves the template beside tokenizer_config.json, not in it.
            let templatePath = joinPath(directory, "chat_template.jinja")
            if config.chatTemplate == nil, isRegularFile(templatePath) {
                config.chatTemplate = String(decoding: try readSmallFile(templatePath), as: UTF8.self)
            }
            return config
        } catch let e as ImportError {
            throw e
        } catch {
            throw ImportError("cannot read tokenizer.json: \(error)")
        }
    }

    private func source(_ name: String) throws(ImportError) -> Source {
        guard let s = sources[name] else { throw ImportError("no tensor '\(name)' in \(sourceDescription)") }
        return s
    }

    public func shape(of name: String) throws -> [Int] {
        try source(name).shape
    }

    public func loadFloat32(_ name: String) throws -> [Float] {
        let s = try source(name)
        let file = files[s.file]
        if let b = s.bitnet {
            return unpackBitNetWeights(file.data(of: s.entry), packedRows: s.entry.shape[0],
                                       cols: s.entry.shape[1], scale: b.scale, divide: b.divide)
        }
        return try file.loadFloat32(s.entry)
    }
}
