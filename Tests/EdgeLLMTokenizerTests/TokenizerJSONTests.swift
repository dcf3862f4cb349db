import EdgeLLMTokenizer
import Foundation
import Testing

@Suite struct TokenizerJSONTests {
    /// A minimal byte-level tokenizer.json: vocabulary a b c bc abc, the one merge "b c".
    private func tokenizerJSON(preTokenizer: String = #"{"type":"ByteLevel","add_prefix_space":false,"use_regex":true}"#,
                               model: String? = nil, extra: String = "") -> [UInt8] {
        let model = model ?? #"{"type":"BPE","vocab":{"a":0,"b":1,"c":2,"bc":3,"abc":4},"merges":["b c"]}"#
        return Array(#"{"added_tokens":[{"id":5,"content":"<|eot_id|>","special":true}],"#.utf8)
            + Array(#""normalizer":null,"pre_tokenizer":\#(preTokenizer),"model":\#(model)\#(extra)}"#.utf8)
    }

    @Test func readsMergesWrittenAsStrings() throws {
        let config = try TokenizerConfig(tokenizerJSON: tokenizerJSON(), tokenizerConfigJSON: nil)
        #expect(config.tokens == ["a", "b", "c", "bc", "abc", "<|eot_id|>"])
        #expect(config.merges == ["b c"])
        #expect(config.tokenTypes.last == .control)
        let tokenizer = try BPETokenizer(config)
        #expect(tokenizer.encode("abc") == [0, 3])
        #expect(tokenizer.encode("abc<|eot_id|>") == [0, 3, 5])
        #expect(tokenizer.isEndOfGeneration(5))
    }

    /// Llama 3's ignore_merges: a pre-token found whole in the vocabulary is not merged.
    @Test func ignoreMergesTakesWholeWords() throws {
        var config = try TokenizerConfig(tokenizerJSON: tokenizerJSON(), tokenizerConfigJSON: nil)
        #expect(config.ignoreMerges == false)
        config.ignoreMerges = true
        #expect(try BPETokenizer(config).encode("abc") == [4])
        config.ignoreMerges = nil
        config.preTokenizer = .llama3
        #expect(try BPETokenizer(config).encode("abc") == [4])
        config.preTokenizer = .qwen2
        #expect(try BPETokenizer(config).encode("abc") == [0, 3])
    }

    @Test(arguments: TokenizerConfig.PreTokenizer.allCases)
    func recognisesPreTokenizerTrees(_ expected: TokenizerConfig.PreTokenizer) throws {
        let tree = String(decoding: try Fixtures.bytes("pretokenizers/\(expected.rawValue).json"), as: UTF8.self)
        let config = try TokenizerConfig(tokenizerJSON: tokenizerJSON(preTokenizer: tree), tokenizerConfigJSON: nil)
        #expect(config.preTokenizer == expected)
    }

    @Test func bosFromPostProcessorTemplate() throws {
        let model = #"{"type":"BPE","vocab":{"a":0,"<|begin_of_text|>":6},"merges":[],"ignore_merges":true}"#
        let processor = #","post_processor":{"type":"Sequence","processors":[{"type":"ByteLevel"},{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<|begin_of_text|>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}]}]}"#
        let config = try TokenizerConfig(tokenizerJSON: tokenizerJSON(model: model, extra: processor),
                                         tokenizerConfigJSON: Array(#"{"eos_token":{"content":"<|eot_id|>"},"chat_template":[{"name":"tool_use","template":"x"},{"name":"default","template":"y"}]}"#.utf8))
        #expect(config.bosTokenID == 6)
        #expect(config.addBOS)
        #expect(config.eosTokenID == 5)
        #expect(config.ignoreMerges == true)
        #expect(config.chatTemplate == "y")
        #expect(config.tokens[1] == "" && config.tokenTypes[1] == .unused)
        let tokenizer = try BPETokenizer(config)
        #expect(tokenizer.tokenID(for: "") == nil)
        // Listed in the vocabulary but not under added_tokens, so it is plain text, as in HF (and
        // this tiny vocabulary has tokens for none of its characters).
        #expect(tokenizer.encode("<|begin_of_text|>a") == [0])
        #expect(tokenizer.encode("<|eot_id|>a") == [5, 0])
    }

    @Test(arguments: [
        ("not JSON", Array("{".utf8)),
        ("empty", []),
        ("array", Array("[]".utf8)),
        ("no model", Array(#"{"added_tokens":[]}"#.utf8)),
        ("Unigram", Array(#"{"model":{"type":"Unigram","vocab":[["a",0.0]]}}"#.utf8)),
        ("vocab not an object", Array(#"{"model":{"type":"BPE","vocab":[1,2],"merges":[]}}"#.utf8)),
        ("negative id", Array(#"{"model":{"type":"BPE","vocab":{"a":-1},"merges":[]},"pre_tokenizer":{"type":"ByteLevel"}}"#.utf8)),
        ("huge id", Array(#"{"model":{"type":"BPE","vocab":{"a":4000000000},"merges":[]},"pre_tokenizer":{"type":"ByteLevel"}}"#.utf8)),
        ("empty vocab", Array(#"{"model":{"type":"BPE","vocab":{},"merges":[]},"pre_tokenizer":{"type":"ByteLevel"}}"#.utf8)),
        ("triple merge", Array(#"{"model":{"type":"BPE","vocab":{"a":0},"merges":[["a","a","a"]]},"pre_tokenizer":{"type":"ByteLevel"}}"#.utf8)),
        ("Metaspace", Array(#"{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"pre_tokenizer":{"type":"Metaspace"}}"#.utf8)),
        ("unknown regex", Array(#"{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"pre_tokenizer":{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"\\w+"},"behavior":"Isolated"},{"type":"ByteLevel","use_regex":false}]}}"#.utf8)),
        ("lowercase", Array(#"{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"normalizer":{"type":"Lowercase"},"pre_tokenizer":{"type":"ByteLevel"}}"#.utf8)),
    ] as [(String, [UInt8])])
    func malformedTokenizerJSONThrows(_ name: String, _ bytes: [UInt8]) {
        let error = #expect(throws: TokenizerError.self, "\(name)") {
            try TokenizerConfig(tokenizerJSON: bytes, tokenizerConfigJSON: nil)
        }
        #expect(error.map { !$0.description.contains("\n") && !$0.description.isEmpty } == true)
    }

    @Test func malformedTokenizerConfigThrows() {
        #expect(throws: TokenizerError.self) {
            try TokenizerConfig(tokenizerJSON: tokenizerJSON(), tokenizerConfigJSON: Array("{\"bos_token\":".utf8))
        }
        #expect(throws: TokenizerError.self) {
            try TokenizerConfig(tokenizerJSON: tokenizerJSON(), tokenizerConfigJSON: Array("[1]".utf8))
        }
    }

    @Test func inconsistentConfigIsRejected() {
        func make(_ tokens: [String], _ types: [TokenizerConfig.TokenType], bos: Int32? = nil) throws -> BPETokenizer {
            try BPETokenizer(TokenizerConfig(tokens: tokens, merges: [], tokenTypes: types, preTokenizer: .gpt2,
                                             bosTokenID: bos, eosTokenID: nil, addBOS: false))
        }
        #expect(throws: TokenizerError.self) { try make([], []) }
        #expect(throws: TokenizerError.self) { try make(["a", "b"], [.normal]) }
        #expect(throws: TokenizerError.self) { try make(["a"], [.normal], bos: 3) }
        #expect(throws: TokenizerError.self) { try make(["a"], [.normal], bos: -1) }
        #expect((try? make(["a", "b"], [])) != nil)
    }

    /// Merges naming tokens outside the vocabulary are inert, and bytes without a token are dropped
    /// (HF's behaviour without an unknown token) rather than trapping.
    @Test func sparseVocabularyDoesNotTrap() throws {
        let tokenizer = try BPETokenizer(TokenizerConfig(tokens: ["a", "b", "ab"], merges: ["a b", "x y", "nospace"],
                                                         tokenTypes: [], preTokenizer: .llama3,
                                                         bosTokenID: nil, eosTokenID: nil, addBOS: false))
        #expect(tokenizer.encode("ab") == [2])
        #expect(tokenizer.encode("a😀b c") == [0, 1])
        #expect(tokenizer.decode([2, 7]) == "ab")
    }
}
