"""Write the seed inputs of a fuzz target into a folder (generated at run time, not committed:
the test-ROM corpus is not ours to commit).

    python tests/fuzz/seeds.py TARGET OUT_DIR [--roms FOLDER] [--max-len BYTES]

Seeds: the handmade ROMs of tests/fuzz/_targets.py, NES 2.0 and odd-size header variants of
them, the .nes files of the test-ROM corpus (``--roms``, default ``$NESENV_TEST_ROMS`` or
``../shared/nes-test-roms`` beside the repository; skipped when absent) up to ``--max-len``
bytes, and for the state targets valid states of every handmade ROM at several points
(power-on, between frames, mid-frame; with and without the screen).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from nes_core import NES  # noqa: E402

from tests.fuzz._targets import TARGETS, roms  # noqa: E402


def corpus_roms(folder: Path, max_len: int) -> Iterator[bytes]:
    if not folder.is_dir():
        print(f"seeds: no test-ROM corpus at {folder}; handmade ROMs only", file=sys.stderr)
        return
    for path in sorted(folder.rglob("*.nes")):
        if path.stat().st_size <= max_len:
            yield path.read_bytes()


def header_variants(rom: bytes) -> Iterator[bytes]:
    """The same image under headers stating other sizes: NES 2.0 RAM shifts, CHR RAM of odd
    sizes, the exponent size form, a trainer flag, four-screen."""
    h = bytearray(rom[:16])
    body = rom[16:]
    nes2 = bytearray(h)
    nes2[7] = (nes2[7] & 0xF0) | 0x08
    for prg_ram, chr_ram in ((0, 0), (1, 1), (7, 7), (9, 2), (15, 15)):
        v = bytearray(nes2)
        v[10], v[11] = prg_ram, chr_ram
        yield bytes(v) + body
    v = bytearray(nes2)
    v[9] |= 0x0F  # PRG size in exponent form: 2^E * (2M+1) bytes
    v[4] = (14 << 2) | 0  # 16 KiB
    yield bytes(v) + body
    for flag in (0x04, 0x08):
        v = bytearray(h)
        v[6] |= flag
        yield bytes(v) + (bytes(512) if flag == 0x04 else b"") + body


def states() -> Iterator[bytes]:
    """``[rom][mode][blob]`` state inputs (mode 0: re-stamped; mode 1: raw)."""
    for index, rom in enumerate(roms()):
        nes = NES(rom)
        for frames in (0, 1, 6, 40):
            nes.step(frames)
            yield bytes([index, 0]) + nes.save_state()
        for _ in range(1500):  # mid-frame, in the middle of the picture
            nes.step_instruction()
        yield bytes([index, 0]) + nes.save_state()
        yield bytes([index, 0]) + nes.save_state(screen=True)
        yield bytes([index, 1]) + nes.save_state()


def seeds(target: str, rom_folder: Path, max_len: int) -> Iterator[bytes]:
    handmade = list(roms())
    rom_seeds = handmade + [v for r in handmade for v in header_variants(r)]
    rom_seeds += list(corpus_roms(rom_folder, max_len))
    if target == "rom":
        yield from rom_seeds
    elif target == "state":
        yield from states()
    else:  # step: [kind][buttons][rest]; buttons vary so input paths are seeded too
        for i, rom in enumerate(rom_seeds):
            yield bytes([1, (0x08, 0x81, 0x00, 0x41)[i % 4]]) + rom
        for i, state in enumerate(states()):
            yield bytes([0, (0x00, 0x80, 0x09)[i % 3]]) + state


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("target", choices=sorted(TARGETS))
    ap.add_argument("out", type=Path)
    default = os.environ.get("NESENV_TEST_ROMS") or str(ROOT.parent / "shared" / "nes-test-roms")
    ap.add_argument("--roms", type=Path, default=Path(default))
    ap.add_argument("--max-len", type=int, default=1 << 18)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    n = 0
    for data in seeds(args.target, args.roms, args.max_len):
        (args.out / hashlib.sha1(data).hexdigest()).write_bytes(data)
        n += 1
    print(f"seeds: {n} inputs for {args.target} in {args.out}")


if __name__ == "__main__":
    main()
