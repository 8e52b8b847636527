"""How the eligibility questions read answers: a table of answers in French and Dutch, each with the
reading it must get, run against the pure readers and against the form's extract_<slot> methods.

Each row is (text, slot asked, reading). The texts are what people write: negations, hedges,
corrections, typos, no accents, the other language, Brussels and Flemish usage. A clear text must
be read the same whatever intent the NLU predicted; a text that is not clear (reading None) gets
the question's hint and fills nothing.
"""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions_helpers import DOMAIN, make_tracker
from bot.actions import eligibility_rules as rules
from bot.actions.eligibility import ValidateEligibilityForm

REG, RES, AGE, DIP = "elig_registered_jobseeker", "elig_brussels_resident", "elig_age", "elig_diploma"
FR_LEVEL, NL_LEVEL, EN_LEVEL = "elig_level_fr", "elig_level_nl", "elig_level_en"

FRENCH = [
    # registered as a jobseeker
    ("oui", REG, True),
    ("oui, pas de souci", REG, True),
    ("je suis inscrit, pas de problème", REG, True),
    ("ouiiii", REG, True),
    ("ouais", REG, True),
    ("si", REG, True),
    ("bien sûr", REG, True),
    ("je crois que oui", REG, True),
    ("inscrite depuis mars", REG, True),
    ("je suis demandeuse d'emploi", REG, True),
    ("je suis au chômage depuis un an", REG, True),
    ("non", REG, False),
    ("non, pas encore", REG, False),
    ("pas encore inscrite", REG, False),
    ("je ne pense pas", REG, False),
    ("je ne suis plus inscrit", REG, False),
    ("je vais m'inscrire la semaine prochaine", REG, False),
    ("je sais pas, je crois que non", REG, False),
    ("pas sûr", REG, None),
    ("je sais pas", REG, None),
    ("euh", REG, None),
    ("ja", REG, True),  # the other language
    # living in the Brussels-Capital Region
    ("non, je n'habite pas à Bruxelles", RES, False),
    ("je travaille à Bruxelles mais j'habite à Namur", RES, False),
    ("Berchem (Anvers)", RES, False),
    ("j'habite à Berchem-Sainte-Agathe", RES, True),
    ("schaerbeek", RES, True),
    ("j'habite a st-gilles", RES, True),
    ("je vis à molenbek", RES, True),
    ("anderlech", RES, True),
    ("bxl", RES, True),
    ("1030", RES, True),
    ("oui à Ixelles", RES, True),
    ("non, Schaerbeek", RES, True),  # the place says more than the "non"
    ("je suis de Molenbeek", RES, True),
    ("je suis bruxellois", RES, True),
    ("je n'habite pas à Bruxelles-ville mais à Ixelles", RES, True),
    ("j'habite à Bruxelles depuis 2019", RES, True),
    ("Vilvorde", RES, False),
    ("à Halle", RES, False),
    ("Anvers", RES, False),
    ("j'habite à Vilvorde, juste à côté de Bruxelles", RES, False),
    ("près de Bruxelles, à Dilbeek", RES, False),
    ("j'habite pas loin de Bruxelles", RES, False),
    ("pas à Bruxelles", RES, False),
    ("j'habite en Flandre", RES, False),
    ("j'habite au Maroc", RES, False),
    ("j'habite à Jette, euh non, à Wemmel", RES, False),
    ("je travaille à Bruxelles", RES, None),
    ("j'habite en Belgique", RES, None),
    ("ik woon in Schaarbeek", RES, True),  # the other language
    # age
    ("j'ai 24 ans", AGE, 24),
    ("24", AGE, 24),
    ("45 ans", AGE, 45),
    ("dix-sept ans", AGE, 17),
    ("j'ai vingt-trois ans", AGE, 23),
    ("en fait j'ai 17 ans", AGE, 17),
    ("j'ai 24 euh non 25", AGE, 25),
    ("moi 17 ans", AGE, 17),
    ("je vais avoir 18 ans en mars", AGE, None),
    ("j'ai 2 enfants", AGE, None),
    ("j'ai 5 ans d'expérience", AGE, None),
    ("né le 12/03/2001", AGE, None),
    ("ik ben 31", AGE, 31),  # the other language
    # level of French
    ("B1", FR_LEVEL, "B1"),
    ("niveau b 2", FR_LEVEL, "B2"),
    ("je parle bien français", FR_LEVEL, "B2"),
    ("mon français est bon", FR_LEVEL, "B2"),
    ("un peu", FR_LEVEL, "A2"),
    ("pas très bien", FR_LEVEL, "A2"),
    ("je me débrouille", FR_LEVEL, "A2"),
    ("assez bien", FR_LEVEL, "B1"),
    ("moyen", FR_LEVEL, "B1"),
    ("couramment", FR_LEVEL, "C1"),
    ("c'est ma langue maternelle", FR_LEVEL, "C2"),
    ("je suis francophone", FR_LEVEL, "C2"),
    ("pas du tout", FR_LEVEL, "A0"),
    ("A2 je crois", FR_LEVEL, "A2"),
    ("anglais moyen", FR_LEVEL, None),  # English's level, not French's
    ("vloeiend", FR_LEVEL, "C1"),  # the other language
    # diploma
    ("CESS", DIP, "upper_secondary"),
    ("j'ai le CESS", DIP, "upper_secondary"),
    ("j'ai le CEB", DIP, "primary"),
    ("un bachelier en compta", DIP, "bachelor"),
    ("master en droit", DIP, "master"),
    ("aucun", DIP, "none"),
    ("non", DIP, "none"),
    ("je n'ai pas de diplôme", DIP, "none"),
    ("j'ai arrêté en 3e secondaire", DIP, None),
    ("je fais un bachelier", DIP, None),
]

DUTCH = [
    # registered as a jobseeker
    ("ja", REG, True),
    ("jaaa", REG, True),
    ("jawel", REG, True),
    ("tuurlijk", REG, True),
    ("ja hoor, geen probleem", REG, True),
    ("ja, geen idee waarom je dat vraagt maar ja", REG, True),
    ("ik denk het wel", REG, True),
    ("volgens mij wel", REG, True),
    ("ik ben ingeschreven bij Actiris", REG, True),
    ("ik sta ingeschreven bij de VDAB", REG, True),
    ("ik ben werkzoekende", REG, True),
    ("nee", REG, False),
    ("nee hoor", REG, False),
    ("neen, nog niet ingeschreven", REG, False),
    ("nee, nog niet", REG, False),
    ("niet echt", REG, False),
    ("ik denk het niet", REG, False),
    ("ik denk van niet", REG, False),
    ("ik ben niet ingeschreven", REG, False),
    ("ik ga me morgen inschrijven", REG, False),
    ("geen idee", REG, None),
    ("ik weet het niet", REG, None),
    ("oui", REG, True),  # the other language
    # living in the Brussels-Capital Region
    ("ik woon niet in Brussel", RES, False),
    ("ik woon in Jette", RES, True),
    ("ik woon in Brussel", RES, True),
    ("Sint-Agatha-Berchem", RES, True),
    ("Sint-Pieters-Woluwe", RES, True),
    ("schaarbeek", RES, True),
    ("sint-jans-molenbeek", RES, True),
    ("ja, in Elsene", RES, True),
    ("ja ik woon er", RES, True),
    ("ik ben van Anderlecht", RES, True),
    ("ik woon en werk in Brussel", RES, True),
    ("1080", RES, True),
    ("Berchem bij Antwerpen", RES, False),
    ("Sint-Stevens-Woluwe", RES, False),  # in Zaventem
    ("Vilvoorde", RES, False),
    ("ik woon in Halle", RES, False),
    ("ik woon in Gent", RES, False),
    ("nee, in Zaventem", RES, False),
    ("ik woon in Aalst maar werk in Brussel", RES, False),
    ("ik werk in Brussel maar woon in Aalst", RES, False),
    ("ik woon net buiten Brussel", RES, False),
    ("ik woon in de rand", RES, False),
    ("ik woon er niet", RES, False),
    ("ik woon in een appartement", RES, None),
    ("j'habite à Uccle", RES, True),  # the other language
    # age
    ("ik ben 17", AGE, 17),
    ("sorry, ik ben 17", AGE, 17),
    ("ik ben 31 jaar", AGE, 31),
    ("ik ben 24 jaar oud", AGE, 24),
    ("vierentwintig", AGE, 24),
    ("niet 24 maar 25", AGE, 25),
    ("ik ben 17 jaar, is dat een probleem?", AGE, 17),
    ("ik word 18 in maart", AGE, None),
    ("ik heb 2 kinderen", AGE, None),
    ("j'ai 24 ans", AGE, 24),  # the other language
    # level of Dutch
    ("B2", NL_LEVEL, "B2"),
    ("goed", NL_LEVEL, "B2"),
    ("redelijk", NL_LEVEL, "B1"),
    ("vloeiend", NL_LEVEL, "C1"),
    ("een beetje", NL_LEVEL, "A2"),
    ("niet zo goed", NL_LEVEL, "A2"),
    ("mijn Nederlands is zwak", NL_LEVEL, "A2"),
    ("het is mijn moedertaal", NL_LEVEL, "C2"),
    ("ik ben Nederlandstalig", NL_LEVEL, "C2"),
    ("helemaal niet", NL_LEVEL, "A0"),
    ("ik spreek geen Nederlands", NL_LEVEL, "A0"),
    ("mijn Engels is goed", NL_LEVEL, None),  # English's level, not Dutch's
    ("je parle bien français mais pas néerlandais", NL_LEVEL, "A0"),  # the other language
    # diploma
    ("hoger secundair", DIP, "upper_secondary"),
    ("middelbare school", DIP, "upper_secondary"),
    ("lager secundair", DIP, "lower_secondary"),
    ("ik heb een bachelor", DIP, "bachelor"),
    ("masterdiploma", DIP, "master"),
    ("geen diploma", DIP, "none"),
    ("nee", DIP, "none"),
    ("ik ben gestopt in het vierde middelbaar", DIP, None),
    ("ik studeer nog", DIP, None),
]

ROWS = [pytest.param(text, slot, reading, id=f"fr-{text}") for text, slot, reading in FRENCH] + [
    pytest.param(text, slot, reading, id=f"nl-{text}") for text, slot, reading in DUTCH]


def test_the_table_holds_at_least_40_answers_per_language():
    assert len(FRENCH) >= 40 and len(DUTCH) >= 40
    for table in (FRENCH, DUTCH):
        assert {slot for _, slot, _ in table} >= {REG, RES, AGE, DIP}
        assert any(reading is None for _, _, reading in table)


@pytest.mark.parametrize("text, slot, reading", ROWS)
def test_the_reader_of_the_question(text, slot, reading):
    assert rules.read_answer(slot, text) == reading


# The course each question is asked for: the SOC course asks every question but Dutch; the
# bilingual administration course asks French and Dutch.
COURSE_ASKING = {REG: "dh-soc-analyst-27", RES: "dh-soc-analyst-27", AGE: "dh-soc-analyst-27",
                 FR_LEVEL: "dh-soc-analyst-27", EN_LEVEL: "dh-soc-analyst-27", DIP: "dh-soc-analyst-27",
                 NL_LEVEL: "dh-digital-admin-bilingual-27"}


def run_extract(slot, text, intent, entities=None, slots=None):
    tracker = make_tracker(text, intent=intent, entities=entities, slots={
        "language": "fr", "requested_slot": slot, "course_id": COURSE_ASKING[slot], **(slots or {})})
    dispatcher = CollectingDispatcher()
    method = getattr(ValidateEligibilityForm(), f"extract_{slot}")
    result = asyncio.run(method(dispatcher, tracker, DOMAIN))
    return result, [m.get("response") for m in dispatcher.messages]


CLEAR = [row for row in ROWS if row.values[2] is not None]
UNCLEAR = [row for row in ROWS if row.values[2] is None]


@pytest.mark.parametrize("intent", ["inform", "affirm", "deny"])
@pytest.mark.parametrize("text, slot, reading", CLEAR)
def test_the_form_reads_a_clear_answer_whatever_the_intent(catalogue_env, text, slot, reading, intent):
    result, _ = run_extract(slot, text, intent)
    assert result[slot] == reading


@pytest.mark.parametrize("text, slot, reading", UNCLEAR)
def test_the_form_fills_nothing_from_an_answer_it_cannot_read(catalogue_env, text, slot, reading):
    result, _ = run_extract(slot, text, "inform")
    assert result.get(slot) is None


@pytest.mark.parametrize("slot, text, intent, entities, reading", [
    # Buttons send payloads: their intent and entities are the answer.
    (REG, "/affirm", "affirm", [], True),
    (RES, "/deny", "deny", [], False),
    (FR_LEVEL, '/inform{"cefr_level": "B1"}', "inform", [{"entity": "cefr_level", "value": "B1"}], "B1"),
    (DIP, '/inform{"diploma": "none"}', "inform", [{"entity": "diploma", "value": "none"}], "none"),
    # Words that say nothing decisive: the NLU decides.
    (REG, "ok", "affirm", [], True),
    (RES, "j'habite à Trifouillis", "inform", [{"entity": "municipality", "value": "Trifouillis"}], False),
    (DIP, "bac pro", "inform", [{"entity": "diploma", "value": "upper_secondary"}], "upper_secondary"),
])
def test_the_nlu_decides_only_when_the_words_do_not(catalogue_env, slot, text, intent, entities, reading):
    result, _ = run_extract(slot, text, intent, entities)
    assert result[slot] == reading


def test_the_words_win_over_a_wrong_intent_or_entity(catalogue_env):
    # The NLU took "pas de souci" for a no and "Berchem" for Berchem-Sainte-Agathe.
    assert run_extract(REG, "oui, pas de souci", "deny")[0] == {REG: True}
    assert run_extract(RES, "Berchem bij Antwerpen", "affirm",
                       [{"entity": "municipality", "value": "Berchem"}])[0] == {RES: False}


FACTS = [
    # French
    ("j'ai 17 ans", {AGE: 17}),
    ("en fait j'ai 17 ans", {AGE: 17}),
    ("j'ai 16 ans, je peux faire la formation web ?", {AGE: 16}),
    ("ah non, j'habite à Vilvorde", {RES: False}),
    ("j'ai 24 ans et j'habite à Jette", {AGE: 24, RES: True}),
    ("je suis pas inscrit chez Actiris", {REG: False}),
    ("je me suis inscrite chez Actiris hier", {REG: True}),
    ("mon néerlandais est B1", {NL_LEVEL: "B1"}),
    ("je parle bien français mais pas néerlandais", {FR_LEVEL: "B2", NL_LEVEL: "A0"}),
    ("j'ai le CESS", {DIP: "upper_secondary"}),
    ("je n'ai pas de diplôme", {DIP: "none"}),
    ("si j'habite à Vilvorde je peux m'inscrire ?", {RES: False}),
    ("j'ai habité à Namur mais maintenant j'habite à Jette", {RES: True}),
    ("je suis né à Anderlecht mais j'habite à Halle", {RES: False}),
    # A supposition is the person's own situation; chat without apostrophes.
    ("je peux la faire à 45 ans ?", {AGE: 45}),
    ("et si je n ai pas de diplôme ?", {DIP: "none"}),
    ("et avec juste le CESS ?", {DIP: "upper_secondary"}),
    ("et si je ne suis pas inscrit chez Actiris ?", {REG: False}),
    ("c'est pour les jeunes de 18 à 29 ans ?", {}),
    ("mon fils a 17 ans, il peut venir ?", {}),
    ("en als ik in Halle woon?", {RES: False}),
    ("mag ik dat doen als ik 45 ben?", {AGE: 45}),
    ("en als ik geen diploma heb?", {DIP: "none"}),
    ("en met een bachelor?", {DIP: "bachelor"}),
    ("k heb gene diploma, mag ik digitale basisvaardigheden doen?", {DIP: "none"}),
    ("mijn frans is goed genoeg denk ik, B1, kan ik java volgen?", {FR_LEVEL: "B1"}),
    # Registered, without naming where: as a jobseeker, unless a course or a session is named.
    ("ik woon in Brussel maar ben niet ingeschreven, mag ik ethical hacking volgen?", {REG: False, RES: True}),
    ("je ne suis pas inscrite", {REG: False}),
    ("ik ben al ingeschreven", {REG: True}),
    ("je suis inscrite à la séance de lundi", {}),
    ("ik ben ingeschreven voor de infosessie", {}),
    ("ik ben ingeschreven in de gemeente", {}),
    ("mijn broer is ingeschreven", {}),
    ("je parle bien français, B1", {FR_LEVEL: "B1"}),
    ("als ik 18 word, mag ik dan?", {}),
    # Dutch
    ("ik ben 17", {AGE: 17}),
    ("sorry, ik ben 17", {AGE: 17}),
    ("ik ben 17 jaar en woon in Vilvoorde", {AGE: 17, RES: False}),
    ("nu woon ik in Jette", {RES: True}),
    ("ik ben in Gent geboren maar woon in Brussel", {RES: True}),
    ("ik woon in de buurt van Brussel", {RES: False}),
    ("ik ben niet ingeschreven bij Actiris", {REG: False}),
    ("ik ben als werkzoekende ingeschreven bij Actiris", {REG: True}),
    ("mijn Frans is zwak", {FR_LEVEL: "A2"}),
    ("mijn Engels is goed en mijn Frans een beetje", {EN_LEVEL: "B2", FR_LEVEL: "A2"}),
    ("ik heb een bachelor", {DIP: "bachelor"}),
    ("ik heb geen diploma, kan ik toch meedoen?", {DIP: "none"}),
    # Tussentaal and chat shorthand
    ("k zen 17 jaar, kan k java doen?", {AGE: 17}),
    ("kzen 19", {AGE: 19}),
    ("k ben ni ingeschreven bij actiris, is da erg?", {REG: False}),
    ("ik ben nie ingeschreven bij de VDAB", {REG: False}),
    ("woon in Molenbeek, mag ik meedoen?", {RES: True}),
    ("habite à Vilvorde, c'est possible ?", {RES: False}),
    ("ben 17, mag da?", {AGE: 17}),
    # Nothing stated: bare answers, questions about the rules, other people, other numbers.
    ("oui", {}), ("ja", {}), ("24", {}), ("Schaerbeek", {}), ("B1", {}), ("CESS", {}),
    ("je travaille à Bruxelles", {}),
    ("est-ce que je dois être inscrit chez Actiris ?", {}),
    ("faut-il habiter à Bruxelles ?", {}),
    ("moet ik in Brussel wonen?", {}),
    ("woon je in Brussel?", {}), ("habite-t-il à Bruxelles ?", {}),
    ("si on habite à Vilvorde on peut s'inscrire ?", {}),
    ("il faut un bon niveau de français ?", {}),
    ("sans diplôme c'est possible ?", {}),
    ("faut-il avoir 18 ans ?", {}),
    ("moet je 18 jaar zijn?", {}),
    ("la formation est pour les 18-29 ans", {}),
    ("la formation dure 2 ans", {}),
    ("mon fils a 17 ans", {}),
    ("j'ai 5 ans d'expérience en vente", {}),
    ("je suis inscrit à la séance d'info", {}),
    ("je cherche une formation en néerlandais niveau débutant", {}),
    ("ik zoek een opleiding van 6 maanden", {}),
    ("la formation se donne à Anderlecht ?", {}),
    ("je vais habiter à Jette", {}), ("j'ai habité à Namur", {}), ("ik ben in Gent geboren", {}),
    ("je suis de nationalité marocaine", {}), ("je suis à la recherche d'un emploi", {}),
    ("/affirm", {}),
    # Chat: the verb or the space left out, Brussels Dutch "ik heb N jaar", "être chez Actiris"
    ("pas inscrite a actiris, je peux faire la formation site web quand meme", {REG: False}),
    ("nog niet ingeschreven bij actiris", {REG: False}),
    ("je suis pas chez actiris moi, je travaille deja", {REG: False}),
    ("ik ben niet bij de vdab", {REG: False}),
    ("je suis chez actiris depuis 2 ans", {REG: True}),
    ("ik heb 17 jaar, mag ik eerste klikken volgen?", {AGE: 17}),
    ("jai 17ans, la formation creer son site web c possible?", {AGE: 17}),
    ("ik heb 3 jaar ervaring", {}),
    ("inscrite a la seance de mardi", {}),
]


@pytest.mark.parametrize("text, facts", FACTS)
def test_the_facts_a_message_states_whatever_was_asked(text, facts):
    assert rules.stated_facts(text) == facts


@pytest.mark.parametrize("text, correction", [
    ("en fait j'ai 17 ans", True), ("ah non, j'habite à Vilvorde", True), ("sorry, ik ben 17", True),
    ("eigenlijk woon ik in Halle", True), ("j'ai 17 ans", False), ("non", False),
])
def test_a_correction_says_so(text, correction):
    assert rules.is_correction(text) is correction


@pytest.mark.parametrize("text, number", [
    ("dix-sept", "17"), ("vingt et un", "21"), ("septante-deux", "72"), ("nonante-neuf", "99"),
    ("soixante-dix-huit", "78"), ("quatre-vingt-un", "81"), ("tweeëntwintig", "22"), ("achttien", "18"),
])
def test_ages_written_out_in_words(text, number):
    assert rules.normalize(text) == number


@pytest.mark.parametrize("text, said", [("je suis un mec, je peux m inscrire ?", "man"), ("ik ben een man", "man"),
                                        ("je suis une femme de 52 ans", "woman"), ("je suis au chomage", None),
                                        ("ik ben 25", None)])
def test_a_message_can_say_whether_the_person_is_a_man_or_a_woman(text, said):
    assert rules.states_gender(text) == said
