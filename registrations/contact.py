"""Checking the contact details a person types in the chat: email (with likely-typo suggestions), phone, name.

Each check returns the value as it should be stored, or a short `problem` code that the bot turns
into a French or Dutch message (the codes are listed in EMAIL_PROBLEMS, PHONE_PROBLEMS and
NAME_PROBLEMS). Nothing here touches the network: email-validator runs without its DNS check,
phonenumbers with its bundled metadata.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult
from rapidfuzz.distance import OSA, Indel

DEFAULT_PHONE_REGION = "BE"
NAME_MAX_CHARS = 80

EMAIL_PROBLEMS = (
    "empty",                 # nothing typed
    "missing_at",            # no @ ("amina.gmail.com")
    "missing_local_part",    # nothing before the @
    "missing_domain",        # nothing after the @
    "missing_tld",           # no dot after the @ ("amina@gmail"): `suggestion` when one provider fits
    "unknown_tld",           # a misspelt ending that no domain has ("outlook.bee", "gmail.con"): see `suggestion`
    "invalid_tld",           # an ending that cannot be a domain's ("amina@mail.123")
    "non_ascii_local_part",  # accents before the @ ("amélie@..."): mail headers cannot carry them here
    "reserved_domain",       # localhost, .local, .test...: no mailbox can be there
    "invalid_domain",        # characters a domain cannot have after the @
    "too_long",              # more than email addresses may have
    "several_addresses",     # two addresses in one message
    "extra_words",           # words before the address that may be part of it ("amina el idrissi@gmail.com"):
                             # `suggestion` is the address found, to confirm
    "invalid_syntax",        # any other malformed address (two dots in a row, spaces, brackets...)
)
PHONE_PROBLEMS = (
    "empty",                 # nothing typed
    "not_a_number",          # letters, or no number found in the text
    "several_numbers",       # two numbers in one message
    "invalid_country_code",  # "+999 ..."
    "too_short",             # a digit or more missing ("0470 12 34 5")
    "too_long",              # digits too many
    "invalid_number",        # the right length, but no such number in that country ("0170 12 34 56")
)
NAME_PROBLEMS = (
    "empty",                 # nothing typed
    "too_long",              # over NAME_MAX_CHARS characters
    "has_digits",            # "Amina2"
    "looks_like_email",      # an address given instead of a name
    "looks_like_url",        # a web address
    "no_letters",            # only punctuation ("--")
    "invalid_characters",    # anything but letters, spaces, hyphens and apostrophes ("Amina!", "A/B")
)

# The mail domains people in Brussels use most (Belgian providers and the big international ones),
# and a few real domains one typo away from them, listed so that they are never "corrected".
COMMON_DOMAINS = frozenset({
    # International
    "gmail.com", "googlemail.com", "hotmail.com", "outlook.com", "live.com", "msn.com", "yahoo.com",
    "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "gmx.com", "gmx.net", "mail.com",
    "email.com", "protonmail.com", "protonmail.ch", "proton.me", "pm.me", "tutanota.com", "yandex.com", "zoho.com",
    # Belgium
    "telenet.be", "skynet.be", "proximus.be", "scarlet.be", "voo.be", "base.be", "pandora.be",
    "belgacom.net", "outlook.be", "hotmail.be", "live.be", "yahoo.be", "msn.be",
    # France, the Netherlands, Luxembourg, Germany (people move, and keep their address)
    "yahoo.fr", "hotmail.fr", "outlook.fr", "live.fr", "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr",
    "laposte.net", "neuf.fr", "hotmail.nl", "outlook.nl", "live.nl", "ziggo.nl", "kpnmail.nl", "planet.nl",
    "home.nl", "xs4all.nl", "pt.lu", "gmx.de", "web.de", "t-online.de",
})

# Endings no domain has that are typos of a common one: "outlook.bee", "gmail.con". Only endings
# that are not top-level domains are listed: ".co", ".cm" or ".om" are real (Colombia, Cameroon,
# Oman), and "amina@firma.co" may well be right.
TLD_TYPOS: Dict[str, str] = {
    "con": "com", "cmo": "com", "ocm": "com", "comm": "com", "coom": "com", "vom": "com", "xom": "com",
    "cim": "com", "cpm": "com", "clm": "com", "conm": "com", "comn": "com", "coml": "com",
    "bee": "be", "bbe": "be", "eb": "be",
    "frr": "fr", "rf": "fr",
    "nll": "nl",
    "nett": "net", "ner": "net", "nte": "net",
    "orgg": "org", "ogr": "org", "rog": "org",
}
# A missing letter of these generic endings is worth questioning for a common provider
# ("hotmail.co", "gmail.cm"): those are country endings no provider of COMMON_DOMAINS uses. A
# different country's ending is not a typo ("gmx.be" is not "gmx.de").
_GENERIC_TLDS = ("com", "net", "org")

_AT_WITH_SPACES = re.compile(r"\s*@\s*")
_EDGE_PUNCTUATION = "<>()[]{}\"'.,;:!?«»“”‘’"
_PHONE_CHARACTERS = re.compile(r"[\d\s+().\-/]+")
_DIGIT_RUN = re.compile(r"\+?\d[\d\s().\-/]*\d|\d")
_NAME_SEPARATORS = " -'’"
# Words after which an address in a sentence is surely whole: "c'est amina@...", "mijn e-mail is jan@...".
_LEAD_INS = frozenset({
    "est", "c'est", "c’est", "voici", "voilà", "mail", "email", "e-mail", "courriel", "adresse", "à", "sur",
    "is", "hier", "adres", "mailadres", "e-mailadres", "emailadres", "naar", "op",
})
_URL_LIKE = re.compile(r"(https?://|www\.|\.(com|be|net|org|fr|nl|eu|brussels)\b)", re.IGNORECASE)


@dataclass(frozen=True)
class EmailCheck:
    """What `check_email` made of a typed address.

    Attributes:
        normalised: the address to store, or None when it cannot be used: the domain in lower case,
            an internationalised one in its ASCII form ("amina@xn--universit-j4a.be"), which every
            mail server accepts (without SMTPUTF8, a server may refuse "amina@université.be").
        suggestion: a likely intended address to offer ("amina@gmail.com" for "amina@gmial.com"), or
            None. It may come with a usable `normalised` (a typo that is still an address) or
            with a problem ("unknown_tld", "missing_tld").
        problem: one of EMAIL_PROBLEMS, or None.
    """

    normalised: Optional[str] = field(repr=False)
    suggestion: Optional[str] = field(repr=False)
    problem: Optional[str]

    @property
    def ok(self) -> bool:
        """Whether the address can be used as it is (a suggestion may still be worth asking about)."""
        return self.normalised is not None


@dataclass(frozen=True)
class PhoneCheck:
    """What `check_phone` made of a typed number.

    Attributes:
        e164: the number as stored ("+32470123456"), or None.
        problem: one of PHONE_PROBLEMS, or None.
    """

    e164: Optional[str] = field(repr=False)
    problem: Optional[str]

    @property
    def ok(self) -> bool:
        """Whether the number can be stored."""
        return self.e164 is not None


@dataclass(frozen=True)
class NameCheck:
    """What `check_name` made of a typed first or last name.

    Attributes:
        normalised: the name to store (trimmed, single spaces, Unicode NFC), or None.
        problem: one of NAME_PROBLEMS, or None.
    """

    normalised: Optional[str] = field(repr=False)
    problem: Optional[str]

    @property
    def ok(self) -> bool:
        """Whether the name can be stored."""
        return self.normalised is not None


# --- Email --------------------------------------------------------------------------------------


def check_email(text: str) -> EmailCheck:
    """Checks an email address as typed in the chat, and suggests a fix for a likely typo.

    The address may come with what people put around it: spaces around the @ ("amina @ gmail.com"),
    angle brackets, a final full stop, a lead-in ("c'est amina@gmail.com", "mijn e-mail is ...").
    After other words, which may be part of it, it is only offered ("extra_words"). The syntax is
    checked by email-validator without DNS (`check_deliverability=False`) and without SMTPUTF8 (a
    local part with accents could not be written in the mail's headers). A suggestion is made only
    for the common providers of COMMON_DOMAINS and the misspelt endings of TLD_TYPOS; an unknown
    domain that could exist ("amina@asbl-quartier.be") is never questioned.

    Args:
        text: what the person typed.

    Returns:
        An EmailCheck; `problem` is None when the address is usable.
    """
    candidate, standing = _address_in(text)
    if standing == "several":
        return EmailCheck(None, None, "several_addresses")
    if not candidate:
        return EmailCheck(None, None, "empty")
    local, at, domain = candidate.rpartition("@")
    fixed = _fixed_tld(domain) if at else None
    if fixed is not None:
        # The ending is no domain's: the address cannot be used, the corrected one is offered.
        corrected = _validated(f"{local}@{_likely_domain(fixed) or fixed}")
        if isinstance(corrected, str):
            return EmailCheck(None, None, corrected)
        return EmailCheck(None, corrected.ascii_email, "unknown_tld")
    valid = _validated(candidate)
    if isinstance(valid, str):
        suggestion = None
        if valid == "missing_tld":
            provider = _only_provider_named(domain)
            checked = _validated(f"{local}@{provider}") if provider else None
            suggestion = None if checked is None or isinstance(checked, str) else checked.ascii_email
        return EmailCheck(None, suggestion, valid)
    likely = _likely_domain(valid.domain)
    if standing == "among_words":
        # The words before may belong to the address: it is offered for confirmation, not taken.
        return EmailCheck(None, f"{valid.local_part}@{likely or valid.ascii_domain}", "extra_words")
    return EmailCheck(valid.ascii_email, f"{valid.local_part}@{likely}" if likely else None, None)


def _validated(address: str):
    """email-validator's result for an address, or the problem code of its refusal."""
    try:
        return validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        return _email_problem(str(error))


def _address_in(text: str) -> Tuple[str, str]:
    """The address in what was typed, and how it stood: "alone", "introduced", "among_words" or "several".

    "introduced": after a lead-in ("c'est", "mijn e-mail is", "adresse :"). "among_words": after
    other words, which may be part of it ("amina el idrissi@gmail.com" is not "idrissi@gmail.com").
    """
    cleaned = _AT_WITH_SPACES.sub("@", unicodedata.normalize("NFC", str(text or "")).strip())
    raw_words = cleaned.split()
    words = [word.strip(_EDGE_PUNCTUATION) for word in raw_words]
    with_at = [index for index, word in enumerate(words) if "@" in word]
    if len(with_at) > 1:
        return "", "several"
    if not with_at:
        # No @ at all: the validator is given the whole text, and says what is missing.
        return cleaned.strip(_EDGE_PUNCTUATION), "alone"
    index = with_at[0]
    if index == 0:
        return words[0], "alone"
    before = raw_words[index - 1]
    if before.endswith(":") or before.strip(_EDGE_PUNCTUATION).lower() in _LEAD_INS:
        return words[index], "introduced"
    return words[index], "among_words"


def _email_problem(message: str) -> str:
    """The problem code of an email-validator message (its wording is stable across 2.x)."""
    text = message.lower()
    rules = (
        ("must have an @-sign", "missing_at"),
        ("something before the @-sign", "missing_local_part"),
        ("something after the @-sign", "missing_domain"),
        ("should have a period", "missing_tld"),
        ("valid top-level domain", "invalid_tld"),
        ("internationalized characters before the @-sign", "non_ascii_local_part"),
        ("special-use or reserved", "reserved_domain"),
        ("too long", "too_long"),
        ("after the @-sign", "invalid_domain"),
    )
    for fragment, code in rules:
        if fragment in text:
            return code
    return "invalid_syntax"


def _fixed_tld(domain: str) -> Optional[str]:
    """The domain with its ending corrected, when that ending is a known typo ("outlook.bee"), else None."""
    name, dot, tld = domain.lower().rstrip(".").rpartition(".")
    if dot and name and tld in TLD_TYPOS:
        return f"{name}.{TLD_TYPOS[tld]}"
    return None


def _likely_domain(domain: str) -> Optional[str]:
    """The common domain this one is most likely a typo of, or None (also when it is common itself).

    A typo is one edit in the name: a letter missing, added, changed, or two letters swapped
    ("gmial"); two in a name of 8 letters or more ("hotmial.con" had its ending fixed first). In a
    name of 4 letters, a changed letter does not count: "tree.fr" is as likely a real domain as a
    typo of "free.fr". The ending must be the same, or a generic one with a letter missing
    ("hotmail.co", "gmail.cm"). When two common domains are equally close, nothing is suggested.
    """
    domain = domain.lower().rstrip(".")
    if domain in COMMON_DOMAINS:
        return None
    name, dot, tld = domain.rpartition(".")
    if not dot or len(name) < 4 or "." in name:
        return None
    limit = 2 if len(name) >= 8 else 1
    best: Dict[str, int] = {}
    for common in COMMON_DOMAINS:
        common_name, _, common_tld = common.rpartition(".")
        tld_edits = 0
        if tld != common_tld:
            if not (common_tld in _GENERIC_TLDS and len(tld) == len(common_tld) - 1
                    and Indel.distance(tld, common_tld) == 1):
                continue
            tld_edits = 1
        distance = OSA.distance(name, common_name, score_cutoff=limit) + tld_edits
        if distance > limit:
            continue
        if len(name) < 5 and distance == 1 and tld_edits == 0 and Indel.distance(name, common_name) > 1 \
                and sorted(name) != sorted(common_name):
            continue  # a changed letter in a short name
        best[common] = distance
    if not best:
        return None
    closest = min(best.values())
    winners = sorted(common for common, distance in best.items() if distance == closest)
    return winners[0] if len(winners) == 1 else None


def _only_provider_named(name: str) -> Optional[str]:
    """For "amina@gmail": the one common domain with this name ("gmail.com"), or None if none or several."""
    name = name.lower().strip(".")
    matches = [common for common in COMMON_DOMAINS if common.rpartition(".")[0] == name]
    return matches[0] if len(matches) == 1 else None


# --- Phone --------------------------------------------------------------------------------------


def check_phone(text: str, region: str = DEFAULT_PHONE_REGION) -> PhoneCheck:
    """Checks a phone number as typed, Belgian unless it says otherwise, and gives it in E.164.

    Accepts "0470 12 34 56", "0470/12.34.56", "+32 470 12 34 56", "0032 470 12 34 56", landlines
    ("02 555 48 20") and foreign numbers with their country code ("+33 6 12 34 56 78"), alone or in
    a short sentence ("mon gsm : 0470 12 34 56").

    Args:
        text: what the person typed.
        region: the country of numbers typed without a country code (ISO 3166 code).

    Returns:
        A PhoneCheck; `problem` is None when the number is usable.
    """
    cleaned = unicodedata.normalize("NFKC", str(text or "")).strip()
    if not cleaned:
        return PhoneCheck(None, "empty")
    if _PHONE_CHARACTERS.fullmatch(cleaned):
        if not any(character.isdigit() for character in cleaned):
            return PhoneCheck(None, "not_a_number")
        return _checked_number(cleaned, region)
    # Words around the number ("mon gsm : 0470 12 34 56"): phonenumbers finds it in the text. Letters
    # as digits ("0800-FLOWERS") are not what people give for a call back, so the text must have one.
    found = [match.raw_string for match in phonenumbers.PhoneNumberMatcher(cleaned, region)]
    if len(found) == 1:
        return _checked_number(found[0], region)
    runs = _DIGIT_RUN.findall(cleaned)
    if len(found) > 1 or len(runs) > 1:
        return PhoneCheck(None, "several_numbers")
    if len(runs) == 1:
        return _checked_number(runs[0], region)  # says what is wrong with it: too short, no such number...
    return PhoneCheck(None, "not_a_number")


def _checked_number(text: str, region: str) -> PhoneCheck:
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as error:
        return PhoneCheck(None, {
            NumberParseException.INVALID_COUNTRY_CODE: "invalid_country_code",
            NumberParseException.TOO_SHORT_NSN: "too_short",
            NumberParseException.TOO_SHORT_AFTER_IDD: "too_short",
            NumberParseException.TOO_LONG: "too_long",
        }.get(error.error_type, "not_a_number"))
    return _valid(number, text, region)


def _valid(number: phonenumbers.PhoneNumber, typed: str, region: str) -> PhoneCheck:
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == ValidationResult.INVALID_COUNTRY_CODE:
        return PhoneCheck(None, "invalid_country_code")
    if reason == ValidationResult.TOO_SHORT:
        return PhoneCheck(None, "too_short")
    if reason == ValidationResult.TOO_LONG:
        return PhoneCheck(None, "too_long")
    if not phonenumbers.is_valid_number(number):
        return PhoneCheck(None, _why_invalid(typed, region))
    return PhoneCheck(phonenumbers.format_number(number, PhoneNumberFormat.E164), None)


def _why_invalid(typed: str, region: str) -> str:
    """"too_short" or "too_long" when one digit more or less makes a real number, else "invalid_number".

    A Belgian mobile with a digit missing ("0470 12 34 5") has a landline's length: the length
    rules alone would call it a wrong number, where "a digit is missing" is what helps.
    """
    digits = typed.rstrip(" ()./-")

    def valid(text: str) -> bool:
        try:
            return phonenumbers.is_valid_number(phonenumbers.parse(text, region))
        except NumberParseException:
            return False

    if any(valid(digits + digit) for digit in "0123456789"):
        return "too_short"
    if len(digits) > 1 and valid(digits[:-1]):
        return "too_long"
    return "invalid_number"


# --- Names --------------------------------------------------------------------------------------


def check_name(text: str) -> NameCheck:
    """Checks a first or last name: letters of any alphabet, with spaces, hyphens and apostrophes.

    "Jean-Pierre", "N'Diaye", "'t Hooft", "Van den Bossche", "Nguyễn", "محمد" pass; digits, an email address, a
    web address or other signs do not. The name is kept as typed, trimmed and with single spaces:
    its capitals are the person's.

    Args:
        text: what the person typed.

    Returns:
        A NameCheck; `problem` is None when the name is usable.
    """
    name = " ".join(unicodedata.normalize("NFC", str(text or "")).split())
    if not name:
        return NameCheck(None, "empty")
    if "@" in name:
        return NameCheck(None, "looks_like_email")
    if _URL_LIKE.search(name):
        return NameCheck(None, "looks_like_url")
    if any(character.isdigit() for character in name):
        return NameCheck(None, "has_digits")
    if len(name) > NAME_MAX_CHARS:
        return NameCheck(None, "too_long")
    if not any(_is_letter(character) for character in name):
        return NameCheck(None, "no_letters")
    if not all(_is_letter(character) or character in _NAME_SEPARATORS for character in name):
        return NameCheck(None, "invalid_characters")
    if name[0] == "-" or name[-1] == "-":
        return NameCheck(None, "invalid_characters")
    return NameCheck(name, None)


def _is_letter(character: str) -> bool:
    # Letters and the marks that complete them (Devanagari vowel signs, combining accents).
    return unicodedata.category(character)[0] in ("L", "M")
