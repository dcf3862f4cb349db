"""The parts of Sources/EdgeLLMIntents/IntentSchema.swift and OutputSyntax.swift the data needs.

Kept in step with the Swift side by Tests/EdgeLLMIntentsTests/GeneratedDataTests.swift, which
re-serialises a committed sample of generated lines with `OutputSyntax.serialise`.
"""

SLOT_ORDER = [
    "name", "area", "floor", "domain", "device_class", "state", "brightness", "color", "temperature",
    "position", "volume_level", "item", "hours", "minutes", "seconds", "start_hours", "start_minutes",
    "start_seconds", "conversation_command",
]

NUMERIC_SLOTS = {
    "brightness", "temperature", "position", "volume_level", "hours", "minutes", "seconds",
    "start_hours", "start_minutes", "start_seconds",
}

SWITCHABLE_DOMAINS = [
    "light", "switch", "fan", "cover", "valve", "lock", "scene", "script", "input_boolean", "media_player",
    "climate", "humidifier", "siren", "automation", "water_heater", "remote",
]

ALL_NAME = "all"
# The kinds of device a line names `all` of (IntentSchema.allKinds): fans only.
ALL_KINDS = {"fan"}
NONE = "none"

_TARGET = ["name", "area", "floor"]
_ON_OFF = _TARGET + ["domain", "device_class"]
_MEDIA = ["media_player"]

# name -> (slots in canonical order, entity domains it acts on ("*": any), fills the speaker's area)
INTENTS = {
    "HassTurnOn": (_ON_OFF, SWITCHABLE_DOMAINS, True),
    "HassTurnOff": (_ON_OFF, SWITCHABLE_DOMAINS, True),
    "HassLightSet": (_TARGET + ["brightness", "color"], ["light"], True),
    "HassClimateSetTemperature": (_TARGET + ["temperature"], ["climate"], True),
    "HassSetPosition": (_ON_OFF + ["position"], ["cover", "valve"], True),
    "HassGetState": (_ON_OFF + ["state"], ["*"], False),
    "HassMediaPause": (_TARGET, _MEDIA, True),
    "HassMediaUnpause": (_TARGET, _MEDIA, True),
    "HassMediaNext": (_TARGET, _MEDIA, True),
    "HassMediaPrevious": (_TARGET, _MEDIA, True),
    "HassSetVolume": (_TARGET + ["volume_level"], _MEDIA, True),
    "HassVacuumStart": (_TARGET, ["vacuum"], True),
    "HassVacuumReturnToBase": (_TARGET, ["vacuum"], True),
    "HassShoppingListAddItem": (["item"], [], False),
    "HassListAddItem": (["name", "item"], ["todo"], False),
    "HassStartTimer": (["name", "hours", "minutes", "seconds", "conversation_command"], [], False),
    "HassCancelTimer": (["name", "area", "start_hours", "start_minutes", "start_seconds"], [], False),
    "HassNevermind": ([], [], False),
}

REQUIRED = {
    "HassClimateSetTemperature": ["temperature"], "HassSetPosition": ["position"], "HassSetVolume": ["volume_level"],
    "HassShoppingListAddItem": ["item"], "HassListAddItem": ["name", "item"],
}
ANY_OF = {
    "HassTurnOn": {"name", "area", "floor", "domain", "device_class"},
    "HassTurnOff": {"name", "area", "floor", "domain", "device_class"},
    "HassGetState": {"name", "area", "floor", "domain", "device_class"},
    "HassLightSet": {"brightness", "color"},
    "HassStartTimer": {"hours", "minutes", "seconds"},
}

# Slots whose value is free text rather than one of the home's names.
TEXT_SLOTS = {
    "HassShoppingListAddItem": {"item"},
    "HassListAddItem": {"item"},
    "HassStartTimer": {"name", "conversation_command"},
    "HassCancelTimer": {"name"},
}


def domain(entity):
    return entity["entity_id"].split(".", 1)[0]


def says_domain(intent, entity):
    """Whether a line naming `entity` also says its domain (IntentSchema.saysDomain)."""
    d = domain(entity)
    if intent in ("HassTurnOn", "HassTurnOff"):
        return d in ("scene", "script", "valve")
    if intent == "HassSetPosition":
        return True
    if intent == "HassGetState":
        return bool(entity.get("device_class")) if d == "sensor" else \
            d in ("binary_sensor", "cover", "lock", "person", "valve")
    return False


def says_device_class(intent, entity):
    """Whether a line naming `entity` also says its device class (IntentSchema.saysDeviceClass)."""
    return intent == "HassGetState" and domain(entity) in ("binary_sensor", "sensor") \
        and bool(entity.get("device_class"))


def acts(intent, entity_domain):
    domains = INTENTS[intent][1]
    return "*" in domains or entity_domain in domains


def supported_intents(home):
    """The intents a home offers, in schema order (HomeVocabulary: nothing to act on, not offered)."""
    domains = {domain(e) for e in home["entities"]}
    return [name for name, (_, ds, _) in INTENTS.items()
            if not ds or any("*" == d or d in domains for d in ds)]


def format_number(x):
    """Whole numbers without '.0', as OutputSyntax.formatNumber writes them."""
    if float(x).is_integer():
        return str(int(x))
    return repr(float(x))


def serialise(intent, slots):
    """The line OutputSyntax.serialise writes; `none` for no intent."""
    if intent is None:
        return NONE
    keys = [k for k in SLOT_ORDER if k in slots] + sorted(k for k in slots if k not in SLOT_ORDER)
    parts = [f"{k} {format_number(slots[k]) if k in NUMERIC_SLOTS else slots[k]}" for k in keys]
    return intent + (" " + "; ".join(parts) if parts else "")


def parse(line):
    """(intent, slots) of a line; (None, {}) for `none`. Raises ValueError on a malformed line."""
    line = line.rstrip("\r\n")
    if line == NONE:
        return None, {}
    head, _, rest = line.partition(" ")
    if not head.isalpha():
        raise ValueError(f"not an intent line: {line!r}")
    slots = {}
    if rest:
        for part in rest.split("; "):
            key, sep, value = part.partition(" ")
            if not sep or not key or not value or key in slots or ";" in value:
                raise ValueError(f"bad slot {part!r} in {line!r}")
            slots[key] = float(value) if key in NUMERIC_SLOTS else value
            if key in NUMERIC_SLOTS and slots[key].is_integer():
                slots[key] = int(slots[key])
    return head, slots


STATES = ["on", "off", "open", "closed", "locked", "unlocked", "home", "not_home"]
COLORS = ["white", "black", "red", "orange", "yellow", "green", "blue", "purple", "brown", "pink", "turquoise"]
DEVICE_CLASSES = {
    "cover": ["awning", "blind", "curtain", "damper", "door", "garage", "gate", "shade", "shutter", "window"],
    "binary_sensor": [
        "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door", "garage_door", "gas",
        "heat", "light", "lock", "moisture", "motion", "moving", "occupancy", "opening", "plug", "power",
        "presence", "problem", "running", "safety", "smoke", "sound", "tamper", "update", "vibration", "window",
    ],
    "sensor": [
        "apparent_power", "aqi", "atmospheric_pressure", "battery", "carbon_dioxide", "carbon_monoxide",
        "current", "data_rate", "data_size", "date", "distance", "duration", "energy", "energy_storage",
        "frequency", "gas", "humidity", "illuminance", "irradiance", "moisture", "monetary", "nitrogen_dioxide",
        "nitrogen_monoxide", "nitrous_oxide", "ozone", "pm1", "pm10", "pm25", "power", "power_factor",
        "precipitation", "precipitation_intensity", "pressure", "reactive_power", "signal_strength",
        "sound_pressure", "speed", "sulphur_dioxide", "temperature", "timestamp", "volatile_organic_compounds",
        "volatile_organic_compounds_parts", "voltage", "volume", "volume_storage", "water", "weight",
        "wind_speed",
    ],
    "switch": ["outlet", "switch"],
    "media_player": ["tv", "speaker", "receiver"],
    "valve": ["water", "gas"],
    "humidifier": ["humidifier", "dehumidifier"],
}
NUMBER_RANGES = {"brightness": (0, 100), "position": (0, 100), "volume_level": (0, 100), "temperature": (0, 120)}


def states_of(d):
    if d in ("binary_sensor", "light", "switch", "fan", "input_boolean", "automation", "siren"):
        return ["on", "off"]
    return {"cover": ["open", "closed"], "valve": ["open", "closed"], "lock": ["locked", "unlocked"],
            "person": ["home", "not_home"], "sensor": []}.get(d, STATES)


def misfit(intent, slots, home):
    """Why IntentGrammar would not let the model write this line for this home (None: it would).
    Mirrors HomeVocabulary + IntentGrammar: values from the home, and after a name only that
    entity's area, floor, domain and device class; after a domain only its classes and states."""
    if intent is None:
        return None
    if intent not in supported_intents(home):
        return "intent not offered"
    spec_slots, _, _ = INTENTS[intent]
    entities = [e for e in home["entities"] if acts(intent, domain(e))]
    area_of = {}
    for a in home["areas"]:
        area_of.setdefault(a["id"], a)
        area_of.setdefault(a["name"], a)
    text = TEXT_SLOTS.get(intent, set())
    for key in slots:
        if key not in spec_slots:
            return f"no slot {key}"
    for key in REQUIRED.get(intent, ()):
        if key not in slots:
            return "lacks " + key
    if intent in ANY_OF and not ANY_OF[intent] & set(slots):
        return "lacks a target"
    named = None
    name = slots.get("name")
    if name is not None and "name" not in text:
        if name == ALL_NAME and intent in ("HassTurnOn", "HassTurnOff"):
            named = None
            if slots.get("domain") not in ALL_KINDS:
                return "domain after all"
        else:
            named = [e for e in entities if name.casefold() in
                     [n.casefold() for n in [e["name"]] + (e.get("aliases") or [])]]
            if not named:
                return f"no entity {name}"
    entity_areas = None if named is None or any(area_of.get(e.get("area")) is None for e in named) \
        else [area_of[e["area"]] for e in named]
    if "area" in slots:
        allowed = [a["name"] for a in entity_areas] if entity_areas is not None else [a["name"] for a in home["areas"]]
        if slots["area"] not in allowed:
            return "area"
    if "floor" in slots:
        allowed = [a.get("floor") for a in entity_areas] if entity_areas is not None \
            else [a.get("floor") for a in home["areas"]]
        if slots["floor"] not in allowed:
            return "floor"
    domains = sorted({domain(e) for e in entities})
    d = slots.get("domain")
    if named is not None:
        # After a name its domain and device class are said or not as the entity has it.
        for key, says in (("domain", says_domain), ("device_class", says_device_class)):
            marks = {says(intent, e) for e in named if key == "domain" or d is None or domain(e) == d}
            if len(marks) == 1 and marks.pop() != (key in slots):
                return key + " after this name"
    if d is not None:
        if d not in domains or (named is not None and d not in [domain(e) for e in named]):
            return "domain"
    if "device_class" in slots:
        dc = slots["device_class"]
        if named is not None:
            allowed = [e.get("device_class") for e in named if d is None or domain(e) == d]
        elif d is not None:
            allowed = DEVICE_CLASSES.get(d, []) + [e.get("device_class") for e in entities if domain(e) == d]
        else:
            allowed = [c for x in domains for c in DEVICE_CLASSES.get(x, [])] + \
                [e.get("device_class") for e in entities]
        if dc not in allowed:
            return "device_class"
    if "state" in slots and slots["state"] not in (
            states_of(d) if d else [x for e in named for x in states_of(domain(e))] if named is not None else STATES):
        return "state"
    if "color" in slots and slots["color"] not in COLORS:
        return "color"
    for key in slots:
        if key in NUMERIC_SLOTS:
            lo, hi = NUMBER_RANGES.get(key, (0, 999))
            v = slots[key]
            if not lo <= v < hi + 1 or (key != "temperature" and v != int(v)) or round(v * 10) != v * 10:
                return key
        elif key in text:
            if not slots[key] or ";" in slots[key] or " ".join(slots[key].split()) != slots[key]:
                return key
    return None
