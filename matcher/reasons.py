"""Explanations: one short sentence per factor, in Swedish and English.

Reasons are built only for the suggestions shown (top k), in plain Python, from the
same :class:`matcher.factors.Pair` the features are defined on; the numbers are in the
item's ``contributions`` (the prediction) and ``adjustments`` (policy). Swedish uses the
decimal comma and real plurals ("1 plats kvar", "2 platser kvar"); an empty list is
"inga" / "none", never "-"; a language level is shown as entered beside its CEFR value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matcher.factors import Pair, language_steps_short, language_tolerance, required_supervision
from matcher.language import describe_level


@dataclass(frozen=True, slots=True)
class Reason:
    """One factor's part of an explanation.

    ``matched``/``partial``/``missing`` are filled for the skills factor only: labels of
    the placement's skills the participant has, has something close to (a broader,
    narrower or sibling concept), or lacks. ``kind`` is ``prediction`` or ``adjustment``.
    """

    factor: str
    sv: str
    en: str
    matched: tuple[str, ...] = ()
    partial: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    kind: str = "prediction"


def number_sv(value: float, decimals: int = 1) -> str:
    """A number the Swedish way: decimal comma, minus sign, no trailing ",0"."""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:.0f}"
    if text in ("-0", ""):
        text = "0"
    return text.replace(".", ",").replace("-", "\u2212")


def number_en(value: float, decimals: int = 1) -> str:
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:.0f}"
    return "0" if text in ("-0", "") else text


def count_sv(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def count_en(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _list(labels: list[str], none: str) -> str:
    return ", ".join(labels) if labels else none


def skills_reason(pair: Pair) -> Reason:
    """Matched, related and missing skills of the placement."""
    q, taxonomy = pair.placement, pair.taxonomy
    return skills_reason_of(
        [(s, taxonomy.label(s), pair.credit(s)) for s in q.required_skills],
        [(s, taxonomy.label(s), pair.credit(s)) for s in q.useful_skills],
    )


def skills_reason_of(
    required: Sequence[tuple[str, str, float]], useful: Sequence[tuple[str, str, float]]
) -> Reason:
    """:func:`skills_reason` from (concept id, label, credit) per listed skill, in the
    placement's order (the ranking fills these from labels kept per catalog)."""
    matched: list[str] = []
    partial: list[str] = []
    missing: list[str] = []
    for _, label, value in (*required, *useful):
        bucket = matched if value >= 1.0 else partial if value > 0 else missing
        if label not in bucket:
            bucket.append(label)
    if not required and not useful:
        sv, en = "Platsen anger inga kompetenskrav.", "The placement lists no skills."
    else:
        sv = (
            f"Kompetens som matchar: {_list(matched, 'ingen')}; närliggande: "
            f"{_list(partial, 'ingen')}; saknas: {_list(missing, 'ingen')}."
        )
        en = (
            f"Skills matched: {_list(matched, 'none')}; related: {_list(partial, 'none')}; "
            f"missing: {_list(missing, 'none')}."
        )
        # each required concept once, in the order first listed
        once = {skill: (label, value) for skill, label, value in required}
        missing_required = [label for label, value in once.values() if value == 0]
        if missing_required:
            sv += f" Krav som saknas: {', '.join(missing_required)}."
            en += f" Missing required: {', '.join(missing_required)}."
    return Reason("skills", sv, en, tuple(matched), tuple(partial), tuple(missing))


def interests_reason(pair: Pair) -> Reason:
    area = pair.taxonomy.label(pair.placement.work_area)
    interests = pair.participant.interests
    if pair.placement.work_area in interests:
        choice = interests.index(pair.placement.work_area) + 1
        return Reason(
            "interests",
            f"Arbetsområdet {area} är deltagarens önskemål nr {choice}.",
            f"The work area {area} is the participant's choice no. {choice}.",
        )
    return Reason(
        "interests",
        f"Arbetsområdet {area} finns inte bland deltagarens önskemål.",
        f"The work area {area} is not among the participant's interests.",
    )


def language_reason(pair: Pair) -> Reason:
    p, q, policy = pair.participant, pair.placement, pair.policy
    have, need = p.language_level, q.min_language_level
    have_sv = describe_level(have, p.language_entered, "sv")
    have_en = describe_level(have, p.language_entered, "en")
    need_sv, need_en = describe_level(need, "", "sv"), describe_level(need, "", "en")
    if need == 0:
        return Reason(
            "language",
            f"Platsen har inget krav på svenska (deltagaren: {have_sv}).",
            f"The placement has no Swedish requirement (participant: {have_en}).",
        )
    short = need - have
    if have >= need + policy.language.well_above_steps:
        sv, en = "väl över kravet", "well above the minimum"
    elif have >= need:
        sv, en = "når kravet", "meets the minimum"
    elif language_steps_short(have, need, q.language_practice, policy) == 0:
        steps_sv, steps_en = count_sv(short, "steg", "steg"), count_en(short, "step", "steps")
        sv = f"{steps_sv} under kravet, som språkpraktik med handledare godtar"
        en = f"{steps_en} below the minimum, which language practice with a mentor accepts"
    elif short > language_tolerance(q.language_practice, policy):
        sv = f"{count_sv(short, 'steg', 'steg')} under kravet, mer än vad platsen godtar"
        en = (
            f"{count_en(short, 'step', 'steps')} below the minimum, more than the placement accepts"
        )
    else:
        sv = f"{count_sv(short, 'steg', 'steg')} under kravet, vilket väger tungt"
        en = f"{count_en(short, 'step', 'steps')} below the minimum, which weighs heavily"
    return Reason(
        "language",
        f"Svenska: deltagaren {have_sv}, platsen kräver {need_sv}: {sv}.",
        f"Swedish: participant {have_en}, the placement requires {need_en}: {en}.",
    )


_SUPERVISION_SV = {1: "lite", 2: "en del", 3: "intensiv"}
_SUPERVISION_EN = {1: "little", 2: "some", 3: "intensive"}


def support_reason(pair: Pair) -> Reason:
    need, given = pair.participant.support_need, pair.placement.supervision
    needed = required_supervision(need, pair.policy)
    given_sv, given_en = (
        _SUPERVISION_SV.get(given, str(given)),
        _SUPERVISION_EN.get(given, str(given)),
    )
    if given >= needed:
        sv = f"Arbetsplatsen ger {given_sv} handledning, vilket räcker för stödbehov {need}."
        en = f"The workplace gives {given_en} supervision, enough for support need {need}."
    else:
        sv = (
            f"Arbetsplatsen ger {given_sv} handledning; stödbehov {need} behöver "
            f"{_SUPERVISION_SV[needed]}."
        )
        en = (
            f"The workplace gives {given_en} supervision; support need {need} calls for "
            f"{_SUPERVISION_EN[needed]}."
        )
    return Reason("support", sv, en)


def shown_km(km: float) -> int:
    """The distance as the commute reasons show it (whole km): they read it only through
    this, so a ranking may share their texts between pairs with the same shown km."""
    return round(km)


def commute_reason(pair: Pair) -> Reason:
    km = shown_km(pair.km())
    return Reason(
        "commute",
        f"Cirka {number_sv(km, 0)} km mellan hem och arbetsplats.",
        f"About {number_en(km, 0)} km between home and workplace.",
    )


def parent_commute_reason(pair: Pair) -> Reason:
    if not pair.participant.parent:
        return Reason("parent_commute", "Gäller inte (inte förälder).", "Not a parent.")
    km = shown_km(pair.km())
    return Reason(
        "parent_commute",
        f"Förälder: resan på cirka {number_sv(km, 0)} km väger tyngre (barnperspektivet).",
        f"Parent: the commute of about {number_en(km, 0)} km weighs more (the child perspective).",
    )


def hours_reason(pair: Pair) -> Reason:
    hours, most = pair.placement.hours_per_week, pair.participant.max_hours
    lowest = pair.placement.lowest_hours
    if hours <= most:
        return Reason(
            "hours",
            f"{hours} timmar i veckan ryms inom deltagarens högst {most}.",
            f"{hours} hours a week fits within the participant's maximum of {most}.",
        )
    if lowest <= most:
        return Reason(
            "hours",
            f"{hours} timmar i veckan, men platsen kan tas på deltid ned till {lowest}; "
            f"deltagaren kan högst {most}.",
            f"{hours} hours a week, but the placement can be part-time down to {lowest}; "
            f"the participant can work at most {most}.",
        )
    return Reason(
        "hours",
        f"{hours} timmar i veckan (lägst {lowest}) är fler än deltagarens högst {most}.",
        f"{hours} hours a week (at least {lowest}) is more than the participant's maximum {most}.",
    )


def parent_hours_reason(pair: Pair) -> Reason:
    if not pair.participant.parent:
        return Reason("parent_hours", "Gäller inte (inte förälder).", "Not a parent.")
    if pair.placement.hours_per_week <= pair.participant.max_hours:
        return Reason(
            "parent_hours",
            "Förälder: timmarna ryms inom det deltagaren kan.",
            "Parent: the hours fit what the participant can work.",
        )
    return Reason(
        "parent_hours",
        "Förälder: platsen behöver kortas till deltid, vilket väger tyngre.",
        "Parent: the placement must be cut to part-time, which weighs more.",
    )


def priority_reason(pair: Pair) -> Reason:
    p = pair.participant
    months = count_sv(p.months_on_assistance, "månad", "månader")
    months_en = count_en(p.months_on_assistance, "month", "months")
    if p.months_since_last_job is None:
        job_sv, job_en = (
            "slutet på senaste arbetet är inte registrerat",
            "the last job's end is not recorded",
        )
    else:
        job_sv = f"{count_sv(p.months_since_last_job, 'månad', 'månader')} sedan senaste arbete"
        job_en = f"{count_en(p.months_since_last_job, 'month', 'months')} since the last job"
    return Reason(
        "priority",
        f"Prioritet för den som står långt från arbetsmarknaden: {months} med "
        f"försörjningsstöd, {job_sv}.",
        f"Priority for those furthest from the labour market: {months_en} on assistance, {job_en}.",
        kind="adjustment",
    )


def capacity_reason(pair: Pair) -> Reason:
    slots = pair.placement.remaining_slots
    left_sv = count_sv(slots, "plats", "platser") + " kvar"
    left_en = count_en(slots, "slot", "slots") + " left"
    cap = pair.capacity
    if cap is not None and cap.short_of_minimum > 0:
        short = cap.short_of_minimum
        return Reason(
            "capacity",
            f"{left_sv}. Förvaltningen har lovat fler platser och saknar "
            f"{count_sv(short, 'placering', 'placeringar')} till sitt minimum, så den "
            "prioriteras.",
            f"{left_en}. The department is {count_en(short, 'placement', 'placements')} short "
            "of its promised minimum, so it is given priority.",
            kind="adjustment",
        )
    return Reason("capacity", f"{left_sv}.", f"{left_en}.", kind="adjustment")


def scarcity_reason(pair: Pair) -> Reason:
    price = pair.price
    if price is None or abs(price) < 0.0005:
        return Reason(
            "scarcity",
            "Platsen är inte efterfrågad av andra i planen.",
            "No one else in the plan needs this placement more.",
            kind="adjustment",
        )
    points_sv, points_en = number_sv(100 * price, 1), number_en(100 * price, 1)
    return Reason(
        "scarcity",
        f"Platsen behövs också av andra: alternativkostnad {points_sv} procentenheter.",
        f"Others need this placement too: opportunity cost {points_en} percentage points.",
        kind="adjustment",
    )
