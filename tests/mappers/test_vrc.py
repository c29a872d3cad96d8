"""Konami VRC2/VRC4 (mappers 21, 22, 23, 25) and VRC6 (24, 26): registers as the NESdev wiki
describes them (https://www.nesdev.org/wiki/VRC2_and_VRC4, https://www.nesdev.org/wiki/VRC6,
https://www.nesdev.org/wiki/VRC_IRQ, https://www.nesdev.org/wiki/VRC6_audio), and the VRC2a
CHR banking test ROM of the shared mappers-extra folder."""
import itertools

import numpy as np
import pytest

from nes_core import NES
from tests.conformance.runner import corpus_dir, corpus_missing_reason
from tests.mappers._roms import IRQ_HANDLER, boot, cart, chr_banks, nametable_layout, prg_banks, writes
from tests.unit._helpers import load_code, run_code

# (mapper, submapper or None, CPU address offsets of the chip's registers 0-3, VRC2?)
WIRINGS = [
    (21, 1, (0x0, 0x2, 0x4, 0x6), False),     # VRC4a
    (21, 2, (0x0, 0x40, 0x80, 0xC0), False),  # VRC4c
    (21, None, (0x0, 0x2, 0x4, 0x6), False),
    (21, None, (0x0, 0x40, 0x80, 0xC0), False),
    (22, None, (0x0, 0x2, 0x1, 0x3), True),   # VRC2a
    (23, 1, (0x0, 0x1, 0x2, 0x3), False),     # VRC4f
    (23, 2, (0x0, 0x4, 0x8, 0xC), False),     # VRC4e
    (23, 3, (0x0, 0x1, 0x2, 0x3), True),      # VRC2b
    (23, None, (0x0, 0x4, 0x8, 0xC), False),
    (25, 1, (0x0, 0x2, 0x1, 0x3), False),     # VRC4b
    (25, 2, (0x0, 0x8, 0x4, 0xC), False),     # VRC4d
    (25, 3, (0x0, 0x2, 0x1, 0x3), True),      # VRC2c
    (25, None, (0x0, 0x8, 0x4, 0xC), False),
]


def _cart(mapper, sub, prg_kb=256, chr_kb=256, **kw):
    if sub is not None:
        kw.update(nes2=True, submapper=sub, prg_ram_shift=7)
    return cart(mapper, prg_kb, chr_kb, **kw)


@pytest.mark.parametrize("mapper,sub,regs,vrc2", WIRINGS)
def test_vrc2_vrc4_banks_through_each_wiring(mapper, sub, regs, vrc2):
    nes = boot(_cart(mapper, sub))
    r = lambda base, i: base + regs[i]  # noqa: E731
    assert prg_banks(nes) == (0, 1, 30, 31)
    writes(nes, [(r(0x8000, 0), 0x15), (r(0xA000, 0), 0x07)])
    assert prg_banks(nes) == ((5 if vrc2 else 0x15), 7, 30, 31)   # VRC2 has 4 PRG bits
    # CHR bank 3 (the second of the $C000 pair): low nibble at register 2, high at register 3
    writes(nes, [(r(0xC000, 2), 0x0A), (r(0xC000, 3), 0x1B)])
    bank = 0xBA if vrc2 else 0x1BA
    if mapper == 22:
        bank >>= 1                                               # VRC2a drops the low bit
    assert chr_banks(nes)[3] == bank % 256                       # 256 KiB CHR: wraps at 256
    writes(nes, [(r(0x9000, 0), 1)])
    assert nametable_layout(nes) == "horizontal"
    writes(nes, [(r(0x9000, 0), 2)])
    assert nametable_layout(nes) == ("vertical" if vrc2 else "single")
    if not vrc2:  # PRG swap mode: $C000 switchable, $8000 the second-last bank
        writes(nes, [(r(0x9000, 2), 0x03)])
        assert prg_banks(nes) == (30, 7, 0x15, 31)


def test_vrc2_6000_latch_without_ram():
    nes = boot(_cart(22, None, nes2=True, submapper=0))  # NES 2.0 without PRG RAM
    run_code(nes, ["LDA #$01", "STA $6000", "LDA $6000", "STA $20", "LDA #$FE", "STA $6000", "LDA $6000",
                   "STA $21"])
    assert nes.peek(0x20) == 0x61 and nes.peek(0x21) == 0x60  # bit 0 kept; open bus ($60) above


def test_vrc4_ram_enable_bit_on_nes2():
    nes = boot(_cart(21, 1))
    writes(nes, [(0x6010, 0x5A)])
    assert nes.peek(0x6010) == 0                  # $9002 bit 0 clear: no RAM
    writes(nes, [(0x9004, 0x01), (0x6010, 0x5A)])
    assert nes.peek(0x6010) == 0x5A


def _irq_times(nes, latch_writes, control, ack_addr, irqs=4):
    """CPU cycles between the write of the IRQ control register and each of the first `irqs`
    IRQ handler entries; the handler acknowledges ($F003 / $F002: A copied into E)."""
    load_code(nes, ["PHA", f"STA ${ack_addr:04X}", "PLA", "RTI"], origin=IRQ_HANDLER)
    src = ["LDA #$40", "STA $4017", "LDA $4015"]
    for addr, val in latch_writes:
        src += [f"LDA #${val:02X}", f"STA ${addr:04X}"]
    run_code(nes, src + [f"LDA #${control:02X}"], p=0x24)
    labs = load_code(nes, [f"STA ${ack_addr - 1:04X}", "CLI", "w: JMP w"], origin=0x0600)
    nes.set_cpu_registers(pc=0x0600)
    nes.step_instruction()                    # the control write
    t0 = nes.cycles
    times = []
    for _ in range(20000):
        nes.step_instruction()
        if nes.cpu_registers()["pc"] == IRQ_HANDLER:
            times.append(nes.cycles - t0)
            if len(times) == irqs:
                break
    return times


def _vrc4_latch(v):  # VRC4f wiring (mapper 23 submapper 1): $F000 low nibble, $F001 high
    return [(0xF000, v & 15), (0xF001, v >> 4)]


def _periods(times):
    return [b - a for a, b in zip(times, times[1:])]


def test_vrc4_irq_cycle_mode():
    # cycle mode (M), enabled (E), A set: the counter counts up from the latch once per CPU
    # cycle and fires on the wrap from $FF, reloading: one IRQ every 256 - latch cycles
    # (handler entries are seen at instruction boundaries: the idle loop's JMP takes 3 cycles)
    times = _irq_times(boot(_cart(23, 1)), _vrc4_latch(200), 0x07, 0xF003, irqs=9)
    assert abs((times[-1] - times[0]) - 8 * 56) < 3
    assert all(abs(p - 56) < 3 for p in _periods(times))


def test_vrc4_irq_scanline_mode():
    # scanline mode: one count per 341/3 CPU cycles (114, 114, 113, ...); latch $FE: two
    # counts per IRQ
    times = _irq_times(boot(_cart(23, 1)), _vrc4_latch(0xFE), 0x03, 0xF003, irqs=7)
    assert abs(sum(_periods(times)) - 1364) < 3  # 6 IRQs = 12 counts = 4 x 341 cycles
    assert all(224 <= p <= 231 for p in _periods(times))
    # A clear: the acknowledge in the handler disables further IRQs
    assert len(_irq_times(boot(_cart(23, 1)), _vrc4_latch(0xFE), 0x02, 0xF003, irqs=2)) == 1


def test_vrc6_banks_mirroring_ram_and_a0_a1_swap():
    for mapper, swap in ((24, False), (26, True)):
        reg = (lambda i: ((i & 1) << 1) | (i >> 1)) if swap else (lambda i: i)
        nes = boot(cart(mapper, 256, 256))
        assert prg_banks(nes) == (0, 1, 30, 31)
        writes(nes, [(0x8000, 3), (0xC000 + reg(2), 9)])
        assert prg_banks(nes) == (6, 7, 9, 31)
        writes(nes, [(0xD000 + reg(i), 0x40 + i) for i in range(4)] + [(0xE000 + reg(i), 0x80 + i) for i in range(4)])
        assert chr_banks(nes) == (0x40, 0x41, 0x42, 0x43, 0x80, 0x81, 0x82, 0x83)
        for v, want in ((0x20, "vertical"), (0x24, "horizontal"), (0x28, "single"), (0x2C, "single")):
            writes(nes, [(0xB000 + reg(3), v)])
            assert nametable_layout(nes) == want
        writes(nes, [(0x6000, 0x33)])
        assert nes.peek(0x6000) == 0                     # $B003 bit 7 clear: no RAM
        writes(nes, [(0xB000 + reg(3), 0xA0), (0x6000, 0x33)])
        assert nes.peek(0x6000) == 0x33


def test_vrc6_irq_cycle_mode():
    times = _irq_times(boot(cart(24, 256, 256)), [(0xF000, 200)], 0x07, 0xF002, irqs=9)
    assert abs((times[-1] - times[0]) - 8 * 56) < 3


def _audio_level(nes, frames=3):
    nes.step(frames)
    return np.asarray(nes.audio, dtype=np.float32)


def test_vrc6_audio_reaches_the_mixer():
    rom = cart(24, 256, 256)
    quiet = NES(rom, audio=True)
    loud = NES(rom, audio=True)
    for nes in (quiet, loud):
        nes.poke(IRQ_HANDLER, 0x40)
        nes.poke(0x0310, 0x40)
        nes.step(2)
    # pulse 1: duty 8/16, volume 15, period $0FF (16 steps of 256 cycles: 437 Hz); saw rate $20
    writes(loud, [(0x9000, 0x7F), (0x9001, 0xFF), (0x9002, 0x80),
                  (0xB000, 0x20), (0xB001, 0x80), (0xB002, 0x81)])
    q, s = _audio_level(quiet), _audio_level(loud)
    assert np.abs(q).max() < 1e-3
    assert s.std() > 0.02
    # the pulse's period: a peak of the spectrum near CPU clock / (16 * 256) = 437 Hz
    spec = np.abs(np.fft.rfft(s - s.mean()))
    freqs = np.fft.rfftfreq(len(s), 1 / 44100)
    band = (freqs > 300) & (freqs < 600)
    assert abs(freqs[band][spec[band].argmax()] - 1789773 / (16 * 256)) < 30
    # halting ($9003 bit 0) freezes the channels: the output goes flat (the high-pass decays)
    writes(loud, [(0x9003, 0x01)])
    loud.step(30)
    assert np.abs(np.diff(np.asarray(loud.audio)[-200:])).max() < 1e-3


def test_vrc_states_round_trip_mid_irq():
    for mapper in (21, 23, 25, 24, 26):
        nes = boot(cart(mapper, 128, 128))
        # VRC4: latch $30, scanline mode, enabled; VRC6: latch $10, control 3, acknowledge
        writes(nes, [(0xF000, 0x10), (0xF001, 0x03), (0xF002, 0x02)])
        nes.step(3)
        blob = nes.save_state()
        nes.step(5)
        want = (nes.save_state(), bytes(nes.ram))
        nes.load_state(blob)
        nes.step(5)
        assert (nes.save_state(), bytes(nes.ram)) == want


# ---- the VRC2a CHR banking test ROM (mappers-extra/m22chrbankingtest) ----
def _extra(path):
    root = corpus_dir()
    p = root / "mappers-extra" / path if root else None
    if p is None or not p.is_file():
        pytest.skip(f"mappers-extra test ROM {path} not found ({corpus_missing_reason() if root is None else p})")
    return p


def test_m22_chr_banking_rom_counts_banks_with_the_low_bit_dropped():
    """The ROM steps the $0400 CHR register through 0-255, 8 frames a value; VRC2a shows bank
    value >> 1. The shown slot's bytes are found in the ROM's CHR, and the picture's block at
    tile columns 14-17, rows 7-22 follows it."""
    path = _extra("m22chrbankingtest/0-127.nes")
    rom = path.read_bytes()
    chr_rom = rom[16 + 0x4000:]
    banks = {chr_rom[i * 0x400:(i + 1) * 0x400]: i for i in range(len(chr_rom) // 0x400)}
    nes = NES(rom)
    seen = []
    blocks = {}
    for _ in range(600):
        nes.step(1)
        b = banks.get(bytes(nes.ppu_peek(0x400 + i) for i in range(0x400)))
        seen.append(b)
        if b is not None:
            block = np.asarray(nes.framebuffer)[7 * 8:23 * 8, 14 * 8:18 * 8]
            blocks.setdefault(b, block.copy())
    steps = [b for i, b in enumerate(seen) if b is not None and (i == 0 or seen[i - 1] != b)]
    assert steps[:10] == list(range(10)) or steps[1:11] == list(range(10)), steps[:12]
    runs = [len(list(g)) for _, g in itertools.groupby(seen[40:500])]
    assert all(r == 16 for r in runs[1:-1]), runs      # each bank for 16 frames (two values)
    assert len({blk.tobytes() for blk in blocks.values()}) == len(blocks) >= 20  # the number changes
