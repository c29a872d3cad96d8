"""The generic NESEnv on a synthetic NROM image (no commercial ROM needed)."""
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from nesenv import NESEnv


def tiny_nrom(path):
    """16 KiB PRG that loops forever at $8000 (reset vector), 8 KiB CHR of zeros."""
    prg = bytearray(b"\xea" * 16384)
    prg[0:3] = b"\x4c\x00\x80"  # JMP $8000
    prg[0x3FFA:0x4000] = b"\x00\x80\x00\x80\x00\x80"  # NMI, RESET, IRQ -> $8000
    path.write_bytes(b"NES\x1a\x01\x01\x00\x00" + bytes(8) + bytes(prg) + bytes(8192))
    return path


def test_generic_env_api(tmp_path):
    env = NESEnv(tiny_nrom(tmp_path / "tiny.nes"))
    obs, info = env.reset(seed=0)
    assert obs.shape == (240, 256, 3) and obs.dtype == np.uint8 and info == {}
    for action in (0, 255, np.int64(7)):
        obs, reward, terminated, truncated, info = env.step(action)
        assert (reward, terminated, truncated, info) == (0.0, False, False, {})
    assert env.ram.shape == (2048,)
    assert len(env.get_action_meanings()) == 256 and env.get_action_meanings()[0x81] == "right A"
    with pytest.raises(ValueError):
        env.step(256)
    with pytest.raises(ValueError):
        env.step("right")


def test_generic_env_passes_check_env(tmp_path):
    check_env(NESEnv(tiny_nrom(tmp_path / "tiny.nes")), skip_render_check=True)


def test_generic_env_render_modes(tmp_path):
    rom = tiny_nrom(tmp_path / "tiny.nes")
    env = NESEnv(rom, render_mode="rgb_array")
    env.reset()
    assert env.render().shape == (240, 256, 3)
    assert NESEnv(rom).render() is None
    with pytest.raises(ValueError):
        NESEnv(rom, render_mode="ansi")


def test_missing_rom_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        NESEnv(tmp_path / "missing.nes")


def test_bad_rom_is_a_value_error(tmp_path):
    bad = tmp_path / "bad.nes"
    bad.write_bytes(b"not a rom at all")
    with pytest.raises(ValueError):  # nes_core.RomError is a ValueError
        NESEnv(bad)
