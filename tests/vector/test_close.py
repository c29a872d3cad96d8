"""A vector env whose constructor raised is collected silently: Gymnasium 1.2 (the version RLlib
pins) closes vector envs in ``__del__``, which must not fail on the missing pool."""
import gc
import sys

import pytest

from nesenv.vector import NESVectorEnv
from tests.vector._support import echo_rom


def test_a_half_built_vector_env_is_collected_without_an_error(tmp_path, monkeypatch):
    rom = tmp_path / "echo.nes"
    rom.write_bytes(echo_rom())
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", seen.append)
    with pytest.raises(ValueError, match="obs_type"):
        NESVectorEnv(2, rom, obs_type="bogus")
    gc.collect()
    assert [s.exc_value for s in seen] == []
