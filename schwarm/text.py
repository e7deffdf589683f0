"""Normalising identifiers that people type: usernames, slugs, tags.

Usernames and group slugs are NFKC-normalised and case-folded, so that
"ＡＮＮＡ", "Anna" and "anna" are one name (the unique constraint then refuses
the look-alike). Invisible and bidi-control characters, invisible "letters"
such as the Hangul filler, and names mixing scripts (a Cyrillic "а" among
Latin letters) are refused, so that look-alikes cannot impersonate.

The messages are marked for translation; ``ValueError`` carries the
translated text (callers turn it into :class:`schwarm.errors.Invalid`).
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _

# Invisible and bidi-control characters let look-alikes impersonate others.
_FORBIDDEN_CATEGORIES = {"Cf", "Cc", "Cs", "Co", "Cn", "Zl", "Zp"}
# Letters and symbols that render as nothing (Default_Ignorable or blank glyphs).
_INVISIBLE = frozenset(
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
    "\u2800"  # Braille pattern blank
    "\u180e\u17b4\u17b5"  # Mongolian vowel separator, Khmer inherent vowels
    "\u034f"  # combining grapheme joiner
)
# Bidi controls and marks: never allowed, not even in display names.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Joiners are needed in some scripts and in emoji sequences: fine in display text.
_TEXT_JOINERS = frozenset("\u200c\u200d")

USERNAME_RE = re.compile(r"^[^\W_](?:[\w.\-]{0,62}[^\W.\-])?$")
SLUG_RE = re.compile(r"^[^\W_](?:[\w\-]{0,62}[^\W_])?$")
# Scripts that legitimately appear together in one name.
_SCRIPT_FAMILIES = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "CJK": "CJK", "HANGUL": "CJK",
                    "KATAKANA-HIRAGANA": "CJK", "IDEOGRAPHIC": "CJK"}


def has_invisible(text: str) -> bool:
    """True if ``text`` holds control, format (bidi, zero-width), unassigned or blank characters."""
    return any(
        unicodedata.category(ch) in _FORBIDDEN_CATEGORIES or ch in _INVISIBLE for ch in text
    )


def _script(ch: str) -> str | None:
    """The script of a letter, from its Unicode name ("LATIN SMALL LETTER A" -> LATIN)."""
    if not ch.isalpha():
        return None  # digits, '.', '-', '_' go with any script
    name = unicodedata.name(ch, "")
    first = name.split(" ", 1)[0]
    return _SCRIPT_FAMILIES.get(first, first)


def mixes_scripts(text: str) -> bool:
    """True if the letters of ``text`` come from more than one script (Latin + Cyrillic)."""
    scripts = {s for s in map(_script, text) if s}
    return len(scripts) > 1


def normalize_identifier(text: str) -> str:
    """NFKC, then case-folded, then NFKC again (folding can denormalise)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def clean_username(raw: str) -> str:
    """Normalised username or ValueError with a human message."""
    if has_invisible(raw or ""):
        raise ValueError(_("Usernames may not contain invisible or control characters."))
    name = normalize_identifier((raw or "").strip())
    if not USERNAME_RE.match(name) or len(name) < 2:
        raise ValueError(_(
            "Usernames are 2-64 letters, digits, '.', '-' or '_', starting and ending "
            "with a letter or digit."
        ))
    if has_invisible(name) or mixes_scripts(name):
        raise ValueError(_("Usernames may not mix letters of different scripts."))
    return name


def clean_slug(raw: str) -> str:
    """Normalised group slug or ValueError with a human message."""
    if has_invisible(raw or ""):
        raise ValueError(_("Addresses may not contain invisible or control characters."))
    slug = normalize_identifier((raw or "").strip())
    if not SLUG_RE.match(slug):
        raise ValueError(_(
            "The short name is 1-64 letters, digits, '-' or '_', starting and ending "
            "with a letter or digit."
        ))
    if has_invisible(slug) or mixes_scripts(slug):
        raise ValueError(_("Short names may not mix letters of different scripts."))
    return slug


def clean_line(raw: str, *, field: str, max_length: int, required: bool = True) -> str:
    """A single line of user text (names, titles): trimmed, no control characters.

    ``field`` is the (translated) name of the field for the messages.
    Zero-width joiners stay allowed (emoji, Persian); bidi controls do not.
    """
    value = unicodedata.normalize("NFC", raw or "").strip()
    if any(
        ch in _BIDI
        or (unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")
            and ch not in _TEXT_JOINERS)
        for ch in value
    ):
        raise ValueError(_("%(field)s may not contain control or invisible characters.",
                           field=field))
    if required and not value:
        raise ValueError(_("%(field)s is required.", field=field))
    if len(value) > max_length:
        raise ValueError(_("%(field)s is longer than %(max)s characters.", field=field,
                           max=max_length))
    return value


def slugify(text: str) -> str:
    """A slug suggestion from a name: "Sales & Marketing" -> "sales-marketing"."""
    folded = normalize_identifier(text)
    return re.sub(r"[^\w]+|_", "-", folded).strip("-")[:64]
