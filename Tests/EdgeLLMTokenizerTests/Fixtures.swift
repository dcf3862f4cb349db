import EdgeLLMTokenizer
import Foundation

/// The committed reference data in Tests/Fixtures/tokenizer, written by
/// scripts/fixtures/make_tokenizer_fixtures.py from Hugging Face `tokenizers`.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tokenizer")

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(relativePath)))
    }

    struct Case: Decodable {
        let text: String
        let ids: [String: [Int32]]
        /// The pre-tokenizer's pieces as raw text.
        let pieces: [String: [String]]
        /// Present where reading special tokens as plain text changes the ids.
        let smollmNoSpecial: [Int32]?
    }

    struct Message: Decodable {
        let role: String
        let content: String
    }

    struct Chat: Decodable {
        let messages: [Message]
        let addGenerationPrompt: Bool
        let rendered: String
        let ids: [Int32]
    }

    private static let loadedCases = Result { try JSONDecoder().decode([Case].self, from: Data(bytes("cases.json"))) }
    private static let loadedChats = Result {
        try JSONDecoder().decode([String: [Chat]].self, from: Data(bytes("chat.json")))
    }
    private static let loadedConfig = Result {
        try TokenizerConfig(tokenizerJSON: bytes("smollm2/tokenizer.json"),
                            tokenizerConfigJSON: bytes("smollm2/tokenizer_config.json"))
    }
    private static let loadedTokenizers = Result {
        let config = try loadedConfig.get()
        var tokenizers: [TokenizerConfig.PreTokenizer: BPETokenizer] = [:]
        for preTokenizer in TokenizerConfig.PreTokenizer.allCases {
            var variant = config
            variant.preTokenizer = preTokenizer
            variant.ignoreMerges = nil  // the family default, as the fixture generator chose it
            tokenizers[preTokenizer] = try BPETokenizer(variant)
        }
        return tokenizers
    }

    static func cases() throws -> [Case] { try loadedCases.get() }
    static func chats(_ model: String) throws -> [Chat] { try loadedChats.get()[model] ?? [] }
    static func smolConfig() throws -> TokenizerConfig { try loadedConfig.get() }

    static func tokenizer(_ preTokenizer: TokenizerConfig.PreTokenizer = .smollm) throws -> BPETokenizer {
        try loadedTokenizers.get()[preTokenizer]!
    }
}

/// A deterministic generator so that property tests fail the same way every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
