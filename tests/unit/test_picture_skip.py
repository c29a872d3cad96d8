"""NES.draw_picture = False (the frames of a frame-skipped step whose picture nobody looks at)
changes nothing the game can observe: two consoles run the same inputs, one drawing every
frame, one only every third; RAM, CPU and PPU registers (PPUSTATUS with sprite 0 hit and
overflow), the cycle count and the tiles view (its per-line scroll record) must match after
every frame, and the picture on every frame the second console drew whole. On sprite 0 hit and
overflow test ROMs, MMC3 IRQ timing ROMs (the A12 rises), and Super Mario Bros. (its status bar
split waits on sprite 0 hit)."""
import numpy as np
import pytest

from nes_core import NES, ObsFormat
from tests.conformance.runner import corpus_dir

TILES = ObsFormat("tiles")
CORPUS_ROMS = [
    "sprite_hit_tests_2005.10.05/01.basics.nes",
    "sprite_hit_tests_2005.10.05/02.alignment.nes",
    "sprite_hit_tests_2005.10.05/03.corners.nes",
    "sprite_hit_tests_2005.10.05/05.left_clip.nes",
    "sprite_hit_tests_2005.10.05/06.right_edge.nes",
    "sprite_hit_tests_2005.10.05/07.screen_bottom.nes",
    "sprite_hit_tests_2005.10.05/08.double_height.nes",
    "sprite_hit_tests_2005.10.05/09.timing_basics.nes",
    "sprite_overflow_tests/2.Details.nes",
    "mmc3_test_2/rom_singles/3-A12_clocking.nes",
    "mmc3_test_2/rom_singles/4-scanline_timing.nes",
]


def observed(nes: NES, whole_state: bool):
    """What the game and an agent can see; with whole_state the save state (all CPU, PPU, APU
    and board state but the picture), which frames ending at vblank leave identical (a frame
    grid may end one mid-line, where the skipped fetches leave the background shifters, which
    only feed that line's pixels, different)."""
    return (nes.ram.copy(), nes.cpu_registers(), nes.ppu_registers(), nes.cycles,
            nes.observe(TILES), nes.save_state() if whole_state else None)


def assert_same(a, b, frame):
    names = ("RAM", "CPU registers", "PPU registers", "cycles", "tiles view", "save state")
    for name, x, y in zip(names, a, b):
        same = np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y
        assert same, f"{name} differs after frame {frame}"


def compare(rom: bytes, pads, grid=None):
    """Run `pads` (one byte a frame) on a drawing console and on one that draws every third
    frame; return the number of frames whose picture the second one drew whole."""
    full, skip = NES(rom), NES(rom)
    if grid is not None:
        full.frame_grid = skip.frame_grid = grid
    checked = 0
    for f, pad in enumerate(pads):
        skip.draw_picture = f % 3 == 2
        full.step(1, pad)
        skip.step(1, pad)
        assert_same(observed(full, grid is None), observed(skip, grid is None), f)
        if f % 3 != 2:  # a frame not drawn: its picture is never taken for a whole one
            assert not skip.screen_valid, f"frame {f} not drawn, but its picture counts"
        elif grid is None:  # frames end at vblank: a drawn frame is a whole picture
            assert skip.screen_valid, f"frame {f} drawn, but its picture does not count"
        if skip.screen_valid:
            assert np.array_equal(full.screen, skip.screen), f"picture differs after frame {f}"
            checked += 1
    assert skip.draw_picture == (len(pads) % 3 == 0)
    return checked


@pytest.mark.parametrize("name", CORPUS_ROMS)
def test_corpus_rom_same_with_and_without_pictures(name):
    root = corpus_dir()
    if root is None or not (root / name).exists():
        pytest.skip(f"test ROM {name} not found")
    rom = (root / name).read_bytes()
    checked = compare(rom, [0] * 240)
    assert checked == 80


def test_super_mario_bros_same_with_and_without_pictures():
    from games import SuperMarioBros
    from nesenv import roms

    try:
        rom = roms.find_rom(SuperMarioBros).read_bytes()
    except roms.RomNotFoundError:
        pytest.skip("Super Mario Bros. ROM not imported")
    rng = np.random.default_rng(0)
    # start (title screen), then play: right with random jumps and runs
    pads = [0] * 30 + [0x08] * 5 + [0] * 60
    pads += [0x80 | (0x01 if rng.random() < 0.3 else 0) | (0x02 if rng.random() < 0.5 else 0)
             for _ in range(600)]
    assert compare(rom, pads) == len(pads) // 3
    # nes-py's frame grid: frames end anywhere in the picture, the drawn frame's picture is
    # whole when it ends after the picture
    assert compare(rom, pads[:300], grid=(29781, 0)) >= 1


def test_draw_picture_is_a_setting():
    from tests.unit._helpers import harness_rom

    nes = NES(harness_rom())
    assert nes.draw_picture is True
    nes.draw_picture = False
    nes.step(2)
    assert not nes.screen_valid
    nes.power_cycle()
    assert nes.draw_picture is False  # kept by power cycles, as the frame grid
    nes.draw_picture = True
    nes.step(2)
    assert nes.screen_valid
