#!/usr/bin/env bash
# Fuzz one target of tests/fuzz/_targets.py with atheris (libFuzzer) against a sanitizer build.
#
#   tests/fuzz/run.sh TARGET SECONDS [libFuzzer arguments...]     TARGET: rom | state | step
#   tests/fuzz/run.sh TARGET -runs=N [libFuzzer arguments...]
#
# Builds nes_core with NESENV_SANITIZE=fuzz (clang, ASan + UBSan + coverage hooks) in a copy of
# the source under $NESENV_FUZZ_DIR (default build/fuzz: src/, venv/, seeds/, corpus/; see
# .ci/sanitizer-venv), so the normal install is left alone. Seeds are generated
# (tests/fuzz/seeds.py), the growing corpus is kept in corpus/TARGET between runs, and every
# crash, timeout or out-of-memory input is written to tests/fuzz/regressions/TARGET/, which
# tests/fuzz/test_regressions.py replays through the normal build.
# Needs clang with compiler-rt (Debian: clang libclang-rt-14-dev). One core per run.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TARGET="${1:?usage: run.sh rom|state|step SECONDS|-runs=N [libFuzzer args]}"
LIMIT="${2:?usage: run.sh TARGET SECONDS|-runs=N [libFuzzer args]}"
shift 2
case "$TARGET" in rom|state|step) ;; *) echo "unknown target $TARGET" >&2; exit 2 ;; esac
case "$LIMIT" in -runs=*) LIMIT_ARG="$LIMIT" ;; *) LIMIT_ARG="-max_total_time=$LIMIT" ;; esac

WORK="${NESENV_FUZZ_DIR:-$ROOT/build/fuzz}"
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
TEST_ROMS="${NESENV_TEST_ROMS:-$ROOT/../shared/nes-test-roms}"

# ---- build: a copy of the tree in $WORK/src, its venv in $WORK/venv ----
# atheris 3.0.0: manylinux wheels that ship asan_with_fuzzer.so
"$ROOT/.ci/sanitizer-venv" fuzz "$WORK" "atheris==3.0.0"
# shellcheck disable=SC1091
. "$WORK/venv/bin/activate"

ASAN_LIB="$(python -c 'import atheris, os; print(os.path.join(atheris.path(), "asan_with_fuzzer.so"))')"
# detect_leaks=0: the interpreter itself keeps memory to exit; leaks are tested separately
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"

# ---- seeds and corpus ----
SEEDS="$WORK/seeds/$TARGET"
CORPUS="$WORK/corpus/$TARGET"
OUT="$ROOT/tests/fuzz/regressions/$TARGET"
mkdir -p "$CORPUS" "$OUT"
rm -rf "$SEEDS"  # regenerated: they follow the harness's ROMs
LD_PRELOAD="$ASAN_LIB" python "$WORK/src/tests/fuzz/seeds.py" "$TARGET" "$SEEDS" --roms "$TEST_ROMS"

# the stepping target runs 120 frames an input: allow it more time before calling it a hang
case "$TARGET" in step) TIMEOUT=60; MAXLEN=262400 ;; *) TIMEOUT=10; MAXLEN=262400 ;; esac

echo "== fuzzing $TARGET ($LIMIT_ARG), findings into tests/fuzz/regressions/$TARGET/"
cd "$WORK/src"
LD_PRELOAD="$ASAN_LIB" exec python tests/fuzz/fuzz.py "$TARGET" "$CORPUS" "$SEEDS" \
    "$LIMIT_ARG" -timeout="$TIMEOUT" -max_len="$MAXLEN" -rss_limit_mb=4096 \
    -artifact_prefix="$OUT/" -print_final_stats=1 "$@"
