import ArgumentParser
import EdgeLLMEngine

/// `edgellm tokenize`: text to token ids (no BOS).
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize", abstract: "Print the token ids of a text, space-separated (no BOS).")

    @Argument(help: "The model file (.tm2.bin).")
    var model: String

    @Argument(help: "The text.")
    var text: String

    @Flag(help: "Treat special tokens such as <|im_start|> as plain text.")
    var noSpecial = false

    func run() throws {
        let m = try LanguageModel(path: model)
        let ids = m.tokenizer.encode(text, parseSpecial: !noSpecial)
        StandardStreams.out(ids.map(String.init).joined(separator: " ") + "\n")
    }
}

/// `edgellm detokenize`: token ids to text.
struct DetokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detokenize", abstract: "Print the text of token ids.")

    @Argument(help: "The model file (.tm2.bin).")
    var model: String

    @Argument(help: "Token ids.")
    var ids: [Int32]

    func run() throws {
        let m = try LanguageModel(path: model)
        let vocab = m.config.vocabSize
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= vocab }) {
            throw ValidationError("token id \(bad) is outside the vocabulary (0..<\(vocab))")
        }
        StandardStreams.out(m.tokenizer.decode(ids) + "\n")
    }
}
