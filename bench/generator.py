"""Time the demo generator at the demo scale and at the benchmark scale (100k participants).

Runs with no arguments; prints one line per scale, then one JSON object with the figures.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixtures.generator import generate  # noqa: E402

SCALES = (1.0, 25.0, 250.0)


def main() -> None:
    figures: dict[str, float] = {}
    for scale in SCALES:
        wall, cpu = time.perf_counter(), time.process_time()
        demo = generate(seed=7, scale=scale)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        tag = f"scale_{scale:g}"
        counts = {
            "participants": len(demo.participants),
            "placements": len(demo.placements),
            "departments": len(demo.departments),
            "decisions": len(demo.decisions),
            "suggestion_lists": len(demo.suggestion_logs),
            "outcomes": len(demo.outcomes),
            "match_events": len(demo.match_events),
        }
        print(f"{tag}: {wall:.1f} s wall, {cpu:.1f} s cpu, "
              + ", ".join(f"{v:,} {k}" for k, v in counts.items()))  # fmt: skip
        figures[f"{tag}_wall_s"] = round(wall, 2)
        figures[f"{tag}_cpu_s"] = round(cpu, 2)
        figures[f"{tag}_decisions"] = counts["decisions"]
        del demo
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print("target: scale 250 (100,000 participants, ~20,000 placements) well under 60 s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
