"""Benchmark: replay 100,000 logged decisions of the scaled demo municipality.

Run: ``PYTHONPATH=. .venv/bin/python bench/replay.py`` (no arguments; a few minutes, most
of it loading the data).

What it does, and why through SQLite: the demo generator (fixtures.generator) writes
about 930 decisions per unit of scale; the scale is chosen for at least 100,000 of
them; the history is loaded with the one shared loader (fixtures.loader) into a fresh
SQLite file, and the replay reads it through the real extract (models.repo_extract), so the
figures include the SQL and as-of work an evaluator's request does. Loading is setup
and is reported but not counted.

Timed, each once (the machine has two cores; other work on it shows in the figures):

* ``extract_s``: reading the whole history into the pseudonymised extract;
* ``replay_s_100k``: re-ranking the first 100,000 decisions with the hand-weighted
  policy, each as of its own moment (``matcher.replay.replay_queries``, k = 10);
* ``report_s``: every metric, group split and bootstrap interval (500 resamples);
* ``lists_s``: re-ranking the logged lists of the same period for the off-policy estimate;
* ``decisions_per_s`` and ``extract_share``: the extract's share of the whole replay
  (extract + replay of the window's decisions + lists + report).

The last line is one JSON object with the figures.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlmodel import Session, SQLModel

import models  # noqa: F401  (registers the tables)
from fixtures.loader import load_demo
from matcher import PolicyScorer, load_policy
from matcher.replay import replay_queries
from matcher.replay_data import window_of
from matcher.replay_report import replay_report
from matcher.training import outcome_labels
from models.db import make_engine
from models.repo_extract import build_extract

SEED = 7
TARGET = 100_000
# ~200,000 decisions with the generator of 2026-11-23; the first 100,000 are replayed
FIRST_SCALE = 215.0
K = 10
ALL_OF_TIME = ("1970-01-01", "9999-01-01")


def load(directory: Path, scale: float) -> tuple[str, int, float]:
    """A fresh SQLite file with the demo at ``scale``: (url, decisions, seconds)."""
    url = f"sqlite:///{directory / f'demo-{scale:g}.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    started = time.perf_counter()
    with Session(engine) as session:
        summary = load_demo(session, seed=SEED, scale=scale)
        session.commit()
    engine.dispose()
    return url, summary.counts["decisions"], time.perf_counter() - started


def main() -> None:
    from datetime import UTC, datetime

    policy = load_policy()
    scorer = PolicyScorer.from_policy(policy)
    with tempfile.TemporaryDirectory() as tmp:
        scale = FIRST_SCALE
        url, n_decisions, load_s = load(Path(tmp), scale)
        while n_decisions < TARGET:
            scale = round(scale * TARGET / n_decisions * 1.03, 1)
            url, n_decisions, load_s = load(Path(tmp), scale)
        print(f"demo scale {scale:g}: {n_decisions:,} decisions, loaded in {load_s:.1f} s")

        engine = make_engine(url)
        started = time.perf_counter()
        with Session(engine) as session:
            start, stop = (datetime.fromisoformat(d).replace(tzinfo=UTC) for d in ALL_OF_TIME)
            extract = build_extract(session, start, stop)
        extract_s = time.perf_counter() - started
        engine.dispose()
        d = extract.decisions
        print(f"extract: {extract_s:.1f} s ({len(d):,} decisions, {len(extract.lists):,} lists)")

        # the first 100,000 decisions, plus any sharing the last one's moment
        last = d.queries.at[TARGET - 1]
        window = window_of(extract, extract.start, last + np.timedelta64(1, "us"))
        n = len(window.decisions)
        started = time.perf_counter()
        replayed = replay_queries(window, window.decisions.queries, scorer, policy, k=K)
        replay_s = (time.perf_counter() - started) * TARGET / n
        per_s = TARGET / replay_s
        print(f"replay of {n:,} decisions: {replay_s * n / TARGET:.1f} s ({per_s:,.0f} per s)")

        started = time.perf_counter()
        lists = replay_queries(window, window.lists.queries, scorer, policy, k=1)
        lists_s = time.perf_counter() - started
        print(f"replay of {len(window.lists):,} logged lists: {lists_s:.1f} s")

        o = window.outcomes
        labels = outcome_labels(
            len(window.decisions), o.decision, o.success, o.known_at, extract.end
        )
        started = time.perf_counter()
        report = replay_report(
            window, replayed, labels, k=K, rng=np.random.default_rng(0), n_boot=500, lists=lists
        )
        report_s = time.perf_counter() - started
        ranking = report["ranking"]
        cost = report["exploration_cost"]
        print(
            f"exploring one list in ten would cost NDCG@{K} {cost['expected_ndcg_loss']:.4f} "
            f"and hit@1 {cost['expected_hit_at_1_loss']:.4f} on average"
        )
        print(
            f"report: {report_s:.1f} s; hit@{K} {ranking[f'hit_at_{K}']['estimate']:.3f}, "
            f"MRR {ranking['reciprocal_rank']['estimate']:.3f}, unranked "
            f"{ranking['unranked']['estimate']:.3f}, mean candidates "
            f"{report['counts']['mean_candidates']:.0f}"
        )
    # what an evaluator's replay request costs end to end, and the extract's part of it
    request_s = extract_s + replay_s * n / TARGET + lists_s + report_s
    print(f"extract share of the whole replay: {extract_s / request_s:.1%} of {request_s:.1f} s")
    print(
        json.dumps(
            {
                "replay_s_100k": round(replay_s, 2),
                "extract_share": round(extract_s / request_s, 3),
                "decisions_per_s": round(TARGET / replay_s),
                "extract_s": round(extract_s, 2),
                "lists_s": round(lists_s, 2),
                "report_s": round(report_s, 2),
                "scale": scale,
            }
        )
    )


if __name__ == "__main__":
    main()
