"""Synthetic iNES images and a tiny 6502 assembler for the core's unit tests.

Nothing here imports ``nes_core``: the module builds bytes only, so it can be
used (and tested) before the core exists.

iNES / NES 2.0 header layout (https://www.nesdev.org/wiki/INES,
https://www.nesdev.org/wiki/NES_2.0)::

    0-3   "NES" $1A
    4     PRG ROM size, 16 KiB units (NES 2.0: LSB; MSB nibble $F = exponent form EEEEEEMM)
    5     CHR ROM size, 8 KiB units (0 = CHR RAM)
    6     NNNN FTBM: mapper D3..D0, four-screen, trainer, battery, mirroring (1 = vertical)
    7     NNNN 10TT: mapper D7..D4, bits 2-3 = %10 marks NES 2.0
    8     NES 2.0: MMMM NNNN  submapper, mapper D11..D8
    9     NES 2.0: CCCC PPPP  CHR-ROM size MSB, PRG-ROM size MSB
    10    NES 2.0: pppp PPPP  PRG-NVRAM shift, PRG-RAM shift (size = 64 << shift, 0 = none)
    11    NES 2.0: cccc CCCC  CHR-NVRAM shift, CHR-RAM shift
    12-15 NES 2.0: timing, system type, misc ROMs, default expansion device
    then a 512-byte trainer if flag 6 bit 2, PRG ROM, CHR ROM.

The assembler takes classic syntax, one statement per line or per list item::

    reset:  SEI
            LDX #$FF
            TXS
            LDA $10        ; zero page (value < $100 written with <= 2 hex digits)
            LDA $0010      ; absolute (4 hex digits force absolute)
            STA ($20),Y
            BNE reset      ; relative, checked to be in range
            JMP *          ; '*' = address of this instruction
            .byte $02, 1, %101
            .word reset
            .org $FFFA     ; pad with .fill (default $FF) up to an address

Expressions: numbers ($hex, %bin, decimal, 'c'), labels, '*', '<x' (low byte),
'>x' (high byte) and + / - between terms.
"""
from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

# --------------------------------------------------------------------------------------
# Opcode table: the 151 official opcodes, with cycle counts.
# (opcode, mnemonic, mode, cycles, page_cross_penalty)
# Modes: imp acc imm zp zpx zpy abs abx aby ind izx izy rel
# page_cross_penalty: 1 if one cycle is added when the indexed address crosses a page
# (reads only); branches: +1 taken, +1 more if the target is on another page than the
# instruction after the branch.  Source: https://www.nesdev.org/wiki/6502_cycle_times and
# the 6502 datasheet (MOS MCS6500 family hardware manual, appendix A).
# --------------------------------------------------------------------------------------
_ALU = {  # mnemonic -> opcode base for the 8 "group 1" modes
    "ORA": 0x00, "AND": 0x20, "EOR": 0x40, "ADC": 0x60,
    "STA": 0x80, "LDA": 0xA0, "CMP": 0xC0, "SBC": 0xE0,
}


def _build_official() -> List[Tuple[int, str, str, int, int]]:
    t: List[Tuple[int, str, str, int, int]] = []
    for m, base in _ALU.items():
        if m == "STA":
            t += [(base + 0x05, m, "zp", 3, 0), (base + 0x15, m, "zpx", 4, 0),
                  (base + 0x0D, m, "abs", 4, 0), (base + 0x1D, m, "abx", 5, 0),
                  (base + 0x19, m, "aby", 5, 0), (base + 0x01, m, "izx", 6, 0),
                  (base + 0x11, m, "izy", 6, 0)]
        else:
            t += [(base + 0x09, m, "imm", 2, 0), (base + 0x05, m, "zp", 3, 0),
                  (base + 0x15, m, "zpx", 4, 0), (base + 0x0D, m, "abs", 4, 0),
                  (base + 0x1D, m, "abx", 4, 1), (base + 0x19, m, "aby", 4, 1),
                  (base + 0x01, m, "izx", 6, 0), (base + 0x11, m, "izy", 5, 1)]
    for m, base in {"ASL": 0x00, "ROL": 0x20, "LSR": 0x40, "ROR": 0x60}.items():
        t += [(base + 0x0A, m, "acc", 2, 0), (base + 0x06, m, "zp", 5, 0),
              (base + 0x16, m, "zpx", 6, 0), (base + 0x0E, m, "abs", 6, 0),
              (base + 0x1E, m, "abx", 7, 0)]
    for m, base in {"DEC": 0xC0, "INC": 0xE0}.items():
        t += [(base + 0x06, m, "zp", 5, 0), (base + 0x16, m, "zpx", 6, 0),
              (base + 0x0E, m, "abs", 6, 0), (base + 0x1E, m, "abx", 7, 0)]
    t += [
        (0xA2, "LDX", "imm", 2, 0), (0xA6, "LDX", "zp", 3, 0), (0xB6, "LDX", "zpy", 4, 0),
        (0xAE, "LDX", "abs", 4, 0), (0xBE, "LDX", "aby", 4, 1),
        (0xA0, "LDY", "imm", 2, 0), (0xA4, "LDY", "zp", 3, 0), (0xB4, "LDY", "zpx", 4, 0),
        (0xAC, "LDY", "abs", 4, 0), (0xBC, "LDY", "abx", 4, 1),
        (0x86, "STX", "zp", 3, 0), (0x96, "STX", "zpy", 4, 0), (0x8E, "STX", "abs", 4, 0),
        (0x84, "STY", "zp", 3, 0), (0x94, "STY", "zpx", 4, 0), (0x8C, "STY", "abs", 4, 0),
        (0xE0, "CPX", "imm", 2, 0), (0xE4, "CPX", "zp", 3, 0), (0xEC, "CPX", "abs", 4, 0),
        (0xC0, "CPY", "imm", 2, 0), (0xC4, "CPY", "zp", 3, 0), (0xCC, "CPY", "abs", 4, 0),
        (0x24, "BIT", "zp", 3, 0), (0x2C, "BIT", "abs", 4, 0),
        (0x4C, "JMP", "abs", 3, 0), (0x6C, "JMP", "ind", 5, 0), (0x20, "JSR", "abs", 6, 0),
        (0x60, "RTS", "imp", 6, 0), (0x40, "RTI", "imp", 6, 0), (0x00, "BRK", "imp", 7, 0),
        (0x48, "PHA", "imp", 3, 0), (0x08, "PHP", "imp", 3, 0),
        (0x68, "PLA", "imp", 4, 0), (0x28, "PLP", "imp", 4, 0),
        (0xEA, "NOP", "imp", 2, 0),
    ]
    for op, m in [(0x18, "CLC"), (0x38, "SEC"), (0x58, "CLI"), (0x78, "SEI"), (0xB8, "CLV"),
                  (0xD8, "CLD"), (0xF8, "SED"), (0xAA, "TAX"), (0xA8, "TAY"), (0xBA, "TSX"),
                  (0x8A, "TXA"), (0x9A, "TXS"), (0x98, "TYA"), (0xCA, "DEX"), (0x88, "DEY"),
                  (0xE8, "INX"), (0xC8, "INY")]:
        t.append((op, m, "imp", 2, 0))
    for op, m in [(0x10, "BPL"), (0x30, "BMI"), (0x50, "BVC"), (0x70, "BVS"),
                  (0x90, "BCC"), (0xB0, "BCS"), (0xD0, "BNE"), (0xF0, "BEQ")]:
        t.append((op, m, "rel", 2, 1))
    return sorted(t)


OFFICIAL_OPCODES: List[Tuple[int, str, str, int, int]] = _build_official()
assert len(OFFICIAL_OPCODES) == 151, len(OFFICIAL_OPCODES)
assert len({row[0] for row in OFFICIAL_OPCODES}) == 151

_OPS: Dict[Tuple[str, str], int] = {(m, mode): op for op, m, mode, _, _ in OFFICIAL_OPCODES}
_MODE_LEN = {"imp": 1, "acc": 1, "imm": 2, "zp": 2, "zpx": 2, "zpy": 2, "rel": 2,
             "izx": 2, "izy": 2, "abs": 3, "abx": 3, "aby": 3, "ind": 3}
MODE_LENGTH = dict(_MODE_LEN)

# KIL / JAM / STP opcodes (https://www.nesdev.org/wiki/CPU_unofficial_opcodes).
KIL_OPCODES = (0x02, 0x12, 0x22, 0x32, 0x42, 0x52, 0x62, 0x72, 0x92, 0xB2, 0xD2, 0xF2)


class AsmError(ValueError):
    pass


_NUM = re.compile(r"^(\$[0-9A-Fa-f]+|%[01]+|[0-9]+|'.')$")


class _Expr:
    """An operand expression; `forced_abs` when written as 3-4 hex digits."""

    def __init__(self, text: str):
        self.text = text.strip()
        terms = re.findall(r"[+-]?[^+-]+", self.text.replace(" ", ""))
        self.terms = terms
        self.forced_abs = bool(re.fullmatch(r"\$[0-9A-Fa-f]{3,4}", self.text))
        self.has_label = any(not _NUM.match(t.lstrip("+-<>")) and t.lstrip("+-") != "*"
                             for t in terms)

    def value(self, labels: Dict[str, int], pc: int, final: bool) -> int:
        total = 0
        for term in self.terms:
            sign = -1 if term.startswith("-") else 1
            term = term.lstrip("+-")
            part = None
            if term[:1] in "<>" and len(term) > 1:
                part, term = term[0], term[1:]
            if term == "*":
                v = pc
            elif term.startswith("$"):
                v = int(term[1:], 16)
            elif term.startswith("%"):
                v = int(term[1:], 2)
            elif term.startswith("'"):
                v = ord(term[1])
            elif term.isdigit():
                v = int(term)
            elif term in labels:
                v = labels[term]
            elif not final:
                v = 0
            else:
                raise AsmError(f"unknown label {term!r}")
            if part == "<":
                v &= 0xFF
            elif part == ">":
                v = (v >> 8) & 0xFF
            total += sign * v
        return total


def _parse_operand(mnem: str, operand: str) -> Tuple[str, Optional[_Expr]]:
    """Return (mode family, expression); zp/abs choice is made later."""
    op = operand.strip()
    up = op.upper().replace(" ", "")
    if op == "":
        if (mnem, "acc") in _OPS and (mnem, "imp") not in _OPS:
            return "acc", None
        return "imp", None
    if up == "A" and (mnem, "acc") in _OPS:
        return "acc", None
    if op.startswith("#"):
        return "imm", _Expr(op[1:])
    if up.startswith("(") and up.endswith(",X)"):
        return "izx", _Expr(op[1:op.upper().rindex(",X")])
    if up.startswith("(") and up.endswith("),Y"):
        return "izy", _Expr(op[1:op.index(")")])
    if up.startswith("(") and up.endswith(")"):
        return "ind", _Expr(op[1:-1])
    if up.endswith(",X"):
        return "x", _Expr(op[:op.upper().rindex(",X")])
    if up.endswith(",Y"):
        return "y", _Expr(op[:op.upper().rindex(",Y")])
    if (mnem, "rel") in _OPS:
        return "rel", _Expr(op)
    return "mem", _Expr(op)


def _choose_mode(mnem: str, family: str, expr: Optional[_Expr], value_hint: int) -> str:
    if family in ("imp", "acc", "imm", "izx", "izy", "ind", "rel"):
        if (mnem, family) not in _OPS:
            raise AsmError(f"{mnem} has no {family} mode")
        return family
    zp, ab = {"mem": ("zp", "abs"), "x": ("zpx", "abx"), "y": ("zpy", "aby")}[family]
    want_zp = (expr is not None and not expr.forced_abs and not expr.has_label
               and 0 <= value_hint < 0x100)
    if want_zp and (mnem, zp) in _OPS:
        return zp
    if (mnem, ab) in _OPS:
        return ab
    if (mnem, zp) in _OPS and not (expr is not None and expr.forced_abs):
        return zp  # e.g. STX label,Y has only zp,Y
    raise AsmError(f"{mnem} has no {family} mode")


Source = Union[str, Sequence[str]]


def _lines(source: Source) -> List[str]:
    if isinstance(source, str):
        raw = source.splitlines()
    else:
        raw = []
        for item in source:
            raw += str(item).splitlines()
    out = []
    for line in raw:
        line = line.split(";", 1)[0].rstrip()
        if line.strip():
            out.append(line.strip())
    return out


def assemble(source: Source, origin: int = 0x8000, labels: Optional[Dict[str, int]] = None,
             fill: int = 0xFF) -> Tuple[bytes, Dict[str, int]]:
    """Assemble 6502 source at `origin`. Returns (bytes, labels).

    `labels` pre-defines symbols (e.g. RAM variables). Raises AsmError on bad input.
    """
    lines = _lines(source)
    known: Dict[str, int] = dict(labels or {})
    for final in (False, False, True):
        pc = origin
        out = bytearray()
        for line in lines:
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*)$", line)
            if m:
                known[m.group(1)] = pc
                line = m.group(2).strip()
                if not line:
                    continue
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$", line)
            if m:
                known[m.group(1)] = _Expr(m.group(2)).value(known, pc, final)
                continue
            parts = line.split(None, 1)
            word = parts[0]
            rest = parts[1] if len(parts) > 1 else ""
            if word.startswith("."):
                d = word.lower()
                if d in (".byte", ".db"):
                    data = bytes(_Expr(x).value(known, pc, final) & 0xFF
                                 for x in _split_args(rest))
                elif d in (".word", ".dw"):
                    data = b"".join((_Expr(x).value(known, pc, final) & 0xFFFF).to_bytes(2, "little")
                                    for x in _split_args(rest))
                elif d == ".org":
                    target = _Expr(rest).value(known, pc, True)
                    if target < pc:
                        raise AsmError(f".org ${target:04X} is behind ${pc:04X}")
                    data = bytes([fill]) * (target - pc)
                elif d == ".res":
                    data = bytes([fill]) * _Expr(rest).value(known, pc, True)
                else:
                    raise AsmError(f"unknown directive {word}")
                out += data
                pc += len(data)
                continue
            mnem = word.upper()
            family, expr = _parse_operand(mnem, rest)
            hint = expr.value(known, pc, False) if expr is not None else 0
            mode = _choose_mode(mnem, family, expr, hint)
            opc = _OPS[(mnem, mode)]
            n = _MODE_LEN[mode]
            enc = bytearray([opc])
            if expr is not None:
                v = expr.value(known, pc, final)
                if mode == "rel":
                    off = v - (pc + 2)
                    if final and not -128 <= off <= 127:
                        raise AsmError(f"branch out of range at ${pc:04X}: {line}")
                    enc.append(off & 0xFF)
                elif n == 2:
                    if final and not (-128 <= v <= 0xFF):
                        raise AsmError(f"operand too large for {mode}: {line}")
                    enc.append(v & 0xFF)
                else:
                    enc += (v & 0xFFFF).to_bytes(2, "little")
            out += enc
            pc += n
    return bytes(out), known


def _split_args(text: str) -> List[str]:
    return [a.strip() for a in text.split(",") if a.strip()]


def asm(source: Source, origin: int = 0x8000, labels: Optional[Dict[str, int]] = None) -> bytes:
    """Assemble and return only the bytes."""
    return assemble(source, origin, labels)[0]


# --------------------------------------------------------------------------------------
# iNES images
# --------------------------------------------------------------------------------------
MIRROR_HORIZONTAL = "horizontal"
MIRROR_VERTICAL = "vertical"


def header(prg_units: int, chr_units: int, mapper: int = 0, *, mirroring: str = "horizontal",
           battery: bool = False, trainer: bool = False, four_screen: bool = False,
           nes2: bool = False, submapper: int = 0, prg_msb: int = 0, chr_msb: int = 0,
           prg_ram_shift: int = 0, prg_nvram_shift: int = 0, chr_ram_shift: int = 0,
           chr_nvram_shift: int = 0, tail: bytes = b"") -> bytes:
    """A 16-byte iNES 1.0 (default) or NES 2.0 header. Sizes in header units (raw fields)."""
    f6 = ((mapper & 0x0F) << 4) | (0x08 if four_screen else 0) | (0x04 if trainer else 0) \
        | (0x02 if battery else 0) | (0x01 if mirroring == "vertical" else 0)
    f7 = (mapper & 0xF0) | (0x08 if nes2 else 0)
    h = bytearray(b"NES\x1a" + bytes([prg_units & 0xFF, chr_units & 0xFF, f6, f7]) + bytes(8))
    if nes2:
        h[8] = ((submapper & 0x0F) << 4) | ((mapper >> 8) & 0x0F)
        h[9] = ((chr_msb & 0x0F) << 4) | (prg_msb & 0x0F)
        h[10] = ((prg_nvram_shift & 0x0F) << 4) | (prg_ram_shift & 0x0F)
        h[11] = ((chr_nvram_shift & 0x0F) << 4) | (chr_ram_shift & 0x0F)
    if tail:
        h[16 - len(tail):] = tail
    return bytes(h)


def ines(prg: bytes, chr: bytes = b"", mapper: int = 0, *, mirroring: str = "horizontal",
         battery: bool = False, trainer: Optional[bytes] = None, four_screen: bool = False,
         nes2: bool = False, submapper: int = 0, prg_ram_shift: int = 0,
         prg_nvram_shift: int = 0, chr_ram_shift: int = 0, chr_nvram_shift: int = 0) -> bytes:
    """A whole image: header + optional trainer + PRG + CHR. PRG must be n*16 KiB, CHR n*8 KiB."""
    if len(prg) % 0x4000 or not prg:
        raise ValueError("PRG must be a non-zero multiple of 16 KiB")
    if len(chr) % 0x2000:
        raise ValueError("CHR must be a multiple of 8 KiB")
    if trainer is not None and len(trainer) != 512:
        raise ValueError("trainer must be 512 bytes")
    h = header(len(prg) // 0x4000, len(chr) // 0x2000, mapper, mirroring=mirroring,
               battery=battery, trainer=trainer is not None, four_screen=four_screen, nes2=nes2,
               submapper=submapper, prg_msb=(len(prg) // 0x4000) >> 8,
               chr_msb=(len(chr) // 0x2000) >> 8, prg_ram_shift=prg_ram_shift,
               prg_nvram_shift=prg_nvram_shift, chr_ram_shift=chr_ram_shift,
               chr_nvram_shift=chr_nvram_shift)
    return h + (trainer or b"") + bytes(prg) + bytes(chr)


def prg_image(source: Source, size: int = 0x8000, labels: Optional[Dict[str, int]] = None,
              vectors: Optional[Dict[str, Union[str, int]]] = None,
              origin: Optional[int] = None) -> Tuple[bytes, Dict[str, int]]:
    """Assemble `source` into a PRG ROM of `size` (16 or 32 KiB) mapped at $10000-size.

    The vectors at $FFFA (NMI, RESET, IRQ/BRK) default to the labels ``nmi``, ``reset`` and
    ``irq`` when they exist; otherwise RESET defaults to the start of the code and NMI/IRQ
    to an RTI placed after the code. `vectors` overrides (label name or address).
    """
    base = 0x10000 - size
    origin = base if origin is None else origin
    code, labs = assemble(source, origin, labels)
    rti_addr = origin + len(code)
    code = code + b"\x40"  # RTI, the default NMI/IRQ handler
    if origin - base + len(code) > size - 6:
        raise AsmError("program too large for the PRG ROM")
    prg = bytearray([0xFF]) * size
    prg[origin - base: origin - base + len(code)] = code
    vec = {"nmi": labs.get("nmi", rti_addr), "reset": labs.get("reset", origin),
           "irq": labs.get("irq", rti_addr)}
    for k, v in (vectors or {}).items():
        vec[k] = labs[v] if isinstance(v, str) else v
    prg[size - 6: size] = b"".join(int(vec[k]).to_bytes(2, "little") for k in ("nmi", "reset", "irq"))
    return bytes(prg), labs


def program_rom(source: Source, *, chr: Optional[bytes] = None, prg_size: int = 0x8000,
                mirroring: str = "horizontal", labels: Optional[Dict[str, int]] = None,
                vectors: Optional[Dict[str, Union[str, int]]] = None, **kw) -> bytes:
    """An NROM image running `source` (see prg_image). `chr=None` gives 8 KiB CHR RAM."""
    prg, _ = prg_image(source, prg_size, labels, vectors)
    return ines(prg, chr if chr is not None else b"", 0, mirroring=mirroring, **kw)


def program_rom_labels(source: Source, **kw) -> Tuple[bytes, Dict[str, int]]:
    """Like program_rom but also returns the label table."""
    prg_size = kw.pop("prg_size", 0x8000)
    prg, labs = prg_image(source, prg_size, kw.pop("labels", None), kw.pop("vectors", None))
    chr_ = kw.pop("chr", None)
    return ines(prg, chr_ if chr_ is not None else b"", 0, **kw), labs


# The init code every synthetic test ROM starts with: interrupts off, APU frame IRQ and
# DMC IRQ inhibited, stack at $01FF, NMI and rendering off (https://www.nesdev.org/wiki/Init_code).
INIT = """
        SEI
        CLD
        LDX #$40
        STX $4017
        LDX #$FF
        TXS
        INX
        STX $2000
        STX $2001
        STX $4010
"""


def tile(rows: Iterable[str]) -> bytes:
    """One 16-byte 2bpp CHR tile from 8 strings of 8 digits 0-3 (pixel colour numbers)."""
    rows = list(rows)
    assert len(rows) == 8 and all(len(r) == 8 for r in rows)
    lo = bytes(sum(((int(c) & 1) << (7 - i)) for i, c in enumerate(r)) for r in rows)
    hi = bytes(sum((((int(c) >> 1) & 1) << (7 - i)) for i, c in enumerate(r)) for r in rows)
    return lo + hi


def warm_up_and_palette(table: str) -> str:
    """6502 source: wait two vblanks (the PPU's warm-up, https://www.nesdev.org/wiki/Init_code),
    copy the 32 palette bytes at label `table` to $3F00, then point PPUADDR at $2000 (the first
    nametable) for the code that follows. Defines the labels ``wu_vbl1``, ``wu_vbl2``, ``wu_pal``."""
    return f"""
wu_vbl1: BIT $2002
        BPL wu_vbl1
wu_vbl2: BIT $2002
        BPL wu_vbl2
        LDA #$3F
        STA $2006
        LDA #$00
        STA $2006
        LDX #0
wu_pal: LDA {table},X
        STA $2007
        INX
        CPX #32
        BNE wu_pal
        LDA #$20
        STA $2006
        LDA #$00
        STA $2006
"""
