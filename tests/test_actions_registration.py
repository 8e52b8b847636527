"""The registration actions on a real catalogue copy and a real registrations store file (issue 15).

The whole conversation through the running bot is in test_rest_registration.py; here each step of
the form is checked on its own: which session a message picks, each answer read or questioned,
a stop, a correction, the booking and the cancel in the store.
"""

from __future__ import annotations

import asyncio

import pytest

from actions_helpers import make_tracker, read_by_user, run_action
from bot.actions import registration as reg
from bot.actions.catalogue import open_catalogue
from registrations.store import open_store

JAVA = "dh-java-dev-27"  # three sessions: onsite, online, onsite
UX = "dh-ux-ui-design-27"  # the catalogue marks it full


@pytest.fixture
def store_env(catalogue_env, tmp_path, monkeypatch):
    """The actions' registrations store: a fresh SQLite file."""
    path = tmp_path / "registrations.db"
    monkeypatch.setenv("REGISTRATIONS_DB", str(path))
    monkeypatch.delenv("REGISTRATIONS_WEBHOOK_URL", raising=False)
    return path


def slots_of(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def form_tracker(text, requested, language="fr", intent="inform", entities=None, **slots):
    values = {"language": language, "reg_course_id": JAVA, "course_id": JAVA, "requested_slot": requested,
              "active_loop": {"name": "registration_form"}, **slots}
    tracker = make_tracker(text, intent=intent, entities=entities, slots=values)
    tracker.active_loop = {"name": "registration_form"}
    return tracker


EARLIER = {"reg_session_id": "x", "reg_consent": True, "reg_first_name": "Amina", "reg_last_name": "El Idrissi"}


def validate(text, requested, **kwargs):
    messages, events = run_action(reg.ValidateRegistrationForm(), form_tracker(text, requested, **kwargs))
    return messages, slots_of(events)


# --- Reading messages ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["laisse tomber", "stop", "laat maar", "toch niet", "non, laisse tomber", "Stoppe"])
def test_a_stop_in_both_languages(text):
    assert reg.stopping(text)


@pytest.mark.parametrize("text", ["Amina", "je veux m'inscrire", "0470 12 34 56", "amina@gmail.com"])
def test_answers_are_no_stop(text):
    assert not reg.stopping(text)


@pytest.mark.parametrize("text, slot", [
    ("corriger l'email", "reg_email"), ("het telefoonnummer klopt niet", "reg_phone"),
    ("Corriger le prénom", "reg_first_name"), ("mijn achternaam is fout", "reg_last_name"),
    ("Choisir une autre date", "reg_session_id"), ("Andere datum", "reg_session_id"),
])
def test_which_field_a_correction_names(text, slot):
    assert reg.field_to_correct(text) == slot


@pytest.mark.parametrize("text, asked, reference", [
    ("annuler mon inscription K7P2QX", False, "K7P2QX"), ("annuler ABC-234", False, "ABC234"),
    ("k7p 2qx", False, "K7P2QX"), ("ik wil annuleren", False, None), ("mon code est kmpqrs", False, None),
    ("mon code est kmpqrs", True, "KMPQRS"),
])
def test_a_reference_in_a_message(text, asked, reference):
    assert reg.reference_in(text, asked=asked) == reference


def test_the_session_a_message_picks(store_env):
    sessions = reg.coming_sessions(open_catalogue(), JAVA)
    assert len(sessions) == 3 and all(s["seats_left"] == s["capacity"] for s in sessions)
    pick = lambda text, entities=(): reg.chosen_session(text, list(entities), sessions, "fr")  # noqa: E731
    assert pick("", [{"entity": "session_id", "value": sessions[2]["id"]}]) is sessions[2]
    assert pick("la deuxième") is sessions[1]
    assert pick("celle en ligne") is sessions[1]  # the only online one
    day, month = reg.format_session_time(sessions[2]["starts_at"], "fr").split()[1:3]
    assert pick(f"le {day} {month} svp") is sessions[2]
    assert pick("n'importe") is None


# --- The form's answers --------------------------------------------------------------------------

def test_a_session_button_fills_the_session(store_env):
    session = reg.coming_sessions(open_catalogue(), JAVA)[0]
    _, slots = validate("/inform", "reg_session_id", entities=[{"entity": "session_id", "value": session["id"]}])
    assert slots["reg_session_id"] == session["id"] and slots["reg_session_full"] is False
    assert slots["requested_slot"] == "reg_consent"


def test_a_refused_consent_asks_nothing_more(store_env):
    _, slots = validate("non", "reg_consent", reg_session_id="x")
    assert slots["reg_consent"] is False and slots["requested_slot"] is None


def test_a_likely_typo_of_an_email_is_questioned_then_accepted(store_env):
    messages, slots = validate("amina@gmail.con", "reg_email", **EARLIER)
    assert messages[0]["response"] == "utter_reg_email_suggestion"
    assert [b["title"] for b in messages[0]["buttons"]][0] == "amina@gmail.com"
    assert slots["reg_email"] is None and slots["requested_slot"] == "reg_email"
    _, slots = validate("oui", "reg_email", reg_email_suggestion="amina@gmail.com", reg_email_typed=None, **EARLIER)
    assert slots["reg_email"] == "amina@gmail.com"


def test_an_invalid_email_gets_a_hint_and_the_question_again(store_env):
    messages, slots = validate("amina.gmail.com", "reg_email", language="nl", **EARLIER)
    assert read_by_user(messages, "nl")[0].startswith("Dat e-mailadres lijkt niet geldig")
    assert slots["reg_email"] is None and slots["requested_slot"] == "reg_email"


@pytest.mark.parametrize("text, value", [("0470 12 34 56", "+32470123456"), ("+32 470 12 34 56", "+32470123456"),
                                         ("0032470123456", "+32470123456"), ("non", reg.NO_PHONE),
                                         ("/deny", reg.NO_PHONE), ("pas de gsm", reg.NO_PHONE)])
def test_the_phone_is_stored_in_e164_or_skipped(store_env, text, value):
    intent = "deny" if text == "/deny" else "inform"
    _, slots = validate(text, "reg_phone", intent=intent)
    assert slots["reg_phone"] == value


def test_an_invalid_phone_gets_a_hint(store_env):
    messages, slots = validate("0470 12 34", "reg_phone")
    assert messages[0]["response"] == "utter_reg_phone_hint" and slots["reg_phone"] is None


def test_a_question_mid_form_fills_nothing_so_the_rules_answer_it(store_env):
    """No slot event: Rasa rejects the form's turn and the rules answer "c'est où ?"."""
    messages, slots = validate("c'est où ?", "reg_first_name", intent="faq_directions")
    assert messages == [] and "reg_first_name" not in slots


def test_a_stop_ends_the_form_with_nothing_kept(store_env):
    messages, slots = validate("laat maar", "reg_email", language="nl", reg_first_name="Amina")
    assert messages[0]["response"] == "utter_reg_stopped"
    assert slots == {"reg_stopped": True, "requested_slot": None}


def test_a_correction_at_the_summary_asks_that_field_again(store_env):
    _, slots = validate("het telefoonnummer klopt niet", "reg_confirmed", language="nl", reg_session_id="x",
                        reg_consent=True, reg_first_name="A", reg_last_name="B", reg_email="a@b.be",
                        reg_phone="+32470123456")
    assert slots["reg_phone"] is None and slots["requested_slot"] == "reg_phone"


# --- Start, booking, cancel ----------------------------------------------------------------------

def test_a_full_course_cannot_be_booked(store_env):
    tracker = make_tracker("je veux m'inscrire", intent="register_info_session",
                           slots={"language": "fr", "course_id": UX})
    messages, events = run_action(reg.ActionRegistrationStart(), tracker)
    assert messages[0]["response"] == "utter_course_full_first"
    assert [e["name"] for e in events if e["event"] == "followup"] == ["action_listen"]


def test_the_start_offers_the_eligibility_check_without_forcing_it(store_env):
    tracker = make_tracker("ik wil me inschrijven", intent="register_info_session",
                           slots={"language": "nl", "course_id": JAVA})
    messages, events = run_action(reg.ActionRegistrationStart(), tracker)
    assert [m["response"] for m in messages] == ["utter_reg_intro", "utter_reg_check_first"]
    assert messages[1]["buttons"][0]["payload"] == '/ask_eligibility{"course_id": "%s"}' % JAVA
    assert (events[-1]["event"], events[-1]["name"]) == ("followup", "registration_form")
    assert slots_of(events)["reg_course_id"] == JAVA


def book(store_env, email="amina@example.org", waitlist=None, language="fr", session=0):
    chosen = reg.coming_sessions(open_catalogue(), JAVA)[session]
    tracker = make_tracker("/affirm", intent="affirm", slots={
        "language": language, "reg_course_id": JAVA, "reg_session_id": chosen["id"], "reg_consent": True,
        "reg_first_name": "Amina", "reg_last_name": "El Idrissi", "reg_email": email, "reg_phone": reg.NO_PHONE,
        "reg_confirmed": True, "reg_waitlist": waitlist})
    messages, events = run_action(reg.ActionRegistrationSubmit(), tracker)
    return chosen, messages, slots_of(events)


def test_the_booking_is_in_the_store_and_the_details_leave_the_slots(store_env):
    session, messages, slots = book(store_env)
    assert messages[0]["response"] == "utter_reg_booked"
    reference = slots["reg_reference"]
    assert reference and reference in read_by_user(messages, "fr")[0]
    assert all(slots[name] is None for name in ("reg_first_name", "reg_last_name", "reg_email", "reg_phone"))
    with open_store(store_env) as store:
        booking = store.get(reference)
        assert (booking.status, booking.session_id, booking.email, booking.phone) == (
            "confirmed", session["id"], "amina@example.org", None)
        assert booking.sender_id == "test-user"
    assert reg.coming_sessions(open_catalogue(), JAVA)[0]["seats_left"] == session["capacity"] - 1


def test_the_same_email_twice_keeps_one_seat(store_env):
    _, _, first = book(store_env)
    _, messages, second = book(store_env, language="nl")
    assert messages[0]["response"] == "utter_reg_already_booked" and second["reg_reference"] == first["reg_reference"]


def test_cancel_by_reference_and_email(store_env):
    _, _, slots = book(store_env)
    reference = slots["reg_reference"]
    cancel = lambda email: run_action(reg.ActionCancelSubmit(), make_tracker(  # noqa: E731
        email, slots={"language": "nl", "cancel_reference": reference, "cancel_email": email}))[0]
    assert cancel("someone@example.org")[0]["response"] == "utter_cancel_wrong_email"
    assert cancel("amina@example.org")[0]["response"] == "utter_cancel_done"
    assert cancel("amina@example.org")[0]["response"] == "utter_cancel_already"
    with open_store(store_env) as store:
        assert store.get(reference).status == "cancelled"


def test_an_address_amid_words_is_read(store_env):
    _, slots = validate("mon mail c'est amina@example.org", "reg_email", **EARLIER)
    assert slots["reg_email"] == "amina@example.org"


def test_the_cancel_start_reads_the_reference_and_email_it_is_given(store_env):
    tracker = make_tracker("annuler K7P2QX amina@example.org", intent="cancel_registration", slots={"language": "fr"})
    _, events = run_action(reg.ActionCancelStart(), tracker)
    assert slots_of(events) == {"cancel_reference": "K7P2QX", "cancel_email": "amina@example.org"}


@pytest.mark.parametrize("text, change", [("changer de date K7P2QX", True), ("ik wil mijn inschrijving verplaatsen", True),
                                          ("une autre séance svp", True), ("je veux m'inscrire", False),
                                          ("annuler K7P2QX", False)])
def test_a_change_of_date_in_both_languages(text, change):
    assert reg.changes_date(text) is change


def test_a_change_of_date_moves_the_booking_in_one_step(store_env):
    _, _, slots = book(store_env)
    reference = slots["reg_reference"]
    tracker = make_tracker(f"changer de date {reference}", intent="cancel_registration", slots={"language": "fr"})
    messages, events = run_action(reg.ActionCancelStart(), tracker)  # the NLU may call it a cancel
    assert messages[0]["response"] == "utter_reg_rebook_intro"
    assert slots_of(events)["reg_rebook"] == reference and events[-1]["name"] == "registration_form"
    # The form then asks only the new session and the email that proves the booking.
    required = asyncio.run(reg.ValidateRegistrationForm().required_slots(
        [], None, make_tracker("", slots={"reg_rebook": reference}), {}))
    assert required == ["reg_session_id", "reg_email", "reg_confirmed"]
    new = reg.coming_sessions(open_catalogue(), JAVA)[2]

    def submit(email):
        return run_action(reg.ActionRegistrationSubmit(), make_tracker("/affirm", intent="affirm", slots={
            "language": "nl", "reg_course_id": JAVA, "reg_session_id": new["id"], "reg_rebook": reference,
            "reg_email": email, "reg_confirmed": True}))

    messages, _ = submit("someone@example.org")
    assert messages[0]["response"] == "utter_cancel_wrong_email"
    messages, events = submit("amina@example.org")
    assert messages[0]["response"] == "utter_reg_rebooked"
    moved = slots_of(events)["reg_reference"]
    with open_store(store_env) as store:
        assert store.get(reference).status == "cancelled"
        assert (store.get(moved).status, store.get(moved).session_id) == ("confirmed", new["id"])


def test_a_change_of_date_the_nlu_found_off_topic_is_one(store_env):
    from bot.actions.fallback import ActionOutOfScope

    _, _, slots = book(store_env)
    tracker = make_tracker(f"je voudrais changer de date pour {slots['reg_reference']}", intent="out_of_scope",
                           slots={"language": "fr"})
    messages, events = run_action(ActionOutOfScope(), tracker)
    assert messages[0]["response"] == "utter_reg_rebook_intro" and events[-1]["name"] == "registration_form"
