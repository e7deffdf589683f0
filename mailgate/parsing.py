"""Mail -> the parts a post needs, shared by the SMTP gateway and the mbox import.

:func:`parse_mail` reads raw RFC 5322 bytes into a :class:`ParsedMail`: sender,
date (UTC), Message-ID, the Message-IDs it replies to, subject, a Markdown body
(plain text as it is, HTML converted with markdownify) and the attachments by
name and size. The body is *not* trusted: it goes through the stream's services
and so through ``schwarm/markup.py`` like every typed post.

Bodies are decoded with their declared charset; a missing, unknown or wrong one
falls back to UTF-8, then Windows-1252 (old archives often carry Latin-1 without
a charset), so text is never lost to a decoding error. A message without a
usable sender, or (where required) without a readable date, is
:class:`Malformed`.
"""

from __future__ import annotations

import email
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime

from markdownify import markdownify

from mailgate.models import MAX_MESSAGE_ID

_ANGLE_ID = re.compile(r"<([^<>\s]{1,998})>")
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|wg|fw|fwd|sv|antw)\s*(\[\d+\])?\s*:\s*)+", re.I)
_LIST_TAG = re.compile(r"^\s*\[[^\]]{1,40}\]\s*")
_QUOTE_INTRO = re.compile(r"\b(wrote|schrieb|a écrit)\b.*:\s*$", re.I)
MAX_SUBJECT = 200


class Malformed(ValueError):
    """A message that cannot become a post; ``str(error)`` says why."""


@dataclass
class ParsedMail:
    """What a post or comment is made of."""

    message_id: str
    references: list[str]  # nearest parent first (In-Reply-To, then References backwards)
    subject: str
    sender_name: str
    sender_address: str
    date: datetime | None
    text: str
    attachments: list[tuple[str, int]] = field(default_factory=list)
    fallback_decoded: bool = False
    automatic: bool = False  # an auto-reply (Auto-Submitted, Precedence: bulk/junk)

    @property
    def is_reply(self) -> bool:
        return bool(self.references) or bool(_REPLY_PREFIX.match(self.subject))


def normalize_message_id(value: str | None) -> str | None:
    """``<abc@host>`` -> ``abc@host``; None if there is no id. Long ids are hashed."""
    if not value:
        return None
    match = _ANGLE_ID.search(str(value))
    found = match.group(1) if match else str(value).strip()
    if not found or any(ch.isspace() for ch in found):
        return None
    if len(found) > MAX_MESSAGE_ID:
        found = "sha256:" + hashlib.sha256(found.encode("utf-8", "replace")).hexdigest()
    return found


def message_ids(value: str | None) -> list[str]:
    """Every ``<id>`` in a References/In-Reply-To header, in order."""
    if not value:
        return []
    return [normalize_message_id(f"<{raw}>") or raw for raw in _ANGLE_ID.findall(str(value))]


def thread_subject(subject: str) -> str:
    """The subject without "Re:", "AW:", "WG:", "Fwd:" and a leading "[list]" tag, folded."""
    text = _LIST_TAG.sub("", subject or "")
    text = _REPLY_PREFIX.sub("", text)
    text = _LIST_TAG.sub("", text)
    return " ".join(text.split()).casefold()


def _clean_line(value: str, limit: int) -> str:
    text = "".join(ch for ch in str(value) if unicodedata.category(ch) not in ("Cc", "Cf"))
    return " ".join(text.split())[:limit]


def _clean_text(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in value
                   if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))


def decode_payload(part: Message) -> tuple[str, bool]:
    """The text of a part, and whether a fallback charset had to be used."""
    payload = part.get_payload(decode=True)
    if payload is None:
        return "", False
    if isinstance(payload, str):  # pragma: no cover - get_payload(decode=True) gives bytes
        return payload, False
    charset = part.get_content_charset()
    if charset:
        try:
            return payload.decode(charset), False
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return payload.decode("utf-8"), charset is not None and charset not in ("utf-8", "utf8")
    except UnicodeDecodeError:
        pass
    try:
        return payload.decode("cp1252"), True
    except UnicodeDecodeError:
        return payload.decode("latin-1"), True


def html_to_markdown(html: str) -> str:
    """Markdown for an HTML mail body; scripts, styles and (tracking) images dropped.

    The result is still rendered and sanitised by ``schwarm/markup.py``.
    """
    html = re.sub(r"<(script|style|head)\b.*?</\1\s*>", "", html, flags=re.I | re.S)
    text = markdownify(html, heading_style="ATX", strip=["img", "script", "style"])
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def strip_quoted_tail(text: str) -> str:
    """A reply without the quoted message under it ("> ..." and "On ... wrote:")."""
    lines = text.rstrip().split("\n")
    end = len(lines)
    while end and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith(">")):
        end -= 1
    if end == len(lines):
        return text.strip()
    if end and _QUOTE_INTRO.search(lines[end - 1]):
        end -= 1
    kept = "\n".join(lines[:end]).strip()
    return kept or text.strip()


class _Headers:
    """The raw header values of a message (unparsed, unfolded, 8-bit bytes decoded),
    so that one broken header never makes the others unreadable."""

    def __init__(self, message: Message) -> None:
        self.values: dict[str, list[str]] = {}
        for name, value in message.raw_items():
            text = _raw_text(re.sub(r"\r?\n(?=[ \t])", "", str(value)))
            self.values.setdefault(name.lower(), []).append(text.strip())

    def get(self, name: str) -> str | None:
        found = self.values.get(name.lower())
        return found[0] if found else None

    def get_all(self, name: str) -> list[str]:
        return self.values.get(name.lower(), [])


def _raw_text(value: str) -> str:
    """Header text with 8-bit bytes (kept as surrogates by the parser) decoded."""
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # pragma: no cover - lone surrogates from elsewhere
        return value
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _decoded_words(value: str) -> str:
    """RFC 2047 encoded words ("=?utf-8?q?J=C3=BCrgen?=") as text; raw on failure."""
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # noqa: BLE001 - unknown charsets, broken encodings
        return value


def _sender(headers: _Headers) -> tuple[str, str]:
    try:
        pairs = getaddresses(headers.get_all("From"))
    except Exception as error:  # noqa: BLE001 - any header parser failure is "broken"
        raise Malformed(f"unreadable From header ({error.__class__.__name__})") from None
    for name, address in pairs:
        address = address.strip()
        local, at, domain = address.rpartition("@")
        if at and local and "." in domain and not any(ch.isspace() for ch in address):
            return _clean_line(_decoded_words(name), 120), address.lower()
    raise Malformed("no usable From address")


def _date(headers: _Headers) -> datetime | None:
    raw = headers.get("Date")
    if not raw:
        return None
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _attachments(message: EmailMessage) -> list[tuple[str, int]]:
    found = []
    try:
        parts = list(message.iter_attachments()) if message.is_multipart() else []
    except Exception:  # noqa: BLE001 - a broken MIME tree lists no attachments
        return []
    for part in parts:
        if part.get_content_maintype() == "multipart":
            continue
        name = part.get_filename() or part.get_content_type()
        payload = part.get_payload(decode=True)
        found.append((_clean_line(name, 200) or "attachment",
                      len(payload) if isinstance(payload, bytes) else 0))
    return found


def _body(message: EmailMessage) -> tuple[str, bool]:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        if message.get_content_maintype() == "text" and not message.is_multipart():
            part = message
        else:
            return "", False
    text, fallback = decode_payload(part)
    if part.get_content_subtype() == "html":
        text = html_to_markdown(text)
    return _clean_text(text).strip(), fallback


def parse_mail(raw: bytes, *, require_date: bool = False) -> ParsedMail:
    """Read a raw message; :class:`Malformed` with the reason if it cannot become a post."""
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
        headers = _Headers(message)
        name, address = _sender(headers)
        date = _date(headers)
        if date is None and require_date:
            raise Malformed("missing or unreadable Date header")
        text, fallback = _body(message)
        subject = _clean_line(_decoded_words(headers.get("Subject") or ""), MAX_SUBJECT)
        message_id = normalize_message_id(headers.get("Message-ID"))
        references = _references(headers)
        attachments = _attachments(message)
        automatic = _automatic(headers)
    except Malformed:
        raise
    except Exception as error:  # noqa: BLE001 - the stdlib parser raises many kinds
        raise Malformed(f"unreadable message ({error.__class__.__name__}: {error})") from None
    if message_id is None:
        # Without a Message-ID the content is the identity: a re-run still skips it.
        message_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    return ParsedMail(message_id=message_id, references=references, subject=subject,
                      sender_name=name, sender_address=address, date=date, text=text,
                      attachments=attachments, fallback_decoded=fallback, automatic=automatic)


def _automatic(headers: _Headers) -> bool:
    """RFC 3834 auto-replies (out-of-office notes) and bulk mail."""
    submitted = (headers.get("Auto-Submitted") or "no").lower()
    precedence = (headers.get("Precedence") or "").lower()
    return not submitted.startswith("no") or precedence in ("bulk", "junk", "auto_reply")


def _references(headers: _Headers) -> list[str]:
    ids = message_ids(headers.get("In-Reply-To"))
    ids += list(reversed(message_ids(headers.get("References"))))
    return list(dict.fromkeys(ids))
