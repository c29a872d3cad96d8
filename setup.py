"""Build the C core (nes_core/src) and its thin Cython wrapper nes_core._nes.

From a source tree the wrapper is cythonized; from an sdist, which carries the generated
nes_core/_nes.c, it is compiled without Cython (see _build_backend/nesenv_build.py).
"""
import glob
import os
import sys

from setuptools import Extension, setup

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "_build_backend"))
from nesenv_build import uses_generated_c  # noqa: E402

SRC = sorted(glob.glob("nes_core/src/*.c") + glob.glob("nes_core/src/mappers/*.c"))

if sys.platform == "win32":
    # /Zc:preprocessor: the standard preprocessor, which state.h's variadic ST_RUN needs
    cflags = ["/O2", "/Zc:preprocessor"]
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

GENERATED_C = uses_generated_c(os.path.dirname(os.path.abspath(__file__)))

ext = Extension(
    "nes_core._nes",
    sources=["nes_core/_nes.c" if GENERATED_C else "nes_core/_nes.pyx"] + SRC,
    include_dirs=["nes_core/src"],
    extra_compile_args=cflags,
    extra_link_args=ldflags,
    libraries=[] if sys.platform == "win32" else ["m"],
)

if GENERATED_C:
    ext_modules = [ext]
else:
    from Cython.Build import cythonize

    ext_modules = cythonize(
        [ext],
        language_level=3,
        compiler_directives={"boundscheck": False, "wraparound": False, "initializedcheck": False},
    )

setup(ext_modules=ext_modules)
