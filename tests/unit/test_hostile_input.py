"""Hostile input: crafted cartridge headers, crafted save states, wrong argument types and a
console used from two threads. Every case gets a clear error or runs within the memories the
cartridge has (the sanitizer suite, .ci/sanitize, runs these under ASan/UBSan)."""
from __future__ import annotations

import random
import re
import struct
import threading

import pytest

from nes_core import NES, RomError, StateError

from tests.ines import INIT, program_rom
from tests.mappers._roms import boot, cart
from tests.states import edit, restamp, sections
from tests.unit._helpers import run_code

MAPPERS = [0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 21, 22, 23, 24, 25, 26, 28, 34, 66, 69, 71, 78, 118, 180, 206]

# The program of the report that overflowed NROM's CHR buffer: 512 bytes written through
# $2007 from $0000, then rendering on (the header asks for 128 bytes of CHR RAM).
CRAFTED_HEADER = bytes.fromhex("4e45531a010000080000000100000000")
CRAFTED_CODE = bytes.fromhex("a9008d06208d0620a200a9aa8d0720e8d0f8a2008d0720e8d0faa91e8d01204c1d80")


def crafted_rom() -> bytes:
    prg = bytearray(0x4000)
    prg[:len(CRAFTED_CODE)] = CRAFTED_CODE
    prg[0x3FFC:0x3FFE] = b"\x00\x80"  # RESET -> $8000
    return CRAFTED_HEADER + bytes(prg)


def test_crafted_nrom_with_128_bytes_of_chr_ram_is_refused():
    with pytest.raises(RomError, match=r"NROM takes CHR RAM in 8 KiB banks, the header gives 128 bytes"):
        NES(crafted_rom())


def _nes2_exp(size: int) -> int:
    """NES 2.0 exponent-multiplier byte (EEEEEEMM: 2**E * (2M + 1)) for `size`."""
    for m in range(4):
        base, rest = divmod(size, 2 * m + 1)
        if rest == 0 and base and base & (base - 1) == 0:
            return (base.bit_length() - 1) << 2 | m
    raise ValueError(size)


def nes2_image(mapper: int, prg_size: int, chr_rom: int = 0, chr_ram_shift: int = 0) -> bytes:
    """A NES 2.0 image with any PRG/CHR ROM size (exponent form) and CHR-RAM shift count."""
    h = bytearray(b"NES\x1a" + bytes(12))
    h[6] = (mapper & 0x0F) << 4
    h[7] = (mapper & 0xF0) | 0x08
    h[4], h[9] = _nes2_exp(prg_size), 0x0F
    if chr_rom:
        h[5], h[9] = _nes2_exp(chr_rom), 0xFF
    h[10] = 0x07  # 8 KiB of PRG RAM
    h[11] = chr_ram_shift
    prg = bytearray(random.Random(prg_size).randbytes(prg_size))
    prg[-4:] = b"\x00\x80\x00\x80"  # RESET and IRQ -> $8000 when the last bank is mapped there
    return bytes(h) + bytes(prg) + bytes(range(256)) * (chr_rom // 256) + bytes(chr_rom % 256)


# (PRG bytes, CHR-ROM bytes, CHR-RAM shift): sizes of 0, 128 bytes, 1 KiB, 3 KiB, not powers
# of two, and the usual ones.
SIZES = [
    (128, 0, 7), (0x400, 0x400, 0), (0x2000, 0, 1), (0x2000, 0x80, 0), (0x4000, 0, 0),
    (0x4000, 0, 4), (0x4000, 0xC00, 0), (0x6000, 0x6000, 0), (0xC000, 0, 7), (0x8000, 0x2000, 0),
    (0x14000, 0x3000, 0), (0x8000, 0, 9), (0x60000, 0x60000, 0),
]

# Register writes that reach every board's registers, and the PPU data port from $0000.
STRESS = [f"LDA #${v:02X}\nSTA ${a:04X}" for a, v in [
    (0x8000, 0x07), (0x8001, 0xFF), (0x8000, 0x46), (0x8001, 0xF3), (0xA000, 0xFF), (0xA001, 0x80),
    (0xC000, 0x01), (0xC001, 0x00), (0xE001, 0x00), (0x9000, 0xFF), (0xB000, 0xFE), (0xD000, 0xFD),
    (0xF000, 0xFF), (0x5000, 0x81), (0x5100, 0xFF), (0x6000, 0xFF), (0x7FFF, 0x3F), (0xFFFF, 0xFF),
    (0x8000, 0x0F), (0xA000, 0xC3), (0xE000, 0x1F), (0x8000, 0x80)]] + [
    "LDA #$00", "STA $2006", "STA $2006", "LDX #$00",
    "w1: LDA #$AA", "STA $2007", "INX", "BNE w1",
    "w2: STA $2007", "INX", "BNE w2",
    "LDA #$00", "STA $2006", "STA $2006", "LDX #$00",
    "r1: LDA $2007", "INX", "BNE r1",
    "LDA #$1E", "STA $2001",
]


@pytest.mark.parametrize("mapper", MAPPERS)
def test_any_size_a_header_states_is_refused_or_stays_in_bounds(mapper):
    """Each board either refuses a size with RomError naming it, or runs register writes,
    512 $2007 writes and reads, and frames of whatever code the PRG holds."""
    accepted = 0
    for prg, chr_rom, chr_ram_shift in SIZES:
        image = nes2_image(mapper, prg, chr_rom, chr_ram_shift)
        try:
            nes = NES(image)
        except RomError as e:
            assert "takes" in str(e) and "the header gives" in str(e), str(e)
            continue
        accepted += 1
        info = nes.rom_info()
        assert info["prg_rom_size"] == prg
        nes.step(2)
        if not nes.jammed:
            run_code(nes, STRESS)
        nes.step(3)
        nes.load_state(nes.save_state())
        nes.step(1)
    assert accepted >= 3  # the usual sizes run


def test_prg_rom_of_zero_bytes_is_refused():
    with pytest.raises(RomError, match="PRG ROM size is 0"):
        NES(b"NES\x1a" + bytes(12))


# ---- save states -------------------------------------------------------------------------
def _clock_fields(blob: bytes):
    cpu_at, _ = sections(blob)["CPU1"]
    ppu_at, ppu_len = sections(blob)["PPU3"]
    master = struct.unpack_from("<Q", blob, cpu_at + 8)[0]
    ppu = struct.unpack_from("<Q", blob, ppu_at + ppu_len - 8)[0]
    return master, ppu, ppu_len


@pytest.fixture(scope="module")
def running():
    nes = boot(cart(4, 128, 128), frames=3)
    run_code(nes, STRESS[:-2])
    nes.step(2)
    return nes


def test_restamped_state_with_inconsistent_clocks_is_refused_and_changes_nothing(running):
    blob = running.save_state()
    master, ppu, ppu_len = _clock_fields(blob)
    assert ppu <= master - 1 < ppu + 4  # caught up when saved
    for bad in (ppu + 4, ppu - 4, ppu + 4_000_000_000, 0, 2**64 - 4):
        other = NES(cart(4, 128, 128))
        other.step(1)
        before = other.save_state()
        with pytest.raises(StateError, match="PPU clock"):
            other.load_state(edit(blob, "PPU3", ppu_len - 8, struct.pack("<Q", bad)))
        assert other.save_state() == before


def test_restamped_state_with_a_field_out_of_range_is_refused(running):
    blob = running.save_state()
    cases = [("PPU3", 0, struct.pack("<h", 300)),   # scanline past the pre-render line
             ("PPU3", 2, struct.pack("<h", 341)),   # dot past 340
             ("CART", None, b"\xff\xff\xff\x7f")]    # a PRG page past the end of PRG ROM
    for tag, offset, data in cases:
        if offset is None:  # prg_map[0] follows the 8 KiB of PRG RAM in CART
            offset = 0x2000
        before = running.save_state()
        with pytest.raises(StateError, match=f"out of range in section {tag}"):
            running.load_state(edit(blob, tag, offset, data))
        assert running.save_state() == before


def test_refusal_names_the_first_byte_that_differs_inside_a_run_of_fields(running):
    """PPU3 starts scanline, dot (2 bytes each), odd_frame, frame_ready, rendering, ctrl, mask,
    status, oamaddr, v, t (2 bytes each), x: the loader masks x to 3 bits and v to 15, and
    the check reports the byte where load + save differs from the blob, within the run of
    fields saved as one."""
    blob = running.save_state()
    for offset, data in ((15, b"\xff"),   # fine X
                         (12, b"\xff")):  # v's high byte (bit 15 set)
        before = running.save_state()
        with pytest.raises(StateError, match=re.escape(
                f"out of range in section PPU3 (byte {offset} of the section)")):
            running.load_state(edit(blob, "PPU3", offset, data))
        assert running.save_state() == before


def test_every_saved_state_is_a_fixed_point_of_load_and_save(running):
    for screen in (False, True):
        blob = running.save_state(screen=screen)
        other = NES(cart(4, 128, 128))
        other.load_state(blob)
        assert other.save_state(screen=screen) == blob


def test_mutated_restamped_states_load_or_are_refused_and_then_step(running):
    """Every byte of the CPU, PPU and APU sections and the board registers, flipped: the state
    is refused, or it loads and the console runs frames (bounded by the frame watchdog)."""
    blob = running.save_state()
    secs = sections(blob)
    rng = random.Random(7)
    refused = loaded = 0
    other = NES(cart(4, 128, 128))
    for tag in ("CPU1", "PPU3", "APU1", "CART"):
        start, size = secs[tag]
        offsets = range(size) if tag != "CART" else range(size - 200, size)
        for i in offsets:
            b = bytearray(blob)
            b[start + i] ^= rng.randrange(1, 256)
            try:
                other.load_state(restamp(bytes(b)))
            except StateError:
                refused += 1
                continue
            loaded += 1
            try:
                other.step(2)
            except RuntimeError as e:  # the watchdog, not a hang
                assert "watchdog" in str(e)
    assert refused > 20 and loaded > 100


def test_truncated_states_name_their_real_size(running):
    blob = running.save_state()
    with pytest.raises(StateError, match=r"\(100 bytes, expected"):
        running.load_state(blob[:100])
    with pytest.raises(StateError, match=r"\(20 bytes, no NESENVST header\)"):
        running.load_state(blob[:20])


# ---- arguments ---------------------------------------------------------------------------
def test_integer_arguments_refuse_floats_and_strings():
    nes = NES(program_rom(INIT + "loop: JMP loop"))
    for call in (lambda: nes.step(2.5), lambda: nes.step("1"), lambda: nes.step(1, 1.0),
                 lambda: nes.set_buttons(0.5), lambda: nes.peek(1.5), lambda: nes.poke(0, 1.5),
                 lambda: nes.ppu_peek(None), lambda: nes.set_cpu_registers(a=1.0)):
        with pytest.raises(TypeError, match="must be an int"):
            call()
    for call in (lambda: nes.step(-1), lambda: nes.step(2**31), lambda: nes.step(1, 256)):
        with pytest.raises(ValueError):
            call()
    assert nes.frame == 0  # nothing ran
    nes.step(True)  # bool is an int, as everywhere in Python
    assert nes.frame == 1


# ---- threads -----------------------------------------------------------------------------
def test_a_second_thread_is_refused_while_one_steps():
    rom = program_rom(INIT + "loop: JMP loop")
    nes = NES(rom)
    started, refused, errors = threading.Event(), [], []
    ran = 0  # frames the main thread got to run before or after the other thread's step

    def long_step():
        started.set()
        try:
            nes.step(3000)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    t = threading.Thread(target=long_step)
    t.start()
    started.wait()
    while t.is_alive():
        try:
            nes.step(1)
            ran += 1
        except RuntimeError as e:
            refused.append(str(e))
        for call in (nes.save_state, nes.cpu_registers, nes.render):
            try:
                call()
            except RuntimeError as e:
                refused.append(str(e))
    t.join()
    assert not errors
    assert refused and all("another thread" in m for m in refused)
    # every frame ran whole, none twice: the same state as one thread running them all
    assert nes.frame == 3000 + ran
    ref = NES(rom)
    ref.step(3000 + ran)
    assert ref.save_state() == nes.save_state()
