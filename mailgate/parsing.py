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


def _sender(message: Message) -> tuple[str, str]:
    try:
        values = message.get_all("From") or []
        pairs = getaddresses([str(v) for v in values])
    except Exception as error:  # noqa: BLE001 - any header parser failure is "broken"
        raise Malformed(f"unreadable From header ({error.__class__.__name__})") from None
    for name, address in pairs:
        address = address.strip()
        local, at, domain = address.rpartition("@")
        if at and local and "." in domain and not any(ch.isspace() for ch in address):
            return _clean_line(name, 120), address.lower()
    raise Malformed("no usable From address")


def _date(message: Message) -> datetime | None:
    raw = message.get("Date")
    if raw is None:
        return None
    try:
        moment = parsedate_to_datetime(str(raw))
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
        message = email.message_from_bytes(raw, policy=policy.compat32)
        name, address = _sender(message)
        date = _date(message)
        if date is None and require_date:
            raise Malformed("missing or unreadable Date header")
        modern = email.message_from_bytes(raw, policy=policy.default)
        text, fallback = _body(modern)
        subject = _subject(modern, message)
        message_id = normalize_message_id(message.get("Message-ID"))
        references = _references(message)
        attachments = _attachments(modern)
        automatic = _automatic(message)
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


def _automatic(message: Message) -> bool:
    """RFC 3834 auto-replies (out-of-office notes) and bulk mail."""
    submitted = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    return not submitted.startswith("no") or precedence in ("bulk", "junk", "auto_reply")


def _subject(modern: EmailMessage, legacy: Message) -> str:
    try:
        value = str(modern.get("Subject", ""))
    except Exception:  # noqa: BLE001 - broken encoded words: keep the raw text
        value = str(legacy.get("Subject", ""))
    return _clean_line(value, MAX_SUBJECT)


def _references(message: Message) -> list[str]:
    ids = message_ids(message.get("In-Reply-To"))
    ids += list(reversed(message_ids(message.get("References"))))
    return list(dict.fromkeys(ids))
