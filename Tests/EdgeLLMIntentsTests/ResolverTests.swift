import Testing
@testable import EdgeLLMIntents

struct ResolverTests {
    static func resolver(agentArea: String? = nil, home: Home? = nil) throws -> IntentResolver {
        try IntentResolver(vocabulary: try HomeVocabulary(home: try home ?? IntentFixtures.home()), agentArea: agentArea)
    }

    static func resolve(_ line: String, agentArea: String? = nil) throws -> IntentResolver.Resolution {
        let intent = try #require(try OutputSyntax.parse(line))
        return try resolver(agentArea: agentArea).resolve(intent)
    }

    /// "domain.service entity {data}" for each call, for compact expectations.
    static func calls(_ r: IntentResolver.Resolution) -> [String] {
        r.actions.map { call in
            var s = "\(call.domain).\(call.service)"
            if let e = call.entityID { s += " \(e)" }
            if !call.data.isEmpty { s += " " + JSONText.slots(call.data) }
            return s
        }
    }

    @Test(arguments: [
        ("HassTurnOn name Reading Lamp", ["light.turn_on light.lounge_reading"], "Turned on Reading Lamp"),
        ("HassTurnOff name Chandelier", ["light.turn_off light.dining_chandelier"], "Turned off Dining Chandelier"),
        ("HassTurnOn area Dining Room; domain light", ["light.turn_on light.dining_chandelier"], "Turned on Dining Chandelier"),
        ("HassTurnOff area Lounge; domain light", ["light.turn_off light.lounge_reading", "light.turn_off light.lounge_sofa_strip"],
         "Turned off 2 lights in the Lounge"),
        ("HassTurnOn name Desk Fan", ["fan.turn_on fan.study_desk_fan"], "Turned on Desk Fan"),
        ("HassTurnOn name Air Compressor", ["switch.turn_on switch.workshop_compressor"], "Turned on Air Compressor"),
        ("HassTurnOn name Lounge Blinds", ["cover.open_cover cover.lounge_blinds"], "Opened Lounge Blinds"),
        ("HassTurnOff domain cover; device_class garage", ["cover.close_cover cover.workshop_door"], "Closed Workshop Door"),
        ("HassTurnOn name Patio Gate", ["lock.lock lock.patio_gate"], "Locked Patio Gate"),
        ("HassTurnOff name Patio Gate", ["lock.unlock lock.patio_gate"], "Unlocked Patio Gate"),
        ("HassTurnOn name Garden Sprinkler", ["valve.open_valve valve.garden_sprinkler"], "Opened Garden Sprinkler"),
        ("HassTurnOn domain scene; name Movie Night", ["scene.turn_on scene.movie_night"], "Activated Movie Night"),
        ("HassTurnOn name Movie Night; area Lounge", ["scene.turn_on scene.movie_night"], "Activated Movie Night"),
        ("HassTurnOn name Goodnight Routine", ["script.turn_on script.goodnight"], "Activated Goodnight Routine"),
        ("HassTurnOn name Lounge Speaker", ["media_player.turn_on media_player.lounge_speaker"], "Turned on Lounge Speaker"),
        ("HassTurnOn name Heat Pump", ["climate.turn_on climate.heat_pump"], "Turned on Heat Pump"),
        ("HassLightSet name Reading Lamp; brightness 20", ["light.turn_on light.lounge_reading {\"brightness_pct\": 20}"],
         "Set Reading Lamp to 20%"),
        ("HassLightSet area Dining Room; color blue", ["light.turn_on light.dining_chandelier {\"color_name\": \"blue\"}"],
         "Set Dining Chandelier to blue"),
        ("HassClimateSetTemperature name Heat Pump; temperature 21.5", ["climate.set_temperature climate.heat_pump {\"temperature\": 21.5}"],
         "Set Heat Pump to 21.5 degrees"),
        ("HassClimateSetTemperature temperature 19", ["climate.set_temperature climate.heat_pump {\"temperature\": 19}"],
         "Set Heat Pump to 19 degrees"),
        ("HassSetPosition name Lounge Blinds; domain cover; position 40", ["cover.set_cover_position cover.lounge_blinds {\"position\": 40}"],
         "Set Lounge Blinds to 40%"),
        ("HassSetPosition name Garden Sprinkler; position 30", ["valve.set_valve_position valve.garden_sprinkler {\"position\": 30}"],
         "Set Garden Sprinkler to 30%"),
        ("HassMediaPause name Lounge Speaker", ["media_player.media_pause media_player.lounge_speaker"], "Paused Lounge Speaker"),
        ("HassMediaUnpause area Study", ["media_player.media_play media_player.study_radio"], "Resumed Study Radio"),
        ("HassMediaNext name Study Radio", ["media_player.media_next_track media_player.study_radio"],
         "Playing the next track on Study Radio"),
        ("HassMediaPrevious name Study Radio", ["media_player.media_previous_track media_player.study_radio"],
         "Playing the previous track on Study Radio"),
        ("HassSetVolume name Study Radio; volume_level 35", ["media_player.volume_set media_player.study_radio {\"volume_level\": 0.35}"],
         "Set the volume of Study Radio to 35%"),
        ("HassVacuumStart name Dusty", ["vacuum.start vacuum.dusty"], "Started Dusty"),
        ("HassVacuumReturnToBase", ["vacuum.return_to_base vacuum.dusty"], "Sent Dusty back to its base"),
        ("HassShoppingListAddItem item oat milk", ["shopping_list.add_item {\"name\": \"oat milk\"}"], "Added oat milk to your shopping list"),
        ("HassListAddItem name Grocery List; item rice", ["todo.add_item todo.groceries {\"item\": \"rice\"}"], "Added rice to Groceries"),
        ("HassStartTimer hours 2; minutes 20", [], "Timer set for 2 hours and 20 minutes"),
        ("HassStartTimer name eggs; minutes 3", [], "Timer set for 3 minutes named eggs"),
        ("HassCancelTimer", [], "Timer cancelled"),
        ("HassNevermind", [], ""),
    ])
    func resolvesToServiceCalls(_ line: String, _ expected: [String], _ speech: String) throws {
        let r = try Self.resolve(line)
        #expect(r.matched, "\(line)")
        #expect(Self.calls(r) == expected, "\(line)")
        #expect(r.speech == speech, "\(line)")
    }

    @Test func floorsAndMQTTEntities() throws {
        let r = try Self.resolve("HassTurnOn floor Attic; domain light")
        #expect(Self.calls(r) == ["light.turn_on light.nursery_night", "light.turn_on light.study_desk"])
        let night = try #require(r.actions.first)
        #expect(night.mqttTopic == "zigbee2mqtt/night_light/set")
        #expect(night.mqttPayload == "{\"state\": \"ON\"}")
        #expect(r.actions[1].mqttTopic == nil && r.actions[1].mqttPayload == nil)
        // No template: the state and the call's data as JSON.
        let kettle = try #require(try Self.resolve("HassTurnOff name Kettle").actions.first)
        #expect(kettle.mqttTopic == "home/kettle/set" && kettle.mqttPayload == "{\"state\": \"OFF\"}")
        let dim = try #require(try Self.resolve("HassLightSet name Night Light; brightness 40").actions.first)
        #expect(dim.mqttPayload == "{\"state\": \"ON\"}")
        #expect(MQTTPayload.render("{\"brightness\": {{brightness}}, \"x\": \"{{ nope }}\"}", MQTTPayload.variables(dim)) == "{\"brightness\": 102, \"x\": \"\"}")
    }

    @Test func genericEntitiesUseHomeAssistantTurnOn() throws {
        let home = Home(areas: [], entities: [.init(entityID: "input_boolean.guest_mode", name: "Guest Mode", area: nil)])
        let r = try Self.resolver(home: home).resolve(Intent(name: "HassTurnOn", slots: ["name": .string("guest mode")]))
        #expect(Self.calls(r) == ["homeassistant.turn_on input_boolean.guest_mode"])
    }

    @Test func reportsWhatItCannotFindOrDo() throws {
        let none = try Self.resolve("HassTurnOn area Workshop; domain light")
        #expect(!none.matched && none.actions.isEmpty)
        #expect(none.speech == "Sorry, I couldn't find a light in the Workshop.")
        let scene = try Self.resolve("HassTurnOff name Movie Night")
        #expect(!scene.matched && scene.actions.isEmpty)
        // Two media players and no area: which one is meant is unknown, so nothing happens.
        let pause = try Self.resolve("HassMediaPause")
        #expect(!pause.matched && pause.actions.isEmpty)
        // A bare "turn on the study" touches lights, switches and fans only.
        #expect(Self.calls(try Self.resolve("HassTurnOn area Study")) == ["light.turn_on light.study_desk", "fan.turn_on fan.study_desk_fan"])
        #expect(Self.calls(try Self.resolve("HassTurnOn area Patio")) == ["light.turn_on light.patio_lanterns"])
    }

    @Test func getStateSaysWhatItCan() throws {
        let r = try Self.resolve("HassGetState name Nursery Window; domain binary_sensor; device_class window; state on")
        #expect(r.matched && r.actions.isEmpty)
        #expect(r.speech == "I found Nursery Window, but I can't read its state yet.")
        #expect(try Self.resolve("HassGetState area Lounge; domain light; state on").speech
            == "I found 2 lights in the Lounge, but I can't read their state yet.")
    }

    @Test func fillsTheSpeakersAreaLikeHomeAssistant() throws {
        let r = try Self.resolver()
        let lights = Intent(name: "HassTurnOn", slots: ["domain": .string("light")])
        #expect(r.withContextArea(lights, context: CommandContext(area: "lounge")).slots["area"] == .string("Lounge"))
        #expect(r.withContextArea(lights, context: CommandContext(area: "Lounge")).slots["area"] == .string("Lounge"))
        #expect(r.withContextArea(lights, context: CommandContext()) == lights, "no context, no agent area")
        #expect(r.withContextArea(lights, context: CommandContext(area: "Cellar")) == lights, "unknown areas are ignored")
        let named = Intent(name: "HassTurnOn", slots: ["name": .string("Reading Lamp")])
        #expect(r.withContextArea(named, context: CommandContext(area: "Study")) == named)
        let floor = Intent(name: "HassTurnOn", slots: ["floor": .string("Attic"), "domain": .string("light")])
        #expect(r.withContextArea(floor, context: CommandContext(area: "Study")) == floor)
        let all = Intent(name: "HassTurnOff", slots: ["name": .string("all"), "domain": .string("fan")])
        #expect(r.withContextArea(all, context: CommandContext(area: "Study")).slots["area"] == .string("Study"))
        let timer = Intent(name: "HassStartTimer", slots: ["minutes": .number(5)])
        #expect(r.withContextArea(timer, context: CommandContext(area: "Study")) == timer, "timers keep no area")
        let pause = Intent(name: "HassMediaPause")
        #expect(r.withContextArea(pause, context: CommandContext(area: "Study")).slots == ["area": .string("Study")])

        let agent = try Self.resolver(agentArea: "Hallway")
        #expect(agent.withContextArea(lights, context: CommandContext()).slots["area"] == .string("Hallway"))
        #expect(agent.withContextArea(lights, context: CommandContext(area: "Study")).slots["area"] == .string("Study"))
        #expect(throws: HomeError.self) { try Self.resolver(agentArea: "Cellar") }
    }
}
