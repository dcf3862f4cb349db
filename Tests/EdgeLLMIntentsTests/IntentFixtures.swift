import EdgeLLMEngine
import EdgeLLMImport
import EdgeLLMTokenizer
import Foundation
import Testing
@testable import EdgeLLMIntents

/// The committed intent fixtures (Tests/Fixtures/intents: a hand-written home and commands), the
/// SmolLM2 tokenizer, and the models `make test` creates.
enum IntentFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let root = packageRoot.appendingPathComponent("Tests/Fixtures")
    static let homePath = root.appendingPathComponent("intents/home.json").path
    static let commandsPath = root.appendingPathComponent("intents/commands.jsonl").path
    static let q8Path = packageRoot.appendingPathComponent("models/smollm2-135m.q8.tm2.bin").path
    static let ternaryPath = packageRoot.appendingPathComponent("models/smollm2-135m.tm2.bin").path
    /// The committed intent model (models/edgellm-home-135m.md).
    static let shippedTernaryPath = packageRoot.appendingPathComponent("models/edgellm-home-135m.tm2.bin").path
    static let mentionGuidePath = root.appendingPathComponent("intents/mention_guide.jsonl").path
    static let goneBackPath = root.appendingPathComponent("intents/gone_back.jsonl").path
    static let nothingSaidAfterTheNamePath = root.appendingPathComponent("intents/nothing_said_after_the_name.jsonl").path
    static let namedWholePath = root.appendingPathComponent("intents/named_whole.jsonl").path
    static let sensorWordsPath = root.appendingPathComponent("intents/sensor_words.jsonl").path

    static func home() throws -> Home { try Home.load(path: homePath) }

    static let smolTokenizer: Result<BPETokenizer, any Error> = Result {
        func bytes(_ name: String) throws -> [UInt8] {
            [UInt8](try Data(contentsOf: root.appendingPathComponent("tokenizer/smollm2/\(name)")))
        }
        return try BPETokenizer(TokenizerConfig(tokenizerJSON: bytes("tokenizer.json"),
                                                tokenizerConfigJSON: bytes("tokenizer_config.json")))
    }

    /// The fixture home's grammar over SmolLM2's vocabulary.
    static let smolGrammar: Result<TokenGrammar, any Error> = Result {
        let vocabulary = try HomeVocabulary(home: try home())
        return try TokenGrammar(grammar: try IntentGrammar.build(vocabulary), tokenizer: try smolTokenizer.get())
    }

    /// The tiny random Llama (320-token vocabulary, ChatML) converted once: fast enough to run the
    /// whole recognizer in every test.
    static let tinyModelPath: Result<String, any Error> = Result {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("edgellm-intents-\(UUID().uuidString)-tiny.tm2.bin").path
        try Converter.convert(try openSourceModel(path: root.appendingPathComponent("models/tiny-llama").path),
                              to: path, options: ConversionOptions(weights: .q8_0))
        return path
    }

    static let tinyRecognizer: Result<IntentRecognizer, any Error> = Result {
        try IntentRecognizer(model: try LanguageModel(path: try tinyModelPath.get()), home: try home(), agentArea: nil)
    }

    static func model(_ path: String) throws -> LanguageModel {
        guard FileManager.default.fileExists(atPath: path) else {
            throw EngineError("\(path) is missing: run `make model` (make test does)")
        }
        return try LanguageModel(path: path)
    }

    static func commands() throws -> [EvalCase] { try Evaluation.load(path: commandsPath) }
}

/// Checks a line the grammar produced: it parses, is canonical, and names only what the home has.
func expectValidLine(_ line: String, _ vocabulary: HomeVocabulary, sourceLocation: SourceLocation = #_sourceLocation) {
    let parsed: Intent?
    do {
        parsed = try OutputSyntax.parse(line)
    } catch {
        Issue.record("'\(line)' does not parse: \(error)", sourceLocation: sourceLocation)
        return
    }
    #expect(OutputSyntax.serialise(parsed) == line, "not canonical: '\(line)'", sourceLocation: sourceLocation)
    guard let intent = parsed else { return }
    guard let entry = vocabulary.entry(intent.name) else {
        Issue.record("'\(line)': intent not offered for this home", sourceLocation: sourceLocation)
        return
    }
    for (key, value) in intent.slots {
        guard let slot = entry.spec.slot(key) else {
            Issue.record("'\(line)': \(intent.name) has no slot \(key)", sourceLocation: sourceLocation)
            continue
        }
        switch slot.kind {
        case .integer(let range):
            #expect(value.number.map { range.contains(Int($0)) && $0.rounded() == $0 } == true, "'\(line)'", sourceLocation: sourceLocation)
        case .decimal(let range):
            #expect(value.number.map { range.contains(Int($0)) } == true, "'\(line)'", sourceLocation: sourceLocation)
        case .text:
            #expect(value.text.map { !$0.isEmpty && !$0.contains(";") } == true, "'\(line)'", sourceLocation: sourceLocation)
        default:
            #expect(entry.values[key]?.contains(value.text ?? "") == true,
                    "'\(line)': \(key) '\(value.text ?? "")' is not in the home", sourceLocation: sourceLocation)
        }
    }
    for required in entry.spec.required {
        #expect(intent.slots[required] != nil, "'\(line)' lacks \(required)", sourceLocation: sourceLocation)
    }
    if !entry.spec.anyOf.isEmpty {
        #expect(!entry.spec.anyOf.isDisjoint(with: intent.slots.keys), "'\(line)' lacks a target", sourceLocation: sourceLocation)
    }
}
