"""Swedish first, English on request: message catalogs and locale-aware formatting.

The strings live in ``api/locales/<lang>/LC_MESSAGES/messages.po`` (msgids in English,
so the English catalog is empty and falls back to them); ``make messages`` extracts,
updates and compiles them with pybabel. The compiled ``.mo`` files are committed, so a
fresh clone serves Swedish without a build step; a test fails if they are stale.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations
from fastapi import Request

from models.clock import MUNICIPAL_TZ

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
LANG_COOKIE = "platsa_lang"

_current: ContextVar[str] = ContextVar("platsa_language", default=DEFAULT_LANGUAGE)


@cache
def translations(language: str) -> NullTranslations:
    return Translations.load(str(LOCALES_DIR), [language], domain="messages")


def use_language(language: str) -> None:
    """Set the language of what this thread renders next (one request renders in one thread)."""
    _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


async def speak(request: Request) -> None:
    """A page dependency: the request's language for everything its handler renders.

    ``async`` so it runs in the request's own context; the sync handler's thread starts
    from a copy of that context and so sees the language."""
    use_language(language_of(request))


def current_language() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def language_of(request) -> str:
    """Swedish, unless the person chose English with the toggle (a cookie). The browser's
    Accept-Language is not asked: a shared municipal PC's settings say nothing about who
    sits at it."""
    chosen = request.cookies.get(LANG_COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def _locale() -> Locale:
    return Locale.parse(_current.get())


def fmt_date(value: date | datetime | None, form: str = "medium") -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return format_datetime(value.astimezone(MUNICIPAL_TZ), "short", locale=_locale())
    return format_date(value, form, locale=_locale())


def fmt_number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    if round(value, digits) == 0:
        value = 0  # never "-0,00": a part too small to show has no sign
    return format_decimal(value, format=pattern, locale=_locale())


def fmt_percent(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + " %"
    return format_percent(value, format=pattern, locale=_locale())
