"""Start-up of the command line: ``platsa --help`` and ``platsa users create --help``.

Run: ``python bench/cli.py`` with any Python that has the project installed (about 30 s).
Each command runs 10 times as a fresh process (``python -m api.cli``, what the console
script does); the figures are the median and the fastest wall time and the mean CPU (user
+ system) per call, beside the load average, since a busy host stretches wall time far
more than CPU. The last line is one JSON object; ``cli_help_s`` is the median wall time of
``platsa --help`` (target <= 1.5 s on a quiet machine).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time

RUNS = 10
COMMANDS = {"help": ["--help"], "users_create_help": ["users", "create", "--help"]}


def main() -> None:
    figures: dict[str, float] = {"load_average": round(os.getloadavg()[0], 2)}
    for name, args in COMMANDS.items():
        walls = []
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        for _ in range(RUNS):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "api.cli", *args], stdout=subprocess.DEVNULL, check=True
            )
            walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / RUNS
        print(
            f"platsa {' '.join(args)}: wall median {statistics.median(walls):.2f} s, fastest "
            f"{min(walls):.2f} s; CPU {cpu:.2f} s per call"
        )
        figures[f"{name}_median_s"] = round(statistics.median(walls), 3)
        figures[f"{name}_fastest_s"] = round(min(walls), 3)
        figures[f"{name}_cpu_s"] = round(cpu, 3)
    figures["cli_help_s"] = figures["help_median_s"]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
