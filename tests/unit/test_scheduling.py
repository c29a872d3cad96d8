"""The lazy PPU (it runs behind the CPU and catches up on accesses and scheduled events) gives
exactly what running it in lockstep with the CPU gives: RAM, picture, CPU registers (cycle
count included) and frame count after every frame, from power-on, with changing input.

Lockstep also turns off ppu.c's bulk spans (bg_run, hblank_span, the backdrop and vblank
skips), so these tests run the dot-by-dot path against the span path: every PPU ROM of the
corpus (sprite 0 hit, sprite overflow, vblank/NMI timing, PPUSTATUS reads) must give the same
frames and the same PPUSTATUS timing (the ROMs' results in RAM) both ways.

The ROMs cover NMI timing, $2002 races, sprite 0 hit, APU/DMC IRQs and DMA; the demo ROM
of test_state polls the pads and scrolls in its NMI handler.
"""
import numpy as np
import pytest

from nes_core import NES

from tests.unit.test_state import DEMO_ROM

FRAMES = 120

CORPUS = (
    "ppu_vbl_nmi/rom_singles/05-nmi_timing.nes",
    "ppu_vbl_nmi/rom_singles/06-suppression.nes",
    "ppu_vbl_nmi/rom_singles/07-nmi_on_timing.nes",
    "ppu_vbl_nmi/rom_singles/08-nmi_off_timing.nes",
    "sprite_hit_tests_2005.10.05/09.timing_basics.nes",
    "cpu_interrupts_v2/rom_singles/2-nmi_and_brk.nes",
    "cpu_interrupts_v2/rom_singles/3-nmi_and_irq.nes",
    "cpu_interrupts_v2/rom_singles/4-irq_and_dma.nes",
    "apu_test/rom_singles/8-dmc_rates.nes",
    "dmc_tests/status_irq.nes",
) + tuple(f"sprite_hit_tests_2005.10.05/{name}.nes" for name in (
    "01.basics", "02.alignment", "03.corners", "04.flip", "05.left_clip", "06.right_edge",
    "07.screen_bottom", "08.double_height")) + tuple(f"sprite_overflow_tests/{name}.nes" for name in (
    "1.Basics", "2.Details")) + tuple(f"ppu_vbl_nmi/rom_singles/{name}.nes" for name in (
    "01-vbl_basics", "02-vbl_set_time", "03-vbl_clear_time", "04-nmi_control", "09-even_odd_frames",
    "10-even_odd_timing")) + tuple(f"blargg_ppu_tests_2005.09.15b/{name}.nes" for name in (
    "palette_ram", "sprite_ram", "vbl_clear_time", "vram_access")) + (
    "ppu_open_bus/ppu_open_bus.nes", "oam_read/oam_read.nes",
)


def _pads(frames, seed):
    return np.random.default_rng(seed).integers(0, 256, size=frames).tolist()


def assert_lazy_equals_lockstep(rom, frames=FRAMES, pads=None):
    lazy, lock = NES(rom), NES(rom)
    lock._set_lockstep(True)
    pads = pads if pads is not None else [0] * frames
    for i, b in enumerate(pads[:frames]):
        lazy.step(1, b)
        lock.step(1, b)
        assert lazy.cpu_registers() == lock.cpu_registers(), f"frame {i}: CPU registers"
        assert lazy.frame == lock.frame, f"frame {i}: frame count"
        assert bytes(lazy.ram) == bytes(lock.ram), f"frame {i}: RAM"
        assert np.array_equal(lazy.framebuffer, lock.framebuffer), f"frame {i}: picture"
    assert lazy.save_state() == lock.save_state()


def test_demo_rom_lazy_equals_lockstep():
    assert_lazy_equals_lockstep(DEMO_ROM, pads=_pads(FRAMES, 7))


@pytest.mark.parametrize("path", CORPUS)
def test_corpus_rom_lazy_equals_lockstep(path):
    from tests.conformance.runner import corpus_dir, corpus_missing_reason

    root = corpus_dir()
    if root is None:
        pytest.skip(corpus_missing_reason())
    rom = root / path
    if not rom.is_file():
        pytest.skip(f"{path} is not in the corpus at {root}")
    assert_lazy_equals_lockstep(rom.read_bytes())


def test_smb_lazy_equals_lockstep():
    """Title screen, Start, then running and jumping through the start of 1-1."""
    from tests.vector._support import smb_rom

    rom = smb_rom().read_bytes()
    pads = [0] * 60 + [0x08] * 5 + [0] * 100 + [0x80 | (1 if i % 24 < 20 else 0) for i in range(500)]
    assert_lazy_equals_lockstep(rom, frames=len(pads), pads=pads)
