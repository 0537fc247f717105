"""The message catalogs: every string of the pages has a Swedish text, and the committed
compiled catalogs say what their .po files say (so nobody forgot `make messages`)."""

from __future__ import annotations

from io import BytesIO

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from api.pages.i18n import LOCALES_DIR

ROOT = LOCALES_DIR.parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _po(language: str):
    with open(LOCALES_DIR / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=language)


def test_every_string_in_the_pages_has_a_swedish_text():
    method_map = [("api/pages/**.py", "python"), ("api/templates/**.html", "jinja2")]
    options = {"api/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = {
        message if isinstance(message, str) else message[0]
        for _, _, message, *_ in extract_from_dir(ROOT, method_map, options, keywords=KEYWORDS)
    }
    swedish = _po("sv")
    missing = sorted(m for m in found if not (swedish.get(m) and swedish.get(m).string))
    assert missing == []


def test_the_compiled_catalogs_match_their_sources():
    for language in ("sv", "en"):
        compiled = BytesIO()
        write_mo(compiled, _po(language))
        compiled.seek(0)
        with open(LOCALES_DIR / language / "LC_MESSAGES" / "messages.mo", "rb") as mo:
            committed = read_mo(mo)
        assert _texts(committed) == _texts(read_mo(compiled)), f"run make messages ({language})"


def _texts(catalog) -> dict:
    def flat(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {flat(m.id): flat(m.string) for m in catalog if m.id}
