import EdgeLLMModelFile
import EdgeLLMTokenizer

/// A model file opened for generation: its configuration, tokenizer and forward pass.
public final class LanguageModel: @unchecked Sendable {
    public let file: TM2File
    public let config: ModelConfig
    public let tokenizer: BPETokenizer
    /// How the file was made (`edgellm convert`'s recipe).
    public let recipe: String?

    public init(path: String) throws(ModelFileError) {
        let file = try TM2File(path: path)
        self.file = file
        config = try ModelConfig(metadata: file.metadata)
        let tokenizerConfig = try TokenizerConfig(metadata: file.metadata)
        guard tokenizerConfig.tokens.count <= config.vocabSize else {
            throw ModelFileError("Invalid model format: \(tokenizerConfig.tokens.count) tokens but vocab_size \(config.vocabSize)")
        }
        do {
            tokenizer = try BPETokenizer(tokenizerConfig)
        } catch {
            throw ModelFileError("Invalid model format: tokenizer: \(error)")
        }
        // The merges now live in the tokenizer's merge table and the token types in its config (a
        // byte each): the metadata's copies (~49k strings, 4 bytes a type) would only take memory.
        file.discardMetadata(["tokenizer.merges", "tokenizer.token_types"])
        // Likewise the mapped header and metadata (the tokenizer's strings, ~1.7 MiB): parsed and
        // copied, so their pages need not stay resident.
        file.mapping.release(before: file.tensorDataOffset)
        recipe = file.metadata.optionalString(MetadataKey.recipe)
    }

    /// Builds the forward pass and checks every tensor against the configuration.
    public func makeTransformer(maxBatch: Int = 32, maxContext: Int) throws(ModelFileError) -> Transformer {
        try Transformer(file: file, config: config, maxBatch: maxBatch, maxContext: maxContext)
    }
}
