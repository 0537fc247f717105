# ruff: noqa: E501  (a message catalog: one message per line reads best)
"""The evaluation reports' words in Swedish and English, and dates as a reader writes them.

Messages are keyed by their English text (the gettext convention the web pages' Babel
catalogs under ``api/locales`` use), so they can move into those catalogs as they are;
until then :func:`translator` looks them up here. Every metric a report shows has a name
and a definition in :data:`DEFINITIONS`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from babel.dates import format_date, format_datetime

LANGUAGES = ("sv", "en")

SV: dict[str, str] = {
    "Replay report": "Återspelningsrapport",
    "Model": "Modell",
    "Scorer": "Poängsättare",
    "decisions from {start} to {end} (both days included), k = {k}": "beslut från {start} till och med {end}, k = {k}",
    "data up to {end}": "data till och med {end}",
    "Overview": "Översikt",
    "Counts": "Antal",
    "what": "vad",
    "Ranking of the accepted placement": "Rangordning av den accepterade platsen",
    "Ranking metrics (95% bootstrap intervals)": "Rangordningsmått (95 % bootstrapintervall)",
    "metric": "mått",
    "estimate": "skattning",
    "low": "lägre",
    "high": "övre",
    "Outcomes by rank": "Utfall efter rang",
    "Success rate by the rank the scorer gives the accepted placement": "Andel lyckade utfall efter den rang poängsättaren ger den accepterade platsen",
    "rank given by the scorer": "rang enligt poängsättaren",
    "success rate": "andel lyckade",
    "Groups": "Grupper",
    "group": "grupp",
    "value": "värde",
    "gap to the rest": "skillnad mot övriga",
    "relative rate": "relativ andel",
    "suppressed (fewer than {n} decisions)": "undertryckt (färre än {n} beslut)",
    "Groups with fewer than {n} decisions are suppressed: their n is shown, no estimate.": "Grupper med färre än {n} beslut undertrycks: antalet visas, ingen skattning.",
    "Gap to the rest in {metric} (95% interval; red: excludes 0)": "Skillnad mot övriga i {metric} (95 % intervall; rött: utesluter 0)",
    "Gaps whose interval excludes 0": "Skillnader vars intervall utesluter 0",
    "none": "inga",
    "Coverage and concentration": "Täckning och koncentration",
    "placements suggested": "föreslagna platser",
    "open placements": "öppna platser",
    "share": "andel",
    "Off-policy estimates": "Skattningar utanför policyn (off-policy)",
    "No logged lists with propensities.": "Inga loggade listor med sannolikheter.",
    "{n} imported decisions have no logged list and are left out of these estimates.": "{n} importerade beslut saknar loggad lista och ingår inte i dessa skattningar.",
    "estimator": "skattare",
    "largest weight": "största vikt",
    "reward ESS": "ESS för belöningar",
    "largest term's share": "största termens andel",
    "Quota fill": "Kvotfyllnad",
    "Quota fill over time (largest quotas)": "Kvotfyllnad över tid (största kvoterna)",
    "booked / quota maximum": "bokade / kvotens maximum",
    "Definitions": "Definitioner",
    "Synthetic demo data; pseudonymised aggregates only.": "Syntetiska demodata; endast pseudonymiserade aggregat.",
    "Is the new model better, and for whom is it worse?": "Är den nya modellen bättre, och för vilka är den sämre?",
    "Compared with {in_use} on the same held-out decisions: {verdict}.": "Jämförd med {in_use} på samma utvärderingsbeslut: {verdict}.",
    "better on": "bättre på",
    "worse on": "sämre på",
    "Worse for": "Sämre för",
    "no group": "ingen grupp",
    "candidate": "kandidat",
    "in use": "i bruk",
    "gain": "vinst",
    "verdict": "bedömning",
    "better": "bättre",
    "worse": "sämre",
    "mixed": "blandat",
    "not distinguishable": "ingen säker skillnad",
    "not measured": "ej mätt",
    "By group": "Per grupp",
    "Calibration on held-out outcomes": "Kalibrering på utvärderingsutfall",
    "predicted probability of success": "förutsagd sannolikhet att lyckas",
    "observed success rate": "observerad andel lyckade",
    "Coefficients": "Koefficienter",
    "Log-odds points per feature unit": "Log-odds-poäng per enhet av faktorn",
    "Cut {cut}, horizon {days} days, {n} training outcomes. Status: {status}.": "Brytdag {cut}, horisont {days} dagar, {n} träningsutfall. Status: {status}.",
    "rule": "regel",
    "decisions": "beslut",
    "accepted": "accepterade",
    "with_outcome": "med utfall",
    "overrides": "egna val utanför listan",
    "imported": "importerade",
    "mean_candidates": "kandidater i snitt",
    "Held-out outcomes": "Utfall i utvärderingsperioden",
    "successes": "lyckade",
}

#: metric key -> (name, definition), in English; Swedish in DEFINITIONS_SV
DEFINITIONS: dict[str, tuple[str, str]] = {
    "hit_at_1": ("hit@1", "share of accepted decisions whose placement the scorer ranks first"),
    "hit_at_k": ("hit@k", "share of accepted decisions whose placement the scorer ranks within "
                 "the top k; recall@k is not shown: with one accepted placement per decision "
                 "it equals hit@k exactly"),
    "reciprocal_rank": ("MRR", "mean of 1 / rank of the accepted placement (0 when not ranked)"),
    "ndcg_at_k": ("NDCG@k", "mean of 1 / log2(rank + 1) when the accepted placement is within "
                  "the top k, else 0; 1 when always first"),
    "unranked": ("not ranked", "share of accepted placements the scorer would not have listed at "
                 "all at the moment (full, closed or not eligible)"),
    "success": ("success", "share of accepted decisions with a known outcome that succeeded "
                "(completed, job, studies or self-supporting)"),
    "auc": ("AUC", "probability that a random success is scored above a random failure "
            "(ties count half); 0.5 is chance"),
    "log_loss": ("log-loss", "mean of -log of the probability given to what happened; lower is "
                 "better"),
    "brier": ("Brier", "mean squared difference between predicted probability and outcome "
              "(0 or 1); lower is better"),
    "calibration_error": ("calibration error", "mean gap between predicted and observed success "
                          "rates over ten probability bins, weighted by bin size; lower is "
                          "better"),
    "snips": ("SNIPS", "self-normalised importance-weighted estimate of the success rate the "
              "scorer would reach if its first suggestion were shown, from logged lists"),
    "relative_rate": ("relative rate", "the group's value divided by the rest's; below 0.8 is "
                      "what the four-fifths rule reads as adverse impact"),
    "ess": ("ESS", "effective sample size of the importance weights: how many equal rows the "
            "estimate rests on"),
    "reward_ess": ("reward ESS", "the same for the rewarded terms: how many equal successes the "
                   "estimate rests on"),
    "gain": ("gain", "candidate minus in use, turned so that positive favours the candidate; "
             "the interval is a paired bootstrap on the same decisions"),
}  # fmt: skip

DEFINITIONS_SV: dict[str, tuple[str, str]] = {
    "hit_at_1": ("träff@1", "andel accepterade beslut där poängsättaren rangordnar platsen först"),
    "hit_at_k": ("träff@k", "andel accepterade beslut där platsen rangordnas bland de k första; "
                 "recall@k visas inte: med en accepterad plats per beslut är den exakt lika "
                 "med träff@k"),
    "reciprocal_rank": ("MRR", "medelvärdet av 1 / rang för den accepterade platsen (0 om "
                        "den inte rangordnas)"),
    "ndcg_at_k": ("NDCG@k", "medelvärdet av 1 / log2(rang + 1) när platsen är bland de k "
                  "första, annars 0; 1 om den alltid är först"),
    "unranked": ("ej rangordnad", "andel accepterade platser som poängsättaren inte alls hade "
                 "listat vid tillfället (full, stängd eller inte behörig)"),
    "success": ("lyckat", "andel accepterade beslut med känt utfall som lyckades (fullföljt, "
                "jobb, studier eller egen försörjning)"),
    "auc": ("AUC", "sannolikheten att ett slumpvis lyckat utfall får högre poäng än ett "
            "slumpvis misslyckat (lika räknas som hälften); 0,5 är slumpen"),
    "log_loss": ("log-förlust", "medelvärdet av -log av sannolikheten för det som hände; lägre "
                 "är bättre"),
    "brier": ("Brier", "medelkvadraten av skillnaden mellan förutsagd sannolikhet och utfall "
              "(0 eller 1); lägre är bättre"),
    "calibration_error": ("kalibreringsfel", "medelavståndet mellan förutsagd och observerad "
                          "andel lyckade i tio sannolikhetsintervall, viktat efter storlek; "
                          "lägre är bättre"),
    "snips": ("SNIPS", "självnormaliserad viktad skattning från loggade listor av andelen "
              "lyckade som poängsättaren skulle nå om dess första förslag visades"),
    "relative_rate": ("relativ andel", "gruppens värde delat med övrigas; under 0,8 läser "
                      "fyra-femtedelsregeln som negativ särbehandling"),
    "ess": ("ESS", "effektiv urvalsstorlek för vikterna: hur många lika rader skattningen "
            "vilar på"),
    "reward_ess": ("ESS för belöningar", "detsamma för de belönade termerna: hur många lika "
                   "lyckade utfall skattningen vilar på"),
    "gain": ("vinst", "kandidat minus i bruk, vänd så att positivt talar för kandidaten; "
             "intervallet är en parad bootstrap på samma beslut"),
}  # fmt: skip


def translator(lang: str) -> Callable[..., str]:
    """``_(message, **fields)`` in ``lang`` (English is the message itself)."""
    table = SV if lang == "sv" else {}

    def _(message: str, **fields) -> str:
        text = table.get(message, message)
        return text.format(**fields) if fields else text

    return _


def definition(metric: str, lang: str, k: int | None = None) -> tuple[str, str]:
    """(name, definition) of a report metric; ``hit_at_10`` reads as ``hit_at_k``."""
    key = metric
    if k is not None:
        key = metric.replace(f"_at_{k}", "_at_k") if metric != "hit_at_1" else metric
    table = DEFINITIONS_SV if lang == "sv" else DEFINITIONS
    name, text = table.get(key, (metric, ""))
    return (name.replace("@k", f"@{k}") if k is not None else name), text


def metric_name(metric: str, lang: str, k: int | None = None) -> str:
    return definition(metric, lang, k)[0]


def day(value: str | date | datetime, lang: str) -> str:
    """A date as a reader writes it: '30 november 2026', 'November 30, 2026'."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, "long", locale="sv" if lang == "sv" else "en")


def moment(value: str, lang: str) -> str:
    """A UTC timestamp to the minute."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return format_datetime(parsed, "medium", locale="sv" if lang == "sv" else "en")
