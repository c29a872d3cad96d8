"""Print the conformance pass table: ``python -m tests.conformance.report [options]``.

    --suite NAME     only this suite (repeatable; a manifest suite folder, e.g. ppu_vbl_nmi)
    --rom TEXT       only ROMs whose path contains TEXT (repeatable)
    --jobs N         ROMs run in parallel, each in its own forked process (default 1)
    --timeout S      wall-clock limit per ROM in seconds (default 120): a hung core is killed
    --quiet          table only, no failure list
    --json FILE      also write every result as JSON

Output: one line per suite "suite: passed/total", a total, then every ROM that did not
pass with its status (fail / timeout / unsupported / error), whether it is in the XFAIL
table (tests/conformance/expectations.py) and its message ($6004 text, screen text, first
nestest.log mismatch...). Exit status 1 when a ROM outside the XFAIL table fails (so a
regression is visible), 2 when the corpus is missing, else 0.

The corpus is found through $NESENV_TEST_ROMS or ../shared/nes-test-roms (see runner.py).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import re
import sys
import time
from collections import OrderedDict
from dataclasses import asdict
from pathlib import Path
from typing import List, Optional

from tests.conformance import runner
from tests.conformance.expectations import XFAIL
from tests.conformance.runner import Result


def _child(conn, entry, root):
    try:
        res = runner.run_entry(entry, Path(root))
        conn.send(asdict(res))
    finally:
        conn.close()


def run_all(entries: List[dict], root: Path, jobs: int = 1, timeout: float = 120.0,
            on_result=None) -> List[Result]:
    """Run `entries`, `jobs` at a time, each in a forked child killed after `timeout` s."""
    try:
        ctx = mp.get_context("fork")
    except ValueError:  # no fork (Windows): run in this process, without a time limit
        out = []
        for e in entries:
            r = runner.run_entry(e, root)
            out.append(r)
            if on_result:
                on_result(r)
        return out
    # import the core before forking so every child shares the loaded module
    import nes_core  # noqa: F401
    pending = list(enumerate(entries))
    running = {}
    results: List[Optional[Result]] = [None] * len(entries)
    while pending or running:
        while pending and len(running) < max(1, jobs):
            i, e = pending.pop(0)
            parent, child = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_child, args=(child, e, str(root)), daemon=True)
            p.start()
            child.close()
            running[i] = (p, parent, time.monotonic(), e)
        done = []
        for i, (p, conn, t0, e) in running.items():
            r = None
            alive = p.is_alive()  # checked before poll(): a child may send, then exit
            if conn.poll():
                try:
                    r = Result(**conn.recv())
                except EOFError:
                    r = Result(e["path"], e["suite"], runner.ERROR,
                               f"worker died (exit code {p.exitcode}): core crash?")
            elif not alive:
                r = Result(e["path"], e["suite"], runner.ERROR,
                           f"worker died (exit code {p.exitcode}, signal = crash in the core?)")
            elif time.monotonic() - t0 > timeout:
                p.kill()
                r = Result(e["path"], e["suite"], runner.TIMEOUT,
                           f"wall-clock timeout: killed after {timeout:g} s (core hang?)",
                           seconds=timeout)
            if r is not None:
                p.join(1)
                conn.close()
                results[i] = r
                done.append(i)
                if on_result:
                    on_result(r)
        for i in done:
            del running[i]
        if not done:
            time.sleep(0.01)
    return [r for r in results if r is not None]


def format_table(entries: List[dict], results: List[Result]) -> str:
    """One line per suite, "suite: passed/total", then what the others are."""
    by_suite = OrderedDict()
    for e in entries:
        by_suite.setdefault(e["suite"], [])
    for r in results:
        by_suite.setdefault(r.suite, []).append(r)
    width = max([len(s) for s in by_suite] + [5]) + 1
    lines = [f"{'suite':<{width}} passed/total"]
    tp = tt = 0
    for s, rs in by_suite.items():
        p = sum(r.passed for r in rs)
        tp, tt = tp + p, tt + len(rs)
        rest = OrderedDict()
        for r in rs:
            if r.passed:
                continue
            k = "unsupported mapper" if r.status == runner.UNSUPPORTED else (
                "xfail" if r.path in XFAIL else r.status)
            rest[k] = rest.get(k, 0) + 1
        extra = ", ".join(f"{n} {k}" for k, n in rest.items())
        lines.append(f"{s + ':':<{width}} {f'{p}/{len(rs)}':<7}" + (f" ({extra})" if extra else ""))
    lines.append(f"{'TOTAL:':<{width}} {tp}/{tt}")
    return "\n".join(lines)


def format_failures(results: List[Result]) -> str:
    out = []
    unsupported = OrderedDict()
    for r in results:
        if r.passed:
            continue
        if r.status == runner.UNSUPPORTED:
            m = re.search(r"unsupported mapper \d+", r.message)
            mapper = m.group(0) if m else r.message.split(":", 1)[0]
            unsupported.setdefault(mapper, []).append(r.id)
            continue
        tag = "XFAIL" if r.path in XFAIL else "FAIL "
        head = f"{tag} {r.id}  [{r.status}, {r.frames} frames, {r.seconds:.1f} s]"
        msg = "\n".join("      " + ln for ln in r.message.splitlines())
        out.append(head + ("\n" + msg if msg.strip() else ""))
        if r.path in XFAIL:
            out.append(f"      (xfail: {XFAIL[r.path]})")
    for mapper, ids in unsupported.items():
        out.append(f"UNSUP {mapper}: {len(ids)} ROM(s): " + ", ".join(ids))
    xpass = [r.id for r in results if r.passed and r.path in XFAIL]
    if xpass:
        out.append("XPASS (in the XFAIL table but passing, remove them): " + ", ".join(xpass))
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.conformance.report",
                                 description="Run the NES test-ROM corpus and print a pass table.")
    ap.add_argument("--suite", action="append", default=[], help="only this suite (repeatable)")
    ap.add_argument("--rom", action="append", default=[], help="only paths containing TEXT")
    ap.add_argument("--jobs", "-j", type=int, default=1, help="parallel ROMs (default 1)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per ROM (default 120)")
    ap.add_argument("--quiet", "-q", action="store_true", help="table only")
    ap.add_argument("--json", help="write results to this JSON file")
    ap.add_argument("--progress", action="store_true", help="print each result as it arrives")
    args = ap.parse_args(argv)

    root = runner.corpus_dir()
    if root is None:
        print(runner.corpus_missing_reason(), file=sys.stderr)
        return 2
    entries = runner.load_manifest(root)
    if args.suite:
        known = {e["suite"] for e in entries}
        for s in args.suite:
            if s not in known:
                print(f"unknown suite {s!r}; known: {', '.join(sorted(known))}", file=sys.stderr)
                return 2
        entries = [e for e in entries if e["suite"] in args.suite]
    if args.rom:
        entries = [e for e in entries if any(t in e["path"] for t in args.rom)]

    def progress(r: Result):
        if args.progress:
            print(f"  {r.status:<11} {r.id} ({r.seconds:.1f} s)", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    results = run_all(entries, root, args.jobs, args.timeout, progress)
    elapsed = time.perf_counter() - t0
    order = {e["path"]: i for i, e in enumerate(entries)}
    results.sort(key=lambda r: order.get(r.path, 0))

    print(format_table(entries, results))
    print(f"({len(results)} ROMs in {elapsed:.1f} s, {args.jobs} job(s), corpus {root})")
    if not args.quiet:
        f = format_failures(results)
        if f:
            print()
            print(f)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump([asdict(r) for r in results], fh, indent=1)
    unexpected = [r for r in results if not r.passed and r.status != runner.UNSUPPORTED
                  and r.path not in XFAIL]
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
