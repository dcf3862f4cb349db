"""Things people say to a voice assistant that are not commands for the home: questions, chit-chat,
requests for other skills. Built from frames and fillers so the model sees many, not a few to
memorise. Their line is `none`.
"""

QUESTION_WORDS = {"what", "what's", "whats", "who", "who's", "where", "when", "why", "how", "is", "are", "do",
                  "does", "can", "could", "should", "will", "would", "which", "did", "have", "has"}

COUNTRIES = ["france", "japan", "brazil", "canada", "kenya", "norway", "peru", "egypt", "india", "australia",
             "mexico", "spain", "vietnam", "chile", "ireland", "ghana", "poland", "thailand", "iceland", "nepal"]
BOOKS = ["hamlet", "moby dick", "pride and prejudice", "the odyssey", "war and peace", "1984", "dune",
         "the hobbit", "don quixote", "frankenstein", "the great gatsby", "jane eyre", "ulysses", "dracula"]
PEOPLE = ["einstein", "cleopatra", "napoleon", "marie curie", "shakespeare", "mozart", "frida kahlo", "gandhi",
          "ada lovelace", "newton", "beyonce", "picasso", "the president", "darwin", "tesla"]
THINGS = ["the moon", "a black hole", "the sun", "mount everest", "the ocean", "a rainbow", "the internet",
          "a volcano", "the pyramids", "a tornado", "gravity", "photosynthesis", "bitcoin", "a neutron star",
          "the amazon river", "dinosaurs", "the milky way", "electricity", "the eiffel tower"]
TOPICS = ["cats", "dogs", "space", "pirates", "pizza", "computers", "the weather", "robots", "football",
          "penguins", "coffee", "math", "history", "music", "ghosts", "the ocean"]
FOODS = ["pancakes", "lasagna", "banana bread", "risotto", "a margarita", "guacamole", "sourdough", "curry",
         "chocolate cake", "pad thai", "an omelette", "chili"]
CITIES = ["paris", "tokyo", "new york", "berlin", "sydney", "cairo", "lima", "toronto", "mumbai", "oslo",
          "madrid", "seoul", "nairobi", "chicago"]
WORDS = ["serendipity", "ubiquitous", "ephemeral", "cat", "hello", "thank you", "library", "quixotic",
         "apple", "good morning", "sonder", "petrichor"]
LANGUAGES = ["spanish", "french", "german", "japanese", "italian", "portuguese", "korean", "dutch"]
ACTIVITIES = ["sleep better", "tie a tie", "boil an egg", "learn guitar", "meditate", "change a tyre",
              "fold a fitted sheet", "make friends", "stop procrastinating", "write a poem", "juggle",
              "bake bread", "save money", "fall asleep fast"]
TEAMS = ["the lakers", "arsenal", "the yankees", "real madrid", "the all blacks", "the patriots", "barcelona"]

FRAMES = [
    ("what's the capital of {c}", {"c": COUNTRIES}),
    ("what is the capital of {c}", {"c": COUNTRIES}),
    ("who wrote {b}", {"b": BOOKS}),
    ("who was {p}", {"p": PEOPLE}),
    ("when was {p} born", {"p": PEOPLE}),
    ("tell me about {p}", {"p": PEOPLE}),
    ("how big is {t}", {"t": THINGS}),
    ("how far away is {t}", {"t": THINGS}),
    ("what is {t}", {"t": THINGS}),
    ("explain {t} to me", {"t": THINGS}),
    ("tell me a joke", {}),
    ("tell me a joke about {o}", {"o": TOPICS}),
    ("tell me a story about {o}", {"o": TOPICS}),
    ("sing me a song", {}),
    ("do you like {o}", {"o": TOPICS}),
    ("what do you think about {o}", {"o": TOPICS}),
    ("give me a fun fact about {o}", {"o": TOPICS}),
    ("how do i make {f}", {"f": FOODS}),
    ("what's a good recipe for {f}", {"f": FOODS}),
    ("how many calories are in {f}", {"f": FOODS}),
    ("what time is it in {y}", {"y": CITIES}),
    ("how far is {y} from {z}", {"y": CITIES, "z": CITIES}),
    ("what's the population of {y}", {"y": CITIES}),
    ("what's the weather like in {y}", {"y": CITIES}),
    ("will it rain tomorrow in {y}", {"y": CITIES}),
    ("how do you say {w} in {l}", {"w": WORDS, "l": LANGUAGES}),
    ("translate {w} into {l}", {"w": WORDS, "l": LANGUAGES}),
    ("what does {w} mean", {"w": WORDS}),
    ("how do you spell {w}", {"w": WORDS}),
    ("how do i {a}", {"a": ACTIVITIES}),
    ("teach me how to {a}", {"a": ACTIVITIES}),
    ("what's {n} plus {m}", {"n": "num", "m": "num"}),
    ("what is {n} times {m}", {"n": "num", "m": "num"}),
    ("what's {n} divided by {m}", {"n": "num", "m": "num"}),
    ("what's the square root of {n}", {"n": "num"}),
    ("did {team} win last night", {"team": TEAMS}),
    ("when do {team} play next", {"team": TEAMS}),
    ("what's the meaning of life", {}),
    ("are you a robot", {}),
    ("what's your name", {}),
    ("how old are you", {}),
    ("who made you", {}),
    ("do you dream", {}),
    ("are you listening", {}),
    ("i love you", {}),
    ("good morning", {}),
    ("good night", {}),
    ("thank you", {}),
    ("how are you today", {}),
    ("what's up", {}),
    ("i'm bored", {}),
    ("i'm hungry", {}),
    ("what should i have for dinner", {}),
    ("what's on my calendar today", {}),
    ("remind me to call {p} tomorrow", {"p": ["mom", "dad", "the dentist", "my boss", "grandma", "sam"]}),
    ("send a message to {p}", {"p": ["mom", "dad", "alex", "my sister", "the team", "jordan"]}),
    ("call {p}", {"p": ["mom", "dad", "alex", "the office", "a taxi", "my brother"]}),
    ("order {f} for delivery", {"f": FOODS}),
    ("what's the news", {}),
    ("read me the headlines", {}),
    ("flip a coin", {}),
    ("roll a dice", {}),
    ("pick a number between one and {n}", {"n": "num"}),
    ("what's the stock price of {co}", {"co": ["apple", "tesla", "nvidia", "amazon", "google", "microsoft"]}),
    ("how many days until christmas", {}),
    ("what year is it", {}),
    ("is {t} bigger than {u}", {"t": THINGS, "u": THINGS}),
    ("why is the sky blue", {}),
    ("why do cats purr", {}),
    ("who won the world cup", {}),
    ("recommend a good book", {}),
    ("recommend a movie about {o}", {"o": TOPICS}),
    ("what rhymes with {w}", {"w": WORDS}),
    ("i had a long day", {}),
    ("you're funny", {}),
    ("that's not what i asked", {}),
    ("what can you do", {}),
    ("open the pod bay doors, hal", {}),
    ("can you hear me", {}),
    ("testing testing", {}),
    ("bla bla bla", {}),
]

OPENERS = ["", "", "", "", "hey ", "ok so ", "um ", "quick question, ", "can you tell me ", "do you know "]


def chit_chat(rng):
    frame, fills = rng.choice(FRAMES)
    values = {}
    for key, options in fills.items():
        values[key] = str(rng.randint(2, 99)) if options == "num" else rng.choice(options)
    text = frame.format(**values)
    opener = rng.choice(OPENERS)
    if opener in ("can you tell me ", "do you know ") and not text.startswith(("what", "who", "how", "when")):
        opener = ""
    return opener + text
