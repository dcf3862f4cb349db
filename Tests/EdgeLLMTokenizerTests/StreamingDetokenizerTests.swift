import EdgeLLMTokenizer
import Testing

@Suite struct StreamingDetokenizerTests {
    private func stream(_ ids: [Int32], _ tokenizer: BPETokenizer) -> [String] {
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        return ids.map { detokenizer.append($0) } + [detokenizer.flush()]
    }

    @Test func emojiSplitOverTokensArrivesWhole() throws {
        let tokenizer = try Fixtures.tokenizer()
        let text = "Family: 👨‍👩‍👧‍👦, thumbs 👍🏽, flag 🏳️‍🌈 done"
        let ids = tokenizer.encode(text)
        let pieces = stream(ids, tokenizer)
        // Some emoji byte runs end mid-character, so some appends must hold text back.
        #expect(pieces.dropLast().contains(""))
        #expect(ids.contains { String(validating: tokenizer.tokenBytes($0), as: UTF8.self) == nil })
        for piece in pieces {
            #expect(!piece.unicodeScalars.contains("\u{FFFD}"))
        }
        #expect(pieces.joined() == text)
        #expect(pieces.joined() == tokenizer.decode(ids))
    }

    @Test func everyFixtureStreamsToItsDecoding() throws {
        let tokenizer = try Fixtures.tokenizer()
        for testCase in try Fixtures.cases() {
            let ids = tokenizer.encode(testCase.text)
            #expect(stream(ids, tokenizer).joined() == tokenizer.decode(ids))
        }
    }

    /// Random byte tokens, mostly broken UTF-8: the stream must repair exactly as decode does.
    @Test func brokenUTF8StreamsLikeDecode() throws {
        let tokenizer = try Fixtures.tokenizer()
        // SmolLM2 lacks tokens for some bytes rare or impossible in UTF-8 (C0, C1, F1...FF);
        // ASCII and the lead and continuation bytes of 2-4 byte characters are what matter here.
        let byteIDs = (0...255).compactMap { (byte: Int) -> Int32? in
            tokenizer.tokenID(for: String(Unicode.Scalar(byteLevelScalar(UInt8(byte)))!))
        }
        #expect(byteIDs.count >= 230)
        for id in byteIDs { #expect(tokenizer.tokenBytes(id).count == 1) }
        var generator = SeededGenerator(state: 7)
        for _ in 0..<3000 {
            let ids = (0..<Int.random(in: 1...8, using: &generator)).map { _ in byteIDs.randomElement(using: &generator)! }
            #expect(stream(ids, tokenizer).joined() == tokenizer.decode(ids))
        }
    }

    @Test func invalidIDsAreSkipped() throws {
        let tokenizer = try Fixtures.tokenizer()
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        #expect(detokenizer.append(-1) == "")
        #expect(detokenizer.append(Int32.max) == "")
        #expect(detokenizer.flush() == "")
    }

    /// GPT-2's printable stand-in for a byte, duplicated here so the test does not trust the module.
    private func byteLevelScalar(_ byte: UInt8) -> UInt32 {
        let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
        if printable { return UInt32(byte) }
        var next: UInt32 = 256
        for other in 0..<Int(byte) {
            let otherPrintable = (0x21...0x7E).contains(other) || (0xA1...0xAC).contains(other) || (0xAE...0xFF).contains(other)
            if !otherPrintable { next += 1 }
        }
        return next
    }
}
