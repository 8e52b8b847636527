"""Checking typed contact details: email addresses and their likely typos, phone numbers, names."""

from __future__ import annotations

import pytest

from registrations.contact import (
    COMMON_DOMAINS,
    EMAIL_PROBLEMS,
    NAME_MAX_CHARS,
    NAME_PROBLEMS,
    PHONE_PROBLEMS,
    TLD_TYPOS,
    check_email,
    check_name,
    check_phone,
)

# --- Email: usable addresses --------------------------------------------------------------------


@pytest.mark.parametrize("typed, stored", [
    ("amina@gmail.com", "amina@gmail.com"),
    ("Amina.El-Idrissi@Telenet.BE", "Amina.El-Idrissi@telenet.be"),   # the domain's case does not matter
    ("  amina@skynet.be  ", "amina@skynet.be"),
    ("amina @ gmail.com", "amina@gmail.com"),                           # spaces around the @
    ("<amina@gmail.com>", "amina@gmail.com"),
    ("amina@gmail.com.", "amina@gmail.com"),                            # a sentence's full stop
    ("c'est amina@gmail.com", "amina@gmail.com"),
    ("mijn e-mail is jan.peeters@proximus.be, bedankt", "jan.peeters@proximus.be"),
    ("Mon mail : amina@gmail.com", "amina@gmail.com"),
    ("voici mon adresse amina@gmail.com", "amina@gmail.com"),
    ("amina+formation@gmail.com", "amina+formation@gmail.com"),
    ("jan@hub.brussels", "jan@hub.brussels"),
    ("amina@université.be", "amina@xn--universit-j4a.be"),   # in the ASCII form every mail server takes
])
def test_a_valid_address_is_stored_normalised_without_suggestion(typed, stored):
    check = check_email(typed)
    assert (check.normalised, check.suggestion, check.problem) == (stored, None, None)
    assert check.ok


# --- Email: likely typos of common domains ------------------------------------------------------


@pytest.mark.parametrize("typed, suggestion", [
    ("amina@gmial.com", "amina@gmail.com"),       # two letters swapped
    ("amina@gmai.com", "amina@gmail.com"),        # a letter missing
    ("amina@gmaill.com", "amina@gmail.com"),      # a letter doubled
    ("amina@gnail.com", "amina@gmail.com"),       # a neighbouring key
    ("amina@hotmial.com", "amina@hotmail.com"),
    ("amina@hotmail.co", "amina@hotmail.com"),    # a generic ending cut short
    ("amina@gmail.cm", "amina@gmail.com"),
    ("amina@yaho.fr", "amina@yahoo.fr"),
    ("amina@telnet.be", "amina@telenet.be"),
    ("amina@proximsu.be", "amina@proximus.be"),
    ("amina@outlok.com", "amina@outlook.com"),
    ("Amina@GMIAL.COM", "Amina@gmail.com"),       # the part before the @ is kept as typed
])
def test_a_likely_typo_of_a_common_domain_is_usable_but_questioned(typed, suggestion):
    check = check_email(typed)
    assert check.problem is None
    assert check.normalised is not None and check.normalised.lower() == typed.lower()
    assert check.suggestion == suggestion


@pytest.mark.parametrize("typed, suggestion", [
    ("amina@gmail.con", "amina@gmail.com"),
    ("amina@gmail.comm", "amina@gmail.com"),
    ("amina@outlook.bee", "amina@outlook.be"),
    ("amina@skynet.bee", "amina@skynet.be"),
    ("amina@telenet.bee", "amina@telenet.be"),
    ("amina@proximus.bee", "amina@proximus.be"),
    ("amina@hotmial.con", "amina@hotmail.com"),   # the ending and the name both fixed
    ("jan@ziggo.nll", "jan@ziggo.nl"),
    ("amina@asbl-quartier.bee", "amina@asbl-quartier.be"),  # an unknown domain with a misspelt ending
])
def test_an_ending_no_domain_has_is_refused_with_the_corrected_address(typed, suggestion):
    check = check_email(typed)
    assert (check.normalised, check.suggestion, check.problem) == (None, suggestion, "unknown_tld")
    assert not check.ok


@pytest.mark.parametrize("typed", [
    "amina@asbl-quartier.be", "amina@ulb.be", "amina@vub.be", "amina@ehb.be", "amina@uclouvain.be",
    "amina@actiris.be", "amina@tree.fr",          # one letter from free.fr, but as likely real
    "amina@gmx.be",                               # another country's ending is not a typo (gmx.de)
    "amina@live.nl", "amina@hotmail.fr",          # common domains themselves
    "amina@mail.com", "amina@email.com", "amina@ymail.com",  # real domains one letter from gmail.com
    "amina@gmail.co.uk", "amina@firma.co", "jan@kpn.nl", "jan@ziggo.com",
])
def test_an_unknown_but_plausible_domain_is_never_questioned(typed):
    check = check_email(typed)
    assert (check.normalised, check.suggestion, check.problem) == (typed, None, None)


def test_every_common_domain_is_accepted_as_it_is_and_no_fix_makes_an_unknown_ending():
    for domain in COMMON_DOMAINS:
        check = check_email(f"amina@{domain}")
        assert (check.normalised, check.suggestion, check.problem) == (f"amina@{domain}", None, None), domain
    assert not set(TLD_TYPOS) & {domain.rpartition(".")[2] for domain in COMMON_DOMAINS}


# --- Email: refused -----------------------------------------------------------------------------


@pytest.mark.parametrize("typed, problem, suggestion", [
    ("", "empty", None),
    ("   ", "empty", None),
    ("amina.gmail.com", "missing_at", None),
    ("amina", "missing_at", None),
    ("@gmail.com", "missing_local_part", None),
    ("amina@", "missing_domain", None),
    ("amina@gmail", "missing_tld", "amina@gmail.com"),        # one provider has this name
    ("amina@telenet", "missing_tld", "amina@telenet.be"),
    ("amina@hotmail", "missing_tld", None),                   # .com, .be, .fr...: no guess
    ("amina@mail.123", "invalid_tld", None),
    ("amélie@gmail.com", "non_ascii_local_part", None),       # allow_smtputf8=False
    ("amina@test.local", "reserved_domain", None),
    ("amina@x.test", "reserved_domain", None),
    ("amina@exa_mple.com", "invalid_domain", None),
    ("amina..x@gmail.com", "invalid_syntax", None),
    ("amina,x@gmail.com", "invalid_syntax", None),
    ("a" * 250 + "@gmail.com", "too_long", None),
    ("amina@gmail.com et jan@telenet.be", "several_addresses", None),
])
def test_an_unusable_address_gets_a_problem_code(typed, problem, suggestion):
    check = check_email(typed)
    assert (check.normalised, check.problem, check.suggestion) == (None, problem, suggestion)
    assert problem in EMAIL_PROBLEMS


@pytest.mark.parametrize("typed, offered", [
    ("amina el idrissi@gmail.com", "idrissi@gmail.com"),   # the first words may be part of the address
    ("pour amina elidrissi@gmial.com", "elidrissi@gmail.com"),
])
def test_an_address_after_other_words_is_only_offered_for_confirmation(typed, offered):
    check = check_email(typed)
    assert (check.normalised, check.suggestion, check.problem) == (None, offered, "extra_words")


def test_details_of_an_email_check_stay_out_of_its_repr():
    assert "amina" not in repr(check_email("amina@gmial.com"))


# --- Phone --------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, e164", [
    ("0470 12 34 56", "+32470123456"),
    ("0470123456", "+32470123456"),
    ("0470/12.34.56", "+32470123456"),
    ("0470-12-34-56", "+32470123456"),
    ("04 70 12 34 56", "+32470123456"),
    ("+32 470 12 34 56", "+32470123456"),
    ("+32470123456", "+32470123456"),
    ("+32 (0)470 12 34 56", "+32470123456"),
    ("0032 470 12 34 56", "+32470123456"),
    ("0032470123456", "+32470123456"),
    ("02 555 48 20", "+3225554820"),            # a Brussels landline
    ("(02) 555 48 20", "+3225554820"),
    ("+32 2 555 48 20", "+3225554820"),
    ("09 223 45 67", "+3292234567"),            # Ghent
    ("081 22 33 44", "+3281223344"),            # Namur
    ("+33 6 12 34 56 78", "+33612345678"),      # international, with its country code
    ("0033 6 12 34 56 78", "+33612345678"),
    ("+31 6 12345678", "+31612345678"),
    ("+352 621 123 456", "+352621123456"),
    ("mon gsm : 0470 12 34 56", "+32470123456"),
    ("mijn nummer is 0470 12 34 56, bedankt", "+32470123456"),
    ("０４７０ １２ ３４ ５６", "+32470123456"),    # full-width digits from a phone keyboard
])
def test_a_phone_number_is_belgian_by_default_and_stored_in_e164(typed, e164):
    check = check_phone(typed)
    assert (check.e164, check.problem) == (e164, None)
    assert check.ok


@pytest.mark.parametrize("typed, problem", [
    ("", "empty"),
    ("  ", "empty"),
    ("abc", "not_a_number"),
    ("ik heb geen gsm", "not_a_number"),
    ("+", "not_a_number"),
    ("0470 12 34 5", "too_short"),              # a mobile with a digit missing
    ("mijn nummer 0470 12 34 5", "too_short"),
    ("02 555 48 2", "too_short"),
    ("12", "too_short"),
    ("+33 6 12 34 56 7", "too_short"),
    ("0470 12 34 567", "too_long"),
    ("047012345678", "too_long"),
    ("0470123456789012345678901", "too_long"),
    ("0170 12 34 56", "invalid_number"),        # no Belgian number starts with 017
    ("+999 123 456", "invalid_country_code"),
    ("0470 12 34 56 ou 02 555 48 20", "several_numbers"),
])
def test_an_unusable_phone_number_gets_a_problem_code(typed, problem):
    check = check_phone(typed)
    assert (check.e164, check.problem) == (None, problem)
    assert problem in PHONE_PROBLEMS


def test_a_number_without_country_code_is_read_in_the_region_given():
    assert check_phone("06 12 34 56 78", region="FR").e164 == "+33612345678"
    # Read as Belgian, it is a landline of Wallonia with a digit too many, not a French mobile.
    assert check_phone("06 12 34 56 78") == check_phone("0612345678") != check_phone("+33612345678")
    assert check_phone("06 12 34 56 78").problem == "too_long"


def test_a_phone_check_keeps_the_number_out_of_its_repr():
    assert "470" not in repr(check_phone("0470 12 34 56"))


# --- Names --------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, stored", [
    ("Amina", "Amina"),
    ("  El Idrissi ", "El Idrissi"),
    ("Van  den   Bossche", "Van den Bossche"),     # single spaces
    ("jean-pierre", "jean-pierre"),                # capitals are the person's
    ("N'Diaye", "N'Diaye"),
    ("D’Hondt", "D’Hondt"),
    ("'t Hooft", "'t Hooft"),
    ("Nguyễn", "Nguyễn"),
    ("Zoë", "Zoë"),
    ("Ó Briain", "Ó Briain"),
    ("Zoe\u0308", "Zoë"),                           # a decomposed accent is stored composed (NFC)
    ("محمد", "محمد"),
    ("अमिता", "अमिता"),                              # letters with combining vowel signs
    ("李", "李"),
    ("A", "A"),
    ("x" * NAME_MAX_CHARS, "x" * NAME_MAX_CHARS),
])
def test_a_name_of_letters_spaces_hyphens_and_apostrophes_is_accepted(typed, stored):
    check = check_name(typed)
    assert (check.normalised, check.problem) == (stored, None)
    assert check.ok


@pytest.mark.parametrize("typed, problem", [
    ("", "empty"),
    ("   ", "empty"),
    ("x" * (NAME_MAX_CHARS + 1), "too_long"),
    ("Amina2", "has_digits"),
    ("0470123456", "has_digits"),
    ("amina@gmail.com", "looks_like_email"),
    ("www.amina.be", "looks_like_url"),
    ("https://example.org", "looks_like_url"),
    ("amina.com", "looks_like_url"),
    ("--", "no_letters"),
    ("'", "no_letters"),
    ("Amina!", "invalid_characters"),
    ("A/B", "invalid_characters"),
    ("Jean Pierre.", "invalid_characters"),
    ("-Amina", "invalid_characters"),
    ("Amina-", "invalid_characters"),
    ("<b>Amina</b>", "invalid_characters"),
])
def test_a_name_that_is_not_one_gets_a_problem_code(typed, problem):
    check = check_name(typed)
    assert (check.normalised, check.problem) == (None, problem)
    assert problem in NAME_PROBLEMS
