"""Find personal data in text: Swedish personal identity numbers (with a valid check
digit), e-mail addresses and phone numbers, outside an allow-list.

The repository holds synthetic data only; this is the net that catches a real
personnummer pasted into a fixture, a doc or a test. A number counts only when its date
is possible (a samordningsnummer's day + 60 included) and its Luhn check digit fits, so
ordinary ten-digit figures pass.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

#: YYMMDD or YYYYMMDD, an optional - or +, four digits (the last one the check digit)
PERSONNUMMER = re.compile(r"(?<![\w-])((?:18|19|20)?)(\d{2})(\d{2})(\d{2})[-+]?(\d{4})(?![\w-])")
#: an address (not the user@host of a URL such as postgresql://user@host) with a real TLD
EMAIL = re.compile(r"(?<![\w.+/-])[\w.+-]+@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})\b")
#: Swedish mobile and landline numbers: +46/0046/0, an area code, then 5-8 digits
PHONE = re.compile(
    r"(?<![\w+])(?:\+46|0046|0)[\s-]?(?:7[02369]|[1-68]\d{0,2})[\s-]?\d{2,3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)"
)

#: e-mail domains reserved for examples (RFC 2606) and the project's own example domain
ALLOWED_EMAIL_DOMAINS = {"example.com", "example.org", "example.net", "platsa.example"}
ALLOWED_EMAIL_SUFFIXES = (".example", ".test", ".invalid", ".localhost")
#: gettext's template header placeholder ("LANGUAGE <LL@li.org>")
ALLOWED_EMAIL_DOMAINS |= {"li.org"}
#: third-party code shipped as is (minified bundles are full of ten-digit constants)
SKIPPED_DIRS = ("api/static/vendor/", "tests/pages/vendor/")
#: file types that are not text
BINARY_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".ico", ".pdf", ".woff", ".woff2", ".db",
                   ".sqlite", ".gz", ".zip", ".whl", ".pyc", ".mo"}  # fmt: skip


@dataclass(frozen=True)
class Hit:
    path: str
    line: int
    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind} {self.text!r}"


def luhn_ok(digits: str) -> bool:
    """The Luhn check over all digits (the last one is the check digit)."""
    total = 0
    for k, char in enumerate(reversed(digits)):
        value = int(char) * (2 if k % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _possible_date(century: str, yy: str, mm: str, dd: str) -> bool:
    day = int(dd) - 60 if int(dd) > 60 else int(dd)  # samordningsnummer: day + 60
    year = int(century + yy) if century else 2000 + int(yy)
    try:
        date(year, int(mm), day)
    except ValueError:
        return False
    return True


def personnummer_in(text: str) -> list[str]:
    found = []
    for match in PERSONNUMMER.finditer(text):
        century, yy, mm, dd, tail = match.groups()
        if _possible_date(century, yy, mm, dd) and luhn_ok(yy + mm + dd + tail):
            found.append(match.group(0))
    return found


def _email_allowed(domain: str) -> bool:
    domain = domain.lower().rstrip(".")
    return domain in ALLOWED_EMAIL_DOMAINS or domain.endswith(ALLOWED_EMAIL_SUFFIXES)


def scan_text(path: str, text: str) -> list[Hit]:
    hits = []
    for number, line in enumerate(text.splitlines(), start=1):
        hits += [Hit(path, number, "personnummer", t) for t in personnummer_in(line)]
        hits += [
            Hit(path, number, "e-mail", m.group(0))
            for m in EMAIL.finditer(line)
            if not _email_allowed(m.group(1))
        ]
        hits += [Hit(path, number, "phone", m.group(0)) for m in PHONE.finditer(line)]
    return hits


def tracked_files(root: Path) -> list[Path]:
    """The repository's files as git sees them (tracked, and new ones not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    return [
        root / p
        for p in listed.split("\0")
        if p and Path(p).suffix not in BINARY_SUFFIXES and not p.startswith(SKIPPED_DIRS)
    ]


def scan_files(paths: list[Path], root: Path) -> list[Hit]:
    hits = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        hits += scan_text(str(path.relative_to(root)), text)
    return hits
