"""PEP 517 build backend for nesenv: setuptools' own, asking for Cython only when it is needed.

An sdist (recognised by its PKG-INFO) ships nes_core/_nes.c, the C that Cython generated from
nes_core/_nes.pyx when the sdist was made, so building a wheel from it needs a C compiler and
setuptools only. A source tree (a git checkout) has no PKG-INFO and always cythonizes.
setup.py makes the same decision through ``uses_generated_c``.
"""
import os

from setuptools.build_meta import *  # noqa: F401,F403  (the hooks this module does not override)

CYTHON = "Cython>=3.0.11"  # 3.0.11: the first Cython whose generated C supports CPython 3.13


def uses_generated_c(root="."):
    """True when building from an sdist that carries the generated nes_core/_nes.c."""
    return (os.path.isfile(os.path.join(root, "PKG-INFO"))
            and os.path.isfile(os.path.join(root, "nes_core", "_nes.c")))


def _cython():
    return [] if uses_generated_c() else [CYTHON]


# setuptools' own hooks would run setup.py (which needs Cython) to read setup_requires; setup.py
# has none, and setuptools>=77 (build-system.requires) builds wheels without the wheel package.
def get_requires_for_build_wheel(config_settings=None):
    return _cython()


def get_requires_for_build_editable(config_settings=None):
    return _cython()


def get_requires_for_build_sdist(config_settings=None):
    # making an sdist runs Cython: the sdist must carry the generated C
    return [CYTHON]
