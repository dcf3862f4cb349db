import Foundation
import Testing
@testable import EdgeLLMIntents

/// The training-data generator (scripts/data) against the Swift side: its prompt is the prompt
/// PromptPrefix renders, and its lines are OutputSyntax's and the grammar's.
///
/// Fixtures (regenerate after changing the generator or the schema):
///
///     python scripts/data/prompt.py Tests/Fixtures/intents/home.json > Tests/Fixtures/intents/prompt_no_examples.txt
///     python scripts/data/generate.py --seed 4 --out /tmp/sample --train-homes 1 --val-homes 1 --test-homes 1 --per-home 20 --jobs 1
///     cat /tmp/sample/{train,val,test}.jsonl > Tests/Fixtures/intents/generated_sample.jsonl
///     cp /tmp/sample/homes.jsonl Tests/Fixtures/intents/generated_sample_homes.jsonl
struct GeneratedDataTests {
    static let intents = IntentFixtures.root.appendingPathComponent("intents")

    private struct HomeLine: Decodable {
        var id: String
        var home: Home
    }

    private struct SampleLine: Decodable {
        struct Context: Decodable { var area: String? }
        var text: String
        var intent: String?
        var slots: [String: SlotValue]
        var output: String
        var homeID: String
        var context: Context?
        enum CodingKeys: String, CodingKey {
            case text, intent, slots, output, context
            case homeID = "home_id"
        }
    }

    private static func lines<T: Decodable>(_ name: String, as type: T.Type) throws -> [T] {
        let text = try String(contentsOf: intents.appendingPathComponent(name), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(T.self, from: Data($0.utf8)) }
    }

    @Test func thePythonPromptIsPromptPrefixWithoutExamples() throws {
        let fixture = try String(contentsOf: Self.intents.appendingPathComponent("prompt_no_examples.txt"), encoding: .utf8)
        let parts = fixture.components(separatedBy: "<<COMMAND>>")
        try #require(parts.count == 2)
        let prompt = PromptPrefix(vocabulary: try HomeVocabulary(home: try IntentFixtures.home()),
                                  tokenizer: try IntentFixtures.smolTokenizer.get(), examples: false)
        #expect(prompt.text == parts[0])
        #expect(prompt.suffix == parts[1])
    }

    @Test func generatedLinesAreCanonicalAndTheGrammarAcceptsThem() throws {
        var grammars: [String: ByteGrammar] = [:]
        var vocabularies: [String: HomeVocabulary] = [:]
        for line in try Self.lines("generated_sample_homes.jsonl", as: HomeLine.self) {
            let vocabulary = try HomeVocabulary(home: line.home)
            grammars[line.id] = try IntentGrammar.build(vocabulary)
            vocabularies[line.id] = vocabulary
        }
        let samples = try Self.lines("generated_sample.jsonl", as: SampleLine.self)
        #expect(samples.count >= 40 && grammars.count >= 2)
        #expect(samples.contains { $0.intent == nil } && samples.contains { $0.context != nil })
        for sample in samples {
            var gold = sample.intent.map { Intent(name: $0, slots: sample.slots) }
            // The speaker's area in a line's gold is the agent's to add, not the model's to write.
            if let area = sample.context?.area, gold?.slots["area"]?.text == area,
               OutputSyntax.serialise(gold) != sample.output {
                gold?.slots["area"] = nil
            }
            #expect(OutputSyntax.serialise(gold) == sample.output, "\(sample.text)")
            #expect(try OutputSyntax.parse(sample.output) == gold, "\(sample.output)")
            let grammar = try #require(grammars[sample.homeID])
            let s = grammar.walk(grammar.start, Array(sample.output.utf8))
            #expect(s >= 0 && grammar.isAccepting(s), "\(sample.homeID): \(sample.output)")
            // What a right line names, the command says (MentionCheck refuses nothing right).
            if let gold {
                let vocabulary = try #require(vocabularies[sample.homeID])
                #expect(MentionCheck.unsaid(gold, in: sample.text, contextArea: sample.context?.area,
                                            deviceNames: vocabulary.deviceNames(for: gold.name)) == nil, "\(sample.text)")
            }
            // Nor does the mention guide bar any byte of a right line.
            let guide = MentionGuide(command: sample.text, vocabulary: try #require(vocabularies[sample.homeID]),
                                     contextArea: sample.context?.area)
            let bytes = Array(sample.output.utf8)
            let barred = bytes.indices.first { !guide.permits(Array(bytes[..<$0]), appending: [bytes[$0]], endsLine: false, redirect: false) }
            #expect(barred == nil && guide.permits(bytes, appending: [], endsLine: true, redirect: false),
                    "\(sample.text): \(sample.output) barred at \(barred ?? bytes.count)")
        }
        // edgellm eval reads the same lines.
        let cases = try Evaluation.load(path: Self.intents.appendingPathComponent("generated_sample.jsonl").path)
        #expect(cases.count == samples.count)
    }
}
