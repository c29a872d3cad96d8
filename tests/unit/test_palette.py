"""RGB palettes: the default is nes-py's table, "ntsc" the composite-signal palette, and .pal
files and arrays of 64 or 512 colours select others (nes_core.load_palette, NES(palette=),
NES.set_palette; NESPool and the envs: tests/vector/test_palette.py).

Frames come from the rendering test's ROM (tests/unit/test_ppu_render.py), whose picture is
known as palette indices; each palette must then give exactly its table's RGB for those indices.
Emphasis (PPUMASK bits 5-7) picks row ``emphasis << 6 | index`` of a 512-colour palette and is
ignored by a 64-colour one; greyscale (bit 0) masks the indices to $x0 in the PPU under any
palette (nesdev wiki "PPU registers", "Colour emphasis").
"""
import numpy as np
import pytest

from nes_core import NES, PALETTE_NAMES, load_palette
from tests.unit.test_ppu_render import BG_PAL, expected_indices, render_rom

# nes-py 8.2.1, nes_py/nes/include/palette.hpp, as 0xRRGGBB
NESPY = [
    0x7C7C7C, 0x0000FC, 0x0000BC, 0x4428BC, 0x940084, 0xA80020, 0xA81000, 0x881400,
    0x503000, 0x007800, 0x006800, 0x005800, 0x004058, 0x000000, 0x000000, 0x000000,
    0xBCBCBC, 0x0078F8, 0x0058F8, 0x6844FC, 0xD800CC, 0xE40058, 0xF83800, 0xE45C10,
    0xAC7C00, 0x00B800, 0x00A800, 0x00A844, 0x008888, 0x000000, 0x000000, 0x000000,
    0xF8F8F8, 0x3CBCFC, 0x6888FC, 0x9878F8, 0xF878F8, 0xF85898, 0xF87858, 0xFCA044,
    0xF8B800, 0xB8F818, 0x58D854, 0x58F898, 0x00E8D8, 0x787878, 0x000000, 0x000000,
    0xFCFCFC, 0xA4E4FC, 0xB8B8F8, 0xD8B8F8, 0xF8B8F8, 0xF8A4C0, 0xF0D0B0, 0xFCE0A8,
    0xF8D878, 0xD8F878, 0xB8F8B8, 0xB8F8D8, 0x00FCFC, 0xF8D8F8, 0x000000, 0x000000,
]
NESPY_RGB = np.array([[v >> 16, (v >> 8) & 0xFF, v & 0xFF] for v in NESPY], dtype=np.uint8)

# "ntsc" (the composite-signal palette, the default before nes-py's): entry -> RGB, as the
# previous default rendered them; emphasis rows included
NTSC_KNOWN = {
    0x0F: (0, 0, 0), 0x12: (55, 71, 244), 0x16: (177, 44, 55), 0x17: (156, 70, 0),
    0x22: (135, 152, 255), 0x2A: (103, 223, 34), 0x30: (255, 255, 255),
    1 << 6 | 0x16: (178, 25, 37), 1 << 6 | 0x30: (255, 188, 194), 7 << 6 | 0x30: (165, 165, 165),
}


def custom(entries, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (entries, 3), dtype=np.uint8)


def frame(palette=None, mask=0x1E, frames=5):
    nes = NES(render_rom(mask=mask)) if palette is None else NES(render_rom(mask=mask), palette=palette)
    nes.step(frames)
    return nes


def test_default_palette_is_nes_py():
    assert PALETTE_NAMES == ("nes-py", "ntsc")
    assert np.array_equal(load_palette("nes-py"), NESPY_RGB)
    nes = frame()
    assert nes.palette.shape == (64, 3) and nes.palette.dtype == np.uint8
    assert np.array_equal(nes.palette, NESPY_RGB)
    # every pixel is nes-py's colour of its palette index
    assert np.array_equal(nes.screen, NESPY_RGB[expected_indices()])
    assert np.array_equal(nes.screen, NESPY_RGB[nes.framebuffer])


def test_ntsc_palette_values():
    pal = load_palette("ntsc")
    assert pal.shape == (512, 3)
    for entry, rgb in NTSC_KNOWN.items():
        assert tuple(int(c) for c in pal[entry]) == rgb, hex(entry)
    nes = frame("ntsc")
    assert np.array_equal(nes.screen, pal[expected_indices()])
    for x, index in zip((0, 1, 2, 3), BG_PAL):  # row 0 shows colours 0, 1, 2, 3 of the pattern
        assert tuple(int(c) for c in nes.screen[0, x]) == NTSC_KNOWN[index]


@pytest.mark.parametrize("entries", [64, 512])
def test_array_palette(entries):
    pal = custom(entries)
    nes = frame(pal)
    assert np.array_equal(nes.palette, pal)
    assert np.array_equal(nes.screen, pal[expected_indices()])  # no emphasis: rows 0-63
    # other integer dtypes and nested lists are taken too
    assert np.array_equal(NES(render_rom(), palette=pal.astype(np.int64).tolist()).palette, pal)


@pytest.mark.parametrize("entries", [64, 512])
def test_pal_file(tmp_path, entries):
    pal = custom(entries, seed=entries)
    path = tmp_path / "test.pal"
    path.write_bytes(pal.tobytes())  # raw RGB triplets, as FCEUX and Mesen write them
    assert path.stat().st_size == entries * 3
    for arg in (path, str(path)):
        assert np.array_equal(load_palette(arg), pal)
    nes = frame(path)
    assert np.array_equal(nes.screen, pal[expected_indices()])


EMPHASIS_MASK = 0x1E | 0xA0  # red and blue emphasis: emphasis bits 0b101


def test_emphasis_selects_the_row_of_a_512_colour_palette():
    pal = custom(512, seed=7)
    plain, emphasised = frame(pal).screen, frame(pal, EMPHASIS_MASK).screen
    idx = expected_indices()
    assert np.array_equal(plain, pal[idx])
    assert np.array_equal(emphasised, pal[5 << 6 | idx])
    # the "ntsc" palette darkens the colours that are not emphasised
    ntsc = frame("ntsc", EMPHASIS_MASK).screen
    assert np.array_equal(ntsc, load_palette("ntsc")[5 << 6 | idx])
    assert not np.array_equal(ntsc, frame("ntsc").screen)


def test_grayscale_observations_follow_emphasis():
    """The grey capture (a table lookup per line's emphasis; AVX2 where the CPU has it) is the
    BT.601 luma of the emphasised RGB picture."""
    from nes_core import ObsFormat

    pal = custom(512, seed=11)
    for mask in (0x1E, EMPHASIS_MASK):
        nes = frame(pal, mask)
        rgb = nes.screen.astype(np.uint32)
        luma = ((77 * rgb[..., 0] + 150 * rgb[..., 1] + 29 * rgb[..., 2] + 128) >> 8).astype(np.uint8)
        assert np.array_equal(nes.capture(ObsFormat("grayscale")), luma)
        assert len(np.unique(luma)) > 4


@pytest.mark.parametrize("palette", ["nes-py", "custom64"])
def test_a_64_colour_palette_ignores_emphasis(palette):
    pal = NESPY_RGB if palette == "nes-py" else custom(64, seed=3)
    arg = "nes-py" if palette == "nes-py" else pal
    emphasised = frame(arg, EMPHASIS_MASK)
    assert np.array_equal(emphasised.screen, pal[expected_indices()])
    assert np.array_equal(emphasised.screen, frame(arg).screen)


def test_greyscale_masks_indices_under_every_palette():
    idx = expected_indices() & 0x30
    for arg, pal in (("nes-py", NESPY_RGB), ("ntsc", load_palette("ntsc")), (custom(512), custom(512))):
        nes = frame(arg, 0x1F)
        assert np.array_equal(nes.framebuffer, idx)
        assert np.array_equal(nes.screen, pal[idx])


def test_set_palette_recolours_the_last_frame_and_keeps_state():
    nes = frame()
    state = nes.save_state()
    assert np.array_equal(nes.screen, NESPY_RGB[expected_indices()])
    nes.set_palette("ntsc")
    ntsc = load_palette("ntsc")
    assert np.array_equal(nes.palette, ntsc)
    assert np.array_equal(nes.screen, ntsc[expected_indices()])          # the cached screen
    assert np.array_equal(nes.render(), ntsc[expected_indices()])
    assert nes.save_state() == state                                     # not part of the state
    again = NES(render_rom(), palette=nes.palette)                       # round trip
    assert np.array_equal(again.palette, ntsc)
    nes.set_palette(NESPY_RGB)
    assert np.array_equal(nes.screen, NESPY_RGB[expected_indices()])


def test_the_palette_is_per_console():
    a, b = frame("nes-py"), frame("ntsc")
    assert np.array_equal(a.framebuffer, b.framebuffer)
    assert np.array_equal(a.screen, NESPY_RGB[expected_indices()])
    assert np.array_equal(b.screen, load_palette("ntsc")[expected_indices()])


def test_load_palette_returns_a_new_array():
    first = load_palette("nes-py")
    first[:] = 0
    assert np.array_equal(load_palette("nes-py"), NESPY_RGB)


@pytest.mark.parametrize("size", [0, 100, 191, 193, 1535, 1537])
def test_bad_pal_file_size(tmp_path, size):
    path = tmp_path / "bad.pal"
    path.write_bytes(bytes(size))
    msg = f"palette file .* has {size} bytes; expected 192 \\(64 colours\\) or 1536 \\(512 colours\\)"
    with pytest.raises(ValueError, match=msg):
        load_palette(path)
    with pytest.raises(ValueError, match=msg):
        NES(render_rom(), palette=path)


def test_bad_palettes():
    rom = render_rom()
    nes = NES(rom)
    with pytest.raises(ValueError, match=r"unknown palette 'fceux'.*'nes-py', 'ntsc'"):
        NES(rom, palette="fceux")
    with pytest.raises(ValueError, match=r"shape \(100, 3\); expected \(64, 3\) or \(512, 3\)"):
        nes.set_palette(np.zeros((100, 3), np.uint8))
    with pytest.raises(ValueError, match=r"shape \(192,\)"):
        nes.set_palette(np.zeros(192, np.uint8))
    with pytest.raises(ValueError, match=r"0-255, got -1\.\.256"):
        nes.set_palette(np.r_[[[-1, 0, 256]], np.zeros((63, 3), int)])
    with pytest.raises(TypeError, match="integers 0-255, not float64"):
        nes.set_palette(np.zeros((64, 3)))
    with pytest.raises(TypeError, match="not bytes"):
        nes.set_palette(bytes(192))
    with pytest.raises(TypeError):
        nes.set_palette(None)
    with pytest.raises(FileNotFoundError):
        nes.set_palette("missing.pal")
    # a failed call changes nothing
    assert np.array_equal(nes.palette, NESPY_RGB)
