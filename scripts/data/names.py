"""Word lists the random homes and the free-text slots are drawn from.

Broad on purpose: a small model should learn to copy whatever name the prompt lists, not a few
favourites. Each list is split by seed into a train part and a held-out part (val/test homes), so
evaluation homes use names training never saw. Home Assistant's test-home names are removed
(excluded_names.txt).
"""

AREAS = [
    "Dining Room", "Lounge", "Hallway", "Pantry", "Patio", "Study", "Nursery", "Workshop", "Den", "Library",
    "Laundry Room", "Utility Room", "Mudroom", "Sunroom", "Conservatory", "Master Bedroom", "Guest Bedroom",
    "Kids Room", "Playroom", "Gym", "Home Office", "Cellar", "Porch", "Deck", "Balcony", "Terrace", "Garden",
    "Backyard", "Front Yard", "Driveway", "Shed", "Greenhouse", "Bathroom", "Ensuite", "Powder Room", "Loft",
    "Studio", "Music Room", "Game Room", "Media Room", "Cinema Room", "Foyer", "Landing", "Stairwell",
    "Corridor", "Walk In Closet", "Wine Cellar", "Boiler Room", "Carport", "Pool House", "Sauna", "Craft Room",
    "Sewing Room", "Family Room", "Sitting Room", "Breakfast Nook", "Back Porch", "Front Porch", "Attic Room",
    "Spare Room", "Box Room", "Guest Suite", "Kids Bathroom", "Main Bathroom", "Upstairs Bathroom",
    "Downstairs Toilet", "Reading Room", "Art Studio", "Barn", "Stable", "Workshop Annex", "Orangery",
    "Courtyard", "Rooftop", "Pool Area", "Hot Tub", "Scullery", "Larder", "Cloakroom", "Vestibule",
    "Lobby", "Server Room", "Recording Booth", "Dressing Room", "Boys Room", "Girls Room", "Teen Room",
    "Baby Room", "Granny Flat", "Back Garden", "Front Garden", "Side Yard", "Veranda", "Gazebo", "Pergola",
    "Bedroom 2", "Bedroom 3", "Bedroom 4", "Bathroom 2", "Kids Room 2", "Guest Room 2", "Unit 1", "Unit 2",
    "Flat 3", "Suite 4", "Room 5", "Office 2",
]

FLOORS = [
    "Downstairs", "Attic", "Main Floor", "Lower Level", "Upper Level", "Third Floor", "Top Floor",
    "Mezzanine", "Garden Level", "Lower Ground", "Penthouse", "Annex", "East Wing", "West Wing",
    "North Wing", "South Wing", "Main Level", "Split Level", "Loft Level", "Cellar Level", "Guest House",
    "Outbuilding", "Street Level", "Roof Level",
    # Numbered and ordinal floors, as real homes name them: without them a model meets "1st" or
    # "Level 2" only in timers and durations (Home Assistant's "First Floor" and "Second Floor" are
    # its test home's, excluded_names.txt; "1st"/"2nd Floor" would be the same names respelled).
    "Fourth Floor", "Fifth Floor", "3rd Floor", "4th Floor", "Floor 1", "Floor 2", "Floor 3", "Level 1",
    "Level 2", "Level 3", "Level One", "Level Two", "Upper Floor", "Lower Floor", "Floor Zero", "Top Level",
]

# Entity names per domain: standalone nouns (also combined with an area or a modifier) and proper names.
DEVICES = {
    "light": ["Lamp", "Ceiling Light", "Spotlights", "Chandelier", "Pendant", "Strip Lights", "Floor Lamp",
              "Desk Lamp", "Sconce", "Downlights", "Fairy Lights", "Lantern", "Wall Light", "Night Light",
              "Reading Lamp", "Bedside Lamp", "Track Lights", "Uplighter", "Mood Light", "LED Strip",
              "Porch Light", "Flood Light", "Bulb", "Globe", "Light Bar", "Star Projector", "Salt Lamp",
              "Mirror Light", "Cabinet Lights", "Island Lights", "Vanity Light", "Torchiere", "Accent Light"],
    "switch": ["Kettle", "Coffee Machine", "Heater", "Towel Rail", "Dehumidifier", "Air Compressor",
               "Aquarium Pump", "Christmas Tree", "Plug", "Socket", "Printer", "Monitor", "Electric Blanket",
               "Water Heater", "Pond Pump", "Toaster", "Soldering Station", "Grow Light", "Amplifier",
               "Extractor", "Heat Lamp", "Espresso Maker", "Sound System", "Boiler", "Pool Pump",
               "Immersion Heater", "Router", "Fountain", "Chiller", "Hot Plate"],
    "fan": ["Fan", "Desk Fan", "Tower Fan", "Pedestal Fan", "Extractor Fan", "Attic Fan", "Exhaust Fan",
            "Air Purifier", "Ventilator", "Box Fan", "Floor Fan", "Ceiling Fans", "Cooling Fan", "Window Fan"],
    "lock": ["Gate Lock", "Door Lock", "Garden Gate", "Patio Door", "Cellar Door", "Deadbolt", "Shed Lock",
             "Main Entrance", "Porch Door", "Kitchen Door", "Smart Lock", "Bike Lock", "Safe", "Letterbox",
             "French Doors", "Garden Door", "Courtyard Gate", "Side Gate", "Cat Flap"],
    "climate": ["Heat Pump", "Air Conditioner", "Radiator", "Heating", "Aircon", "Floor Heating",
                "Climate Control", "Mini Split", "Boiler Control", "Wall Heater", "HVAC", "Nest",
                "Underfloor Heating", "Heater Panel"],
    "media_player": ["Speaker", "Television", "Soundbar", "Radio", "Stereo", "Echo", "Smart Speaker",
                     "Record Player", "Receiver", "Projector", "Music Player", "Jukebox", "Media Center",
                     "Chromecast", "Sonos", "Home Theater", "Boombox", "Apple TV", "Fire Stick"],
    "vacuum": ["Robot Vacuum", "Roomba", "Dusty", "Robo", "Hoover", "Sweepy", "Vacuum", "Cleaning Robot",
               "Mopper", "Rosie", "Dustin", "Crumbs", "Scooter", "Bot", "Mop Robot"],
    "scene": ["Movie Night", "Dinner Time", "Relax", "Bright", "Romantic", "Morning", "Evening", "Reading",
              "Game Night", "Focus", "Cozy", "Wake Up", "Bedtime", "Away", "Welcome Home", "Cinema",
              "Concentrate", "Date Night", "Sunset", "Nightlight", "Energize", "Chill Out", "Party Time",
              "Quiet Time", "Dinner Party", "Lazy Sunday"],
    "script": ["Goodnight Routine", "Morning Routine", "Leave Home", "Arrive Home", "All Off", "Vacation Mode",
               "Guest Mode", "Holiday Lights", "Panic", "School Run", "Feed The Cat", "Water Plants",
               "Lock Up", "Start Coffee", "Bath Time", "Sleep Mode", "Night Watch", "Wake The Kids",
               "Shutdown", "Movie Prep"],
    "todo": ["Groceries", "Errands", "Hardware Store", "To Do", "Packing List", "Gift Ideas", "Pharmacy",
             "Costco", "Weekend Jobs", "Garden Tasks", "Home Repairs", "Wish List", "Books To Read",
             "Homework", "Party Supplies", "Camping Gear", "Work Tasks", "Chore List", "Farmers Market",
             "Aldi", "Whole Foods", "Target"],
    "person": ["Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Sofia", "Mateo", "Priya",
               "Arjun", "Chen", "Mei", "Fatima", "Omar", "Lena", "Jonas", "Grace", "Oscar", "Ines", "Hugo",
               "Nora", "Felix", "Zara", "Kenji", "Aisha", "Tom", "Rosa", "Dad", "Mum", "Grandma"],
}

COVERS = {
    "awning": ["Awning", "Sun Awning", "Patio Awning", "Canopy"],
    "blind": ["Blinds", "Roller Blind", "Venetian Blinds", "Blackout Blind", "Skylight Blind"],
    "curtain": ["Curtains", "Drapes", "Sheer Curtains", "Blackout Curtains"],
    "door": ["Sliding Door", "Barn Door", "Pocket Door", "Cat Door"],
    "garage": ["Garage Door", "Roller Door", "Carport Door", "Workshop Door"],
    "gate": ["Driveway Gate", "Main Gate", "Front Gate", "Electric Gate"],
    "shade": ["Shades", "Sun Shade", "Roman Shade", "Cellular Shade"],
    "shutter": ["Shutters", "Roller Shutter", "Window Shutter", "Storm Shutters"],
    "window": ["Skylight", "Roof Window", "Velux", "Transom Window", "Clerestory Window"],
}

VALVES = {
    "water": ["Sprinkler", "Irrigation", "Water Valve", "Drip Line", "Garden Hose", "Water Main",
              "Lawn Sprinklers", "Mister"],
    "gas": ["Gas Valve", "Gas Main", "Gas Supply"],
}

BINARY_SENSORS = {
    "door": ["Door Sensor", "Back Gate", "Fridge Door", "Freezer Door", "Mailbox", "Basement Door"],
    "window": ["Window", "Bay Window", "Skylight Sensor", "Window Contact"],
    "battery": ["Doorbell", "Smoke Alarm", "Remote", "Key Fob", "Tablet"],
    "moisture": ["Leak Sensor", "Water Leak", "Flood Sensor", "Sump Sensor"],
    "motion": ["Motion", "PIR", "Movement", "Presence Sensor"],
    "smoke": ["Smoke Detector", "Fire Alarm"],
    "opening": ["Lid", "Hatch", "Trapdoor"],
    "occupancy": ["Bed Sensor", "Desk Presence", "Sofa Sensor"],
    "vibration": ["Washing Machine", "Dryer", "Dishwasher"],
    "carbon_monoxide": ["CO Alarm", "CO Detector"],
    "battery_charging": ["Toothbrush", "Laptop Charging", "Car Charging", "Scooter Charger"],
    "cold": ["Frost Sensor", "Cellar Pipes", "Greenhouse Frost"],
    "heat": ["Server", "Attic Heat", "Oven Sensor"],
    "connectivity": ["Internet", "Network", "Printer Link", "Hub Status"],
    "gas": ["Gas Sensor", "Gas Detector", "Gas Alarm"],
    "light": ["Daylight Sensor", "Light Detector", "Sunlight"],
    "plug": ["Laptop Plug", "Charger Plug", "Kettle Plug"],
    "power": ["Grid Power", "Power Supply", "Mains Feed"],
    "presence": ["Car Presence", "Watch", "Tracker"],
    "problem": ["Water Softener", "Filter", "Pool Pump Status"],
    "running": ["Tumble Dryer", "Pump", "Dish Washer"],
    "safety": ["Pool Safety", "Gate Safety", "Ladder"],
    "sound": ["Baby Monitor", "Noise Sensor", "Sound Sensor"],
    "tamper": ["Jewellery Box", "Safe", "Cash Box"],
    "update": ["Firmware", "Hub Firmware", "Camera Firmware"],
}

SENSORS = {
    "temperature": ["Temperature", "Thermometer", "Freezer Temperature", "Pool Temperature"],
    "humidity": ["Humidity", "Hygrometer"],
    "battery": ["Tablet Battery", "Car Battery", "Laptop Battery", "Scooter Battery"],
    "power": ["Power Usage", "Energy Meter", "Solar Power", "Heat Pump Power"],
    "illuminance": ["Light Level", "Lux Sensor"],
    "carbon_dioxide": ["CO2 Level", "Air Quality"],
    "pressure": ["Barometer", "Air Pressure"],
}

# Words an entity name may start with (besides an area name).
MODIFIERS = [
    "Left", "Right", "Corner", "Big", "Small", "Main", "Back", "Front", "Upper", "Lower", "North", "South",
    "East", "West", "Old", "New", "Blue", "Red", "Tall", "Round", "Twin", "Side", "Middle", "Outdoor",
    "Indoor", "Wall", "Window", "Sofa", "Bed", "Desk", "Island", "Stair", "Mirror", "Shelf", "Table",
]

# Other ways people name the same device (aliases).
ALIASES = {
    "light": ["Lights", "Main Light", "Big Light", "Overhead", "Lamp Light", "The Glow", "Sunshine"],
    "switch": ["Outlet", "Power Plug", "Smart Plug", "Socket Switch"],
    "fan": ["Breeze", "Air Mover", "Blower"],
    "media_player": ["Music", "Telly", "Box", "Tunes", "Big Screen"],
    "climate": ["Thermostat Control", "AC", "Warmth", "Temperature Control"],
    "vacuum": ["Robot", "Vac", "Cleaner"],
    "cover": ["Screen", "Blackout", "Roller"],
    "lock": ["Latch", "Bolt"],
    "todo": ["Shopping", "Jobs", "Stuff To Get", "Tasks"],
}

# Free text: shopping items, to-do items, timer names, timer commands.
ITEMS = [
    "milk", "eggs", "bread", "butter", "cheese", "apples", "bananas", "coffee", "tea", "rice", "pasta",
    "olive oil", "paper towels", "toilet paper", "dish soap", "laundry detergent", "tomatoes", "onions",
    "garlic", "chicken", "salmon", "yogurt", "cereal", "orange juice", "batteries", "light bulbs",
    "dog food", "cat litter", "shampoo", "toothpaste", "flour", "sugar", "chocolate", "ice cream",
    "avocados", "spinach", "carrots", "potatoes", "lemons", "strawberries", "peanut butter", "honey",
    "bin bags", "sponges", "wine", "sparkling water", "oat milk", "tortillas", "hummus", "granola",
    "call the plumber", "pick up the dry cleaning", "renew passport", "book a dentist appointment",
    "fix the fence", "clean the gutters", "buy a birthday card", "return library books", "pay rent",
    "charge the car", "mow the lawn", "water the plants", "walk the dog", "order new filters",
]

TIMER_NAMES = [
    "pizza", "pasta", "eggs", "laundry", "tea", "oven", "rice", "bread", "nap", "homework", "workout",
    "cookies", "roast", "parking", "meditation", "steak", "potatoes", "soup", "cake", "break", "study",
    "dryer", "plants", "bath", "popcorn", "lasagna", "chicken", "pie",
]

TIMER_COMMANDS = [
    "turn off the lights", "turn on the fan", "close the blinds", "lock the door", "stop the music",
    "turn off the heater", "open the curtains", "pause the tv",
]
