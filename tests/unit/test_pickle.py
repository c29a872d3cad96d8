"""pickle, cloudpickle and copy of nes_core.NES: a new console from the ROM image plus a save
state with the picture, continuing exactly as the original."""
import copy
import pickle

import numpy as np
import pytest

from nes_core import NES, StateError

from ._helpers import harness_rom

cloudpickle = pytest.importorskip("cloudpickle")

COPIES = {
    "pickle": lambda nes: pickle.loads(pickle.dumps(nes)),
    "cloudpickle": lambda nes: cloudpickle.loads(cloudpickle.dumps(nes)),
    "deepcopy": copy.deepcopy,
    "copy": copy.copy,
}


def _same(a: NES, b: NES) -> None:
    assert np.array_equal(a.ram, b.ram)
    assert a.cpu_registers() == b.cpu_registers()
    assert a.ppu_position() == b.ppu_position() and a.frame == b.frame
    assert np.array_equal(a.screen, b.screen)
    assert a.save_state() == b.save_state()


@pytest.mark.parametrize("how", sorted(COPIES))
def test_copy_continues_identically_from_mid_frame(how):
    nes = NES(harness_rom(), audio=True, sample_rate=22050, palette="ntsc")
    nes.step(3, buttons=0x81)
    for _ in range(1234):  # stop inside a frame
        nes.step_instruction()
    twin = COPIES[how](nes)
    assert twin is not nes
    assert (twin.audio_enabled, twin.sample_rate) == (True, 22050)
    assert np.array_equal(twin.palette, nes.palette) and twin.palette.shape == (512, 3)
    _same(nes, twin)
    for frame in range(20):
        nes.step(1, buttons=frame)
        twin.step(1, buttons=frame)
        _same(nes, twin)
        assert np.array_equal(nes.audio, twin.audio)
    twin.ram[0x10] ^= 0xFF  # independent consoles
    assert nes.ram[0x10] != twin.ram[0x10]


def test_copy_of_a_console_without_a_picture_has_none_either():
    nes = NES(harness_rom())
    nes.step(2)
    blob = nes.save_state()  # no picture
    nes.load_state(blob)
    twin = pickle.loads(pickle.dumps(nes))
    with pytest.raises(StateError):
        twin.screen
    nes.step(1)
    twin.step(1)
    _same(nes, twin)
