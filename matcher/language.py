"""Swedish language levels on one ordered scale.

Caseworkers record a participant's Swedish either as a CEFR level (A1-C2) or as the
SFI course they are in or have finished (A-D). Matching needs one ordered scale, so
both normalise to an integer:

=====  ====  =====================================================
level  CEFR  SFI
=====  ====  =====================================================
0      -     no Swedish yet (before SFI A)
1      A1    SFI A, SFI B   (SFI A ~ A1; SFI B ~ A1/A2)
2      A2    SFI C          (SFI C ~ A2/B1)
3      B1    SFI D          (SFI D ~ B1/B2)
4      B2
5      C1
6      C2
=====  ====  =====================================================

SFI courses straddle two CEFR levels; we map each to the *lower* one, so a placement's
minimum is never assumed met when it may not be. One step on this scale is one CEFR
level, which is the step the language factor charges for.
"""

from __future__ import annotations

CEFR_LEVELS: dict[str, int] = {"A1": 1, "A2": 2, "B1": 3, "B2": 4, "C1": 5, "C2": 6}
SFI_LEVELS: dict[str, int] = {"SFI A": 1, "SFI B": 1, "SFI C": 2, "SFI D": 3}
NO_SWEDISH = "NONE"
LEVEL_LABELS: dict[int, str] = {0: NO_SWEDISH, **{v: k for k, v in CEFR_LEVELS.items()}}
MAX_LEVEL = 6


def normalise_language_level(label: str) -> int:
    """Map a CEFR level ('B1'), an SFI course ('SFI C', 'sfi-c') or 'NONE' to 0..6.

    Raises ``ValueError`` naming the accepted forms when the label is not one of them.
    """
    text = "".join(ch for ch in label.upper() if ch.isalnum())
    if text in ("NONE", "0"):
        return 0
    if text in CEFR_LEVELS:
        return CEFR_LEVELS[text]
    if text.startswith("SFI") and f"SFI {text[3:]}" in SFI_LEVELS:
        return SFI_LEVELS[f"SFI {text[3:]}"]
    raise ValueError(
        f"unknown language level {label!r}: use CEFR A1-C2, an SFI course 'SFI A'-'SFI D', or NONE"
    )


def language_label(level: int) -> str:
    """The CEFR label of a level on the 0..6 scale ('NONE' for 0)."""
    return LEVEL_LABELS[level]


def entered_label(label: str) -> str:
    """The level as entered, spelled one way: 'sfi-c' -> 'SFI C', 'b1' -> 'B1', 'none' ->
    'NONE'. ``ValueError`` as :func:`normalise_language_level` for an unknown label."""
    normalise_language_level(label)
    text = "".join(ch for ch in label.upper() if ch.isalnum())
    if text in ("NONE", "0"):
        return NO_SWEDISH
    return f"SFI {text[3:]}" if text.startswith("SFI") else text


_NO_SWEDISH_TEXT = {"sv": "ingen svenska ännu", "en": "no Swedish yet"}


def describe_level(level: int, entered: str, lang: str) -> str:
    """A level for a sentence: 'SFI C (A2)' when entered as an SFI course, 'B1' when
    entered as CEFR, 'ingen svenska ännu' / 'no Swedish yet' for 0 (never 'NONE')."""
    if level == 0:
        return _NO_SWEDISH_TEXT[lang]
    cefr = LEVEL_LABELS[level]
    if entered and entered != cefr and entered != NO_SWEDISH:
        return f"{entered} ({cefr})"
    return cefr
