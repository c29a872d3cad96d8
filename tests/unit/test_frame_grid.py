"""NES.frame_grid: frames that end on a fixed CPU-cycle grid (nes-py's 29781-cycle frames)."""
import numpy as np
import pytest

from nes_core import NES, NESPool, StateError

from tests.unit._helpers import harness_rom

GRID = (29781, -114)


def grid_point(nes, grid=GRID):
    """Index k of the last grid point phase + k * cycles at or before the cycle count."""
    cycles, phase = grid
    return (nes.cycles - phase) // cycles


def test_default_is_vblank_and_setting_round_trips():
    nes = NES(harness_rom())
    assert nes.frame_grid is None
    nes.frame_grid = GRID
    assert nes.frame_grid == GRID
    nes.frame_grid = None
    assert nes.frame_grid is None
    nes.step(3)
    assert nes.ppu_position()[0] == 241  # vblank frames again


@pytest.mark.parametrize("bad", [(0, 0), (-5, 0), (2 ** 31, 0)])
def test_bad_grid_raises(bad):
    nes = NES(harness_rom())
    with pytest.raises(ValueError):
        nes.frame_grid = bad
    assert nes.frame_grid is None


def test_steps_end_at_the_first_instruction_boundary_past_each_grid_point():
    nes = NES(harness_rom())
    nes.frame_grid = GRID
    cycles, phase = GRID
    k = grid_point(nes)
    for frames in (1, 1, 1, 3, 1, 2):
        nes.step(frames)
        k += frames
        target = phase + k * cycles
        # past the point by less than the longest instruction plus an NMI sequence
        assert target <= nes.cycles < target + 7 + 7, (k, nes.cycles - target)
        assert grid_point(nes) == k
    # a grid frame (89343 dots) is longer than a frame (89342, or 89341 on odd frames with
    # rendering on): the boundary drifts forward through the picture
    def dot(position):  # dots since the start of the pre-render line
        line, d = position
        return (0 if line == 261 else (line + 1) * 341) + d

    start = dot(nes.ppu_position())
    nes.step(300)
    assert 300 - 30 <= dot(nes.ppu_position()) - start <= 600 + 30


def test_power_cycle_keeps_the_grid():
    nes = NES(harness_rom())
    nes.frame_grid = GRID
    nes.step(5)
    nes.power_cycle()
    assert nes.frame_grid == GRID
    nes.step(1)
    assert grid_point(nes) == 1


def test_state_loaded_mid_picture_has_no_picture_until_redrawn():
    nes = NES(harness_rom())
    nes.frame_grid = (29781, 29781 // 2)  # boundaries in the middle of the picture
    nes.step(4)
    line, _ = nes.ppu_position()
    assert 0 < line < 240
    state = nes.save_state()
    nes.load_state(state)
    with pytest.raises(StateError):
        nes.render()
    nes.step(2)
    assert nes.render().shape == (240, 256, 3)


def test_pool_steps_on_each_consoles_grid():
    rom = harness_rom()
    single = NES(rom)
    single.frame_grid = GRID
    pooled = [NES(rom), NES(rom)]
    pooled[0].frame_grid = GRID  # the second one keeps vblank frames
    pool = NESPool(pooled, 1)
    ram = np.zeros((2, 2048), dtype=np.uint8)
    for _ in range(5):
        single.step(1)
        pool.run(None, 1, None, ram)
    assert pooled[0].cycles == single.cycles
    assert pooled[1].ppu_position()[0] == 241


def test_state_saved_with_a_partly_stale_picture_loads_as_stale():
    nes = NES(harness_rom())
    nes.frame_grid = (29781, 29781 // 2)
    nes.step(4)
    nes.load_state(nes.save_state())  # no picture: partly stale until redrawn
    blob = nes.save_state(screen=True)
    other = NES(harness_rom())
    other.load_state(blob)  # accepted, and the picture is not claimed to be whole
    with pytest.raises(StateError):
        other.render()
    other.frame_grid = (29781, 29781 // 2)
    other.step(2)
    assert other.render().shape == (240, 256, 3)


def test_pickle_keeps_the_grid():
    import pickle

    nes = NES(harness_rom())
    nes.frame_grid = GRID
    nes.step(3)
    copy = pickle.loads(pickle.dumps(nes))
    assert copy.frame_grid == GRID
    nes.step(2)
    copy.step(2)
    assert copy.cycles == nes.cycles
