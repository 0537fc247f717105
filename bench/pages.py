"""Server time of the caseworker's three main pages: caseload, participant, suggestions.

In process (the app through Starlette's TestClient, no network), SQLite, the demo
municipality (seed 7), one signed-in caseworker. Each page is requested ``ROUNDS``
times after a warm-up, round robin over the caseworker's first waiting participants,
and timed from request to complete response: rendering, the session check, the access
log and the commit included. A suggestions page is a full suggestion list (ranked,
stored with its items, logged) plus the placement facts of its items. The API's own
suggestions route (bearer token, JSON) runs in the same process as the anchor, so the
page's own cost (facts, template) reads as the difference.

Run: ``.venv/bin/python bench/pages.py``. The last line is one JSON object; the target
is p95 <= 150 ms on the project's 2-core machine.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROUNDS = 60
WARM_UP = 5


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings
    from fixtures.loader import demo_password, demo_token, load_demo
    from models.db import engine_for, transaction, upgrade

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/platsa.db"
        upgrade(url)
        with transaction(engine_for(url)) as session:
            load_demo(session, seed=7)
        client = TestClient(create_app(settings=Settings(database_url=url)))
        form = client.get("/sign-in").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        name = "handlaggare-ame-01"
        client.post(
            "/sign-in",
            data={"username": name, "password": demo_password(name), "csrf_token": token},
        )
        caseload = client.get("/caseload").text
        people = [int(i) for i in re.findall(r'href="/participants/(\d+)"', caseload)][:10]
        pages = {
            "caseload": lambda k: "/caseload?view=waiting&sort=waiting",
            "participant": lambda k: f"/participants/{people[k % len(people)]}",
            "suggestions": lambda k: f"/participants/{people[k % len(people)]}/suggestions",
            "api_suggestions": lambda k: (
                f"/api/v1/participants/{people[k % len(people)]}/suggestions?limit=10"
            ),
        }
        bearer = {"Authorization": f"Bearer {demo_token(name)}"}
        results = {}
        for page, path in pages.items():
            for k in range(WARM_UP):
                assert client.get(path(k), headers=bearer).status_code == 200
            times = []
            for k in range(ROUNDS):
                started = time.perf_counter()
                answer = client.get(path(k), headers=bearer)
                times.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, (path(k), answer.status_code)
            results[page] = times
            print(
                f"{page:<16} p50 {statistics.median(times):6.1f} ms   "
                f"p95 {percentile(times, 0.95):6.1f} ms   ({ROUNDS} requests)"
            )
    print(
        json.dumps(
            {
                "caseload_p50_ms": round(statistics.median(results["caseload"]), 1),
                "caseload_p95_ms": round(percentile(results["caseload"], 0.95), 1),
                "participant_p95_ms": round(percentile(results["participant"], 0.95), 1),
                "suggestions_p50_ms": round(statistics.median(results["suggestions"]), 1),
                "api_suggestions_p95_ms": round(percentile(results["api_suggestions"], 0.95), 1),
                "suggestions_p95_ms": round(percentile(results["suggestions"], 0.95), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
