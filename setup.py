"""Build the C core (nes_core/src) and its thin Cython wrapper nes_core._nes."""
import glob
import os
import sys

from Cython.Build import cythonize
from setuptools import Extension, setup

SRC = sorted(glob.glob("nes_core/src/*.c") + glob.glob("nes_core/src/mappers/*.c"))

if sys.platform == "win32":
    cflags = ["/O2"]
    ldflags = []
else:
    # -pthread: nes_core/src/pool.c uses POSIX threads; glibc before 2.34 (manylinux2014 and
    # older) keeps them in libpthread, which only this flag links in
    cflags = ["-std=c11", "-O3", "-fno-strict-aliasing", "-Wall", "-Wno-unused-function",
              "-pthread"]
    ldflags = ["-pthread"]
    sanitize = os.environ.get("NESENV_SANITIZE", "")
    if sanitize == "fuzz":
        # Fuzzing build (tests/fuzz/run.sh): clang's sanitizer and libFuzzer coverage hooks,
        # the runtimes coming from atheris's asan_with_fuzzer.so, preloaded
        os.environ.setdefault("CC", "clang")
        cflags += ["-O1", "-g", "-fsanitize=address,undefined,fuzzer-no-link",
                   "-fno-omit-frame-pointer", "-DNES_SANITIZE"]
        ldflags += ["-fsanitize=address,undefined,fuzzer-no-link"]
    elif sanitize:
        # Sanitizer build for the tests (.ci/sanitize): NESENV_SANITIZE=1 pip install -e .
        cflags += ["-O1", "-g", "-fsanitize=address,undefined", "-fno-omit-frame-pointer",
                   "-DNES_SANITIZE"]
        ldflags += ["-fsanitize=address,undefined"]
    else:
        cflags += ["-flto"]
        ldflags += ["-flto", "-O3"]

ext = Extension(
    "nes_core._nes",
    sources=["nes_core/_nes.pyx"] + SRC,
    include_dirs=["nes_core/src"],
    extra_compile_args=cflags,
    extra_link_args=ldflags,
    libraries=[] if sys.platform == "win32" else ["m"],
)

setup(
    ext_modules=cythonize(
        [ext],
        language_level=3,
        compiler_directives={"boundscheck": False, "wraparound": False, "initializedcheck": False},
    ),
)
