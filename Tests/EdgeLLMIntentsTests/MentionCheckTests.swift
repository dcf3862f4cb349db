import Testing
@testable import EdgeLLMIntents

struct MentionCheckTests {
    static func unsaid(_ line: String, _ command: String, context: String? = nil, devices: [String] = []) throws -> String? {
        let intent = try #require(try OutputSyntax.parse(line))
        return MentionCheck.unsaid(intent, in: command, contextArea: context, deviceNames: devices).map { "\($0.slot) \($0.value)" }
    }

    @Test(arguments: [
        ("HassTurnOn name Reading Lamp", "switch on the reading lamp"),
        ("HassTurnOff area Lounge; domain light", "Lounge lights off!"),                // plural, case, punctuation
        ("HassTurnOn name Kitchen Light", "turn on the kitchen's lights"),              // possessive
        ("HassTurnOn area Boys Room; domain light", "lights on in the boys room"),      // "boys" is "boy" either way
        ("HassGetState floor Garden level; domain lock; state unlocked", "are any garden level locks unlocked"),
        ("HassTurnOff name all; area Lounge; domain fan", "all fans off in the lounge"),  // "all" is no name
        ("HassStartTimer minutes 5", "set a five minute timer"),                        // no name, area or floor
        ("HassLightSet name Zone 2; brightness 50", "zone 2 to half"),
        ("HassTurnOn name Kid's Room Lamp", "turn on the kids room lamp"),               // speech drops apostrophes
        ("HassTurnOff area Kids Room; domain light", "lights off in the kid's room"),
        ("HassTurnOff name Garden Switch", "garden switches off"),                      // -es plurals
        ("HassTurnOn name Battery Charger", "turn on the batteries charger"),
        ("HassTurnOff name Lounge TV", "turn off the lounge TVs"),
        ("HassTurnOn area Bedroom 2; domain light", "lights on in bedroom two"),        // numbers said as words
        ("HassTurnOff floor 1st Floor; domain light", "turn off the first floor lights"),
        ("HassStartTimer seconds 30", "set a timer for half a minute"),                 // durations in words
        ("HassStartTimer hours 1", "timer for an hour"),
        ("HassStartTimer minutes 30", "timer for 30 uh minutes"),                       // a filler between
        ("HassStartTimer minutes 5", "5min timer"),                                     // run together
        ("HassStartTimer minutes 45; seconds 10", "forty-five minute ten-seconds timer"),
        ("HassCancelTimer start_minutes 5", "cancel the 5 minute timer"),
        ("HassStartTimer minutes 5; conversation_command open the garage door", "in 5 minutes, open the garage door"),
        ("HassShoppingListAddItem item oat milk", "add oat milk to my shopping list"),
        ("HassLightSet name Desk Lamp; color red", "make the desk lamp red"),
    ])
    func linesOnWhatTheCommandSaysPass(line: String, command: String) throws {
        #expect(try Self.unsaid(line, command) == nil)
    }

    @Test(arguments: [
        ("HassMediaPause name Box", "pause my granny flat music", "name Box"),
        ("HassTurnOff area Guest Suite; domain light", "light out around my granny flat", "area Guest Suite"),
        ("HassTurnOn name Reading Lamp; area Lounge", "reading lamp on in the study", "area Lounge"),
        ("HassTurnOn name Desk Lamp", "turn on the lamp", "name Desk Lamp"),            // every word must be said
        ("HassStartTimer seconds 15", "activate first floor lights", "seconds 15"),      // no duration said
        ("HassStartTimer minutes 2", "turn on the second floor lights", "minutes 2"),   // "second" alone is no unit
        ("HassStartTimer seconds 50", "set first floor temp to 50 degrees", "seconds 50"),
        ("HassStartTimer seconds 20", "set the heat to 20 in the second bedroom", "seconds 20"),  // a number, but not the unit's
        ("HassStartTimer seconds 1", "turn on a second lamp", "seconds 1"),
        ("HassCancelTimer start_hours 1", "cancel the timer", "start_hours 1"),
        ("HassStartTimer minutes 5; conversation_command stop the tv", "timer for 5 minutes", "conversation_command stop the tv"),
        ("HassShoppingListAddItem item bread", "add milk to the list", "item bread"),       // free text made up
        ("HassLightSet area Study; color turquoise", "study lights on", "color turquoise"),  // so is a colour
        ("HassTurnOff name all; area Lounge; domain light", "everything off in the lounge", "name all"),  // all of fans only
    ])
    func linesOnWhatTheCommandDoesNotSayFail(line: String, command: String, unsaid: String) throws {
        #expect(try Self.unsaid(line, command) == unsaid)
    }

    @Test func aNumberIsSaidApartFromTheNamesThatHoldOne() {
        func says(_ command: String, _ names: [String] = []) -> Bool {
            MentionCheck.saysNumber(MentionCheck.words(command), apartFrom: names)
        }
        #expect(says("set the lamp to 50%") && says("twenty five percent please") && says("brightness to the max"))
        #expect(says("zone 2 to half", ["Zone 2"]) && says("set bedroom 2 to 2", ["Bedroom 2", "Bedroom 2"]))
        #expect(!says("set bedroom 2 lamp on", ["Bedroom 2", "Bedroom 2"]), "a name said twice over is still one")
        #expect(!says("make bedroom 3 red", ["Bedroom 3"]) && !says("close bedroom three blinds", ["Bedroom 3"]))
        #expect(!says("turn on the lights") && !says("open the door for an hour"))
        // A name inside another: the longer is taken out first, whatever order the names come in.
        let command = "okay lower up our Office 2 Blinds of the Office 2"
        #expect(!says(command, ["Office 2", "Office 2 Blinds"]) && !says(command, ["Office 2 Blinds", "Office 2"]))
    }

    @Test func theNumbersACommandSays() {
        #expect(MentionCheck.saidNumbers("ten minute five-seconds timer") == ["10", "5"])
        #expect(MentionCheck.saidNumbers("Eighteen-hours and 61 minute ten-seconds timer.") == ["18", "61", "10"])
        #expect(MentionCheck.saidNumbers("eighty-five-hours and 45-minute ninety-second timer") == ["85", "45", "90"])
        #expect(MentionCheck.saidNumbers("set temperature to twenty point five degrees") == ["20.5"])
        #expect(MentionCheck.saidNumbers("change the temperature to 22.5°.") == ["22.5"])
        #expect(MentionCheck.saidNumbers("timer for an hour") == ["1"])
        #expect(MentionCheck.saidNumbers("set the volume to one hundred percent") == ["100"])
        #expect(MentionCheck.saidNumbers("5min timer") == ["5"])
        #expect(MentionCheck.saidNumbers("our stable brightness thirty like five") == ["35"])
        #expect(MentionCheck.saidNumbers("timer for 1 and a 1/2 hours") == nil)
        // Read otherwise: the value is the model's.
        #expect(MentionCheck.saidNumbers("set a timer for half an hour") == nil)
        #expect(MentionCheck.saidNumbers("brightness to the max") == nil)
    }

    @Test func aCommandThatSaysOnlyATemperature() {
        func only(_ command: String) -> Bool { MentionCheck.saysOnlyATemperature(MentionCheck.words(command)) }
        #expect(only("set temperature to 30°") && only("adjust the temp to seventeen degrees") && only("set temperature to 20.5 °"))
        #expect(!only("set the garage temperature to 20") && !only("set the temperature in the lounge to 20"))
        #expect(!only("set the first floor temperature to 20") && !only(""))
    }

    @Test func whatAQuestionSaysOfABinarySensor() {
        func said(_ command: String, names: [String] = []) -> MentionCheck.SaidSensor {
            MentionCheck.saidSensor(MentionCheck.words(command), outside: names)
        }
        #expect(said("is the phone battery normal?") == .init(classes: ["battery"], states: ["battery": ["off"]]),
                "a battery may be a sensor's value too: no binary sensor said")
        #expect(said("is the floor wet?") == .init(classes: ["moisture"], states: ["moisture": ["on"]], saysBinarySensor: true))
        #expect(said("are any devices powered on?").classes == ["power"])
        #expect(said("is the phone up to date").states == ["update": ["off"]])
        // A word that names a class narrows to it: "triggered" alone may be motion, smoke, ...
        #expect(said("which smoke sensors are triggered?") == .init(classes: ["smoke"], states: ["smoke": ["on"]], saysBinarySensor: true))
        #expect(said("is anything triggered").classes == ["motion", "occupancy", "presence", "smoke"])
        // A word that names a class says no state; one that turns a state round leaves it open.
        #expect(said("is the mains power off?") == .init(classes: ["power"]))
        #expect(said("is the washer not running?") == .init(classes: ["running"]))
        #expect(said("is there no motion in the garage") == .init(classes: ["motion"], saysBinarySensor: true))
        #expect(said("is there motion in the garage") == .init(classes: ["motion"], saysBinarySensor: true))
        // "problem" and "update" name a class and say it is there.
        #expect(said("are there any problems with the pet feeder?", names: ["Pet Feeder"]) == .init(classes: ["problem"],
                                                                                                   states: ["problem": ["on"]]))
        #expect(said("is there no problem with the pet feeder?", names: ["Pet Feeder"]) == .init(classes: ["problem"]))
        // Not inside a name: a Water Leak sensor asked if it is dry says no water.
        #expect(said("is the water leak dry", names: ["Water Leak"]) == .init(classes: ["moisture"], states: ["moisture": ["off"]],
                                                                               saysBinarySensor: true))
        #expect(said("is the motion sensor on", names: ["Motion Sensor"]) == .init())
        #expect(said("turn on the kitchen lights") == .init())
    }

    @Test func aNameSaidOnlyRightAfterAKindQuantifierSaysTheKind() {
        func only(_ name: String, _ command: String) -> Bool { MentionCheck.saysOnlyAsKind(name, in: MentionCheck.words(command)) }
        #expect(only("Motion Sensor", "which motion sensors are triggered?"))
        #expect(only("Occupancy", "are any of the occupancy sensors on") && only("Occupancy", "are any of these occupancy sensors on"))
        #expect(!only("Motion Sensor", "is the motion sensor triggered"))
        #expect(!only("Filter", "is there any problem with the filter"))
        #expect(!only("Motion Sensor", "which lights are on"), "a name not said at all is for `says` to judge")
        #expect(!only("Kettle", "are any lights on and is the kettle on"), "said once apart from the quantifier")
    }

    @Test func aPlaceSaidOnlyInsideADevicesNameIsNotSaid() throws {
        let devices = ["Bedroom Lamp", "First Floor Heater", "Lamp"]
        #expect(try Self.unsaid("HassTurnOff area Bedroom; domain light", "turn off the bedroom lamp", devices: devices) == "area Bedroom")
        #expect(try Self.unsaid("HassTurnOff name Bedroom Lamp", "turn off the bedroom lamp", devices: devices) == nil)
        #expect(try Self.unsaid("HassTurnOn floor First Floor; domain climate", "first floor heater on", devices: devices) == "floor First Floor")
        // Said apart from the name, or apart at all, the place is said.
        #expect(try Self.unsaid("HassTurnOff area Bedroom; domain light", "turn off the lamp in the bedroom", devices: devices) == nil)
        #expect(try Self.unsaid("HassTurnOff name Bedroom Lamp; area Bedroom", "bedroom lamp off in the bedroom", devices: devices) == nil)
        #expect(try Self.unsaid("HassTurnOff area Bedroom; domain light", "turn off the bedroom lamp", devices: ["Lamp"]) == nil)
        // A name in the plural is a kind of device in the place, not the one device.
        #expect(try Self.unsaid("HassTurnOff area Bedroom; domain light", "turn off the bedroom lamps", devices: devices) == nil)
        // The speaker's area needs no saying anyway.
        #expect(try Self.unsaid("HassTurnOff area Bedroom; domain light", "turn off the bedroom lamp", context: "Bedroom", devices: devices) == nil)
    }

    @Test func theSpeakersAreaNeedNotBeSaid() throws {
        #expect(try Self.unsaid("HassTurnOn area Lounge; domain light", "lights on", context: "lounge") == nil)
        #expect(try Self.unsaid("HassTurnOn area Study; domain light", "lights on", context: "Lounge") == "area Study")
        // Only an area: a name is never the speaker's.
        #expect(try Self.unsaid("HassTurnOn name Lounge", "lights on", context: "Lounge") == "name Lounge")
    }

    @Test func wordsIgnoreCasePunctuationAndApostrophes() {
        #expect(MentionCheck.words("Turn ON the Kitchen's lights, please!") == ["turn", "on", "the", "kitchens", "lights", "please"])
        #expect(MentionCheck.words("Emma\u{2019}s  café 2") == ["emmas", "café", "2"])
    }

    @Test func pluralEndingsMeetTheirSingulars() {
        func same(_ a: String, _ b: String) -> Bool { !Set(MentionCheck.forms(a)).isDisjoint(with: MentionCheck.forms(b)) }
        for (plural, singular) in [("lights", "light"), ("houses", "house"), ("glasses", "glass"), ("switches", "switch"),
                                   ("batteries", "battery"), ("tvs", "tv")] {
            #expect(same(plural, singular), "\(plural) \(singular)")
        }
        #expect(same("two", "2") && same("third", "3rd"))
        #expect(!same("two", "3") && !same("lamp", "lamb"))
        #expect(!same("fan", "fans2"))
    }
}
