"""atheris entry point: ``python tests/fuzz/fuzz.py TARGET [libFuzzer arguments...]``.

Meant to be started by tests/fuzz/run.sh, which builds nes_core with
NESENV_SANITIZE=fuzz (ASan + UBSan + libFuzzer's coverage hooks) and preloads atheris's
asan_with_fuzzer.so. The coverage that guides the fuzzer is the C core's; the Python
harness (tests/fuzz/_targets.py) is not instrumented.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import atheris  # noqa: E402

from tests.fuzz._targets import TARGETS  # noqa: E402


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: fuzz.py {{{'|'.join(TARGETS)}}} [libFuzzer arguments]")
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0]] + sys.argv[2:], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
