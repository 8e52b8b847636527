"""Booking reference codes: short, random, easy to read aloud and to type back."""

from __future__ import annotations

import re
import secrets

# No 0/O, 1/I/L: the pairs people confuse when they read a code aloud or copy it from an email.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 6
# What people put between the characters when they copy or dictate a code: "k7p-2qx", "K7P 2QX".
_SEPARATORS = re.compile(r"[\s\-_.·/]+")
_REFERENCE = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def new_reference() -> str:
    """A new random reference code, e.g. "K7P2QX" (31^6, about 887 million, codes).

    The store retries with another code when one is already taken (UNIQUE constraint).
    """
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_reference(text: str) -> str:
    """The code as stored: upper case, without spaces, dashes, dots or underscores.

    Accepts what people type: "abc-123", " ABC 123 ", "k7p.2qx". It does not check that the
    result is a code this module could have made (see `is_reference`).

    Args:
        text: the code as the person typed or said it.

    Returns:
        The normalised text, e.g. "ABC123".
    """
    return _SEPARATORS.sub("", str(text)).upper()


def is_reference(text: str) -> bool:
    """Whether `text`, once normalised, has the shape of a reference code (6 characters of ALPHABET)."""
    return _REFERENCE.fullmatch(normalise_reference(text)) is not None
