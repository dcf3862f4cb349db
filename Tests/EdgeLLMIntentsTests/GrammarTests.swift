import EdgeLLMEngine
import EdgeLLMTokenizer
import Testing
@testable import EdgeLLMIntents

struct GrammarTests {
    static func vocabulary() throws -> HomeVocabulary { try HomeVocabulary(home: try IntentFixtures.home()) }

    static func accepts(_ grammar: ByteGrammar, _ line: String) -> Bool {
        let s = grammar.walk(grammar.start, Array(line.utf8))
        return s >= 0 && grammar.isAccepting(s)
    }

    @Test func acceptsLinesForThisHomeOnly() throws {
        let g = try IntentGrammar.build(try Self.vocabulary())
        for line in ["none", "HassTurnOn name Reading Lamp", "HassTurnOff name Chandelier",
                     "HassTurnOn area Dining Room; domain light", "HassTurnOff floor Attic; domain light",
                     "HassTurnOff area Lounge; domain cover; device_class blind", "HassTurnOff device_class shutter", "HassTurnOn name all; area Study; domain fan",
                     "HassLightSet name Reading Lamp; brightness 100", "HassLightSet area Lounge; color turquoise",
                     "HassClimateSetTemperature temperature 19.5", "HassSetPosition name Garden Sprinkler; domain valve; position 0",
                     "HassGetState name Nursery Window; domain binary_sensor; device_class window; state on",
                     "HassListAddItem name Grocery List; item oat milk", "HassStartTimer name tea; minutes 4",
                     "HassStartTimer hours 1; minutes 30; seconds 15", "HassCancelTimer", "HassNevermind",
                     "HassShoppingListAddItem item crème fraîche", "HassMediaPause", "HassTurnOn name Desk Fan; area Study; floor Attic",
                     "HassTurnOn name Movie Night; area Lounge; domain scene"] {
            #expect(Self.accepts(g, line), "\(line)")
        }
        for line in ["HassTurnOn name Jacuzzi", "HassTurnOn name reading lamp", "HassTurnOn area Cellar; domain light",
                     "HassTurnOn area Lounge; name Reading Lamp", "HassTurnOn", "HassLightSet name Reading Lamp",
                     "HassLightSet name Kettle; brightness 10", "HassLightSet name Reading Lamp; brightness 101",
                     "HassLightSet name Reading Lamp; brightness 050", "HassClimateSetTemperature temperature 19.0",
                     "HassTurnOn domain vacuum", "HassListAddItem item rice", "HassStartTimer name tea",
                     "HassShoppingListAddItem item  milk", "HassShoppingListAddItem item milk ", "HassTurnOn name Kettle;",
                     "HassTurnOn name Kettle\nnone", "none ", "HassGetState state on", "HassMediaPause name Kettle",
                     "HassTurnOn domain light; device_class damper", "HassTurnOff area Lounge; domain fan; device_class shutter",
                     "HassGetState domain cover; state on", "HassGetState domain lock; state open",
                     "HassTurnOn name Desk Fan; domain light", "HassTurnOn name Reading Lamp; area Study",
                     "HassTurnOn name Reading Lamp; floor Attic", "HassGetState name Nursery Window; device_class door"] {
            #expect(!Self.accepts(g, line), "\(line)")
        }
        #expect(g.isComplete(g.walk(g.start, Array("none".utf8))))
        #expect(g.isComplete(g.walk(g.start, Array("HassNevermind".utf8))))
        #expect(!g.isComplete(g.walk(g.start, Array("HassTurnOn name Reading Lamp".utf8))))
    }

    @Test func leavesOutIntentsWithNothingToActOn() throws {
        let home = Home(areas: [.init(id: "k", name: "Kitchen")], entities: [.init(entityID: "light.k", name: "Kitchen Light", area: "k")])
        let vocabulary = try HomeVocabulary(home: home)
        let g = try IntentGrammar.build(vocabulary)
        #expect(Self.accepts(g, "HassTurnOn name Kitchen Light"))
        #expect(!Self.accepts(g, "HassMediaPause"))
        #expect(!Self.accepts(g, "HassVacuumStart"))
        #expect(!Self.accepts(g, "HassTurnOn floor Kitchen; domain light"), "no floors, no floor slot")
        #expect(vocabulary.entry("HassMediaPause") == nil && vocabulary.entry("HassStartTimer") != nil)
    }

    @Test func asksForKindsOfDeviceTheHomeLacks() throws {
        // Home Assistant's "turn on the lights in the kitchen" tests declare a home of areas only.
        let home = Home(areas: [.init(id: "k", name: "Kitchen")], entities: [])
        let vocabulary = try HomeVocabulary(home: home)
        let g = try IntentGrammar.build(vocabulary)
        #expect(Self.accepts(g, "HassTurnOn area Kitchen; domain light"))
        #expect(Self.accepts(g, "HassTurnOff domain cover; device_class blind"))
        #expect(Self.accepts(g, "HassSetPosition area Kitchen; domain cover; position 50"))
        #expect(!Self.accepts(g, "HassTurnOn name Kitchen Light"), "names stay the home's")
        #expect(!Self.accepts(g, "HassTurnOn domain vacuum") && !Self.accepts(g, "HassMediaPause"))
        // The prompt offers what the home can do, as the model was trained.
        #expect(vocabulary.entry("HassTurnOn")?.offered == false && vocabulary.entry("HassStartTimer")?.offered == true)
        #expect(!PromptPrefix.instructions(vocabulary).contains("HassTurnOn"))
        // The resolver answers it with what is missing.
        let resolution = try IntentResolver(vocabulary: vocabulary, agentArea: nil)
            .resolve(try #require(try OutputSyntax.parse("HassTurnOn area Kitchen; domain light")))
        #expect(!resolution.matched && resolution.speech == "Sorry, I couldn't find a light in the Kitchen.")
    }

    @Test func aSensorIsReadNotAskedOnOrOff() throws {
        let home = Home(areas: [.init(id: "k", name: "Kitchen")],
                        entities: [.init(entityID: "sensor.t", name: "Outside Temperature", area: "k", deviceClass: "temperature"),
                                   .init(entityID: "light.k", name: "Kitchen Light", area: "k")])
        let g = try IntentGrammar.build(try HomeVocabulary(home: home))
        #expect(Self.accepts(g, "HassGetState name Outside Temperature; domain sensor; device_class temperature"))
        #expect(!Self.accepts(g, "HassGetState name Outside Temperature; domain sensor; device_class temperature; state on"))
        #expect(!Self.accepts(g, "HassGetState domain sensor; state off"))
        #expect(Self.accepts(g, "HassGetState name Kitchen Light; state on"))
    }

    @Test func afterANameItsKindIsSaidAsTheTrainingDataSaysIt() throws {
        let g = try IntentGrammar.build(try Self.vocabulary())
        for (right, wrong) in [
            ("HassTurnOn name Movie Night; domain scene", "HassTurnOn name Movie Night"),
            ("HassTurnOff name Garden Sprinkler; domain valve", "HassTurnOff name Garden Sprinkler"),
            ("HassTurnOn name Reading Lamp", "HassTurnOn name Reading Lamp; domain light"),
            ("HassTurnOff name Desk Fan; area Study", "HassTurnOff name Desk Fan; area Study; domain fan"),
            ("HassTurnOn name Lounge Blinds", "HassTurnOn name Lounge Blinds; domain cover; device_class blind"),
            ("HassSetPosition name Lounge Blinds; domain cover; position 40", "HassSetPosition name Lounge Blinds; position 40"),
            ("HassGetState name Workshop Door; domain cover; state closed", "HassGetState name Workshop Door; domain cover; device_class garage"),
            ("HassGetState name Nursery Window; domain binary_sensor; device_class window; state on",
             "HassGetState name Nursery Window; domain binary_sensor; state on"),
            ("HassGetState name Pantry Humidity; domain sensor; device_class humidity", "HassGetState name Pantry Humidity"),
            ("HassGetState name Patio Gate; domain lock", "HassGetState name Patio Gate; state locked"),
            ("HassGetState name Heat Pump", "HassGetState name Heat Pump; domain climate"),
            ("HassGetState name Reading Lamp; state on", "HassGetState name Reading Lamp; state locked"),
        ] {
            #expect(Self.accepts(g, right), "\(right)")
            #expect(!Self.accepts(g, wrong), "\(wrong)")
        }
        // A sensor without a device class is named alone (Home Assistant's "what is the outside temperature").
        let home = Home(areas: [.init(id: "k", name: "Kitchen")],
                        entities: [.init(entityID: "sensor.t", name: "Outside Temperature", area: "k")])
        let sensor = try IntentGrammar.build(try HomeVocabulary(home: home))
        #expect(Self.accepts(sensor, "HassGetState name Outside Temperature"))
        #expect(!Self.accepts(sensor, "HassGetState name Outside Temperature; domain sensor"))
        // No name leaves the kind to the line; `all` is said of fans only, as the data says it.
        #expect(Self.accepts(g, "HassTurnOn name all; area Study; domain fan") && Self.accepts(g, "HassTurnOff area Study; domain fan"))
        for line in ["HassTurnOn name all; area Lounge; domain cover; device_class blind", "HassTurnOn name all; area Lounge; domain light",
                     "HassTurnOff name all; area Study", "HassTurnOff name all"] {
            #expect(!Self.accepts(g, line), "\(line)")
        }
    }

    @Test func rejectsNamesThatWouldBreakTheLine() {
        for name in ["Lamp; Desk", "Lamp\nDesk", " Lamp", "Lamp  Desk", ""] {
            let home = Home(areas: [], entities: [.init(entityID: "light.x", name: name, area: nil)])
            #expect(throws: HomeError.self) { try HomeVocabulary(home: home) }
        }
        let badArea = Home(areas: [], entities: [.init(entityID: "light.x", name: "Lamp", area: "nowhere")])
        #expect(throws: HomeError.self) { try HomeVocabulary(home: badArea) }
        // A device class is a value of the line too (and an empty one would say "has a class" to
        // the grammar but not to the data generator's mirror).
        for deviceClass in ["", "door; window", " door"] {
            let home = Home(areas: [], entities: [.init(entityID: "binary_sensor.x", name: "Hatch", area: nil, deviceClass: deviceClass)])
            #expect(throws: HomeError.self) { try HomeVocabulary(home: home) }
        }
    }

    /// Random walks over the byte grammar: whatever path is taken, a finished line is valid.
    @Test func everyCompletedByteLineIsValid() throws {
        let vocabulary = try Self.vocabulary()
        let g = try IntentGrammar.build(vocabulary)
        var random = SeededRandom(seed: 7)
        var intents = Set<String>()
        for _ in 0..<2000 {
            var s = g.start
            var bytes: [UInt8] = []
            while !g.isComplete(s) {
                if g.isAccepting(s) && random.next() % 4 == 0 { break }
                if bytes.count > 80 {
                    bytes += g.shortestCompletion(from: s)
                    break
                }
                let edges = Array(g.edges(of: s).filter { $0.lo != ByteGrammar.terminator })
                guard !edges.isEmpty else { break }
                let edge = edges[Int(random.next() % UInt64(edges.count))]
                // Free text: letters where a range allows them, so the text stays readable UTF-8.
                let byte = edge.lo <= 0x61 && edge.hi >= 0x7A ? UInt8(0x61 + random.next() % 26) : edge.lo
                bytes.append(byte)
                s = g.step(s, byte)
            }
            let line = String(decoding: bytes, as: UTF8.self)
            #expect(Self.accepts(g, line), "\(line)")
            expectValidLine(line, vocabulary)
            intents.insert(line.split(separator: " ").first.map(String.init) ?? "")
        }
        #expect(intents.contains("none"), "the grammar offers a negative")
        #expect(intents.count == vocabulary.entries.count + 1, "\(intents.sorted())")
    }

    /// The same over SmolLM2's tokens, with the grammar's forced tokens: decoding cannot leave the
    /// grammar whatever the model prefers.
    @Test func everyCompletedTokenLineIsValid() throws {
        let vocabulary = try Self.vocabulary()
        let grammar = try IntentFixtures.smolGrammar.get()
        let tokenizer = try IntentFixtures.smolTokenizer.get()
        var random = SeededRandom(seed: 11)
        for _ in 0..<300 {
            var s = grammar.start
            var ids: [Int32] = []
            var tail: [UInt8] = []
            while !grammar.isComplete(s) {
                if ids.count > 40 {
                    tail = grammar.bytes.shortestCompletion(from: s)
                    break
                }
                let (tokens, next) = grammar.choices(s)
                try #require(!tokens.isEmpty, "no way on from state \(s)")
                let i = tokens.startIndex + Int(random.next() % UInt64(tokens.count))
                if tokenizer.isEndOfGeneration(tokens[i]) { break }
                ids.append(tokens[i])
                s = next[i]
                while !grammar.isComplete(s), let (forced, end) = grammar.forced(s) {
                    ids += forced
                    s = end
                }
            }
            var bytes = ids.flatMap { tokenizer.tokenBytes($0) } + tail
            if bytes.last == ByteGrammar.terminator { bytes.removeLast() }
            expectValidLine(String(decoding: bytes, as: UTF8.self), vocabulary)
        }
    }

    @Test func forcesTheFixedBytesButLeavesWordStartsToTheModel() throws {
        let grammar = try IntentFixtures.smolGrammar.get()
        let tokenizer = try IntentFixtures.smolTokenizer.get()
        /// The state after `text`, which must be a state decoding can be in.
        func state(after text: String) throws -> Int32 {
            let s = grammar.bytes.walk(grammar.start, Array(text.utf8))
            try #require(s >= 0, "'\(text)' leaves the grammar")
            try #require(grammar.forced(s) != nil || !grammar.choices(s).tokens.isEmpty, "decoding never stops at '\(text)'")
            return s
        }
        // "H" can only go on as "Hass": the model never spends a step on "ass".
        let afterH = grammar.step(grammar.start, tokenizer.encode("H")[0])
        #expect(grammar.forced(afterH).map { Array($0.tokens) } == tokenizer.encode("ass"))
        // Once "Climate" is written, "SetTemperature" is the only way on, in one go.
        let climate = grammar.step(try state(after: "Hass"), tokenizer.encode("Climate")[0])
        #expect(grammar.forced(climate).map { Array($0.tokens) } == tokenizer.encode("SetTemperature"))
        // After a slot key, the space belongs to the value's first token (" Reading"), so nothing
        // is forced there.
        let key = try state(after: "HassTurnOn name")
        #expect(grammar.forced(key) == nil)
        #expect(grammar.step(key, tokenizer.encode(" Reading")[0]) >= 0)
        // Where the line may end, the end-of-turn tokens are allowed.
        let done = try state(after: "HassTurnOn name Reading Lamp")
        let endOfTurn = try #require(tokenizer.tokenID(for: "<|im_end|>"))
        #expect(grammar.step(done, endOfTurn) == grammar.bytes.end)
        #expect(grammar.step(try state(after: "HassTurnOn name"), endOfTurn) < 0)
    }

    @Test func fewTokensAreAllowedAtStructuralChoices() throws {
        let grammar = try IntentFixtures.smolGrammar.get()
        let start = grammar.choices(grammar.start).tokens
        #expect(start.count > 1 && start.count < 200, "\(start.count)")
        #expect(zip(start, start.dropFirst()).allSatisfy { $0 < $1 }, "head rows are sorted and distinct")
        #expect(grammar.choiceStateCount > 10)
    }
}
