"""Save-state blobs for tests and fuzzers: the header layout and the checksum of
``nes_core/src/state.c``, so that a test can edit a field and re-stamp the blob; the
checksum then no longer guards the payload, and only the loader's checks do.

Header (36 bytes, little-endian): ``"NESENVST"``, format version (u32), ROM hash (u64),
payload length (u64), payload checksum (u64); then sections of a 4-byte tag, a u32 length and
the section's bytes.
"""
from __future__ import annotations

import struct
from typing import Dict, Tuple

import numpy as np

HEADER = 36
_M64 = (1 << 64) - 1


def checksum(payload: bytes) -> int:
    """The core's payload checksum: four 64-bit lanes and their running sums, then the tail
    bytes FNV-1a style, all mixed into one 64-bit value."""
    n32 = len(payload) // 32 * 32
    s = [0] * 8
    if n32:
        w = np.frombuffer(payload[:n32], dtype="<u8").reshape(-1, 4)
        with np.errstate(over="ignore"):
            a = np.cumsum(w, axis=0, dtype=np.uint64)
            b = np.sum(a, axis=0, dtype=np.uint64)
        s = [int(v) for v in a[-1]] + [int(v) for v in b]
    h = (len(payload) * 0x9E3779B97F4A7C15) & _M64
    for byte in payload[n32:]:
        h = ((h ^ byte) * 0x100000001B3) & _M64
    for v in s:
        h = ((h ^ v) * 0xFF51AFD7ED558CCD) & _M64
        h ^= h >> 32
    return h


def restamp(blob: bytes) -> bytes:
    """``blob`` with its payload length and checksum recomputed (the rest kept)."""
    payload = bytes(blob[HEADER:])
    return bytes(blob[:20]) + struct.pack("<QQ", len(payload), checksum(payload)) + payload


def sections(blob: bytes) -> Dict[str, Tuple[int, int]]:
    """{tag: (offset of the section's data in the blob, its length)}."""
    out, pos = {}, HEADER
    while pos + 8 <= len(blob):
        tag = blob[pos:pos + 4].decode("latin-1")
        (size,) = struct.unpack("<I", blob[pos + 4:pos + 8])
        out[tag] = (pos + 8, size)
        pos += 8 + size
    return out


def edit(blob: bytes, tag: str, offset: int, data: bytes) -> bytes:
    """Overwrite ``data`` at ``offset`` of section ``tag`` and re-stamp the blob."""
    start, size = sections(blob)[tag]
    if offset + len(data) > size:
        raise ValueError(f"section {tag} has {size} bytes; cannot write {len(data)} at {offset}")
    b = bytearray(blob)
    b[start + offset:start + offset + len(data)] = data
    return restamp(bytes(b))
