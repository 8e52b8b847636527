"""A course's eligibility rules, and how a person's answers to them are read.

Pure functions, no Rasa. Two halves:

- The rules: which answers a course's rules (`eligibility` in the catalogue) need, and which of
  them the answers meet (`needed_slots`, `rule_results`, `meets_all`).
- Reading answers in French and Dutch, as people in Brussels write them (no accents, typos,
  Flemish and Brussels usage, the other language): `stated_facts` finds the facts a message
  states whatever was asked ("j'ai 17 ans", "ik woon in Jette"); `read_answer` reads a message
  as the answer to one question, where a bare "oui", "nee", "24" or "Schaerbeek" is enough.
  Both read the text only: the NLU's intent and entities are the caller's fallback.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Dict, FrozenSet, List, NamedTuple, Optional, Pattern, Sequence, Tuple

from rapidfuzz.distance import Levenshtein

from bot.language import fold
from bot.spelling import standard

# "A0": does not speak the language at all (below every requirement).
NO_LEVEL = "A0"
CEFR_LEVELS = (NO_LEVEL, "A1", "A2", "B1", "B2", "C1", "C2")
DIPLOMAS = ("none", "primary", "lower_secondary", "upper_secondary", "bachelor", "master")
LANGUAGE_SLOTS = {"fr": "elig_level_fr", "nl": "elig_level_nl", "en": "elig_level_en"}
ANSWER_SLOTS = (
    "elig_registered_jobseeker", "elig_brussels_resident", "elig_age",
    "elig_level_fr", "elig_level_nl", "elig_level_en", "elig_diploma",
)

def needed_slots(rules: Optional[Dict[str, Any]]) -> List[str]:
    """The form slots a course's rules need answered, in the order they are asked."""
    rules = rules or {}
    slots = []
    if rules.get("registered_jobseeker"):
        slots.append("elig_registered_jobseeker")
    if rules.get("brussels_resident"):
        slots.append("elig_brussels_resident")
    if rules.get("min_age") is not None or rules.get("max_age") is not None:
        slots.append("elig_age")
    for requirement in rules.get("language_requirements") or []:
        slot = LANGUAGE_SLOTS.get(requirement.get("language"))
        if slot and slot not in slots:
            slots.append(slot)
    if rules.get("min_diploma") or rules.get("max_diploma"):
        slots.append("elig_diploma")
    return slots



# --------------------------------------------------------------------------------------------
# Reading answers: the text, normalised
# --------------------------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")


def _number_word_table() -> Dict[str, int]:
    """French (Belgian and French forms) and Dutch number words from 12 to 99, written out.

    Below 12 is left alone: "un", "een", "deux" are articles and words, and Dutch "onze" is "our".
    """
    fr_units = ["", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"]
    fr_teens = ["dix", "onze", "douze", "treize", "quatorze", "quinze", "seize", "dix sept", "dix huit", "dix neuf"]
    fr_tens = {2: ["vingt"], 3: ["trente"], 4: ["quarante"], 5: ["cinquante"], 6: ["soixante"],
               7: ["septante"], 8: ["huitante", "octante", "quatre vingt", "quatre vingts"], 9: ["nonante"]}
    table: Dict[str, int] = {}
    for n in range(10, 20):
        table[fr_teens[n - 10]] = n
    for tens, words in fr_tens.items():
        for word in words:
            table[word] = tens * 10
            for unit in range(1, 10):
                table[f"{word} et un" if unit == 1 else f"{word} {fr_units[unit]}"] = tens * 10 + unit
                if unit == 1:
                    table[f"{word} un"] = tens * 10 + 1
    for unit in range(10):  # France's soixante-dix to -dix-neuf, quatre-vingt-dix to -dix-neuf
        table[f"soixante {fr_teens[unit]}"] = 70 + unit
        table[f"quatre vingt {fr_teens[unit]}"] = 90 + unit
    table["soixante et onze"] = 71
    nl_units = ["", "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen"]
    nl_teens = ["tien", "elf", "twaalf", "dertien", "veertien", "vijftien", "zestien", "zeventien",
                "achttien", "negentien"]
    nl_tens = {2: "twintig", 3: "dertig", 4: "veertig", 5: "vijftig", 6: "zestig", 7: "zeventig",
               8: "tachtig", 9: "negentig"}
    for n in range(10, 20):
        table[nl_teens[n - 10]] = n
    for tens, word in nl_tens.items():
        table[word] = tens * 10
        for unit in range(1, 10):
            table[f"{nl_units[unit]}en{word}"] = tens * 10 + unit  # folded "tweeëntwintig"
            table[f"{nl_units[unit]} en {word}"] = tens * 10 + unit
    return {words: n for words, n in table.items() if n >= 12}


@lru_cache(maxsize=1)
def _number_words() -> Tuple[Pattern, Dict[str, int]]:
    table = _number_word_table()
    alternatives = sorted(table, key=len, reverse=True)
    pattern = r"\b(?:" + "|".join(a.replace(" ", r"[\s-]+") for a in alternatives) + r")\b"
    return re.compile(pattern), {re.sub(r"[\s-]+", " ", k): v for k, v in table.items()}


def _digits_for_number_words(text: str) -> str:
    """ "j'ai dix-sept ans" -> "j'ai 17 ans", "ik ben vierentwintig" -> "ik ben 24"."""
    pattern, table = _number_words()
    return pattern.sub(lambda m: str(table[re.sub(r"[\s-]+", " ", m.group(0))]), text)


# Flemish tussentaal and chat shorthand, as standard Dutch: "k zen 17", "kben ni ingeschreven",
# "k heb gene diploma".
_TUSSENTAAL = (
    (re.compile(r"\b(?:kzen|kben|kbn)\b"), "k ben"),
    (re.compile(r"\b(ik|k) (?:zen|zijn|ben ik)\b"), r"\1 ben"),
    (re.compile(r"\bnie\b"), "niet"),
    (re.compile(r"\b(?:gene|genen|gen)\b"), "geen"),
    (re.compile(r"\bkwoon\b"), "k woon"),
)
# A statement whose subject chat leaves out, at the start of a message: "woon in Molenbeek",
# "habite à Anderlecht", "ben 17".
# French typed without apostrophes: "j ai", "je n ai", "j habite".
_CHAT_FRENCH = (
    (re.compile(r"\b(j|n) (ai|habite|habitais|suis|etais)\b"), r"\1'\2"),
)
# A Dutch subordinate clause puts the verb last: "als ik in Halle woon", "als ik geen diploma heb",
# "als ik niet ingeschreven ben": read as "ik woon in Halle"... The supposition is the person's
# own situation ("et si je n'ai pas de diplôme ?" asks for the rule as it applies to them).
_VERB_LAST = re.compile(r"\b(als|indien|omdat|dat|want|wanneer|maar) (ik|k) ((?:[^\s?!.,;]+ ){1,5}?)(woon|ben|heb)\b")
_NO_SUBJECT = (
    (re.compile(r"^(woon|woonde|ben)\b(?! (?:je|jij|u|ge|gij|jullie|we|wij)\b)"), r"ik \1"),  # not "woon je...?"
    (re.compile(r"^(habite|suis)\b(?! (?:je|t|il|elle|on)\b)"), r"je \1"),
    # "pas inscrite à Actiris", "nog niet ingeschreven bij de VDAB": the status, its verb left out.
    (re.compile(r"^((?:(?:pas|plus|jamais|encore|deja|bien) )*(?:inscrit|inscrite)\b)"), r"je suis \1"),
    (re.compile(r"^((?:(?:niet|nog|al|wel) )*ingeschreven\b)"), r"ik ben \1"),
)


def normalize(text: Optional[str]) -> str:
    """A message as the readers see it: folded, one kind of apostrophe, no hyphens, no dates,
    numbers written out as digits, letters typed three times or more kept twice ("ouiiii"),
    tussentaal as standard Dutch ("k zen" -> "k ben", "ni"/"nie" -> "niet"), and the subject chat
    leaves out put back at the start ("woon in Jette" -> "ik woon in Jette")."""
    # Chat spellings written out first ("g 17 ans", "kheb gene diploma"): bot.spelling.
    folded = standard((text or "").translate(_APOSTROPHES)).translate(_APOSTROPHES)
    folded = _DATE.sub(" ", folded)
    folded = _digits_for_number_words(folded)  # before letters typed thrice: "tweeëntwintig"
    folded = re.sub(r"([a-z])\1{2,}", r"\1\1", folded)
    folded = re.sub(r"\b(\d+)(ans|an|jaar|jr)\b", r"\1 \2", folded)  # "17ans"
    # "je suis une femme de 52 ans", "ik ben een man van 40 jaar": the person's age.
    folded = re.sub(r"\b(femme|homme|dame|mec|maman|mere|papa|pere) de (\d+) ans\b", r"\1, j'ai \2 ans", folded)
    folded = re.sub(r"\b(vrouw|man|moeder|mama|vader|papa) van (\d+) jaar\b", r"\1, ik ben \2 jaar", folded)
    folded = re.sub(r"\b(st|ste)\.", r"\1 ", folded)
    folded = re.sub(r"\s+", " ", folded.replace("-", " ")).strip()
    for pattern, replacement in _TUSSENTAAL:
        folded = pattern.sub(replacement, folded)
    if len(re.findall(r"\bni\b", folded)) == 1:  # "ni" alone is "niet"; "ni oui ni non" is French
        folded = re.sub(r"\bni\b", "niet", folded)
    for pattern, replacement in _CHAT_FRENCH:
        folded = pattern.sub(replacement, folded)
    folded = _VERB_LAST.sub(lambda m: f"{m.group(1)} {m.group(2)} {m.group(4)} {m.group(3).strip()}", folded)
    for pattern, replacement in _NO_SUBJECT:
        folded = pattern.sub(replacement, folded)
    return folded


def is_payload(text: Optional[str]) -> bool:
    """Whether a message is a button's payload ("/affirm", '/inform{"cefr_level": "B1"}'), not words."""
    return (text or "").lstrip().startswith("/")


# Clause boundaries: punctuation, "but", and the words that start a correction ("euh", "sorry").
_CLAUSE_BREAK = re.compile(r"[,;.!?()\[\]{}:\n\"«»“”/]+")
_BREAK_WORDS = {"mais", "maar", "sauf", "behalve", "pourtant", "euh", "eh", "heu", "pardon", "sorry",
                "sorri", "oeps", "oups", "enfin", "plutot", "correction", "correctie", "wacht",
                "attends", "attendez"}
# "et" / "en" / "ou" start a new clause when a new subject follows ("..., et j'habite à Namur").
_AND = {"et", "en", "ou", "of"}
_SUBJECTS = {"je", "j'", "ik", "k", "mon", "ma", "mes", "mijn", "moi", "m'", "jhabite", "jai"}
_TOKEN = re.compile(r"[a-z]+'|[a-z0-9+]+")


def _clauses(normalized: str) -> List[List[str]]:
    """The words of a normalised message, in clauses."""
    clauses: List[List[str]] = []
    for part in _CLAUSE_BREAK.split(normalized):
        tokens = _TOKEN.findall(part)
        current: List[str] = []
        for index, token in enumerate(tokens):
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if token in _BREAK_WORDS or (token in _AND and following in _SUBJECTS):
                if current:
                    clauses.append(current)
                current = []
                continue
            current.append(token)
        if current:
            clauses.append(current)
    return clauses


def _clause_texts(normalized: str) -> List[str]:
    """The clauses as text again ("j'ai le cess"), for the readers that match phrases."""
    return [" ".join(clause).replace("' ", "'") for clause in _clauses(normalized)]


# --------------------------------------------------------------------------------------------
# Yes or no
# --------------------------------------------------------------------------------------------

# Phrases with a negative word that say nothing negative ("pas de souci", "geen probleem").
_NEUTRAL = re.compile(
    r"\b(?:pas de (?:souci|soucis|probleme|problemes|prob|pb|stress)|sans (?:souci|soucis|probleme|problemes)"
    r"|pas grave|(?:ne )?(?:t'|vous )?inquiete[sz]? pas|no (?:problem|problems|worries|stress)"
    r"|geen (?:probleem|problemen|punt|zorgen|stress|dank)|geen (?:flauw )?idee waarom[^,.;!?]*"
    r"|(?:je )?(?:ne )?sais pas pourquoi[^,.;!?]*|n'est ce pas|maakt niet uit|pas de quoi|pourquoi pas)\b"
)
# Not knowing: no answer unless something else in the message is one ("je sais pas, je crois que non").
_HEDGES = re.compile(
    r"\b(?:je ne suis pas (?:sur|sure|certain|certaine)|(?:je )?(?:ne )?(?:sais|sait) pas|j'sais pas|chais pas"
    r"|aucune idee|pas (?:sur|sure|sur e|certain|certaine)|peut etre|ptet|ca depend|bonne question"
    r"|(?:ik )?weet (?:het |ik )?niet|weet ik veel|geen (?:flauw )?idee|niet (?:zeker|zeker weten)|misschien"
    r"|hangt (?:ervan )?af|goeie vraag|goede vraag|oui et non|ja en nee|bof|moui|mwa|mja)\b"
)
_BELIEF = r"(?:je (?:crois|pense)|il me semble|normalement|en principe|ik denk|ik geloof|denk|geloof|volgens mij|normaal(?: gezien)?|in principe)"
_YES_PHRASES = re.compile(
    rf"\b(?:{_BELIEF} (?:que |het |van )?(?:oui|wel|ja)|je crois bien|il me semble bien|toch wel|jawel|zeker wel"
    r"|bien sur|tout a fait|evidemment|effectivement|certainement|absolument|exactement|exact|c'est (?:bien )?ca"
    r"|c'est exact|correct|klopt|inderdaad|zeker|natuurlijk|tuurlijk|uiteraard|affirmatif|bien entendu"
    r"|of course|sure)\b"
)
_NO_PHRASES = re.compile(
    rf"\b(?:{_BELIEF} (?:que |het |van )?(?:non|niet|nee)|je (?:ne )?(?:crois|pense) pas|pas encore|nog niet"
    r"|pas vraiment|niet echt|plus maintenant|niet meer|pas du tout|helemaal niet|toch niet|absolument pas"
    r"|zeker niet|certainement pas|bien sur que non|natuurlijk niet|not yet)\b"
)
_YES_WORDS = re.compile(r"\b(?:ou+i+s?|ouai+s?|ouaip|wi|yes+|yep|yup|yeah|ja+|jep|jaja|jawohl)\b")
_NO_WORDS = re.compile(r"\b(?:no+n+|nan+|no|nope|nah|ne+|neen|neeje|nein)\b")
_SI_ALONE = re.compile(r"^\s*si(?: si)*\s*(?:$|[,!.])")
_NEGATION_WORDS = {"pas", "niet", "geen", "jamais", "nooit", "ne", "n'", "aucun", "aucune", "not", "never"}


def _strip(pattern: Pattern, text: str) -> Tuple[str, bool]:
    stripped, count = pattern.subn(" ", text)
    return stripped, count > 0


def read_yes_no(text: Optional[str]) -> Optional[bool]:
    """Yes or no, from the words of an answer to a yes/no question; None when it says neither.

    "oui, pas de souci", "ja hoor, geen probleem", "je crois que oui", "ik denk het wel" are yes;
    "nee, nog niet", "je ne pense pas", "pas vraiment" are no; "pas sûr", "geen idee", "euh" are
    neither. The first yes or no the message gives wins ("ja, geen idee waarom je dat vraagt maar
    ja"); a negative word alone ("niet dat ik weet") is a no.
    """
    if is_payload(text):
        return None
    normalized, _ = _strip(_NEUTRAL, normalize(text))
    normalized, _ = _strip(_HEDGES, normalized)
    signals: List[Tuple[int, bool]] = []
    for pattern, value in ((_NO_PHRASES, False), (_YES_PHRASES, True), (_YES_WORDS, True), (_NO_WORDS, False)):
        signals += [(m.start(), value) for m in pattern.finditer(normalized)]
    if _SI_ALONE.match(normalized):
        signals.append((0, True))
    if signals:
        # A phrase found at the same place as a word in it ("nee" in "ik denk van nee") comes first.
        return min(signals, key=lambda s: s[0])[1]
    if any(token in _NEGATION_WORDS for token in _TOKEN.findall(normalized)):
        return False
    return None


# --------------------------------------------------------------------------------------------
# Where the person lives
# --------------------------------------------------------------------------------------------

# The 19 municipalities of the Brussels-Capital Region and their parts, in French, Dutch and as
# people write them ("bxl", "st-gilles", "WSL"); "saint", "sainte", "sint", "st" are one word.
BRUSSELS_PLACES = (
    "anderlecht", "auderghem", "oudergem", "berchem sainte agathe", "sint agatha berchem", "berchem",
    "bruxelles", "brussel", "brussels", "bruxelles ville", "brussel stad", "bruxelles capitale",
    "brussels hoofdstedelijk gewest", "brussels gewest", "region bruxelloise", "bxl", "brux", "bru",
    "bruxellois", "bruxelloise", "brusselaar", "brusselse", "laeken", "laken", "neder over heembeek",
    "noh", "haren", "etterbeek", "evere", "forest", "vorst", "ganshoren", "ixelles", "elsene", "jette",
    "koekelberg", "molenbeek", "molenbeek saint jean", "sint jans molenbeek", "saint gilles",
    "sint gillis", "saint josse", "saint josse ten noode", "sint joost ten node", "sint joost",
    "schaerbeek", "schaarbeek", "uccle", "ukkel", "watermael boitsfort", "watermaal bosvoorde",
    "watermael", "watermaal", "boitsfort", "bosvoorde", "woluwe saint lambert", "sint lambrechts woluwe",
    "woluwe saint pierre", "sint pieters woluwe", "woluwe", "wsl", "wsp", "ixl",
)
# Places around and beyond the Region that people name: the Flemish and Walloon municipalities
# on its edge (several with a Brussels-sounding name), the cities, the regions, a few countries.
OUTSIDE_PLACES = (
    "vilvorde", "vilvoorde", "halle", "hal", "dilbeek", "zaventem", "machelen", "diegem", "grimbergen",
    "asse", "zellik", "wemmel", "kraainem", "wezembeek oppem", "wezembeek", "drogenbos", "linkebeek",
    "rhode saint genese", "sint genesius rode", "beersel", "overijse", "tervuren", "hoeilaart",
    "sint pieters leeuw", "leeuw saint pierre", "meise", "strombeek bever", "strombeek", "ternat",
    "sint stevens woluwe", "woluwe saint etienne", "jezus eik", "waterloo", "braine l'alleud",
    "eigenbrakel", "braine le comte", "wavre", "waver", "ottignies", "louvain la neuve", "nivelles",
    "nijvel", "tubize", "tubeke", "rixensart", "la hulpe", "ter hulpen", "leuven", "louvain",
    "mechelen", "malines", "antwerpen", "anvers", "antwerp", "gent", "gand", "ghent", "brugge",
    "bruges", "liege", "luik", "namur", "namen", "charleroi", "mons", "aalst", "alost", "hasselt",
    "genk", "kortrijk", "courtrai", "oostende", "ostende", "tournai", "doornik", "verviers", "arlon",
    "aarlen", "ninove", "denderleeuw", "lokeren", "sint niklaas", "flandre", "flandres", "vlaanderen",
    "wallonie", "brabant wallon", "waals brabant", "brabant flamand", "vlaams brabant", "peripherie",
    "de rand", "vlaamse rand", "france", "frankrijk", "nederland", "pays bas", "luxembourg",
    "luxemburg", "allemagne", "duitsland",
)
# Names a Brussels municipality shares with a place elsewhere: the words that say it is the other.
AMBIGUOUS_PLACES = {
    "berchem": {"anvers", "antwerpen", "antwerp", "2600"},
    "haren": {"groningen", "nederland", "pays", "bas"},
    "vorst": {"laakdal", "meerhout"},
}
# The municipalities of the Region (and the parts people name) with their French and Dutch
# names, for answers that name the place ("Jette se trouve dans la Région bruxelloise"); then
# other spellings people use. The generic names ("bxl", "Région bruxelloise") are not here.
BRUSSELS_MUNICIPALITIES = (
    ("Anderlecht", "Anderlecht"), ("Auderghem", "Oudergem"),
    ("Berchem-Sainte-Agathe", "Sint-Agatha-Berchem", "berchem"),
    ("Bruxelles", "Brussel", "brussels", "bruxelles ville", "brussel stad"),
    ("Laeken", "Laken"), ("Neder-Over-Heembeek", "Neder-Over-Heembeek", "noh"), ("Haren", "Haren"),
    ("Etterbeek", "Etterbeek"), ("Evere", "Evere"), ("Forest", "Vorst"), ("Ganshoren", "Ganshoren"),
    ("Ixelles", "Elsene", "ixl"), ("Jette", "Jette"), ("Koekelberg", "Koekelberg"),
    ("Molenbeek-Saint-Jean", "Sint-Jans-Molenbeek", "molenbeek"), ("Saint-Gilles", "Sint-Gillis"),
    ("Saint-Josse-ten-Noode", "Sint-Joost-ten-Node", "saint josse", "sint joost"),
    ("Schaerbeek", "Schaarbeek"), ("Uccle", "Ukkel"),
    ("Watermael-Boitsfort", "Watermaal-Bosvoorde", "watermael", "watermaal", "boitsfort", "bosvoorde"),
    ("Woluwe-Saint-Lambert", "Sint-Lambrechts-Woluwe", "wsl"), ("Woluwe-Saint-Pierre", "Sint-Pieters-Woluwe", "wsp"),
)
# Places outside the Region by province: the municipalities around it and the towns people come
# from, French name, Dutch name, then other spellings. Names that are also common words are left
# out ("Menen", "Geel", "Boom", "Lessen", "Jambes", "Bouillon"): "j'ai mal aux jambes" is no place.
PLACES_BY_PROVINCE = {
    "vlaams_brabant": (
        ("Vilvorde", "Vilvoorde"), ("Hal", "Halle"), ("Dilbeek", "Dilbeek"), ("Zaventem", "Zaventem"),
        ("Machelen", "Machelen"), ("Diegem", "Diegem"), ("Grimbergen", "Grimbergen"), ("Asse", "Asse"),
        ("Zellik", "Zellik"), ("Wemmel", "Wemmel"), ("Kraainem", "Kraainem"),
        ("Wezembeek-Oppem", "Wezembeek-Oppem", "wezembeek"), ("Drogenbos", "Drogenbos"), ("Linkebeek", "Linkebeek"),
        ("Rhode-Saint-Genèse", "Sint-Genesius-Rode"), ("Beersel", "Beersel"), ("Overijse", "Overijse"),
        ("Tervuren", "Tervuren"), ("Hoeilaart", "Hoeilaart"), ("Leeuw-Saint-Pierre", "Sint-Pieters-Leeuw"),
        ("Meise", "Meise"), ("Strombeek-Bever", "Strombeek-Bever", "strombeek"), ("Ternat", "Ternat"),
        ("Woluwe-Saint-Étienne", "Sint-Stevens-Woluwe"), ("Jezus-Eik", "Jezus-Eik"), ("Louvain", "Leuven"),
        ("Tirlemont", "Tienen"), ("Aarschot", "Aarschot"), ("Diest", "Diest"), ("Londerzeel", "Londerzeel"),
        ("Kampenhout", "Kampenhout"), ("Steenokkerzeel", "Steenokkerzeel"), ("Kortenberg", "Kortenberg"),
        ("Lennik", "Lennik"), ("Affligem", "Affligem"), ("Liedekerke", "Liedekerke"), ("Merchtem", "Merchtem"),
        ("Opwijk", "Opwijk"), ("Zemst", "Zemst"), ("Herent", "Herent"), ("Bertem", "Bertem"),
        ("Huldenberg", "Huldenberg"), ("Kapelle-op-den-Bos", "Kapelle-op-den-Bos"), ("Roosdaal", "Roosdaal"),
        ("Gooik", "Gooik"),
    ),
    "brabant_wallon": (
        ("Waterloo", "Waterloo"), ("Braine-l'Alleud", "Eigenbrakel"), ("Wavre", "Waver"),
        ("Ottignies", "Ottignies"), ("Louvain-la-Neuve", "Louvain-la-Neuve", "lln"), ("Nivelles", "Nijvel"),
        ("Tubize", "Tubeke"), ("Rixensart", "Rixensart"), ("Genval", "Genval"),
        ("La Hulpe", "Terhulpen", "ter hulpen"), ("Lasne", "Lasne"), ("Braine-le-Château", "Kasteelbrakel"),
        ("Rebecq", "Rebecq"), ("Ittre", "Itter"), ("Jodoigne", "Geldenaken"), ("Genappe", "Genepiën"),
        ("Court-Saint-Étienne", "Court-Saint-Étienne"), ("Grez-Doiceau", "Grez-Doiceau"),
        ("Chaumont-Gistoux", "Chaumont-Gistoux"), ("Perwez", "Perwijs"), ("Beauvechain", "Bevekom"),
    ),
    "antwerpen": (
        ("Anvers", "Antwerpen", "antwerp"), ("Malines", "Mechelen"), ("Lierre", "Lier"), ("Turnhout", "Turnhout"),
        ("Willebroek", "Willebroek"), ("Mortsel", "Mortsel"), ("Herentals", "Herentals"), ("Deurne", "Deurne"),
        ("Borgerhout", "Borgerhout"), ("Hoboken", "Hoboken"), ("Merksem", "Merksem"), ("Puurs", "Puurs"),
        ("Bornem", "Bornem"), ("Duffel", "Duffel"),
    ),
    "oost_vlaanderen": (
        ("Gand", "Gent", "ghent"), ("Alost", "Aalst"), ("Ninove", "Ninove"), ("Sint-Niklaas", "Sint-Niklaas"),
        ("Lokeren", "Lokeren"), ("Termonde", "Dendermonde"), ("Grammont", "Geraardsbergen"),
        ("Audenarde", "Oudenaarde"), ("Zottegem", "Zottegem"), ("Wetteren", "Wetteren"), ("Eeklo", "Eeklo"),
        ("Denderleeuw", "Denderleeuw"), ("Renaix", "Ronse"), ("Erpe-Mere", "Erpe-Mere"), ("Haaltert", "Haaltert"),
    ),
    "west_vlaanderen": (
        ("Bruges", "Brugge"), ("Courtrai", "Kortrijk"), ("Ostende", "Oostende"), ("Roulers", "Roeselare"),
        ("Ypres", "Ieper"), ("Knokke-Heist", "Knokke-Heist", "knokke"), ("Waregem", "Waregem"), ("Tielt", "Tielt"),
    ),
    "limburg": (
        ("Hasselt", "Hasselt"), ("Genk", "Genk"), ("Saint-Trond", "Sint-Truiden"), ("Tongres", "Tongeren"),
        ("Maasmechelen", "Maasmechelen"), ("Beringen", "Beringen"), ("Lommel", "Lommel"),
    ),
    "liege": (
        ("Liège", "Luik"), ("Verviers", "Verviers"), ("Seraing", "Seraing"), ("Huy", "Hoei"),
        ("Herstal", "Herstal"), ("Spa", "Spa"), ("Eupen", "Eupen"), ("Waremme", "Borgworm"),
    ),
    "namur": (
        ("Namur", "Namen"), ("Dinant", "Dinant"), ("Gembloux", "Gembloers"), ("Andenne", "Andenne"),
        ("Ciney", "Ciney"), ("Sambreville", "Sambreville"),
    ),
    "hainaut": (
        ("Charleroi", "Charleroi"), ("Mons", "Bergen"), ("Tournai", "Doornik"), ("La Louvière", "La Louvière"),
        ("Mouscron", "Moeskroen"), ("Ath", "Aat"), ("Soignies", "Zinnik"), ("Enghien", "Edingen"),
        ("Braine-le-Comte", "'s-Gravenbrakel"), ("Binche", "Binche"), ("Fleurus", "Fleurus"),
        ("Châtelet", "Châtelet"), ("Péruwelz", "Péruwelz"),
    ),
    "luxembourg": (
        ("Arlon", "Aarlen"), ("Bastogne", "Bastenaken"), ("Marche-en-Famenne", "Marche-en-Famenne"),
        ("Libramont", "Libramont"), ("Virton", "Virton"),
    ),
}
# A Brussels name read as the place elsewhere (AMBIGUOUS_PLACES): which that is.
AMBIGUOUS_OUTSIDE = {"berchem": ("Berchem", "Berchem", "antwerpen"), "vorst": ("Vorst", "Vorst", "antwerpen")}
REGION = "brussels"


class Place(NamedTuple):
    """A place a message says the person lives in: its French and Dutch names, and where it is.

    `area` is REGION for the Brussels-Capital Region, else a key of PLACES_BY_PROVINCE; `typed`
    is the place's words as the message wrote them (folded).
    """

    fr: str
    nl: str
    area: str
    typed: Tuple[str, ...] = ()

    def name(self, language: str) -> str:
        """Its name as the person wrote it when that is one of its names ("Halle" to a French
        speaker stays "Halle"), else its name in `language`."""
        for name in (self.fr, self.nl):
            if _place_key(name) == self.typed:
                return name
        return self.nl if language == "nl" else self.fr
# Brussels-Capital's postal codes run from 1000 to 1299; other Belgian codes are elsewhere
# (years, 1900-2099, are left out: "j'habite à Bruxelles depuis 2019").
_BRUSSELS_POSTCODES = range(1000, 1300)
_YEARS = range(1900, 2100)
_SAINT = {"saint": "st", "sainte": "st", "sint": "st", "st": "st", "ste": "st", "sainct": "st"}
_FUZZY_MIN_LETTERS = 6

# Living, and working or studying: only what follows a verb of living says where one lives.
_RESIDENCE_VERBS = {
    "habite", "habites", "habitons", "habitez", "habitent", "habiter", "jhabite", "vis", "vit", "vivons",
    "vivez", "vivent", "vivre", "reside", "resides", "residons", "residez", "demeure", "loge",
    "domicilie", "domiciliee", "woon", "woont", "wonen", "woonachtig", "verblijf", "verblijft",
    "gedomicilieerd", "adresse", "adres", "woonplaats", "domicile",
}
# "je suis de Molenbeek", "ik ben van Anderlecht": about living only with a place we know.
_WEAK_RESIDENCE_VERBS = {"suis", "ben", "chui", "jsuis"}
_WEAK_RESIDENCE_LINKS = {"de", "d'", "du", "a", "van", "uit", "een", "une", "un", "in"}
_WORK_VERBS = {
    "travaille", "travailles", "travaillons", "travaillez", "travaillent", "travailler", "bosse", "bosses",
    "bosser", "taf", "boulot", "job", "etudie", "etudies", "etudier", "etudiant", "etudiante", "stage",
    "ecole", "universite", "unif", "bureau", "werk", "werkt", "werken", "studeer", "studeert",
    "studeren", "student", "studente", "school", "kantoor", "universiteit", "hogeschool",
}
# "j'ai habité à Namur", "je vais habiter à Jette": not where one lives now.
_NOT_NOW = {"ai", "avais", "aurais", "vais", "veux", "voudrais", "compte", "dois", "aller", "pourrais"}
# "ik ben in Gent geboren", "je suis originaire de Liège": where one comes from, not where one lives.
_ORIGIN_WORDS = {"geboren", "originaire", "afkomstig", "origine", "nationalite", "nationaliteit"}
_PREPOSITIONS = {"a", "au", "aux", "en", "dans", "in", "te", "op", "sur", "vers"}
_ARTICLES = {"la", "le", "l'", "les", "het", "de", "du", "des", "d'", "van"}
# Words after "j'habite à / ik woon in" that are not a place name.
_NOT_PLACES = {
    "un", "une", "een", "mijn", "ma", "mon", "mes", "chez", "ici", "hier", "daar", "centre", "centrum",
    "ville", "stad", "appartement", "appart", "maison", "huis", "studio", "kot", "rue", "straat",
    "quartier", "wijk", "commune", "gemeente", "region", "regio", "gewest", "belgique", "belgie",
    "belgium", "pays", "land", "zelfde", "meme", "famille", "familie", "foyer", "home", "zone",
    "capitale", "hoofdstad", "ce", "cette", "dit", "deze", "the", "with", "avec", "met", "bij", "colocation", "kamer", "chambre", "residence", "logement", "woning", "flat", "buurt",
}
# "près de Bruxelles", "pas loin de", "net buiten Brussel", "in de buurt van": not in it.
_NEAR_WORDS = {
    "pres", "cote", "loin", "proche", "autour", "alentours", "environs", "peripherie", "dehors", "hors",
    "banlieue", "vlakbij", "dichtbij", "buurt", "rond", "rondom", "buiten", "naast", "rand", "omgeving",
    "nabij", "ver", "limite", "frontiere", "grens", "entre", "tussen",
}
_PLACE_NEGATIONS = {"pas", "niet", "geen", "jamais", "nooit", "n'", "ne", "plus", "meer"}
_THERE = {"y", "er", "daar", "la"}


def _place_key(name: str) -> Tuple[str, ...]:
    return tuple(_SAINT.get(word, word) for word in _TOKEN.findall(normalize(name)))


@lru_cache(maxsize=1)
def _place_names() -> Dict[Tuple[str, ...], Place]:
    """Every spelling of a named place -> the place."""
    names: Dict[Tuple[str, ...], Place] = {}
    entries = [(entry, area) for area, places in PLACES_BY_PROVINCE.items() for entry in places]
    entries += [(entry, REGION) for entry in BRUSSELS_MUNICIPALITIES]
    for (fr, nl, *others), area in entries:
        for spelling in (fr, nl, *others):
            names[_place_key(spelling)] = Place(fr, nl, area)
    return names


def brussels_place_named(text: Optional[str]) -> Optional[Tuple[Place, Tuple[str, ...]]]:
    """The Brussels municipality a message names ("des formations à Anderlecht ?", "in Sint-Gillis"),
    with the words that name it as the message writes them (normalized); None when it names none."""
    tokens = [_SAINT.get(word, word) for word in _TOKEN.findall(normalize(text))]
    names = _place_names()
    for size in (3, 2, 1):
        for start in range(len(tokens) - size + 1):
            place = names.get(tuple(tokens[start:start + size]))
            if place and place.area == REGION:
                return place, tuple(_TOKEN.findall(normalize(text)))[start:start + size]
    return None


@lru_cache(maxsize=1)
def _place_table() -> Dict[Tuple[str, ...], bool]:
    """Every place name -> whether it is in the Region."""
    table = {_place_key(name): False for name in OUTSIDE_PLACES}
    table.update({key: place.area == REGION for key, place in _place_names().items()})
    table.update({_place_key(name): True for name in BRUSSELS_PLACES})
    return table


def _place_at(tokens: Sequence[str], start: int, end: int, in_region: bool) -> Optional[Place]:
    """The named place at tokens[start:end], read as in the Region or not; None when not named
    (a postal code, a typo, a region or a country)."""
    key = tuple(_SAINT.get(token, token) for token in tokens[start:end])
    if not in_region and len(key) == 1 and key[0] in AMBIGUOUS_OUTSIDE:
        fr, nl, area = AMBIGUOUS_OUTSIDE[key[0]]
        return Place(fr, nl, area, key)
    place = _place_names().get(key)
    if place is None or (place.area == REGION) != in_region:
        return None
    return place._replace(typed=key)


@lru_cache(maxsize=1)
def _fuzzy_brussels_names() -> Tuple[str, ...]:
    return tuple(key[0] for key in _place_table() if len(key) == 1 and _place_table()[key]
                 and len(key[0]) >= _FUZZY_MIN_LETTERS)


def _fuzzy_brussels(word: str) -> bool:
    """A Brussels name typed with a letter wrong ("schaerbeck", "molenbek", "anderlech")."""
    if len(word) < _FUZZY_MIN_LETTERS or not word.isalpha() or word in _RESIDENCE_VERBS | _WORK_VERBS:
        return False
    for name in _fuzzy_brussels_names():
        allowed = 2 if len(name) >= 9 else 1
        if abs(len(name) - len(word)) <= allowed and Levenshtein.distance(word, name, score_cutoff=allowed) <= allowed:
            return True
    return False


def _places(tokens: Sequence[str], message_words: FrozenSet[str]) -> List[Tuple[int, int, bool]]:
    """The places a clause names: (first word, after the last word, in the Region), longest names first."""
    table = _place_table()
    keys = [_SAINT.get(token, token) for token in tokens]
    found = []
    index = 0
    while index < len(keys):
        for length in range(min(5, len(keys) - index), 0, -1):
            key = tuple(keys[index:index + length])
            if key in table:
                in_region = table[key]
                if length == 1 and in_region and AMBIGUOUS_PLACES.get(key[0], set()) & message_words:
                    in_region = False  # "Berchem (Anvers)" is Antwerp's, not Berchem-Sainte-Agathe
                found.append((index, index + length, in_region))
                index += length
                break
        else:
            word = keys[index]
            if word.isdigit() and len(word) == 4:
                code = int(word)
                if code in _BRUSSELS_POSTCODES:
                    found.append((index, index + 1, True))
                elif code >= 1300 and code not in _YEARS:
                    found.append((index, index + 1, False))
            elif _fuzzy_brussels(word):
                found.append((index, index + 1, True))
            index += 1
    return found


def _is_near(tokens: Sequence[str], start: int) -> bool:
    """Whether the words before a place say near it or outside it ("près de", "net buiten")."""
    before = list(tokens[max(0, start - 4):start])
    while before and before[-1] in _ARTICLES:
        before.pop()
    return bool(before) and before[-1] in _NEAR_WORDS


def _is_negated(tokens: Sequence[str], verb: Optional[int], start: int) -> bool:
    """Whether a place is denied: "je n'habite pas à Bruxelles", "ik woon niet in Brussel", "pas à Bxl"."""
    window = tokens[max(0, (verb if verb is not None else 0) - 2):start]
    for position, word in enumerate(window):
        if word == "plus":
            # "je n'habite plus à", "j'habite plus à": not "plus près de"
            if "n'" in window or "ne" in window or (position and window[position - 1] in _RESIDENCE_VERBS):
                return True
        elif word == "meer":
            continue  # "niet meer" is counted by "niet"
        elif word in _PLACE_NEGATIONS:
            return True
    return False


_SUBJECT_I = {"j'", "je", "ik", "k", "moi", "nous", "we", "wij", "chui", "jsuis"}
_BETWEEN_SUBJECT_AND_VERB = {"n'", "ne", "y", "nu", "al", "toujours", "nog", "actuellement", "maintenant"}


def _said_by_the_person(tokens: Sequence[str], verb: int, speaking: bool = False) -> bool:
    """Whether a verb's subject is the person ("j'habite", "je n'y vis plus", "nu woon ik"), not
    someone else or a rule ("il faut habiter à Bruxelles ?", "moet ik in Brussel wonen?").

    `speaking`: an earlier clause of the message had the person as subject, which a clause that
    starts with its verb goes on with ("ik ben in Gent geboren maar woon in Brussel").
    """
    if tokens[verb] in {"jhabite", "chui", "jsuis"}:
        return True
    index = verb - 1
    while index >= 0 and tokens[index] in _BETWEEN_SUBJECT_AND_VERB:
        index -= 1
    if index >= 0 and tokens[index] in _SUBJECT_I:
        return True
    if index >= 0 and tokens[index] in {"en", "et", "maar", "mais"} and set(tokens[:index]) & _SUBJECT_I:
        return True  # "ik ben 17 en woon in Vilvoorde": the subject of both verbs
    if index < 0 and speaking:
        return True
    return verb + 1 < len(tokens) and tokens[verb + 1] in {"ik", "k", "we", "wij"}


def _verb_positions(tokens: Sequence[str], places: List[Tuple[int, int, bool]],
                    context: bool, speaking: bool = False) -> Tuple[List[int], List[int], List[int]]:
    """Where a clause says living (strong, weak: "je suis de") and working or studying.

    Without context, only what the person says of themself counts.
    """
    strong = [i for i, token in enumerate(tokens) if token in _RESIDENCE_VERBS
              and not (i and tokens[i - 1] in _NOT_NOW) and (context or _said_by_the_person(tokens, i, speaking))]
    work = [i for i, token in enumerate(tokens) if token in _WORK_VERBS]
    place_starts = {start for start, _, _ in places}
    weak = []
    for i, token in enumerate(tokens):
        if token in _WEAK_RESIDENCE_VERBS and not set(tokens) & _ORIGIN_WORDS:
            following = i + 1
            while following < len(tokens) and tokens[following] in _WEAK_RESIDENCE_LINKS and following - i <= 2:
                following += 1
            if following in place_starts and (context or _said_by_the_person(tokens, i, speaking)):
                weak.append(i)
    return strong, weak, work


def _unknown_place_after(tokens: Sequence[str], verb: int) -> bool:
    """Whether a verb of living is followed by a place name we do not know ("ik woon in Ninove")."""
    index = verb + 1
    while index < len(tokens) and tokens[index] in _PLACE_NEGATIONS:
        index += 1
    if index >= len(tokens) or tokens[index] not in _PREPOSITIONS:
        return False
    index += 1
    while index < len(tokens) and tokens[index] in _ARTICLES:
        index += 1
    return index < len(tokens) and tokens[index].isalpha() and len(tokens[index]) >= 3 \
        and tokens[index] not in _NOT_PLACES and tokens[index] not in _WORK_VERBS


def _residence_statements(text: str, context: bool) -> List[Tuple[Optional[bool], Optional[Place]]]:
    """What each place in a message says about living in the Region, in order (None: nothing),
    with the place where one is named and the statement is that one lives there."""
    clauses = _clauses(normalize(text))
    message_words = frozenset(word for clause in clauses for word in clause)
    statements: List[Tuple[Optional[bool], Optional[Place]]] = []

    def say(tokens: Sequence[str], verb: Optional[int], start: int, end: int, in_region: bool) -> None:
        said = _place_statement(tokens, verb, start, in_region)
        statements.append((said, _place_at(tokens, start, end, in_region) if said == in_region else None))

    role: Optional[str] = None  # what the last clause with a verb was about: "live" or "other"
    speaking = False  # whether the person was the subject of an earlier clause
    for tokens in clauses:
        places = _places(tokens, message_words)
        strong, weak, work = _verb_positions(tokens, places, context, speaking)
        speaking = speaking or bool(set(tokens) & _SUBJECT_I)
        # Working or studying there, born there, having lived or going to live there.
        other = work or set(tokens) & _ORIGIN_WORDS or any(
            token in _RESIDENCE_VERBS and i and tokens[i - 1] in _NOT_NOW for i, token in enumerate(tokens))
        verbs = sorted(strong + weak)
        if verbs:
            role = "live"
            for verb in verbs:
                # The places after this verb, up to a verb of working that follows a place
                # ("ik woon in Aalst en werk in Brussel"; but "j'habite et travaille à Bruxelles").
                stop = len(tokens)
                seen_place = False
                for position in range(verb + 1, len(tokens)):
                    if position in work and seen_place:
                        stop = position
                        break
                    if any(start == position for start, _, _ in places):
                        seen_place = True
                mine = [p for p in places if verb < p[0] < stop and (verb in strong or p[0] == verb + 1
                                                                      or all(t in _WEAK_RESIDENCE_LINKS for t in tokens[verb + 1:p[0]]))]
                for start, end, in_region in mine:
                    say(tokens, verb, start, end, in_region)
                if not mine and verb in strong:
                    if _unknown_place_after(tokens, verb):
                        statements.append((None if _is_negated(tokens, verb, len(tokens)) else False, None))
                    elif context and ({tokens[verb - 1] if verb else ""} | set(tokens[verb + 1:verb + 3])) & _THERE:
                        # "j'y habite", "ik woon er (niet)": there, the Region the question names
                        statements.append((not _is_negated(tokens, verb, len(tokens)), None))
        elif other:
            role = "other"
        elif places and (role == "live" or (role is None and context)):
            for start, end, in_region in places:
                say(tokens, None, start, end, in_region)
    return statements


def _place_statement(tokens: Sequence[str], verb: Optional[int], start: int, in_region: bool) -> Optional[bool]:
    if _is_near(tokens, start):
        return False if in_region else None  # near Brussels is outside it; near Namur says nothing
    if _is_negated(tokens, verb, start):
        return False if in_region else None  # "pas à Namur" does not say where
    return in_region


def read_residence(text: Optional[str], context: bool = False, yes_no: bool = True) -> Optional[bool]:
    """Whether a message says the person lives in the Brussels-Capital Region.

    Args:
        text: the message.
        context: True when it answers "do you live in the Region?": then a place alone
            ("Schaerbeek", "Berchem (Anvers)", "1030") and a yes or no ("oui", "nee") are enough.
            Without context only a sentence about living says it ("j'habite à Vilvorde").
        yes_no: with context, whether a bare yes or no counts (not when the message is a request
            of its own: "non en fait je cherche une formation").

    Returns:
        True for a Brussels municipality one lives in, False for a place outside the Region, a
        denial ("je n'habite pas à Bruxelles") or living near it; None when the message does not
        say. Where one works or studies says nothing ("je travaille à Bruxelles mais j'habite à
        Namur" is False); the last statement wins ("à Jette, euh non, à Dilbeek" is False).
    """
    if is_payload(text):
        return None
    return stated_residence(text, context, yes_no)[0]


def stated_residence(text: Optional[str], context: bool = False,
                     yes_no: bool = True) -> Tuple[Optional[bool], Optional[Place]]:
    """What `read_residence` reads, with the place the person says they live in when the message
    names one ("ik woon in Halle" -> False, Halle in Vlaams-Brabant); None for a postal code, a
    region, a country, a place we do not know, or a denial ("je n'habite pas à Bruxelles")."""
    if is_payload(text):
        return None, None
    said = [s for s in _residence_statements(text or "", context) if s[0] is not None]
    if said:
        # The last statement says where one lives; among those before it that say the same, the
        # first place named ("Berchem (Anvers)" is Berchem, "à Jette, euh non, à Dilbeek" Dilbeek).
        value = said[-1][0]
        same = []
        for statement in reversed(said):
            if statement[0] != value:
                break
            same.insert(0, statement)
        return value, next((place for _, place in same if place is not None), None)
    return (read_yes_no(text) if context and yes_no else None), None


# --------------------------------------------------------------------------------------------
# Registered as a jobseeker
# --------------------------------------------------------------------------------------------

_REGISTERED = re.compile(
    r"\b(?:inscrit|inscrite|inscrits|inscrites|incrit|incrite|inscris|enregistre|enregistree|ingeschreven"
    r"|ingeschreve|ingeschreeven|geregistreerd)\b"
)
_JOBSEEKER = re.compile(
    r"\b(?:actiris|vdab|forem|adg|demandeu(?:r|se)s? d'emploi|chomage|chomeur|chomeuse|werkzoekende?"
    r"|werkloos|werkloze|job ?seeker|sans emploi|zonder werk)\b"
)
# "je suis demandeur d'emploi", "ik ben werkzoekende": the status the question asks about.
_JOBSEEKER_STATEMENT = re.compile(
    r"\b(?:je suis|j'suis|chui|jsuis|ik ben|ben ik|ik sta|k ben)( (?:pas|plus|ne|niet|geen|nog niet|toujours|nog steeds|encore|bien|wel))* "
    r"(?:un |une |een )?(?:demandeu(?:r|se) d'emploi|werkzoekende?)\b"
)
# "je suis pas chez Actiris", "ik ben niet bij de VDAB": registered there, or not.
_AT_AGENCY = re.compile(
    r"\b(?:je suis|j'suis|chui|jsuis|ik ben|k ben)( (?:pas|plus|ne|niet|nog niet|toujours|nog steeds|encore|bien|wel|deja|al))* "
    r"(?:chez|bij|a|au|aan) (?:de |le )?(?:actiris|vdab|forem)\b"
)
_CONTEXT_JOBSEEKER = re.compile(
    r"\b(?:je suis|j'suis|chui|jsuis|ik ben|k ben)( (?:pas|plus|ne|niet|geen|nog niet|toujours|nog steeds|encore|bien|wel))* "
    r"(?:au chomage|chomeur|chomeuse|werkloos|sans emploi|zonder werk)\b"
)
# "Ik ben niet ingeschreven", "je ne suis pas inscrite": registered, without saying where, in a
# clause that speaks of no course or session ("je suis inscrite à la séance de lundi" is a booking).
_BARE_REGISTRATION = re.compile(
    r"^(?!.*\b(?:seance|seances|session|sessie|infosessie|formation|formations|cours|opleiding|cursus|training"
    r"|atelier|les|lessen|ecole|school|universiteit|universite|mutuelle|ziekenfonds|commune|gemeente)\b)"
    r".*\b(?:suis|j'suis|chui|jsuis|ben)(?: \w+){0,3}? (?:inscrit|inscrite|ingeschreven)\b"
    r"(?! (?:a|au|aux|pour|voor|aan|op|in|dans|sur)\b)"
)
_WILL_REGISTER = re.compile(
    r"\b(?:(?:vais|va|vas|compte|dois|doit|veux|voudrais|aller|faut) (?:m'|me |que je m')?inscrire|m'inscris"
    r"|(?:ga|moet|wil|zal) me (?:nog |eerst |morgen )?(?:laten )?inschrijven|schrijf me [a-z ]{0,20}in)\b"
)
_WAS_REGISTERED = re.compile(r"\b(?:etais|etait|ai ete|was|waren|ben .{0,20}geweest)\b")
_NEGATED_STATUS = re.compile(r"\b(?:pas|plus|ne|n'|niet|geen|jamais|nooit|nog niet|pas encore|aucun)\b")
# A rule or a supposition, not a statement: "faut-il être inscrit ?", "moet je ingeschreven zijn?",
# "si je suis inscrit...".
_NOT_A_STATEMENT = re.compile(
    r"\b(?:etre|faut|dois|doit|doivent|devez|devoir|moet|moeten|hoef|hoeft|hoeven|nodig|obligatoire"
    r"|verplicht|als (?:je|men)|est ce qu'il|faut il)\b"
)
_I = re.compile(r"\b(?:je|j'|ik|k|moi|chui|jsuis|j'suis|me|m')(?:\b|(?<='))")


def _clause_value(clause: str, end: int) -> Optional[bool]:
    before = clause[:end]
    if _NEGATED_STATUS.search(before):
        return False
    if _WAS_REGISTERED.search(before) and not re.search(r"\b(?:toujours|nog steeds|nog altijd|encore)\b", before):
        return None  # "j'étais inscrit": maybe no longer
    return True


def read_registered(text: Optional[str], context: bool = False, yes_no: bool = True) -> Optional[bool]:
    """Whether a message says the person is registered as a jobseeker (Actiris, VDAB, Forem).

    Args:
        text: the message.
        context: True when it answers "are you registered as a jobseeker?": then "inscrite depuis
            mars", "je suis au chômage" and a plain yes or no are enough. Without context the
            sentence must name the registration ("je suis inscrit chez Actiris", "ik ben
            werkzoekende", "ik ben niet ingeschreven bij de VDAB").
        yes_no: with context, whether a bare yes or no counts.

    Returns:
        True, False ("nog niet ingeschreven", "je vais m'inscrire"), or None when not said.
    """
    if is_payload(text):
        return None
    normalized, _ = _strip(_NEUTRAL, normalize(text))
    said: List[Tuple[int, bool]] = []
    for clause_number, clause in enumerate(_clause_texts(normalized)):
        clause_offset = clause_number * 10000  # a position that keeps the clauses' order
        if not context and not _JOBSEEKER.search(clause) and not _BARE_REGISTRATION.search(clause):
            continue
        if _WILL_REGISTER.search(clause):
            said.append((clause_offset, False))
        for pattern in (_REGISTERED, _JOBSEEKER_STATEMENT, _AT_AGENCY) + ((_CONTEXT_JOBSEEKER,) if context else ()):
            for match in pattern.finditer(clause):
                before = clause[:match.start()]
                bare = _BARE_REGISTRATION.search(clause)
                if _NOT_A_STATEMENT.search(before) or not (context or _I.search(before) or bare
                                                           or pattern is not _REGISTERED):
                    continue
                value = _clause_value(clause, match.end() if pattern is not _REGISTERED else match.start())
                if value is not None:
                    said.append((clause_offset + match.start(), value))
    if said:
        return max(said, key=lambda s: s[0])[1]
    return read_yes_no(text) if context and yes_no else None


# --------------------------------------------------------------------------------------------
# Age
# --------------------------------------------------------------------------------------------

_AGE_UNITS = {"ans", "an", "jaar", "jr", "j", "years", "yo"}
_AGE_SUBJECT_ENDINGS = (
    ("j'", "ai"), ("jai",), ("g",), ("ik", "ben"), ("k", "ben"), ("ben",), ("moi",), ("age",), ("leeftijd",),
    ("age", "est"), ("leeftijd", "is"), ("ai", "maintenant"), ("ben", "nu"), ("j'", "ai", "deja"),
    ("ik", "ben", "al"), ("age", "c'est"), ("ben", "pas"), ("ai", "pas"), ("ben", "niet"), ("j", "ai"),
    ("ik", "heb"), ("k", "heb"),  # "ik heb 17 jaar": Brussels Dutch, after the French "j'ai 17 ans"
)
# After "j'ai N": what makes N something else than an age ("j'ai 2 enfants").
_AGE_FOLLOWERS_OK = {"et", "en", "mais", "maar", "donc", "dus", "alors", "ou", "of", "oud", "maintenant", "nu",
                     "deja", "al", "je", "j'", "ik", "depuis", "sinds", "bientot", "binnenkort"}
_NOT_AGE_AFTER_UNIT = {"d'", "de", "ervaring", "werkervaring", "experience", "geleden", "d'experience",
                       "dans", "en", "in", "que", "qu'", "dat", "sinds", "depuis", "ici", "hier", "au", "aan",
                       "bij", "chez", "comme", "als", "plus", "meer"}
_NOT_AGE_BEFORE = {"depuis", "sinds", "pendant", "gedurende", "y", "fait", "voila", "al", "dure", "duurt",
                   "dans", "binnen", "over", "pour", "voor", "minimum", "maximum", "minimaal", "moins",
                   "minder", "plus", "meer", "dan", "que", "tot", "jusqu'a", "entre", "tussen", "de", "van",
                   "a", "of", "ou", "et", "en", "mon", "ma", "mijn", "son", "sa", "zijn", "haar", "fils",
                   "fille", "zoon", "dochter"}
# "je vais avoir 18 ans", "ik word 18", "bientôt 18", "presque 18": not the age now.
_FUTURE_AGE_BEFORE = {"avoir", "aurai", "auras", "aura", "word", "wordt", "worden", "bientot", "binnenkort",
                      "presque", "bijna", "ferai", "fete", "vier", "quasi"}
_MIN_AGE, _MAX_AGE = 12, 99
# Before "a <N> ans", the subject of "a" (has) when it is someone else.
_SOMEONE_ELSE = {"mon", "ma", "mes", "son", "sa", "ses", "il", "elle", "on", "qui", "fils", "fille", "enfant",
                 "frere", "soeur", "mari", "femme", "copain", "copine", "ami", "amie"}


def _ages(clause: Sequence[str], context: bool) -> List[int]:
    """The ages a clause states, in order."""
    ages = []
    for index, token in enumerate(clause):
        if not token.isdigit() or len(token) > 3:
            continue
        value = int(token)
        before = list(clause[max(0, index - 3):index])
        after = clause[index + 1] if index + 1 < len(clause) else None
        after_unit = clause[index + 2] if index + 2 < len(clause) else None
        if not _MIN_AGE <= value <= _MAX_AGE:
            continue
        if set(clause[max(0, index - 2):index]) & _FUTURE_AGE_BEFORE:
            continue
        if before and before[-1] in {"pas", "niet", "geen"}:
            continue  # "pas 24 mais 25"
        subject = any(tuple(before[-len(ending):]) == ending for ending in _AGE_SUBJECT_ENDINGS
                      if len(before) >= len(ending))
        negated_subject = subject and before[-1] in {"pas", "niet"}
        # "à 45 ans" (not "de 18 à 29 ans", a range, nor "mon fils a 17 ans", someone else's age).
        at_age = (bool(before) and before[-1] == "a" and after in _AGE_UNITS
                  and not (len(before) > 1 and before[-2].isdigit())
                  and not set(before[:-1]) & _SOMEONE_ELSE)
        if at_age:
            ages.append(value)
        elif after in _AGE_UNITS:
            if after_unit in _NOT_AGE_AFTER_UNIT and after_unit not in {"en", "et"}:
                continue  # "17 ans d'expérience", "5 jaar geleden"
            if before and before[-1] in _NOT_AGE_BEFORE and not subject:
                continue  # "depuis 5 ans", "la formation dure 2 ans"
            at_start = index == 0 or (index == 1 and before[0] in {"moi", "ik", "et", "en", "donc", "dus"})
            if (subject or at_start or context) and not negated_subject:
                ages.append(value)
        elif subject and (after is None or after in _AGE_FOLLOWERS_OK):
            if not negated_subject:
                ages.append(value)
        elif context and not before and after is None:
            ages.append(value)  # "24"
        elif context and after is None and before and before[-1] not in _NOT_AGE_BEFORE:
            ages.append(value)  # "euh 24", "non 25"
    return ages


def read_age(text: Optional[str], context: bool = False) -> Optional[int]:
    """The person's age in years, from what a message says.

    Args:
        text: the message; numbers may be written out ("dix-sept", "vierentwintig").
        context: True when it answers "how old are you?": then a bare "24" is an age. Without
            context only a statement is ("j'ai 17 ans", "ik ben 17", "17 ans, ...").

    Returns:
        The last age stated ("j'ai 24, euh non 25" is 25), or None. Never a number of years of
        something else ("17 ans d'expérience", "depuis 5 ans", "j'ai 2 enfants"), nor an age to
        come ("ik word 18"), nor a date.
    """
    if is_payload(text):
        return None
    ages: List[int] = []
    for clause in _clauses(normalize(text)):
        # Once a message states an age, a number after it corrects it: "j'ai 24, euh non 25".
        ages += _ages(clause, context or bool(ages))
    return ages[-1] if ages else None


# --------------------------------------------------------------------------------------------
# Language levels
# --------------------------------------------------------------------------------------------

# Words that mean a CEFR level to a jobseeker who doesn't know the scale (folded).
LEVEL_WORDS = {
    "debutant": "A1", "debutante": "A1", "beginner": "A1", "beginnend": "A1", "beginneling": "A1",
    "slecht": "A1", "mauvais": "A1", "nul": "A1", "nulle": "A1", "basis": "A2", "basique": "A2",
    "faible": "A2", "zwak": "A2", "moyen": "B1", "moyenne": "B1", "moyennement": "B1", "gemiddeld": "B1",
    "intermediaire": "B1", "redelijk": "B1", "correct": "B1", "correcte": "B1", "correctement": "B1",
    "matig": "A2", "bon": "B2", "bonne": "B2", "bien": "B2", "goed": "B2", "vlot": "C1", "courant": "C1",
    "courante": "C1", "couramment": "C1", "fluent": "C1", "vloeiend": "C1", "bilingue": "C1",
    "tweetalig": "C1", "parfait": "C2", "parfaitement": "C2", "perfect": "C2", "maternelle": "C2",
    "moedertaal": "C2", "natif": "C2", "native": "C2", "native speaker": "C2",
}
# Phrases that say more than their words alone ("pas bien" is not "bien"), checked first, in order.
LEVEL_PHRASES = (
    (r"\b(pas du tout|pas un mot|rien du tout|helemaal niet|geen woord|geen enkel woord|nul part)\b", NO_LEVEL),
    (r"\b(pas (tres |trop |si |super )?bien|pas beaucoup|pas terrible|niet (zo |zo'n |erg |heel |super )?goed|niet veel|pas top)\b", "A2"),
    (r"\b(tres bien|tres bon|tres bonne|heel goed|zeer goed|super goed|uitstekend|excellent|excellente)\b", "C1"),
    (r"\b(assez bien|plutot bien|vrij goed|best goed|ca va|gaat wel|pas mal)\b", "B1"),
    (r"\b(un peu|un petit peu|me debrouille|quelques mots|een beetje|een paar woorden|les bases|de base|notions)\b", "A2"),
    (r"\b(je ne (le )?parle pas|parle pas|ik spreek (het )?geen|ik spreek (het )?niet|spreek geen|ne parle aucun)\b", NO_LEVEL),
    (r"\b(pas|geen|niet|aucun)\b(?= (?:le |du |l'|het )?(?:francais|neerlandais|flamand|anglais|frans|nederlands|vlaams|engels)\b)", NO_LEVEL),
)
# Language names as users write them (folded), for "anglais moyen", "mijn Engels is goed".
LANGUAGE_NAMES = {
    "fr": ("francais", "frans", "french", "franse"),
    "nl": ("neerlandais", "nederlands", "flamand", "vlaams", "dutch", "nl", "neerlandaise"),
    "en": ("anglais", "engels", "english", "engelse"),
}
# One word that says both the language and the level: "je suis francophone", "ik ben Nederlandstalig".
NATIVE_WORDS = {
    "francophone": "fr", "franstalig": "fr", "franstalige": "fr", "neerlandophone": "nl",
    "nederlandstalig": "nl", "nederlandstalige": "nl", "anglophone": "en", "engelstalig": "en",
}
_CEFR = re.compile(r"\b([abc]) ?([12])\b")
_FIRST_PERSON = {"je", "j'", "ik", "mon", "ma", "mijn", "moi", "me", "m'", "parle", "spreek", "jparle", "k"}
# A clause about a course or a requirement ("il faut un bon niveau de français ?") states no level.
_ABOUT_A_COURSE = {"formation", "formations", "cours", "opleiding", "opleidingen", "cursus", "les",
                   "lessen", "training", "groupe", "groep", "module", "faut", "moet", "moeten", "requis",
                   "vereist", "nodig", "exige", "demande", "gevraagd", "minimum", "minstens", "doit",
                   "dois", "si", "als"}


def _levels_in(clause: str) -> List[Tuple[int, str]]:
    """The levels a clause says, with where: CEFR codes, then phrases, then words."""
    found = [(m.start(), f"{m.group(1).upper()}{m.group(2)}") for m in _CEFR.finditer(clause)]
    masked = _CEFR.sub(lambda m: " " * len(m.group(0)), clause)
    for pattern, level in LEVEL_PHRASES:
        for match in re.finditer(pattern, masked):
            found.append((match.start(), level))
        masked = re.sub(pattern, lambda m: " " * len(m.group(0)), masked)
    for match in re.finditer(r"native speaker|[a-z]+", masked):
        if match.group(0) in LEVEL_WORDS:
            found.append((match.start(), LEVEL_WORDS[match.group(0)]))
    return sorted(found)


def names_a_cefr_level(text: Optional[str]) -> bool:
    """Whether a message gives a level as a CEFR code ("B1"), not in words ("zwak", "moyen"),
    which say it only roughly."""
    return bool(_CEFR.search(normalize(text)))


def parse_cefr(text: Optional[str]) -> Optional[str]:
    """A CEFR level from "B1", "niveau b2", "je suis débutant", "un peu", "moedertaal".

    Returns "A0" for "not at all", None when the text says no level.
    """
    levels = _levels_in(normalize(text))
    return levels[0][1] if levels else None


def _languages_in(clause: str) -> List[Tuple[int, str]]:
    found = []
    for match in re.finditer(r"[a-z]+", clause):
        for code, names in LANGUAGE_NAMES.items():
            if match.group(0) in names:
                found.append((match.start(), code))
    return found


def languages_named(text: Optional[str]) -> List[str]:
    """The languages a text names ("anglais moyen" -> ["en"]), in the order of LANGUAGE_NAMES."""
    named = {code for _, code in _languages_in(normalize(text))}
    named |= {NATIVE_WORDS[w] for w in _TOKEN.findall(normalize(text)) if w in NATIVE_WORDS}
    return [code for code in LANGUAGE_NAMES if code in named]


def stated_levels(text: Optional[str], context: bool = False) -> Dict[str, str]:
    """The level of each language a message states ("mon néerlandais est B1" -> {"elig_level_nl": "B1"}).

    Args:
        text: the message.
        context: True when it answers a question about a language level: any clause naming a
            language and a level counts ("anglais moyen, néerlandais courant"). Without context the
            clause must speak of the person ("je parle bien français", "mijn Frans is zwak") or be
            only a language and a level, and not of a course ("une formation en néerlandais
            niveau débutant" states nothing about the person).

    Returns:
        Level slot -> CEFR level ("A0": not at all).
    """
    if is_payload(text):
        return {}
    levels: Dict[str, str] = {}
    spoken_of: List[str] = []  # the languages whose level the previous clause stated
    for clause in _clause_texts(normalize(text)):
        words = clause.split()
        native = [NATIVE_WORDS[w] for w in words if w in NATIVE_WORDS]
        if native and not _NEGATED_STATUS.search(clause):
            for code in native:
                levels[LANGUAGE_SLOTS[code]] = "C2"
            continue
        languages = _languages_in(clause)
        if not languages:
            codes = [m for m in _CEFR.finditer(clause)]
            if spoken_of and len(codes) == 1 and len(words) <= 3:
                # "mijn Frans is goed denk ik, B1": the code says more exactly what the words said.
                for code in spoken_of:
                    levels[LANGUAGE_SLOTS[code]] = f"{codes[0].group(1).upper()}{codes[0].group(2)}"
            spoken_of = []
            continue
        spoken_of = []
        if not context and (set(words) & _ABOUT_A_COURSE or not (set(words) & _FIRST_PERSON or len(words) <= 3)):
            continue
        said = _levels_in(clause)
        if not said:
            continue
        codes = [code for _, code in languages]
        if len(said) == len(codes):
            pairs = zip(codes, [level for _, level in said], strict=True)
        else:
            pairs = ((code, said[0][1]) for code in codes)
        for code, level in pairs:
            levels[LANGUAGE_SLOTS[code]] = level
        spoken_of = codes
    return levels


def read_level(text: Optional[str], slot: str) -> Optional[str]:
    """A message read as the answer to "what is your level of <language>?" (`slot`).

    The level stated for that language if the message names languages ("mon français est bon,
    mon anglais moyen"); the level the message gives if it names none ("B1", "un peu", "vloeiend");
    None when it names only other languages ("anglais moyen" to the French question) or no level.
    """
    if is_payload(text):
        return None
    stated = stated_levels(text, context=True)
    if slot in stated:
        return stated[slot]
    if languages_named(text):
        return None
    return parse_cefr(text)


# --------------------------------------------------------------------------------------------
# Diploma
# --------------------------------------------------------------------------------------------

# In order: the first pattern that matches a diploma says which it is.
DIPLOMA_PATTERNS = (
    (r"\b(?:aucun|pas de|pas|sans|geen|zonder|geen enkel|no|rien comme|n'ai aucun|n'ai pas de) (?:vrai |erkend |belgisch )?(?:diplome|diplomes|diploma|diplomas|diploma's|degree)\b", "none"),
    (r"\bpas diplomee?s?\b", "none"),
    (r"\b(?:master|masters|mastere|masterdiploma|licentiaat|licencie|licenciee|doctorat|doctoraat|phd|ingenieur|bac ?\+ ?[5-8])\b", "master"),
    (r"\b(?:bachelier|bacheliere|bachelor|bachelors|bachelordiploma|graduat|graduaat|licence|bac ?\+ ?[34]|haute ecole|hogeschool)\b", "bachelor"),
    (r"\b(?:ce1d|ce2d|cesi|secondaire inferieur|lager secundair|tweede graad|2e graad|2de graad)\b", "lower_secondary"),
    ((r"\b(?:cess|secondaire superieur|humanites|rheto|rhetorique|hoger secundair|humaniora|middelbare school"
      r"|middelbaar|high school|baccalaureat|bac (?:francais|marocain|algerien|tunisien)|secondaire|secundair)\b"),
     "upper_secondary"),
    (r"\b(?:ceb|certificat d'etudes de base|primaire|lagere school|lager onderwijs|basisonderwijs|basisschool|primary school)\b", "primary"),
)
# Studying now, or stopped before the end: not a diploma one holds.
_NOT_OBTAINED = re.compile(
    r"\b(?:arrete|abandonne|stoppe|quitte|gestopt|afgehaakt|niet afgemaakt|pas fini|pas termine|sans finir"
    r"|en cours|je fais|ik doe|ik volg|bezig|studeer|j'etudie|je suis en|je suis etudiant|je prepare|bijna)\b"
)
_HOLDS = re.compile(
    r"\b(?:j'ai|jai|n'ai|ik heb|k heb|heb ik|mon diplome|mijn diploma|je suis diplomee?|ik ben gediplomeerd"
    r"|titulaire|behaald|gehaald|afgestudeerd|obtenu|pas diplomee?|avec|met)\b"
)


def read_diploma(text: Optional[str], context: bool = False, yes_no: bool = True) -> Optional[str]:
    """The highest diploma a message says the person holds (one of DIPLOMAS).

    Args:
        text: the message.
        context: True when it answers "which diploma do you have?": then "CESS", "bachelier",
            "geen" or a plain "non" are enough. Without context the message must say the person
            holds it ("j'ai le CESS", "ik heb een bachelor", "je n'ai pas de diplôme").
        yes_no: with context, whether a bare "non" counts as no diploma.

    Returns:
        The diploma, or None: not said, still studying ("je fais un bachelier"), stopped before
        the end ("j'ai arrêté en 3e secondaire"), or only denied ("je n'ai pas le CESS").
    """
    if is_payload(text):
        return None
    normalized = normalize(text)
    found: List[str] = []
    for clause in _clause_texts(normalized):
        if _NOT_OBTAINED.search(clause):
            continue
        if not context and not _HOLDS.search(clause):
            continue
        for pattern, diploma in DIPLOMA_PATTERNS:
            if re.search(pattern, clause):
                if diploma != "none" and re.search(r"\b(?:pas|niet|geen|n'|ne|jamais|nooit|aucun)\b", clause):
                    break  # "je n'ai pas le CESS" says what one lacks, not what one has
                found.append(diploma)
                break
    if found:
        held = [d for d in found if d != "none"]
        return max(held, key=DIPLOMAS.index) if held else "none"
    if context and yes_no:
        answer = read_yes_no(text)
        if answer is False or re.fullmatch(r"\s*(?:aucun|aucune|rien|geen|geen enkel|niks|niets|none)\s*", normalized):
            return "none"  # "non" / "nee" to "which diploma do you have?"
    return None


# --------------------------------------------------------------------------------------------
# Every fact a message states, and a message read as the answer to one question
# --------------------------------------------------------------------------------------------


_CORRECTION = re.compile(
    r"\b(?:en fait|enfait|ah non|oh non|non pardon|pardon|je me suis trompee?|correction|sorry|sorri|excuse[sz]?"
    r"|desolee?|plutot|je voulais dire|eigenlijk|oeps|oups|ik heb me vergist|vergissing|nee wacht|non attends"
    r"|ik bedoel|correctie|toch niet|finalement|uiteindelijk)\b"
)


def is_correction(text: Optional[str]) -> bool:
    """Whether a message says it corrects something ("en fait", "ah non", "sorry", "eigenlijk")."""
    return bool(_CORRECTION.search(normalize(text)))


def stated_facts(text: Optional[str]) -> Dict[str, Any]:
    """The facts about the person a message states, whatever question was asked.

    Reads only statements that stand on their own: "j'ai 17 ans" / "ik ben 17 (jaar)" (elig_age),
    "j'habite à Vilvorde" / "ik woon in Jette" (elig_brussels_resident), "je suis (pas) inscrit
    chez Actiris" / "ik ben (niet) ingeschreven bij Actiris" (elig_registered_jobseeker), "mon
    néerlandais est B1" / "mijn Frans is zwak" (elig_level_fr / _nl / _en), "j'ai le CESS" / "ik
    heb een bachelor" (elig_diploma). A bare number, place, level or "oui" states nothing out of
    context: `read_answer` reads those as the answer to the question asked. A question can state
    facts too ("j'ai 16 ans, je peux faire X ?").

    Returns:
        Slot name -> value, only for the facts the message states (often none). Values are
        those of the slots: bool, int (years), CEFR level ("A0"-"C2"), a DIPLOMAS value.
    """
    if not text or is_payload(text):
        return {}
    facts: Dict[str, Any] = {}
    for slot, value in (
        ("elig_registered_jobseeker", read_registered(text)),
        ("elig_brussels_resident", read_residence(text)),
        ("elig_age", read_age(text)),
        ("elig_diploma", read_diploma(text)),
    ):
        if value is not None:
            facts[slot] = value
    facts.update(stated_levels(text))
    return facts


def read_answer(slot: str, text: Optional[str], yes_no: bool = True) -> Any:
    """A message read as the answer to the question that fills `slot`, from its words alone.

    Clear texts need no NLU: "non, je n'habite pas à Bruxelles" is a no whatever intent was
    predicted. A payload ("/affirm") or a text that is not decisive ("euh", "ok") gives None:
    the caller may then use the NLU's intent and entities.

    Args:
        slot: the slot of the question asked (one of ANSWER_SLOTS).
        text: the message.
        yes_no: whether a bare yes or no ("oui", "nee") is an answer; False for a message the
            NLU took for a request of its own, where "non" starts something else ("non en fait
            je cherche une formation en cybersécurité").
    """
    readers = {
        "elig_registered_jobseeker": lambda t: read_registered(t, context=True, yes_no=yes_no),
        "elig_brussels_resident": lambda t: read_residence(t, context=True, yes_no=yes_no),
        "elig_age": lambda t: read_age(t, context=True),
        "elig_diploma": lambda t: read_diploma(t, context=True, yes_no=yes_no),
    }
    if slot in readers:
        return readers[slot](text)
    if slot in LANGUAGE_SLOTS.values():
        return read_level(text, slot)
    raise KeyError(f"no reader for slot {slot!r}: expected one of {ANSWER_SLOTS}")



def rule_results(rules: Optional[Dict[str, Any]], answers: Dict[str, Any]) -> List[Tuple[str, Dict[str, Any], Optional[bool]]]:
    """Each rule of a course with whether the answers meet it (None: not answered).

    Returns:
        (rule kind, values for its text, met) for every rule the course has.
    """
    rules = rules or {}
    results = []
    if rules.get("registered_jobseeker"):
        answer = answers.get("elig_registered_jobseeker")
        results.append(("registered_jobseeker", {}, None if answer is None else bool(answer)))
    if rules.get("brussels_resident"):
        answer = answers.get("elig_brussels_resident")
        results.append(("brussels_resident", {}, None if answer is None else bool(answer)))
    age = answers.get("elig_age")
    if rules.get("min_age") is not None:
        results.append(("min_age", {"age": rules["min_age"]}, None if age is None else age >= rules["min_age"]))
    if rules.get("max_age") is not None:
        results.append(("max_age", {"age": rules["max_age"]}, None if age is None else age <= rules["max_age"]))
    for requirement in rules.get("language_requirements") or []:
        level = answers.get(LANGUAGE_SLOTS.get(requirement.get("language"), ""))
        met = None if level not in CEFR_LEVELS else CEFR_LEVELS.index(level) >= CEFR_LEVELS.index(requirement["level"])
        results.append(("language_level", {"language": requirement["language"], "level": requirement["level"]}, met))
    diploma = answers.get("elig_diploma")
    known = diploma in DIPLOMAS
    if rules.get("min_diploma"):
        met = None if not known else DIPLOMAS.index(diploma) >= DIPLOMAS.index(rules["min_diploma"])
        results.append(("min_diploma", {"diploma": rules["min_diploma"]}, met))
    if rules.get("max_diploma"):
        met = None if not known else DIPLOMAS.index(diploma) <= DIPLOMAS.index(rules["max_diploma"])
        results.append(("max_diploma", {"diploma": rules["max_diploma"]}, met))
    return results


def meets_all(rules: Optional[Dict[str, Any]], answers: Dict[str, Any]) -> bool:
    """Whether the answers meet every rule of a course (an unanswered rule is not met)."""
    return all(met is True for _, _, met in rule_results(rules, answers))


# What a course's eligibility notes (catalogue text) are about, per answer: "les demandeurs
# d'emploi inscrits chez Actiris sont prioritaires" speaks to someone who is not registered.
_LEVEL_NOTE_TOPIC = (r"\b(?:francais|neerlandais|anglais|frans|nederlands|engels|langues?|talen|taal|niveau"
                     r"|[abc][12]|orthographe|spelling)\b")
_NOTE_TOPICS = {
    "elig_registered_jobseeker": (r"\b(?:actiris|vdab|forem|demandeu\w*|inscrit\w*|ingeschreven|werkzoekend\w*"
                                  r"|chomage|werkloos\w*|priorit\w*|voorrang)\b"),
    "elig_brussels_resident": r"\b(?:bruxell\w*|brussel\w*|region|gewest|habitants?|inwoners?|domicil\w*)\b",
    "elig_age": r"\b(?:\d+ ans|\d+ jaar|age|leeftijd|jeunes?|jeunesse|jongeren\w*|jonger)\b",
    "elig_diploma": (r"\b(?:diplom\w*|cess|secondaire|secundair|bachel\w*|master|titre|getuigschrift|superieur"
                     r"|hoger onderwijs)\b"),
    **{slot: _LEVEL_NOTE_TOPIC for slot in LANGUAGE_SLOTS.values()},
    # No slot: the feed has no rule on it, only notes ("formation réservée aux femmes").
    "gender": r"\b(?:femmes?|vrouwen|vrouw|hommes?|mannen|filles|meisjes|women)\b",
}
_GENDER_STATED = re.compile(
    r"\b(?:je suis|j'suis|suis|ik ben|ben|k ben)(?: (?:un|une|een))? (?:(?P<man>homme|mec|gars|garcon|monsieur|man"
    r"|jongen|vent)|femme|fille|dame|vrouw|meisje)\b")


def states_gender(text: Optional[str]) -> Optional[str]:
    """"man" or "woman" when a message says it of the person ("je suis un mec", "ik ben een vrouw"), else None."""
    match = _GENDER_STATED.search(normalize(text))
    if not match:
        return None
    return "man" if match.group("man") else "woman"


def notes_concern(notes: Optional[str], slots) -> bool:
    """Whether a course's eligibility notes say something about one of these answers' topics."""
    folded = normalize(notes)
    return any(slot in _NOTE_TOPICS and re.search(_NOTE_TOPICS[slot], folded) for slot in slots)
