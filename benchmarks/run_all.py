"""Run every benchmark in turn: core, env, states, memory, threads, peers.

    python benchmarks/run_all.py            # the full suite (tens of minutes on a busy machine)
    python benchmarks/run_all.py --quick    # a smoke run of every script, a few seconds each
    python benchmarks/run_all.py --only core states

Arguments after ``--`` go to peers.py (e.g. ``-- --nespy-python VENV/bin/python``); the peers'
interpreters can also come from NESENV_BENCH_NESPY_PYTHON / NESENV_BENCH_CYNES_PYTHON.
Each script prints its table and writes benchmarks/results/<name>.json.
"""
from __future__ import annotations

import argparse
import sys
import time

import _common  # noqa: F401  (puts the source checkout on sys.path)
import core
import env
import memory
import peers
import states
import threads

SCRIPTS = {"core": core, "env": env, "states": states, "memory": memory, "threads": threads,
           "peers": peers}


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[: argv.index("--")]
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a few seconds per script")
    p.add_argument("--only", nargs="+", choices=list(SCRIPTS), default=list(SCRIPTS))
    a = p.parse_args(argv)
    failed = []
    for name in a.only:
        t0 = time.perf_counter()
        args = (["--quick"] if a.quick else []) + (extra if name == "peers" else [])
        try:
            SCRIPTS[name].main(args)
        except Exception as exc:  # keep going: one broken script must not hide the others
            failed.append(name)
            print(f"{name}: FAILED ({type(exc).__name__}: {exc})")
        print(f"[{name}: {time.perf_counter() - t0:.1f} s]\n")
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
