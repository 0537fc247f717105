"""The repository holds no personal data: no personnummer with a valid check digit, no
e-mail address or phone number outside the allow-list (see tests/pii_guard.py)."""

from __future__ import annotations

import string
import subprocess
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.pii_guard import luhn_ok, personnummer_in, scan_files, scan_text, tracked_files

ROOT = Path(__file__).resolve().parent.parent


def check_digit(nine: str) -> str:
    """The Luhn digit that completes ``nine`` digits (built here, never stored as a literal,
    so the guard's own tests hold no valid personnummer)."""
    return next(str(d) for d in range(10) if luhn_ok(nine + str(d)))


def _planted(yymmdd: str = "811218", serial: str = "987") -> str:
    return f"{yymmdd}-{serial}{check_digit(yymmdd + serial)}"


def test_the_repository_holds_no_personal_data():
    hits = scan_files(tracked_files(ROOT), ROOT)
    assert not hits, "personal data in the repository:\n" + "\n".join(map(str, hits))


def test_a_planted_personnummer_in_a_new_file_fails_the_scan(tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, timeout=30)
    (tmp_path / "fixture.json").write_text(f'{{"ref": "ok", "pnr": "{_planted()}"}}\n')
    (tmp_path / "clean.md").write_text("Ring 2026-11-20, version 0.165.0, id 1234567890.\n")
    hits = scan_files(tracked_files(tmp_path), tmp_path)
    assert [(h.path, h.line, h.kind) for h in hits] == [("fixture.json", 1, "personnummer")]


def test_personnummer_forms_and_non_matches():
    valid = _planted()
    assert personnummer_in(f"pnr {valid}.") == [valid]
    assert personnummer_in("19" + valid) == ["19" + valid]  # with the century
    assert personnummer_in(valid.replace("-", "")) == [valid.replace("-", "")]
    coordination = _planted("811278")  # samordningsnummer: day 18 + 60
    assert personnummer_in(coordination) == [coordination]
    wrong = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    assert personnummer_in(wrong) == []  # the check digit does not fit
    assert personnummer_in(_planted("811318")) == []  # no month 13
    assert personnummer_in("x" + valid + "7") == []  # part of a longer number


def test_e_mail_and_phone_numbers_outside_the_allow_list():
    # the personal-looking values are put together here, so this file holds none
    at = "@"

    def kinds(text: str) -> list[str]:
        return [h.kind for h in scan_text("f", text)]

    assert kinds("skriv till anna.svensson" + at + "kommun.se") == ["e-mail"]
    assert kinds(f"see admin{at}example.com or x{at}platsa.example") == []
    assert kinds(f"postgresql://postgres{at}127.0.0.1:5432/db") == []
    assert kinds("ring 070" + "-123 45 67") == ["phone"]
    assert kinds("ring +46" + " 70 123 45 67") == ["phone"]
    assert kinds("växel 046" + "-35 50 00") == ["phone"]
    assert kinds("2026-11-20, 0.165.0, 55.7049, 13.1912") == []


@given(st.text(alphabet=string.digits, min_size=9, max_size=9))
def test_exactly_one_check_digit_completes_any_nine_digits(nine):
    assert [d for d in range(10) if luhn_ok(nine + str(d))] == [int(check_digit(nine))]
