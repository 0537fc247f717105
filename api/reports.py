"""HTML reports for people: the replay and a trained model, in Swedish or English.

The JSON report is the source; these pages only draw it. Each opens with the answer (the
headline figures; for a model, whether it is better and for whom it is worse), shows n
beside every figure, names departments, writes dates as dates and ends with the
definition of every metric shown. Words come from :mod:`api.report_text`. Plots use
matplotlib's Agg backend, each embedded as a base64 PNG so a page is one self-contained
file an evaluator can mail to the committee; legends sit outside the lines and long
labels are on the y axis, where they cannot overlap. Every value shown is escaped.
Suppressed groups (too few decisions, :mod:`matcher.small_cells`) get no figure and no
colour.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from api.report_text import day, definition, metric_name, translator  # noqa: E402

STYLE = """
body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px}
th{background:#f3f3f3;text-align:left}td.n{text-align:right}.warn{color:#a40}
.muted{color:#888}img{max-width:100%}small{color:#666}dt{font-weight:600}
.verdict{font-size:1.2em}
"""
FLAGGED, PLAIN, MUTED = "#a40", "#333", "#999"


def _png(figure, alt: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return html.escape(str(value))


def _table(header: Iterable[str], rows: Iterable[Iterable]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{_fmt(c)}</td>' for c in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _definitions(keys: Iterable[str], lang: str, k: int | None) -> str:
    _ = translator(lang)
    items = "".join(
        f"<dt>{html.escape(name)}</dt><dd>{html.escape(text)}</dd>"
        for name, text in (definition(key, lang, k) for key in dict.fromkeys(keys))
        if text
    )
    return f"<h2>{_('Definitions')}</h2><dl>{items}</dl>"


def _page(title: str, body: str, lang: str) -> str:
    _ = translator(lang)
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{body}"
        f"<p><small>{_('Synthetic demo data; pseudonymised aggregates only.')}</small></p>"
        "</body></html>"
    )


def _interval_bars(named: dict, lang: str, k: int) -> str:
    """Horizontal bars with 95% intervals and n: names on the y axis never overlap."""
    _ = translator(lang)
    items = [(n, ci) for n, ci in named.items() if ci and ci["estimate"] is not None]
    figure, axis = plt.subplots(figsize=(7, 0.45 * len(items) + 1.2))
    for y, (_name, ci) in enumerate(items):
        low = ci["ci_low"] if ci["ci_low"] is not None else ci["estimate"]
        high = ci["ci_high"] if ci["ci_high"] is not None else ci["estimate"]
        axis.barh(y, ci["estimate"], color="#4a7ab5")
        axis.plot([low, high], [y, y], color="#111")
        axis.text(
            1.02, y, f"n={ci['n']}", va="center", fontsize=8, transform=axis.get_yaxis_transform()
        )
    axis.set_yticks(range(len(items)), [metric_name(n, lang, k) for n, _ci in items])
    axis.invert_yaxis()
    axis.set_xlim(0, 1)
    axis.set_title(_("Ranking metrics (95% bootstrap intervals)"))
    return _png(figure, _("Ranking metrics (95% bootstrap intervals)"))


def _success_by_rank(bins: dict | None, lang: str) -> str:
    _ = translator(lang)
    figure, axis = plt.subplots(figsize=(7, 3))
    if bins:
        rates = [r if r is not None else 0.0 for r in bins["success_rate"]]
        axis.bar(bins["labels"], rates, color="#5b9b5b")
        for x, (rate, n) in enumerate(zip(rates, bins["n"], strict=True)):
            axis.text(x, rate + 0.02, f"n={n}", ha="center", fontsize=8)
    title = _("Success rate by the rank the scorer gives the accepted placement")
    axis.set_title(title)
    axis.set_xlabel(_("rank given by the scorer"))
    axis.set_ylabel(_("success rate"))
    axis.set_ylim(0, 1.1)
    return _png(figure, title)


def _flagged(gap: dict) -> bool:
    return not gap.get("suppressed") and (
        (gap["ci_low"] is not None and gap["ci_low"] > 0)
        or (gap["ci_high"] is not None and gap["ci_high"] < 0)
    )


def _gaps(groups: dict, metric: str, lang: str, k: int, min_n: int) -> str:
    _ = translator(lang)
    rows = [
        (f"{attribute}: {gap['group']} (n={gap['n_group']})", gap)
        for attribute, metrics in groups.items()
        for gap in (metrics.get(metric) or {}).get("gaps", [])
        if gap["gap"] is not None or gap.get("suppressed")
    ]
    figure, axis = plt.subplots(figsize=(7, max(2.5, 0.28 * len(rows) + 1)))
    for y, (_label, gap) in enumerate(rows):
        if gap.get("suppressed"):  # too few decisions: no point, no interval, no colour
            axis.text(0, y, _("suppressed (fewer than {n} decisions)", n=min_n), va="center",
                      fontsize=7, color=MUTED)  # fmt: skip
            continue
        low = gap["ci_low"] if gap["ci_low"] is not None else gap["gap"]
        high = gap["ci_high"] if gap["ci_high"] is not None else gap["gap"]
        colour = FLAGGED if _flagged(gap) else PLAIN
        axis.plot([low, high], [y, y], color=colour)
        axis.plot([gap["gap"]], [y], "o", color=colour)
    axis.axvline(0, color="#000", linewidth=0.8)
    axis.set_yticks(range(len(rows)), [label for label, _gap in rows], fontsize=8)
    axis.invert_yaxis()
    title = _("Gap to the rest in {metric} (95% interval; red: excludes 0)",
              metric=metric_name(metric, lang, k))  # fmt: skip
    axis.set_title(title)
    return _png(figure, title)


def _group_table(groups: dict, metric: str, lang: str, k: int, min_n: int) -> str:
    """Every group of every attribute: n, value, interval, gap and relative rate."""
    _ = translator(lang)
    rows = []
    for attribute, metrics in groups.items():
        entry = metrics.get(metric) or {}
        gaps = {g["group"]: g for g in entry.get("gaps", [])}
        for g in entry.get("groups", []):
            gap = gaps.get(g["group"], {})
            if g["suppressed"]:
                rows.append([attribute, g["group"], g["n"],
                             _("suppressed (fewer than {n} decisions)", n=min_n),
                             None, None, None])  # fmt: skip
                continue
            interval = f"[{_fmt(g['ci_low'])}, {_fmt(g['ci_high'])}]"
            ratio = gap.get("ratio")
            ratio_text = (
                f"{ratio:.2f} [{_fmt(gap['ratio_ci_low'])}, {_fmt(gap['ratio_ci_high'])}]"
                if ratio is not None and not gap.get("suppressed") else None
            )  # fmt: skip
            shown_gap = None if gap.get("suppressed") else gap.get("gap")
            rows.append(
                [attribute, g["group"], g["n"], g["value"], interval, shown_gap, ratio_text]
            )
    header = [_("group"), "", "n", metric_name(metric, lang, k), "95%", _("gap to the rest"),
              _("relative rate")]  # fmt: skip
    return f"<h3>{html.escape(metric_name(metric, lang, k))}</h3>" + _table(header, rows)


def _quota_fill(fill: dict, lang: str) -> str:
    """Booked share of each department's quota over real dates; the legend names the
    departments and sits beside the plot, not over the lines."""
    _ = translator(lang)
    figure, axis = plt.subplots(figsize=(8, 3.4))
    days = np.array(fill.get("days", []), dtype="datetime64[D]").astype(object)
    departments = sorted(
        fill.get("departments", []), key=lambda d: -max((m or 0) for m in d["max_headcount"])
    )[:8]
    for entry in departments:
        share = [
            b / m if b is not None and m else float("nan")
            for b, m in zip(entry["booked"], entry["max_headcount"], strict=True)
        ]
        axis.plot(days, share, label=entry.get("name") or f"#{entry['department_id']}")
    locator = mdates.AutoDateLocator(maxticks=7)
    axis.xaxis.set_major_locator(locator)
    axis.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axis.set_ylabel(_("booked / quota maximum"))
    title = _("Quota fill over time (largest quotas)")
    axis.set_title(title)
    if departments:
        axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _png(figure, title)


def _off_policy(ope: dict | None, imported: int, lang: str) -> str:
    _ = translator(lang)
    head = f"<h2>{_('Off-policy estimates')}</h2>"
    note = (
        f"<p>{_('{n} imported decisions have no logged list and are left out of these estimates.', n=imported)}</p>"  # noqa: E501
        if imported else ""
    )  # fmt: skip
    if not ope:
        return head + f"<p>{_('No logged lists with propensities.')}</p>" + note
    rows = [
        [e["estimator"], e["value"], e["ci_low"], e["ci_high"], e["ess"], e["max_weight"],
         e.get("reward_ess"), e.get("largest_term_share"), e["n"]]
        for e in (ope["ips"], ope["snips"])
    ]  # fmt: skip
    warnings = {e["warning"] for e in (ope["ips"], ope["snips"]) if e["warning"]}
    header = [_("estimator"), _("value"), _("low"), _("high"), "ESS", _("largest weight"),
              _("reward ESS"), _("largest term's share"), "n"]  # fmt: skip
    return (
        head
        + f"<p>P({html.escape(ope['reward'])}) for {html.escape(ope['action'])}; logged: "
        + f"{_fmt(ope['logged_value'])}, n = {ope['n_lists']}.</p>"
        + _table(header, rows)
        + "".join(f'<p class="warn">{html.escape(w)}</p>' for w in warnings)
        + note
    )


def replay_html(report: dict, lang: str = "sv") -> str:
    """The replay report as one HTML page: the headline first, then ranking, outcomes,
    groups, coverage, off-policy estimates, quota fill and the definitions."""
    _ = translator(lang)
    k = report["k"]
    scorer = str(report.get("scorer", {}).get("name", ""))
    min_n = (report.get("small_cells") or {}).get("min_group_n", 10)
    groups = report.get("groups", {})
    window = report["window"]
    ranking = report["ranking"]
    headline = {**ranking, "success": report["outcomes"].get("success_rate"),
                "auc": report["outcomes"].get("separation_auc")}  # fmt: skip
    flagged = [
        f"{attribute}: {gap['group']} ({metric_name(metric, lang, k)} {gap['gap']:+.3f}, "
        f"n={gap['n_group']})"
        for attribute, metrics in groups.items()
        for metric, entry in metrics.items()
        for gap in entry.get("gaps", [])
        if _flagged(gap)
    ]
    parts = [
        f"<p>{_('Scorer')} <b>{html.escape(scorer)}</b>, "
        + _("decisions from {start} to {end} (both days included), k = {k}",
            start=day(window["from"], lang), end=day(window["to"], lang), k=k)
        + "</p>",
        f"<h2>{_('Overview')}</h2>",
        _table([_("metric"), _("estimate"), _("low"), _("high"), "n"],
               [[metric_name(n, lang, k), c["estimate"], c["ci_low"], c["ci_high"], c["n"]]
                for n, c in headline.items() if c]),
        f"<p><b>{_('Gaps whose interval excludes 0')}:</b> "
        + (html.escape("; ".join(flagged)) if flagged else _("none"))
        + f"</p><p><small>{_('Groups with fewer than {n} decisions are suppressed: their n is shown, no estimate.', n=min_n)}</small></p>",  # noqa: E501
        f"<h2>{_('Counts')}</h2>",
        _table([_("what"), "n"], [[_(name), n] for name, n in report["counts"].items()]),
        f"<h2>{_('Ranking of the accepted placement')}</h2>",
        _interval_bars(ranking, lang, k),
        f"<h2>{_('Outcomes by rank')}</h2>",
        _success_by_rank(report["outcomes"].get("success_by_rank"), lang),
        f"<h2>{_('Groups')}</h2>",
        _gaps(groups, f"hit_at_{k}", lang, k, min_n),
        _group_table(groups, f"hit_at_{k}", lang, k, min_n),
        _gaps(groups, "success", lang, k, min_n),
        _group_table(groups, "success", lang, k, min_n),
        f"<h2>{_('Coverage and concentration')}</h2>",
        _table([_("placements suggested"), _("open placements"), _("share"), "HHI", "Gini"],
               [[report["coverage"]["covered"], report["coverage"]["total"],
                 report["coverage"]["share"], report["concentration"]["hhi"],
                 report["concentration"]["gini"]]]),
        _off_policy(report.get("off_policy"), report["counts"].get("imported", 0), lang),
        f"<h2>{_('Quota fill')}</h2>",
        _quota_fill(report.get("quota_fill", {}), lang),
        _definitions([*ranking, "success", "auc", "relative_rate", "ess", "reward_ess",
                      "snips"], lang, k),
    ]  # fmt: skip
    return _page(f"{_('Replay report')}: {scorer}", "".join(parts), lang)


def _verdict_word(word: str, lang: str) -> str:
    return translator(lang)(word)


def _comparison(comparison: dict | None, in_use, lang: str, k: int) -> str:
    """The answer first: is the candidate better than the scorer in use, and for whom worse."""
    if not comparison:
        return ""
    _ = translator(lang)
    said = [_("Compared with {in_use} on the same held-out decisions: {verdict}.",
              in_use=html.escape(str(in_use)),
              verdict=f"<b>{_verdict_word(comparison['verdict'], lang)}</b>")]  # fmt: skip
    for key in ("better_on", "worse_on"):
        if comparison[key]:
            names = ", ".join(metric_name(m, lang, k) for m in comparison[key])
            said.append(f"{_(key.replace('_', ' '))}: {html.escape(names)}.")
    worse_for = comparison.get("worse_for") or []
    whom = "; ".join(
        f"{w['attribute']} {w['group']} (n={w['n']}: "
        + ", ".join(metric_name(m, lang, k) for m in w["worse_on"]) + ")"
        for w in worse_for
    )  # fmt: skip
    rows = [
        [metric_name(m["metric"], lang, k), m["candidate"], m["in_use"], m["improvement"],
         m["ci_low"], m["ci_high"], m["n"], _verdict_word(m["verdict"], lang)]
        for m in comparison["metrics"]
    ]  # fmt: skip
    header = [_("metric"), _("candidate"), _("in use"), _("gain"), _("low"), _("high"), "n",
              _("verdict")]  # fmt: skip
    return (
        f"<h2>{_('Is the new model better, and for whom is it worse?')}</h2>"
        f'<p class="verdict">{" ".join(said)}</p>'
        f"<p><b>{_('Worse for')}:</b> {html.escape(whom) if whom else _('no group')}</p>"
        + _table(header, rows)
        + f"<p><small>{_('rule')}: {html.escape(comparison['rule'])}</small></p>"
        + _by_group_table(
            comparison.get("by_group") or {}, lang, k, comparison.get("min_group_n", 10)
        )
    )


def _by_group_table(by_group: dict, lang: str, k: int, min_n: int) -> str:
    _ = translator(lang)
    rows = []
    for attribute, entries in by_group.items():
        for g in entries:
            if g["suppressed"]:
                rows.append(
                    [
                        attribute,
                        g["group"],
                        g["n"],
                        _("suppressed (fewer than {n} decisions)", n=10),
                        None,
                        None,
                    ]
                )  # noqa: E501
                continue
            gains = {m["metric"]: m for m in g["metrics"]}
            cells = [
                f"{gains[m]['improvement']:+.3f} ({_verdict_word(gains[m]['verdict'], lang)})"
                if m in gains and gains[m]["improvement"] is not None else None
                for m in (f"hit_at_{k}", "auc", "brier")
            ]  # fmt: skip
            rows.append([attribute, g["group"], g["n"], *cells])
    header = [_("group"), "", "n", *(f"{_('gain')} {metric_name(m, lang, k)}"
                                    for m in (f"hit_at_{k}", "auc", "brier"))]  # fmt: skip
    return f"<h3>{_('By group')}</h3>" + _table(header, rows)


def _calibration(comparison: dict | None, lang: str) -> str:
    """Reliability with the number of decisions in every bin."""
    _ = translator(lang)
    figure, axis = plt.subplots(figsize=(5, 4.5))
    axis.plot([0, 1], [0, 1], color="#aaa")
    for name, bins in ((comparison or {}).get("calibration") or {}).items():
        points = [(p, o, n) for p, o, n in zip(bins["predicted"], bins["observed"], bins["n"],
                                              strict=True) if n]  # fmt: skip
        if not points:
            continue
        xs, ys, ns = zip(*points, strict=True)
        axis.plot(xs, ys, "o-", label=_(name.replace("_", " ")))
        for x, y, n in points:
            axis.annotate(f"n={n}", (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
    axis.set_xlabel(_("predicted probability of success"))
    axis.set_ylabel(_("observed success rate"))
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    title = _("Calibration on held-out outcomes")
    axis.set_title(title)
    return _png(figure, title)


def model_html(model: dict, lang: str = "sv") -> str:
    """A trained model's page: the verdict and for whom it is worse first, then the paired
    comparison by group, calibration with counts, coefficients and the definitions."""
    _ = translator(lang)
    params, metrics = model["params"], model["metrics"]
    k = (metrics.get("replay") or {}).get("k", 10)
    comparison = metrics.get("comparison")
    figure, axis = plt.subplots(figsize=(7, 3))
    # a calibrated hand policy has weights (times its fitted scale) instead of coefficients
    coef = params.get("coef") or [w * params.get("scale", 1.0) for w in params["weights"]]
    axis.barh(model["features"], coef, color="#4a7ab5")
    axis.invert_yaxis()
    axis.set_title(_("Log-odds points per feature unit"))
    coefficients = _png(figure, _("Coefficients"))
    held_rows = [
        [_(name.replace("_", " ")), h["n"], h["successes"], h["auc"], h["brier"], h["log_loss"]]
        for name, h in metrics.get("held_out", {}).items()
    ]
    body = (
        _comparison(comparison, metrics.get("in_use"), lang, k)
        + "<p>"
        + _("Cut {cut}, horizon {days} days, {n} training outcomes. Status: {status}.",
            cut=day(model["cut"], lang), days=model["horizon_days"], n=metrics["n_train"],
            status=html.escape(str(model["status"])))
        + "</p>"
        + f"<h2>{_('Calibration on held-out outcomes')}</h2>"
        + _calibration(comparison, lang)
        + f"<h2>{_('Held-out outcomes')}</h2>"
        + _table([_("Scorer"), "n", _("successes"), "AUC", "Brier", "log-loss"], held_rows)
        + f"<h2>{_('Coefficients')}</h2>"
        + coefficients
        + _definitions(
            [m["metric"] for m in (comparison or {}).get("metrics", [])] + ["gain"], lang, k
        )
    )  # fmt: skip
    return _page(f"{_('Model')} {model['version']}", body, lang)
