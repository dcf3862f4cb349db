import Testing
@testable import EdgeLLMIntents

struct OutputSyntaxTests {
    static func sample(_ kind: SlotKind) -> SlotValue {
        switch kind {
        case .entityName: .string("Reading Lamp")
        case .area: .string("Dining Room")
        case .floor: .string("Attic")
        case .domain: .string("binary_sensor")
        case .deviceClass: .string("garage_door")
        case .state: .string("not_home")
        case .color: .string("red")
        case .integer: .number(42)
        case .decimal: .number(20.5)
        case .text: .string("oat milk, 2 litres")
        }
    }

    @Test(arguments: IntentSchema.intents.map(\.name))
    func roundTripsEveryIntent(_ name: String) throws {
        let spec = try #require(IntentSchema.intent(name))
        // Every slot at once, each slot alone, and none.
        var variants = [Intent(name: name, slots: Dictionary(uniqueKeysWithValues: spec.slots.map { ($0.name, Self.sample($0.kind)) }))]
        variants += spec.slots.map { Intent(name: name, slots: [$0.name: Self.sample($0.kind)]) }
        variants.append(Intent(name: name))
        for intent in variants {
            let line = OutputSyntax.serialise(intent)
            #expect(try OutputSyntax.parse(line) == intent, "\(line)")
            #expect(!line.contains("\n"))
        }
    }

    @Test func noneRoundTrips() throws {
        #expect(OutputSyntax.serialise(nil) == "none")
        #expect(try OutputSyntax.parse("none") == nil)
        #expect(try OutputSyntax.parse("none\n") == nil)
    }

    @Test func canonicalSpelling() {
        let intent = Intent(name: "HassLightSet", slots: ["brightness": .number(40), "area": .string("Living Room"), "color": .string("red")])
        #expect(OutputSyntax.serialise(intent) == "HassLightSet area Living Room; brightness 40; color red")
        let timer = Intent(name: "HassStartTimer", slots: ["name": .string("pizza"), "minutes": .number(5), "hours": .number(1)])
        #expect(OutputSyntax.serialise(timer) == "HassStartTimer name pizza; hours 1; minutes 5")
        #expect(OutputSyntax.serialise(Intent(name: "HassClimateSetTemperature", slots: ["temperature": .number(19.5)]))
            == "HassClimateSetTemperature temperature 19.5")
        #expect(OutputSyntax.serialise(Intent(name: "HassNevermind")) == "HassNevermind")
    }

    @Test(arguments: ["", "HassTurnOn name", "HassTurnOn  name Lamp", "HassTurnOn name Lamp; name Desk",
                      "HassLightSet brightness abc", "Hass-TurnOn name Lamp", "HassTurnOn name Lamp;"])
    func rejectsMalformedLines(_ line: String) {
        #expect(throws: OutputSyntaxError.self) { try OutputSyntax.parse(line) }
    }
}
