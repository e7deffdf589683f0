"""`make bench`: run every benchmark that exists and write JSON to bench/results/."""

from __future__ import annotations

import argparse
import importlib
import sys

# Each module has main(argv) and ignores the arguments meant for the others.
BENCHMARKS = ("bench.app_bench", "bench.search_bench")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="run only the benchmark module with this name")
    args, rest = parser.parse_known_args(argv)
    for name in BENCHMARKS:
        if args.only and not name.endswith(args.only):
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            print(f"== {name}: not there (yet), not run")
            continue
        print(f"== {name}")
        module.main(rest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
