"""Random homes in the agent's home schema (Tests/Fixtures/intents/home.json).

Names come from names.py, split by seed into a train part (80 %) and a held-out part that only
val/test homes use, so an evaluation home's names were never seen in training.
"""

import re

import names as N

DEVICE_CLASS_OF = {"Television": "tv", "Projector": "tv", "Apple TV": "tv", "Fire Stick": "tv",
                   "Home Theater": "receiver", "Receiver": "receiver", "Speaker": "speaker",
                   "Smart Speaker": "speaker", "Soundbar": "speaker", "Sonos": "speaker", "Echo": "speaker"}

# (domain, how many: lowest, highest) per home; a home always has some lights.
DOMAIN_COUNTS = [
    ("light", 2, 8), ("switch", 0, 4), ("fan", 0, 3), ("cover", 0, 4), ("valve", 0, 2), ("lock", 0, 3),
    ("climate", 0, 2), ("media_player", 0, 3), ("vacuum", 0, 1), ("scene", 0, 3), ("script", 0, 2),
    ("todo", 0, 3), ("binary_sensor", 0, 5), ("sensor", 0, 3), ("person", 0, 3),
]
AREALESS = {"scene", "script", "todo", "person"}


def slug(text):
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def load_excluded(path):
    with open(path, encoding="utf-8") as f:
        return {line.strip().casefold() for line in f if line.strip() and not line.startswith("#")}


def _pools_of():
    """Every name list, keyed, in a fixed order."""
    pools = {"areas": N.AREAS, "floors": N.FLOORS, "modifiers": N.MODIFIERS}
    for d, words in N.DEVICES.items():
        pools["device:" + d] = words
    for kind, table in (("cover", N.COVERS), ("valve", N.VALVES), ("binary_sensor", N.BINARY_SENSORS),
                        ("sensor", N.SENSORS)):
        for device_class, words in table.items():
            pools[f"{kind}:{device_class}"] = words
    for d, words in N.ALIASES.items():
        pools["alias:" + d] = words
    return pools


def split_pools(rng, excluded):
    """{"train": {key: names}, "heldout": {key: names}}: each list shuffled by seed and cut 80/20."""
    out = {"train": {}, "heldout": {}}
    for key, words in _pools_of().items():
        words = [w for w in words if w.casefold() not in excluded]
        rng.shuffle(words)
        cut = max(1, round(len(words) * 0.8)) if len(words) > 1 else len(words)
        out["train"][key] = words[:cut]
        out["heldout"][key] = words[cut:] or words[:1]
    return out


class HomeBuilder:
    """Builds one home from one part of the pools; `forbidden` names (casefolded) are never used."""

    def __init__(self, rng, pools, excluded, forbidden=frozenset(), scale=1):
        self.rng, self.pools, self.excluded, self.forbidden = rng, pools, excluded, forbidden
        self.scale = scale  # >1: a large home, up to `scale` times the devices, 6-12 areas
        self.taken = set()

    def _free(self, name):
        key = name.casefold()
        return key not in self.taken and key not in self.excluded and key not in self.forbidden

    def _take(self, name):
        self.taken.add(name.casefold())
        return name

    def _pick(self, candidates):
        """A free name among candidates (tried in random order), or None."""
        candidates = list(candidates)
        self.rng.shuffle(candidates)
        for c in candidates:
            if self._free(c):
                return self._take(c)
        return None

    def build(self):
        rng, pools = self.rng, self.pools
        area_count = rng.randint(3, 9) if self.scale == 1 else rng.randint(6, 12)
        area_names = [self._pick(pools["areas"]) for _ in range(area_count)]
        area_names = [a for a in area_names if a]
        floors = []
        if rng.random() < 0.5:
            floors = [f for f in (self._pick(pools["floors"]) for _ in range(rng.randint(2, 3))) if f]
        areas = []
        for a in area_names:
            area = {"id": slug(a), "name": a}
            if floors and rng.random() < 0.9:
                area["floor"] = rng.choice(floors)
            areas.append(area)
        entities = []
        for d, low, high in DOMAIN_COUNTS:
            for _ in range(rng.randint(low * self.scale, high * self.scale) if d == "light" or rng.random() < 0.7 else 0):
                entity = self._entity(d, areas)
                if entity:
                    entities.append(entity)
        ids = set()
        for e in entities:
            base, n = e["entity_id"], 2
            while e["entity_id"] in ids:
                e["entity_id"], n = f"{base}_{n}", n + 1
            ids.add(e["entity_id"])
        home = {"areas": areas, "entities": entities}
        # People name things "Garage fan" or "garage fan" as often as "Garage Fan": the model must
        # copy the home's spelling, whatever its style.
        roll = rng.random()
        self.style = sentence_case if roll < 0.3 else lower_case if roll < 0.4 else None
        if self.style:
            restyle(home, self.style)
        return home

    def _entity(self, d, areas):
        rng, pools = self.rng, self.pools
        device_class = None
        if d in ("cover", "valve", "binary_sensor", "sensor"):
            classes = sorted(k.split(":", 1)[1] for k in pools if k.startswith(d + ":"))
            device_class = rng.choice(classes)
            words = pools[f"{d}:{device_class}"]
        else:
            words = pools["device:" + d]
        area = rng.choice(areas) if areas and (d not in AREALESS or rng.random() < 0.15) else None
        # Proper names and named routines stand alone; devices are often named after their area
        # or a distinguishing word, the way people name them in Home Assistant.
        candidates = []
        for w in words:
            roll = rng.random()
            if d in ("person", "scene", "script", "todo", "vacuum") or roll < 0.4:
                candidates.append(w)
            elif roll < 0.75 and area:
                candidates.append(f"{area['name']} {w}")
            else:
                candidates.append(f"{rng.choice(pools['modifiers'])} {w}")
        name = self._pick(candidates)
        if not name:
            return None
        entity = {"entity_id": f"{d}.{slug(name)}", "name": name, "area": area["id"] if area else None}
        if "alias:" + d in pools and rng.random() < 0.15:
            alias = self._pick(pools["alias:" + d])
            if alias:
                entity["aliases"] = [alias]
        if d == "switch" and rng.random() < 0.3:
            device_class = "outlet"
        if d == "media_player":
            device_class = next((c for w, c in sorted(DEVICE_CLASS_OF.items()) if name.endswith(w)), None)
        if device_class:
            entity["device_class"] = device_class
        return entity


# Syllables of made-up words: names no list holds, so a model trained on them must copy a name from
# the home's listing rather than recall one it has seen.
ONSETS = ["b", "br", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "st", "t", "v", "z", "ch", "sh", "tr"]
VOWELS = ["a", "e", "i", "o", "u", "a", "e", "o", "ai", "ou"]
CODAS = ["", "", "", "n", "r", "l", "s", "m"]
AREA_WORDS = ["Room", "Hall", "Wing", "Den", "Loft", "Nook"]


# Every word of every name list, casefolded: what a made-up word must not be.
POOL_WORDS = frozenset(w.casefold() for words in _pools_of().values() for name in words for w in name.split())


def made_up_word(rng):
    syllables = 2 if rng.random() < 0.75 else 3
    word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables))
    return word.capitalize()


def invent_names(home, rng, excluded, style=None):
    """The home with made-up names in place of its areas', floors' and many devices' names, kept
    consistent: a device named after its area ("Kitchen Lamp") follows the area ("Brovane Lamp");
    a multi-word name keeps its last words ("Baifon Light Bar"), so it still says what the device
    is. A made-up word is never a word of any name list."""
    used = set(home_names(home)) | POOL_WORDS

    def fresh():
        while True:
            w = made_up_word(rng)
            if w.casefold() not in used and w.casefold() not in excluded:
                used.add(w.casefold())
                return w

    renamed = {}
    for a in home["areas"]:
        old = a["name"]
        renamed[old] = old
        if rng.random() < 0.3:
            continue
        a["name"] = fresh() + (" " + rng.choice(AREA_WORDS) if rng.random() < 0.4 else "")
        renamed[old] = a["name"]
        old_id, a["id"] = a["id"], slug(a["name"])
        for e in home["entities"]:
            if e.get("area") == old_id:
                e["area"] = a["id"]
    floors = {f: fresh() + " Floor" for f in sorted({a["floor"] for a in home["areas"] if a.get("floor")})}
    for a in home["areas"]:
        if a.get("floor"):
            a["floor"] = floors[a["floor"]]
    ids = set()
    for e in home["entities"]:
        name = e["name"]
        area_name = next((n for n in renamed if name.startswith(n + " ")), None)
        if area_name:
            name = renamed[area_name] + name[len(area_name):]
        elif rng.random() < 0.6:
            words = name.split(" ")
            name = " ".join([fresh()] + words[1:]) if len(words) > 1 else fresh()
        e["name"] = name
        if e.get("aliases") and rng.random() < 0.5:
            e["aliases"] = [fresh()]
        domain = e["entity_id"].split(".", 1)[0]
        base = f"{domain}.{slug(name)}"
        e["entity_id"], n = base, 2
        while e["entity_id"] in ids:
            e["entity_id"], n = f"{base}_{n}", n + 1
        ids.add(e["entity_id"])
    if style:
        restyle(home, style)
    return home


def sentence_case(name):
    """"Garage Fan" -> "Garage fan"; acronyms ("TV", "CO Alarm") stay as they are."""
    words = name.split(" ")
    return " ".join([words[0]] + [w if w.isupper() and len(w) > 1 else w.lower() for w in words[1:]])


def lower_case(name):
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in name.split(" "))


def restyle(home, style):
    for a in home["areas"]:
        a["name"] = style(a["name"])
        if a.get("floor"):
            a["floor"] = style(a["floor"])
    for e in home["entities"]:
        e["name"] = style(e["name"])
        if e.get("aliases"):
            e["aliases"] = [style(x) for x in e["aliases"]]


def home_names(home):
    """Every name, alias, area and floor of a home, casefolded."""
    out = set()
    for a in home["areas"]:
        out.add(a["name"].casefold())
        if a.get("floor"):
            out.add(a["floor"].casefold())
    for e in home["entities"]:
        out.add(e["name"].casefold())
        out.update(x.casefold() for x in e.get("aliases") or [])
    return out
