import Testing
@testable import EdgeLLMIntents

/// The guide on the committed fixture home (Tests/Fixtures/intents/home.json), byte by byte as
/// the decoder asks it, then steering the tiny random model's decoding.
struct MentionGuideTests {
    static func guide(_ command: String, area: String? = nil) throws -> MentionGuide {
        MentionGuide(command: command, vocabulary: try HomeVocabulary(home: IntentFixtures.home()), contextArea: area)
    }

    static func permits(_ guide: MentionGuide, _ line: String, _ next: String, endsLine: Bool = false,
                        redirect: Bool = false) -> Bool {
        guide.permits(Array(line.utf8), appending: Array(next.utf8), endsLine: endsLine, redirect: redirect)
    }

    @Test func aValueMayOnlyStartAsOneTheCommandSays() throws {
        let g = try Self.guide("pause the lounge speaker please")
        #expect(Self.permits(g, "HassMediaPause name", " Lounge"))
        #expect(Self.permits(g, "HassMediaPause name Lounge", " Speaker"))
        #expect(!Self.permits(g, "HassMediaPause name", " Study"))
        #expect(Self.permits(g, "HassMediaPause name Lounge", " Sp"))
        // Whole where it ends: at the end of the line or at the next slot.
        #expect(Self.permits(g, "HassMediaPause name Lounge Speaker", "", endsLine: true))
        #expect(!Self.permits(g, "HassMediaPause name Lounge", "", endsLine: true))
        #expect(!Self.permits(g, "HassMediaPause name Lounge", "\n"))
        #expect(Self.permits(try Self.guide("pause the speaker in the lounge"), "HassTurnOn name Reading Lamp; area Lounge", ";"),
                "an earlier slot is not judged again")
    }

    @Test func noFurtherTargetSlotOnceTheLineNamesSomethingSaid() throws {
        let g = try Self.guide("turn on the reading lamp")
        #expect(!Self.permits(g, "HassTurnOn name Reading Lamp;", " area"), "no area is said")
        #expect(!Self.permits(g, "HassTurnOn name Reading Lamp;", " fl"), "no floor is said, and only \"floor\" starts so")
        #expect(Self.permits(g, "HassTurnOn name Reading Lamp;", " domain"), "other slots are not guided")
        // Before the line names something said, a slot with nothing said is the model's own
        // unless a slot ahead has something said: a command about something this home lacks
        // must not lose its target and be acted on in the speaker's area.
        #expect(!Self.permits(g, "HassTurnOn", " area"), "the reading lamp is ahead")
        #expect(Self.permits(try Self.guide("turn on the granny flat lamp"), "HassTurnOn", " area"))
        #expect(Self.permits(g, "HassTurnOn name all;", " area"), "all is not something said, and the name is behind")
        #expect(Self.permits(try Self.guide("turn on all the cinema room fans"), "HassTurnOn name all;", " area"),
                "nor when the command says it: all the fans of an area the home lacks are not all the fans")
    }

    @Test func aRedirectLeadsOnlyToAValueTheCommandSays() throws {
        let g = try Self.guide("all fans off", area: "Study")
        // The model may write `all` or the speaker's area of its own accord ...
        #expect(Self.permits(g, "HassTurnOff name", " all"))
        #expect(Self.permits(g, "HassTurnOff name all; area", " Study"))
        #expect(!Self.permits(g, "HassTurnOff name all; area", " Lounge"))
        // ... but is never steered there, nor to the bare space before a value.
        #expect(!Self.permits(g, "HassTurnOff name", " all", redirect: true))
        #expect(!Self.permits(try Self.guide("turn off all the garage lights"), "HassTurnOff name", " all", redirect: true),
                "not even when the command says all")
        #expect(!Self.permits(g, "HassTurnOff name all; area", " Study", redirect: true))
        let lamp = try Self.guide("reading lamp on")
        #expect(Self.permits(lamp, "HassTurnOn name", " Reading", redirect: true))
        #expect(!Self.permits(lamp, "HassTurnOn name", " ", redirect: true))
        #expect(Self.permits(lamp, "HassTurnOn name", " "))
    }

    @Test func whereASlotBeginsAndWhereTheDecoderMayGoBackTo() throws {
        let g = try Self.guide("turn off the nursery lights")
        for line in ["HassTurnOff", "HassTurnOff domain light;", "HassTurnOff domain light; "] {
            #expect(g.atSlotStart(Array(line.utf8)), "\(line)")
        }
        for line in ["HassTurn", "HassTurnOff name", "HassTurnOff name Night"] { #expect(!g.atSlotStart(Array(line.utf8)), "\(line)") }
        #expect(g.guidedKey(ofValueIn: Array("HassTurnOff name Desk".utf8)) == Array("name".utf8))
        #expect(g.guidedKey(ofValueIn: Array("HassTurnOff domain light; area Pat".utf8)) == Array("area".utf8))
        #expect(g.guidedKey(ofValueIn: Array("HassTurnOff domain li".utf8)) == nil)
        #expect(g.guidedKey(ofValueIn: Array("HassTurnOff name".utf8)) == nil, "no value yet")
        // With `name` gone back on, the nursery (an area the command says) is where to go.
        let name: Set<[UInt8]> = [Array("name".utf8)]
        #expect(g.beginsSaidSlot(Array("HassTurnOff".utf8), appending: Array(" area".utf8), excluding: name))
        #expect(g.beginsSaidSlot(Array("HassTurnOff".utf8), appending: Array(" ar".utf8), excluding: name))
        #expect(!g.beginsSaidSlot(Array("HassTurnOff".utf8), appending: Array(" name".utf8), excluding: name))
        #expect(!g.beginsSaidSlot(Array("HassTurnOff".utf8), appending: Array(" domain".utf8), excluding: name))
        // Nothing said anywhere: nowhere to go, the line stands and the check refuses it.
        #expect(!(try Self.guide("pause the granny flat music")).beginsSaidSlot(
            Array("HassMediaPause".utf8), appending: Array(" area".utf8), excluding: name))
    }

    @Test func noTimerAndNoDurationWithoutADurationSaid() throws {
        let lights = try Self.guide("activate first floor lights")
        #expect(!Self.permits(lights, "Hass", "Start"), "HassStartTimer is the only intent that starts so")
        #expect(!Self.permits(lights, "HassStartTimer", " seconds"))
        #expect(Self.permits(lights, "Hass", "Turn") && Self.permits(lights, "", "none", endsLine: true))
        let timer = try Self.guide("cancel the kitchen timer")
        #expect(Self.permits(timer, "HassCancelTimer", " area"))
        #expect(!Self.permits(timer, "HassCancelTimer", " start_minutes") && !Self.permits(timer, "HassCancelTimer", " start_"))
        let said = try Self.guide("set a timer for 5 minutes")
        #expect(Self.permits(said, "Hass", "Start") && Self.permits(said, "HassStartTimer", " minutes"))
    }

    @Test func freeTextIsNotGuided() throws {
        // The mention check refuses free text the command does not say; the guide leaves it be.
        #expect(Self.permits(try Self.guide("set a 5 minute pizza timer"), "HassStartTimer minutes 5; name", " pizza"))
        #expect(Self.permits(try Self.guide("add milk to the list"), "HassShoppingListAddItem item", " bread", redirect: true))
    }

    @Test func whetherTheCommandSaysADeviceByName() throws {
        #expect(try Self.guide("tell me the status of patio gate").saysName)
        #expect(try Self.guide("is the kettle on").saysName)
        #expect(try !Self.guide("turn on the patio lights").saysName, "an area is no device")
        #expect(try !Self.guide("is the gate locked").saysName, "part of a name is not the name")
        #expect(try !Self.guide("turn everything off").saysName)
        #expect(MentionGuide.beginsNone(Array("n".utf8)) && MentionGuide.beginsNone(Array("none".utf8)))
        #expect(!MentionGuide.beginsNone(Array("Hass".utf8)) && !MentionGuide.beginsNone([UInt8]()))
    }

    @Test func aSlotWithNothingSaidIsNotBegunWhileOneAheadHasSomething() throws {
        // The grammar would write the study's only media player whole once "name" is begun.
        let g = try Self.guide("set the study volume to 30")
        #expect(!Self.permits(g, "HassSetVolume", " name"))
        #expect(Self.permits(g, "HassSetVolume", " area"))
        #expect(Self.permits(try Self.guide("set the volume to 30"), "HassSetVolume", " name"), "nothing said anywhere")
        // Steered off a slot with nothing said, the line goes to the one said, not past it:
        // "domain light" would be every light.
        let kettle = try Self.guide("turn off the kettle room lamp")
        #expect(!Self.permits(kettle, "HassTurnOff", " area"))
        #expect(!Self.permits(kettle, "HassTurnOff", " domain", redirect: true))
        #expect(Self.permits(kettle, "HassTurnOff", " name", redirect: true))
        // The Kettle's name is said whole: the line names it (the check lets it; a modifier and a
        // name read alike to it).
        #expect(!Self.permits(kettle, "HassTurnOff", " domain"))
        #expect(Self.permits(try Self.guide("turn off the granny flat lamp"), "HassTurnOff", " domain"),
                "the model's own choice stays its own")
    }

    @Test func theMostTheCommandSaysOfANameIsTheName() throws {
        let home = Home(areas: [.init(id: "g", name: "Garden")],
                        entities: [.init(entityID: "switch.pump", name: "Pond Pump", area: "g"),
                                   .init(entityID: "switch.right_pump", name: "Right Pond Pump", area: "g")])
        let vocabulary = try HomeVocabulary(home: home)
        let right = MentionGuide(command: "right pond pump on", vocabulary: vocabulary, contextArea: nil)
        #expect(!Self.permits(right, "HassTurnOn name", " Pond"))
        #expect(Self.permits(right, "HassTurnOn name", " Right Pond Pump", endsLine: true))
        let plain = MentionGuide(command: "pond pump on", vocabulary: vocabulary, contextArea: nil)
        #expect(Self.permits(plain, "HassTurnOn name", " Pond Pump", endsLine: true))
    }

    @Test func aPlaceTheCommandSaysIsNotLeftOut() throws {
        let g = try Self.guide("turn off the lights in the study")
        #expect(!Self.permits(g, "HassTurnOff", " domain"), "the study would be left out for good")
        #expect(!Self.permits(g, "HassTurnOff", " d"))
        #expect(!Self.permits(g, "HassTurnOff", " domain "), "nor when the key's space comes with it")
        #expect(Self.permits(g, "HassTurnOff", " area"))
        #expect(Self.permits(g, "HassTurnOff area Study;", " domain"))
        #expect(Self.permits(g, "HassTurnOff area Study; domain light", "", endsLine: true))
        let lamp = try Self.guide("turn on the desk lamp in the study")
        #expect(!Self.permits(lamp, "HassTurnOn name Desk Lamp", "", endsLine: true))
        #expect(!Self.permits(lamp, "HassTurnOn name Desk Lamp;", " domain"))
        #expect(Self.permits(lamp, "HassTurnOn name Desk Lamp;", " area"))
        // A name that says the place names it already.
        #expect(Self.permits(try Self.guide("turn on the study radio"), "HassTurnOn name Study Radio", "", endsLine: true))
        // Free text may say a place: a timer's command is no place for the timer.
        let timer = try Self.guide("in 5 minutes turn off the study lights")
        #expect(Self.permits(timer, "HassStartTimer minutes 5;", " conversation_command"))
        // Nor is a place that a device class also names.
        let home = Home(areas: [.init(id: "g", name: "Garage")],
                        entities: [.init(entityID: "cover.door", name: "Big Door", area: "g", deviceClass: "garage")])
        let garage = MentionGuide(command: "open the garage door", vocabulary: try HomeVocabulary(home: home), contextArea: nil)
        #expect(Self.permits(garage, "HassTurnOn", " domain"))
    }

    @Test func aPlaceSaidOnlyInsideADevicesNameIsTheDevice() throws {
        let radio = try Self.guide("turn off the study radio")
        #expect(!Self.permits(radio, "HassTurnOff", " area"), "the study is the radio's, and the radio is ahead")
        #expect(!Self.permits(radio, "HassTurnOff area", " Study"))
        #expect(Self.permits(radio, "HassTurnOff name", " Study Radio", endsLine: true))
        #expect(!Self.permits(radio, "HassTurnOff name", " all"), "nor every device somewhere: the command says one whole")
        // Said apart from the name, or the name in the plural, the place is said.
        #expect(Self.permits(try Self.guide("turn off the radio in the study"), "HassTurnOff area", " Study"))
        #expect(Self.permits(try Self.guide("turn off the study radios"), "HassTurnOff area", " Study"))
        #expect(Self.permits(try Self.guide("turn on all the fans in the study"), "HassTurnOn name", " all"))
        // Only a device the intent acts on hides a place: the kitchen's temperature sensor is not
        // what a thermostat is set by.
        let kitchen = Home(areas: [.init(id: "k", name: "Kitchen")],
                           entities: [.init(entityID: "sensor.t", name: "Kitchen Temperature", area: "k", deviceClass: "temperature"),
                                      .init(entityID: "climate.k", name: "Thermostat", area: "k"),
                                      .init(entityID: "fan.f", name: "Fan", area: "k"), .init(entityID: "fan.c", name: "Ceiling Fan", area: "k")])
        let vocabulary = try HomeVocabulary(home: kitchen)
        #expect(vocabulary.deviceNames(for: "HassClimateSetTemperature") == ["Thermostat"])
        let set = MentionGuide(command: "set the kitchen temperature to 21", vocabulary: vocabulary, contextArea: nil)
        #expect(Self.permits(set, "HassClimateSetTemperature area", " Kitchen;"))
        // A command that says "every" asks for all of a kind, even one a device is named for.
        let every = MentionGuide(command: "turn off every fan", vocabulary: vocabulary, contextArea: nil)
        #expect(Self.permits(every, "HassTurnOff name", " all"))
        #expect(!Self.permits(MentionGuide(command: "turn off the fan", vocabulary: vocabulary, contextArea: nil), "HassTurnOff name", " all"))
    }

    @Test func allIsWrittenOnlyOfFansSaid() throws {
        #expect(MentionGuide.writesAll(Array("HassTurnOn name all".utf8)) && MentionGuide.writesAll(Array("HassTurnOn area Study; name all".utf8)))
        #expect(!MentionGuide.writesAll(Array("HassTurnOn name al".utf8)) && !MentionGuide.writesAll(Array("HassTurnOn area all".utf8)))
        #expect(!MentionGuide.writesAll(Array("HassTurnOn name Desk".utf8)) && !MentionGuide.writesAll(Array("HassTurnOn name".utf8)))
        #expect(Self.permits(try Self.guide("turn on the study fans"), "HassTurnOn name", " all"))
        #expect(!Self.permits(try Self.guide("turn on study lights"), "HassTurnOn name", " all"), "lights are named by area")
        #expect(!Self.permits(try Self.guide("everything off", area: "Study"), "HassTurnOff name", " all"))
    }

    @Test func aDeviceNamedWholeIsTheLinesTarget() throws {
        // "Kettle" said whole: the line names it before any other slot, and does not end without it.
        let kettle = try Self.guide("is kettle on")
        #expect(!Self.permits(kettle, "HassGetState", " domain") && !Self.permits(kettle, "HassGetState", " area"))
        #expect(Self.permits(kettle, "HassGetState", " name"))
        #expect(Self.permits(kettle, "HassGetState name Kettle;", " domain"))
        let radio = try Self.guide("study radio pause")
        #expect(!Self.permits(radio, "", "HassMediaPause", endsLine: true))
        #expect(!Self.permits(radio, "HassMediaPause", " area"))
        #expect(Self.permits(radio, "HassMediaPause name Study Radio", "", endsLine: true))
        // Not where the device is not in a place the command says (the Desk Lamp is in the study).
        #expect(Self.permits(try Self.guide("turn on the desk lamp in the lounge"), "HassTurnOn", " area"))
        #expect(!Self.permits(try Self.guide("turn on the desk lamp in the study"), "HassTurnOn", " area"))
        // Not where the command asks of a kind, says the name in the plural, or says no name.
        #expect(Self.permits(try Self.guide("are any kettles on"), "HassGetState", " domain"))
        #expect(Self.permits(try Self.guide("which desk fans are on"), "HassGetState", " domain"))
        #expect(Self.permits(try Self.guide("pause the music"), "", "HassMediaPause", endsLine: true))
    }

    @Test func aVacuumIsStartedOnlyWhenTheCommandSaysOne() throws {
        let lights = try Self.guide("light up the hallway")
        #expect(!Self.permits(lights, "", "HassVacuumS") && !Self.permits(lights, "HassVacuumStart", " area"))
        #expect(!Self.permits(lights, "", "HassVacuumReturnToBase", endsLine: true))
        #expect(Self.permits(lights, "", "HassTurnOn"))
        #expect(Self.permits(try Self.guide("vacuum the hallway"), "", "HassVacuumStart"))
        #expect(Self.permits(try Self.guide("start dusty"), "", "HassVacuumStart"), "by its name")
        #expect(Self.permits(try Self.guide("send the robot back to its dock"), "", "HassVacuumReturnToBase"))
    }

    @Test func aNumberWrittenIsOneSaid() throws {
        let g = try Self.guide("ten minute five-seconds timer")
        #expect(Self.permits(g, "HassStartTimer minutes", " 1") && Self.permits(g, "HassStartTimer minutes 1", "0;"))
        #expect(!Self.permits(g, "HassStartTimer minutes 1", ";") && !Self.permits(g, "HassStartTimer minutes", " 2"))
        #expect(Self.permits(g, "HassStartTimer minutes 10; seconds 5", "", endsLine: true))
        #expect(Self.permits(try Self.guide("set the study brightness to the max"), "HassLightSet area Study; brightness", " 100"),
                "a number read otherwise is the model's")
    }

    @Test func aTemperatureAloneNamesNoPlace() throws {
        let g = try Self.guide("set temperature to 21 degrees")
        #expect(!Self.permits(g, "HassClimateSetTemperature", " area") && !Self.permits(g, "HassClimateSetTemperature", " name"))
        #expect(Self.permits(g, "HassClimateSetTemperature", " temperature"))
        #expect(Self.permits(try Self.guide("set the lounge temperature to 21"), "HassClimateSetTemperature", " area"))
        // A place the home lacks: the model's line is the model's, and the check refuses it.
        #expect(Self.permits(try Self.guide("set the garage temperature to 21"), "HassClimateSetTemperature", " area"))
    }

    @Test func aLockSaidIsALock() throws {
        let g = try Self.guide("lock the doors on the patio")
        #expect(Self.permits(g, "HassTurnOn area Patio; domain", " lock", endsLine: true))
        #expect(!Self.permits(g, "HassTurnOn area Patio; domain", " cover") && !Self.permits(g, "HassTurnOn area Patio; domain", " lo", endsLine: true))
        #expect(!Self.permits(g, "HassTurnOn area Patio;", " device_class"))
        #expect(Self.permits(try Self.guide("close the doors on the patio"), "HassTurnOff area Patio; domain", " cover"))
        // Not where a device's name says it: "run lock up" is the Lock Up script.
        let home = Home(areas: [], entities: [.init(entityID: "script.lock_up", name: "Lock Up", area: nil),
                                              .init(entityID: "lock.front", name: "Front Door", area: nil)])
        let script = MentionGuide(command: "run lock up", vocabulary: try HomeVocabulary(home: home), contextArea: nil)
        #expect(Self.permits(script, "HassTurnOn name Lock Up; domain", " script"))
        // A door that is no lock is not the name a lock command is steered to, nor one it owes.
        let door = try Self.guide("lock the workshop door")
        #expect(!Self.permits(door, "HassTurnOn name", " Workshop Door") && Self.permits(door, "HassTurnOn", " area"))
    }

    @Test func aBinarySensorIsAskedAboutInItsOwnWords() throws {
        let home = Home(areas: [.init(id: "hall", name: "Hall")], entities: [
            .init(entityID: "binary_sensor.phone_battery", name: "Phone", area: nil, deviceClass: "battery"),
            .init(entityID: "binary_sensor.phone_presence", name: "Phone", area: nil, deviceClass: "presence"),
            .init(entityID: "binary_sensor.leak", name: "Water Leak", area: "hall", deviceClass: "moisture"),
            .init(entityID: "binary_sensor.motion", name: "Motion Sensor", area: "hall", deviceClass: "motion"),
            .init(entityID: "sensor.furnace", name: "Furnace", area: "hall", deviceClass: "temperature"),
        ])
        let vocabulary = try HomeVocabulary(home: home)
        func guide(_ command: String) -> MentionGuide { MentionGuide(command: command, vocabulary: vocabulary, contextArea: nil) }
        // The state its words say: "normal" is a battery's off.
        let normal = guide("is the phone battery normal?")
        let phone = "HassGetState name Phone; domain binary_sensor; device_class battery; state"
        #expect(Self.permits(normal, phone, " off", endsLine: true) && !Self.permits(normal, phone, " on", endsLine: true))
        // The class: "home" is a presence sensor's, not the phone's battery.
        let home_ = guide("is the phone home")
        #expect(Self.permits(home_, "HassGetState name Phone; domain binary_sensor; device_class", " presence;"))
        #expect(!Self.permits(home_, "HassGetState name Phone; domain binary_sensor; device_class", " battery;"))
        // A binary sensor said by its words: the domain.
        let wet = guide("is the floor wet?")
        #expect(Self.permits(wet, "HassGetState", " domain binary_sensor;") && !Self.permits(wet, "HassGetState", " domain sensor;"))
        #expect(Self.permits(wet, "HassGetState domain binary_sensor; device_class", " moisture;"))
        #expect(!Self.permits(wet, "HassGetState domain binary_sensor; device_class", " motion;"))
        // Asked of a kind, no name or place the command does not say.
        let anyWet = guide("are any water sensors wet?")
        #expect(!Self.permits(anyWet, "HassGetState", " name") && !Self.permits(anyWet, "HassGetState", " area"))
        #expect(Self.permits(anyWet, "HassGetState", " domain"))
        // Not asked of a kind, a device the home lacks is still the model's to name, and the
        // check's to refuse ("is the roller door plugged in").
        #expect(Self.permits(wet, "HassGetState", " name"))
        #expect(Self.permits(guide("are any water sensors wet in the hall?"), "HassGetState", " area"))
        // A name said is still the model's to write, and words inside it say nothing.
        let dry = guide("is the water leak dry")
        #expect(Self.permits(dry, "HassGetState name", " Water Leak;"))
        #expect(Self.permits(dry, "HassGetState name Water Leak; domain binary_sensor; device_class moisture; state", " off", endsLine: true))
        #expect(!Self.permits(dry, "HassGetState name Water Leak; domain binary_sensor; device_class moisture; state", " on", endsLine: true))
        // "off", "not" and the like leave the state to the model; a word that names a class, the class.
        let off = guide("is the water leak not wet")
        #expect(Self.permits(off, "HassGetState name Water Leak; domain binary_sensor; device_class moisture; state", " off", endsLine: true))
        let smoke = guide("are any smoke sensors triggered?")
        #expect(Self.permits(smoke, "HassGetState domain binary_sensor; device_class", " smoke;"))
        #expect(!Self.permits(smoke, "HassGetState domain binary_sensor; device_class", " motion;"))
        // A question's name said only after "which" or "any" is the kind asked about.
        let which = guide("which motion sensors are triggered?")
        #expect(!Self.permits(which, "HassGetState name", " Motion Sensor") && Self.permits(which, "HassGetState", " domain"))
        #expect(Self.permits(guide("is the motion sensor triggered?"), "HassGetState name", " Motion Sensor;"))
        // Nor the speaker's area, which a question does not take (the guide is told it here).
        let inHall = MentionGuide(command: "are any smoke sensors triggered?", vocabulary: vocabulary, contextArea: "Hall")
        #expect(!Self.permits(inHall, "HassGetState", " area"))
        // In a home with no binary sensor, nothing to steer to: the model's line is checked as before.
        let noSensors = MentionGuide(command: "are any water sensors wet?", vocabulary: try HomeVocabulary(home: Home(
            areas: [], entities: [.init(entityID: "light.lamp", name: "Lamp", area: nil)])), contextArea: nil)
        #expect(Self.permits(noSensors, "HassGetState", " name") && Self.permits(noSensors, "HassGetState", " domain light;"))
        // No such words, no such rule.
        let on = guide("is the phone on")
        #expect(Self.permits(on, "HassGetState name Phone; domain binary_sensor; device_class", " battery;"))
        #expect(Self.permits(guide("what is the furnace temperature"), "HassGetState name Furnace; domain", " sensor;"))
    }

    @Test func aNameSaidAfterAllIsStillTheDeviceOfACommand() throws {
        // "all the christmas lights in the hall" are those lights, not every light in the hall.
        let home = Home(areas: [.init(id: "hall", name: "Hall")], entities: [
            .init(entityID: "light.christmas", name: "Christmas Lights", area: "hall"),
            .init(entityID: "light.lamp", name: "Lamp", area: "hall"),
        ])
        let g = MentionGuide(command: "turn off all the christmas lights in the hall", vocabulary: try HomeVocabulary(home: home),
                             contextArea: nil)
        #expect(Self.permits(g, "HassTurnOff name", " Christmas Lights;") && Self.permits(g, "HassTurnOff name", " Christmas Lights;", redirect: true))
    }

    @Test func aLightSaidIsNoMediaCommand() throws {
        let lights = try Self.guide("light up the lounge")
        #expect(!Self.permits(lights, "", "HassMediaPrevious") && !Self.permits(lights, "", "HassMediaNext", endsLine: true))
        #expect(Self.permits(lights, "", "HassTurnOn"))
        #expect(Self.permits(try Self.guide("play the previous song in the lounge"), "", "HassMediaPrevious"))
        // A media player whose name says it may still be meant.
        let home = Home(areas: [.init(id: "l", name: "Lounge")],
                        entities: [.init(entityID: "media_player.lamp", name: "Lava Lamp Speaker", area: "l")])
        let speaker = MentionGuide(command: "next song on the lava lamp speaker", vocabulary: try HomeVocabulary(home: home), contextArea: nil)
        #expect(Self.permits(speaker, "", "HassMediaNext"))
        // Nor does a place's name say a light.
        let room = Home(areas: [.init(id: "r", name: "Lamp Room")], entities: [.init(entityID: "media_player.r", name: "Radio", area: "r")])
        #expect(Self.permits(MentionGuide(command: "next song in the lamp room", vocabulary: try HomeVocabulary(home: room), contextArea: nil),
                             "", "HassMediaNext"))
    }

    @Test func aLineThatNamesAllOrNoDeviceSaysWhatKindOfDevice() throws {
        var g = try Self.guide("switch off all the fans in the study")
        #expect(!Self.permits(g, "HassTurnOff name all; area Study", "", endsLine: true), "everything in the study")
        #expect(Self.permits(g, "HassTurnOff name all; area Study;", " domain"))
        #expect(Self.permits(g, "HassTurnOff name all; area Study; domain fan", "", endsLine: true))
        #expect(!Self.permits(g, "HassTurnOff area Study", "", endsLine: true))
        #expect(Self.permits(try Self.guide("turn off the study radio"), "HassTurnOff name Study Radio", "", endsLine: true))
        // After going back the line must say it of its own accord (the recognizer refuses it otherwise).
        g.addsKind = false
        #expect(Self.permits(g, "HassTurnOff area Study", "", endsLine: true))
    }

    @Test func noNumberAndNoColourThatTheCommandDoesNotSay() throws {
        let red = try Self.guide("make the study lights red")
        #expect(!Self.permits(red, "HassLightSet area Study;", " brightness"))
        #expect(Self.permits(red, "HassLightSet area Study;", " color"))
        #expect(!Self.permits(red, "", "HassSetPosition"), "a position needs a number")
        let bright = try Self.guide("set the study lights to forty percent")
        #expect(Self.permits(bright, "HassLightSet area Study;", " brightness"))
        #expect(!Self.permits(bright, "HassLightSet area Study;", " color"), "no colour is said")
        let on = try Self.guide("study lights on")
        #expect(!Self.permits(on, "", "HassLightSet") && Self.permits(on, "", "HassTurnOn"))
        // A number that is part of a said name is not a brightness; one more is.
        let home = Home(areas: [.init(id: "b", name: "Bedroom 2")], entities: [.init(entityID: "light.b", name: "Ceiling", area: "b")])
        let vocabulary = try HomeVocabulary(home: home)
        let black = MentionGuide(command: "make bedroom 2 black", vocabulary: vocabulary, contextArea: nil)
        #expect(!Self.permits(black, "HassLightSet area Bedroom 2;", " brightness"))
        let two = MentionGuide(command: "set bedroom 2 lights to 2 percent", vocabulary: vocabulary, contextArea: nil)
        #expect(Self.permits(two, "HassLightSet area Bedroom 2;", " brightness"))
    }

    @Test func aSlotIsGoneBackOnOnlyWhereItBegan() {
        let name = Array("name".utf8)
        #expect(MentionGuide.isSlot(name, Array(" name Desk".utf8)))
        #expect(MentionGuide.isSlot(name, Array("; name Desk".utf8)))
        #expect(!MentionGuide.isSlot(name, Array(" area Study; name Desk".utf8)), "the slot began after the checkpoint")
        #expect(!MentionGuide.isSlot(name, Array(" name".utf8)), "no value begun")
    }

    @Test func numbersPluralsAndPossessivesCountAsSaid() throws {
        let g = try Self.guide("close the lounge blind")
        #expect(Self.permits(g, "HassTurnOff name", " Lounge Blinds"))
        #expect(Self.permits(try Self.guide("the lounge's speakers off"), "HassMediaPause name", " Lounge Speaker", endsLine: true))
    }

    @Test func linesAreStillWrittenWhenTheCommandNamesNothingHere() throws {
        let r = try RecognizerTests.tiny()
        #expect(r.options.guideMentions)
        let result = r.recognize("pause the granny flat music", context: CommandContext(), deadline: nil)
        #expect(result.status != .error)
        expectValidLine(result.output, r.vocabulary)
    }

    /// The shipped ternary model, on commands of the committed fixture home where it reaches for
    /// what the command does not say.
    @Test func theShippedModelIsSteeredOffUnsaidNamesAndDurations() throws {
        let model = try IntentFixtures.model(IntentFixtures.shippedTernaryPath)
        let home = try IntentFixtures.home()
        let guided = try IntentRecognizer(model: model, home: home, agentArea: nil)
        let unguided = try IntentRecognizer(model: model, home: home, agentArea: nil, options: .init(guideMentions: false))
        // It names the hallway's only light, which the command does not say; the guide goes back
        // and writes the area it does say.
        let hallway = "could you turn off the hallway lights"
        #expect(unguided.recognize(hallway, context: CommandContext(), deadline: nil).output == "HassTurnOff name Hallway Spots")
        let steered = guided.recognize(hallway, context: CommandContext(), deadline: nil)
        #expect(steered.output == "HassTurnOff area Hallway; domain light" && steered.rewinds == 1 && steered.status == .ok)
        // Gone back, the new slot's value is one the command says, never the speaker's area.
        let elsewhere = guided.recognize(hallway, context: CommandContext(area: "Study"), deadline: nil)
        #expect(elsewhere.output == "HassTurnOff area Hallway; domain light", "\(elsewhere.output)")
        // "first" is no duration: no timer (this home has no first floor, so no action either).
        let floor = "turn on the first floor lights"
        #expect(unguided.recognize(floor, context: CommandContext(), deadline: nil).output.hasPrefix("HassStartTimer"))
        let notTimer = guided.recognize(floor, context: CommandContext(), deadline: nil)
        #expect(!notTimer.output.hasPrefix("HassStartTimer") && notTimer.actions.isEmpty, "\(notTimer.output)")
        // It puts `none` narrowly first for a question about a device it names; its best intent
        // is taken. Small talk about a device, where `none` leads by far, is still refused.
        let gate = "tell me the status of patio gate"
        #expect(unguided.recognize(gate, context: CommandContext(), deadline: nil).output == "none")
        let asked = guided.recognize(gate, context: CommandContext(), deadline: nil)
        #expect(asked.output == "HassGetState name Patio Gate; domain lock" && asked.status == .ok, "\(asked.output)")
        let poem = guided.recognize("write a poem about the reading lamp", context: CommandContext(), deadline: nil)
        #expect(poem.output == "none" && poem.actions.isEmpty, "\(poem.output)")
        // The lounge of "the lounge blinds" is the blinds' name: not every blind in the lounge.
        let blinds = "raise the lounge blinds"
        #expect(unguided.recognize(blinds, context: CommandContext(), deadline: nil).output.hasPrefix("HassTurnOn area Lounge"))
        let raised = guided.recognize(blinds, context: CommandContext(), deadline: nil)
        #expect(raised.output == "HassTurnOn name Lounge Blinds" && raised.status == .ok, "\(raised.output)")
    }

    /// A negative of the generated test split (Tests/Fixtures/intents/gone_back.jsonl, picked by
    /// scripts/fixtures/pick_eval_lines.py): "activate dusty lamp at floor 1!" in a home without
    /// that lamp. The guide goes back from the model's unsaid name to `floor floor 1`; the line
    /// must then say its kind of device of its own accord — the guide adding `domain light` would
    /// turn on every light on floor 1.
    @Test func aLineGoneBackOnIsNotGivenAKindByTheGuide() throws {
        let model = try IntentFixtures.model(IntentFixtures.shippedTernaryPath)
        let cases = try Evaluation.load(path: IntentFixtures.goneBackPath)
        let c = try #require(cases.first)
        let recognizer = try IntentRecognizer(model: model, home: try #require(c.home), agentArea: nil)
        let r = recognizer.recognize(c.text, context: c.context, deadline: nil)
        #expect(r.rewinds >= 1, "\(r.output)")
        #expect(r.actions.isEmpty && r.status != .ok, "\(r.output)")
    }

    /// A command of the generated test split that names a cover alone
    /// (Tests/Fixtures/intents/nothing_said_after_the_name.jsonl, picked by
    /// scripts/fixtures/pick_eval_lines.py). The grammar lets no `domain cover` follow the name, and
    /// the model's next choice is ";" and an unsaid floor; the decoder looks past the ";", finds
    /// nothing the guide permits after it and ends the line instead of standing aside.
    @Test func aSlotIsNotEndedWhereNothingPermittedCanFollow() throws {
        let model = try IntentFixtures.model(IntentFixtures.shippedTernaryPath)
        let c = try #require(try Evaluation.load(path: IntentFixtures.nothingSaidAfterTheNamePath).first)
        let recognizer = try IntentRecognizer(model: model, home: try #require(c.home), agentArea: nil)
        let r = recognizer.recognize(c.text, context: c.context, deadline: nil)
        #expect(r.output == "HassTurnOn name Roman shade" && r.status == .ok && r.intent == c.gold, "\(r.output)")
    }

    /// The shipped ternary model on three commands of the generated test split that it got
    /// wrong before these rules (Tests/Fixtures/intents/named_whole.jsonl): "deactivate
    /// downlights in outbuilding" was every light on the floor (a name said whole is the line's
    /// target), "bright on." was refused as `none` (a scene named and asked for is started), and
    /// "turn out driveway lighting" was `name all` (written of fans only).
    @Test func theShippedModelNamesWhatIsNamedWhole() throws {
        try Self.expectShippedModelRight(on: IntentFixtures.namedWholePath, count: 3)
    }

    /// The shipped ternary model on two binary-sensor questions of the generated test split whose
    /// state it wrote the wrong way round before (Tests/Fixtures/intents/sensor_words.jsonl): "Is
    /// our Window Sofa Sensor empty?" is the occupancy sensor's `off`, "is uh the key fob full?"
    /// the battery's.
    @Test func theShippedModelAsksABinarySensorInItsOwnWords() throws {
        try Self.expectShippedModelRight(on: IntentFixtures.sensorWordsPath, count: 2)
    }

    static func expectShippedModelRight(on path: String, count: Int) throws {
        let model = try IntentFixtures.model(IntentFixtures.shippedTernaryPath)
        let cases = try Evaluation.load(path: path)
        try #require(cases.count == count)
        for c in cases {
            let recognizer = try IntentRecognizer(model: model, home: try #require(c.home), agentArea: nil)
            let r = recognizer.recognize(c.text, context: c.context, deadline: nil)
            // Judged as `edgellm eval` judges it (the home has no lights in the driveway to switch).
            #expect(r.intent.map { Evaluation.slotsMatch(c.gold?.slots ?? [:], $0.slots) && $0.name == c.gold?.name } == true,
                    "\(c.text): \(r.output)")
        }
    }

    /// The shipped ternary model on two held-out homes of the generated test split where it
    /// reaches for names the commands do not say (Tests/Fixtures/intents/mention_guide.jsonl,
    /// picked by scripts/fixtures/make_mention_guide_fixture.py; the gold is the data
    /// generator's). Measured when the fixture was made: 62 of 70 exact guided, 54 without.
    @Test func theShippedModelGetsMoreCommandsRightGuided() throws {
        let model = try IntentFixtures.model(IntentFixtures.shippedTernaryPath)
        let cases = try Evaluation.load(path: IntentFixtures.mentionGuidePath)
        var recognizers: [String: IntentRecognizer] = [:]
        func run(guided: Bool) throws -> [EvalPrediction] {
            try Evaluation.run(cases) { home in
                let home = try #require(home)
                let key = "\(guided) \(home.areas.map(\.id)) \(home.entities.map(\.entityID))"
                if let r = recognizers[key] { return r }
                let r = try IntentRecognizer(model: model, home: home, agentArea: nil, options: .init(guideMentions: guided))
                recognizers[key] = r
                return r
            }
        }
        let guided = try run(guided: true), unguided = try run(guided: false)
        let right = (guided: guided.filter(\.exact).count, unguided: unguided.filter(\.exact).count)
        print("mention guide fixture: exact \(right.guided) of \(cases.count) guided, \(right.unguided) unguided")
        #expect(right.guided >= 60, "\(right)")
        for (g, u) in zip(guided, unguided) {
            expectValidLine(g.recognition.output, try HomeVocabulary(home: try #require(g.evalCase.home)))
            if g.evalCase.gold == nil {
                // A command about something this home lacks still comes to no action (a slot gone
                // back on may turn a refusal into a "not found": "are the shades detected our
                // south wing" in a home without shades).
                #expect(g.recognition.actions.isEmpty, "\(g.evalCase.text): \(g.recognition.output)")
            } else {
                #expect(g.exact || !u.exact, "the guide lost \(g.evalCase.text): \(g.recognition.output)")
            }
        }
    }
}
