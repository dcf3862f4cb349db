@testable import EdgeLLMTokenizer
import Testing

@Suite struct EncodingTests {
    @Test(arguments: TokenizerConfig.PreTokenizer.allCases)
    func idsMatchHuggingFace(_ preTokenizer: TokenizerConfig.PreTokenizer) throws {
        let tokenizer = try Fixtures.tokenizer(preTokenizer)
        let cases = try Fixtures.cases()
        #expect(cases.count >= 400)
        var mismatches: [String] = []
        for testCase in cases {
            let expected = try #require(testCase.ids[preTokenizer.rawValue])
            let actual = tokenizer.encode(testCase.text)
            if actual != expected {
                mismatches.append("\(testCase.text.debugDescription): \(actual) != \(expected)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5).joined(separator: "\n"))")
    }

    /// Catches splits that BPE happens to hide in the ids (e.g. Oniguruma folding "ſ" to "s").
    @Test(arguments: TokenizerConfig.PreTokenizer.allCases)
    func piecesMatchHuggingFace(_ preTokenizer: TokenizerConfig.PreTokenizer) throws {
        let tokenizer = try Fixtures.tokenizer(preTokenizer)
        var mismatches: [String] = []
        for testCase in try Fixtures.cases() {
            let expected = try #require(testCase.pieces[preTokenizer.rawValue])
            let actual = tokenizer.preTokenize(testCase.text)
            if actual != expected {
                mismatches.append("\(testCase.text.debugDescription): \(actual) != \(expected)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5).joined(separator: "\n"))")
    }

    @Test(arguments: TokenizerConfig.PreTokenizer.allCases)
    func decodeInvertsEncode(_ preTokenizer: TokenizerConfig.PreTokenizer) throws {
        let tokenizer = try Fixtures.tokenizer(preTokenizer)
        for testCase in try Fixtures.cases() {
            #expect(tokenizer.decode(tokenizer.encode(testCase.text)) == testCase.text)
            #expect(tokenizer.decode(tokenizer.encode(testCase.text, parseSpecial: false)) == testCase.text)
        }
    }

    @Test func specialTokensReadAsTextWhenNotParsed() throws {
        let tokenizer = try Fixtures.tokenizer(.smollm)
        let cases = try Fixtures.cases().filter { $0.smollmNoSpecial != nil }
        #expect(cases.count >= 10)
        for testCase in cases {
            #expect(tokenizer.encode(testCase.text, parseSpecial: false) == testCase.smollmNoSpecial)
        }
    }

    @Test func specialTokensParsedOnlyWhenAsked() throws {
        let tokenizer = try Fixtures.tokenizer()
        let text = "<|im_start|>user\nhi<|im_end|>"
        let parsed = tokenizer.encode(text)
        #expect(parsed.first == 1)
        #expect(parsed.last == 2)
        #expect(parsed.count == 5)
        let plain = tokenizer.encode(text, parseSpecial: false)
        #expect(!plain.contains(1) && !plain.contains(2))
        #expect(tokenizer.decode(plain) == text)
    }

    @Test func vocabularyLookups() throws {
        let tokenizer = try Fixtures.tokenizer()
        #expect(tokenizer.vocabularySize == 49152)
        #expect(tokenizer.tokenID(for: "<|im_end|>") == 2)
        #expect(tokenizer.tokenBytes(2) == Array("<|im_end|>".utf8))
        let the = try #require(tokenizer.tokenID(for: "Ġthe"))
        #expect(tokenizer.tokenBytes(the) == Array(" the".utf8))
        #expect(tokenizer.encode(" the") == [the])
        #expect(tokenizer.tokenID(for: " the") == nil)
        #expect(tokenizer.tokenID(for: "no-such-token-xyzzy") == nil)
    }

    @Test func everySpellingFindsItsFirstID() throws {
        let config = try Fixtures.smolConfig()
        let tokenizer = try BPETokenizer(config)
        var first: [String: Int32] = [:]
        for (index, token) in config.tokens.enumerated() where !token.isEmpty && first[token] == nil {
            first[token] = Int32(index)
        }
        for (index, token) in config.tokens.enumerated() where !token.isEmpty {
            #expect(tokenizer.tokenID(for: token) == first[token], "token \(index)")
        }
        // The merges live on only in the merge table.
        #expect(tokenizer.config.merges.isEmpty)
        #expect(tokenizer.config.tokens == config.tokens)
    }

    /// Spellings match byte for byte, as Hugging Face's vocabularies do: "é" precomposed and "e" +
    /// combining acute are different tokens, though Swift's `==` calls them equal.
    @Test func spellingsAreComparedByteForByte() {
        let composed = "\u{E9}", decomposed = "e\u{301}"
        #expect(composed == decomposed) // what a [String: Int32] index would have conflated
        let tokens = ["a", composed, "b", decomposed, composed]
        let index = SpellingIndex(tokens)
        #expect(index.lookup(Array(composed.utf8)) == 1)   // the first of the repeats
        #expect(index.lookup(Array(decomposed.utf8)) == 3)
        #expect(index.lookup(Array("c".utf8)) == nil)
    }

    @Test func endOfGeneration() throws {
        let tokenizer = try Fixtures.tokenizer()
        #expect(tokenizer.isEndOfGeneration(2))   // <|im_end|>, also eos
        #expect(tokenizer.isEndOfGeneration(0))   // <|endoftext|>
        #expect(!tokenizer.isEndOfGeneration(1))  // <|im_start|>
        #expect(!tokenizer.isEndOfGeneration(try #require(tokenizer.tokenID(for: "Ġthe"))))
        #expect(!tokenizer.isEndOfGeneration(-1))
        #expect(!tokenizer.isEndOfGeneration(1_000_000))
    }

    @Test func loadsSmolLM2Settings() throws {
        let config = try Fixtures.smolConfig()
        #expect(config.preTokenizer == .smollm)
        #expect(config.bosTokenID == 1)
        #expect(config.eosTokenID == 2)
        #expect(config.padTokenID == 2)
        #expect(config.addBOS == false)
        #expect(config.ignoreMerges == false)
        #expect(config.merges.count == 48900)
        #expect(config.tokenTypes[0] == .control && config.tokenTypes[16] == .control)
        #expect(config.tokenTypes[17] == .normal)
        #expect(config.chatTemplate?.contains("<|im_start|>") == true)
    }

    @Test func badInputGivesEmptyOrSkipped() throws {
        let tokenizer = try Fixtures.tokenizer()
        #expect(tokenizer.encode("") == [])
        #expect(tokenizer.encode("", parseSpecial: false) == [])
        #expect(tokenizer.decode([]) == "")
        let hi = tokenizer.encode("Hi")
        #expect(tokenizer.decode([-1] + hi + [Int32.max, 49152, Int32.min]) == "Hi")
        #expect(tokenizer.tokenBytes(-5) == [])
        #expect(tokenizer.tokenBytes(49152) == [])
        // A lone UTF-8 lead byte decodes to the replacement character, not a crash.
        let leadByte = try #require(tokenizer.tokenID(for: "ð"))  // byte 0xF0
        #expect(tokenizer.tokenBytes(leadByte) == [0xF0])
        #expect(tokenizer.decode([leadByte]) == "\u{FFFD}")
        #expect(tokenizer.decode(hi + [leadByte] + hi) == "Hi\u{FFFD}Hi")
    }

    /// The ~2 KB prompt budget: run `swift test -c release --filter encodeSpeed` for real numbers.
    @Test func encodeSpeed() throws {
        let tokenizer = try Fixtures.tokenizer()
        let paragraph = "Turn on the kitchen lights at 18:30 and set the thermostat to 21.5 degrees, "
            + "unless it's already warm. Il fait beau aujourd'hui; 東京は晴れです。 😀👍🏽\n"
        var text = ""
        while text.utf8.count < 2048 { text += paragraph }
        let clock = ContinuousClock()
        var ids: [Int32] = []
        let rounds = 50
        let elapsed = clock.measure {
            for _ in 0..<rounds { ids = tokenizer.encode(text) }
        }
        let perCall = elapsed / rounds
        print("encode \(text.utf8.count) bytes -> \(ids.count) tokens: \(perCall) per call")
        #expect(tokenizer.decode(ids) == text)
        #expect(perCall < .milliseconds(250))
    }
}
