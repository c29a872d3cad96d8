"""The fuzz targets: what one fuzzer input does to the core, shared by the atheris entry point
(fuzz.py, sanitizer build) and the regression replay (test_regressions.py, normal build).

Targets (each takes the input bytes; the errors in EXPECTED are the documented answers to bad
input, anything else that escapes, a crash or a hang is a finding):

* ``rom``: the bytes are an iNES image: ``NES(bytes)``, then its info and a save/load round trip.
* ``state``: ``[rom][mode][blob]``: a save-state blob loaded into a fresh console of one of the
  handmade ROMs (``roms()``); a blob that loads must save back to the same bytes (README,
  Robustness); then one instruction, a save and the screen. With ``mode`` bit 0 clear
  the blob is re-stamped first (header, size, section tags and lengths, checksum: see
  restamp), so that mutations get past the integrity checks and reach the loaded fields;
  with it set the raw bytes go in, which exercises those checks.
* ``step``: ``[kind][buttons][rest]``: ``kind`` bit 0 set: ``rest`` is an iNES image,
  powered on; clear: ``rest`` is a ``state`` input. Then 120 frames with the pads held.

Inputs are self-contained (the state targets only use ROMs built here), so a saved input
replays anywhere.
"""
from __future__ import annotations

import struct
from functools import lru_cache
from typing import Callable, Dict, Tuple

from nes_core import NES, RomError, StateError

from tests.ines import INIT, program_rom
from tests.mappers._roms import cart
from tests.states import HEADER, checksum, sections

# What a console may answer to hostile input (the documented errors). The frame watchdog's
# RuntimeError is not among them: a state that loads is consistent and never trips it.
EXPECTED = (RomError, StateError)

STEP_FRAMES = 120

def restamp(blob: bytes, reference: Tuple[bytes, bytes]) -> bytes:
    """``blob`` made to pass every integrity check (layout: tests/states.py): cut or zero-padded to the size of the
    reference state (bare or with screen, whichever is nearer), the reference's header and
    section headers written over it, and the checksum recomputed."""
    bare, full = reference
    ref = full if abs(len(blob) - len(full)) < abs(len(blob) - len(bare)) else bare
    out = bytearray(blob[:len(ref)].ljust(len(ref), b"\0"))
    out[:28] = ref[:28]  # magic, version, ROM hash, payload length
    for start, _ in sections(ref).values():  # each section's tag and length
        out[start - 8:start] = ref[start - 8:start]
    out[28:36] = struct.pack("<Q", checksum(bytes(out[HEADER:])))
    return bytes(out)


# ---- the handmade ROMs the state targets load into ----
# A busy NROM program: CHR RAM, palette and nametable written, NMI with OAM DMA and scrolling,
# sprites, the four APU channels sounding, the pad read in a loop.
BUSY = INIT + """
vw1:    BIT $2002
        BPL vw1
vw2:    BIT $2002
        BPL vw2
        LDA #$00
        STA $2006
        STA $2006
        LDX #$00
chr:    TXA
        STA $2007
        INX
        BNE chr
        LDA #$3F
        STA $2006
        LDA #$00
        STA $2006
        LDX #$00
pal:    TXA
        STA $2007
        INX
        CPX #$20
        BNE pal
        LDA #$20
        STA $2006
        LDA #$00
        STA $2006
nt:     TXA
        STA $2007
        INX
        BNE nt
spr:    TXA
        STA $0200,X
        INX
        BNE spr
        LDA #$0F
        STA $4015
        LDA #$BF
        STA $4000
        LDA #$80
        STA $4002
        LDA #$01
        STA $4003
        LDA #$81
        STA $4008
        LDA #$40
        STA $400A
        STA $400B
        LDA #$0F
        STA $400C
        LDA #$03
        STA $400E
        STA $400F
        LDA #$80
        STA $2000
        LDA #$1E
        STA $2001
main:   LDA #$01
        STA $4016
        LDA #$00
        STA $4016
        LDA $4016
        STA $10
        INC $11
        JMP main
nmi:    PHA
        LDA #$02
        STA $4014
        LDA $11
        STA $2005
        STA $2005
        INC $12
        PLA
        RTI
irq:    RTI
"""


@lru_cache(maxsize=None)
def roms() -> Tuple[bytes, ...]:
    """The handmade ROMs, by index: the busy NROM program, then patterned carts of several
    boards (tests/mappers/_roms.py: every bank filled with its number, an idle loop)."""
    return (
        program_rom(BUSY, prg_size=0x4000),
        cart(1, 128),            # MMC1, CHR RAM
        cart(2, 128),            # UxROM
        cart(3, 32, 32),         # CNROM
        cart(4, 128, 128),       # MMC3
        cart(7, 128),            # AxROM
        cart(9, 128, 128),       # MMC2
        cart(69, 128, 128),      # FME-7
        cart(1, 256, 0, nes2=True, prg_ram_shift=7, battery=True),  # SUROM-style MMC1, 8 KiB
        cart(5, 128, 128, nes2=True, prg_ram_shift=10),             # MMC5, 64 KiB PRG RAM
        cart(21, 128, 128),      # VRC4
        cart(24, 128, 128),      # VRC6
    )


@lru_cache(maxsize=None)
def reference(index: int) -> Tuple[bytes, bytes]:
    """A valid state of ROM ``index`` without and with the screen (for restamp)."""
    nes = NES(roms()[index])
    return nes.save_state(), nes.save_state(screen=True)


def _state_console(data: bytes) -> NES:
    """A fresh console of the ROM ``data[0]`` names, with the blob ``data[2:]`` loaded
    (re-stamped unless bit 0 of ``data[1]`` is set). Raises StateError like load_state."""
    if len(data) < 2:
        raise StateError("input too short")
    index = data[0] % len(roms())
    blob = data[2:]
    if not data[1] & 1:
        blob = restamp(blob, reference(index))
    nes = NES(roms()[index])
    nes.load_state(blob)
    return nes


def _read_screen(nes: NES) -> None:
    try:
        nes.screen
    except StateError:
        pass  # documented: no picture until a whole frame is drawn


def run_rom(data: bytes) -> None:
    try:
        nes = NES(data)
    except EXPECTED:
        return
    nes.rom_info()
    nes.load_state(nes.save_state())


def run_state(data: bytes) -> None:
    try:
        nes = _state_console(data)
    except EXPECTED:
        return
    # the README's promise: a state that loads is one this build could have written
    index, blob = data[0] % len(roms()), data[2:]
    if not data[1] & 1:
        blob = restamp(blob, reference(index))
    if nes.save_state(screen=len(blob) == len(reference(index)[1])) != blob:
        raise AssertionError("a loaded state saves to other bytes")
    nes.step_instruction()
    nes.save_state(screen=True)
    _read_screen(nes)


def run_step(data: bytes) -> None:
    if len(data) < 2:
        return
    try:
        nes = NES(data[2:]) if data[0] & 1 else _state_console(data[2:])
    except EXPECTED:
        return
    nes.step(STEP_FRAMES, buttons=data[1])
    _read_screen(nes)
    nes.save_state()


TARGETS: Dict[str, Callable[[bytes], None]] = {"rom": run_rom, "state": run_state, "step": run_step}
