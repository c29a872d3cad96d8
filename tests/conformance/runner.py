"""Run the NES accuracy test ROMs listed in the shared corpus' manifest.json.

Where the corpus is found:
    1. the directory in the environment variable ``NESENV_TEST_ROMS`` (the folder that holds
       ``manifest.json``) when it is set, else
    2. ``../shared/nes-test-roms`` relative to the repository root.
If neither holds a manifest, the conformance tests are skipped (with that reason).

Result protocols (see the corpus README):
    blargg-6000  poll $6000 once per frame after $6001-$6003 = DE B0 61: $80 running,
                 $81 = press reset (we wait 12 frames, then NES.reset()), < $80 = result
                 (0 = pass); the message is the zero-terminated text at $6004. Without the
                 signature by the end of the budget, the screen text is used ("Passed").
    zeropage     run up to frame_budget frames and read the result byte ($F8 or $F0;
                 1 = pass). The screen verdict (PASSED/FAILED, or a last "$xx" equal to the
                 byte), unchanged for 30 frames, only ends the run early; the byte decides.
    screen       read the text from the nametables through ppu_peek (tile number = character
                 code; Holy Mapperel uses its sixbit charmap): cpu_timing_test6 must show
                 PASSED; Holy Mapperel must show "DETAILED TEST RESULT: 0000", the header's
                 mapper number on the first line, and the expected size lines.
    nestest-log  PC=$C000, A=X=Y=0, P=$24, SP=$FD, cycles=7, then every instruction is
                 compared with nestest.log (PC, opcode bytes, A X Y P SP, CYC) to the end.
    audio        run frame_budget frames; pass = the CPU did not jam.

A ROM whose mapper the core refuses (RomError naming the mapper) is "unsupported".

Use ``python -m tests.conformance.report`` for a pass table.
"""
from __future__ import annotations

import json
import os
import re
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from tests.conformance.expectations import MANIFEST_CORRECTIONS

ENV_VAR = "NESENV_TEST_ROMS"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "nes-test-roms"

BLARGG_SIGNATURE = (0xDE, 0xB0, 0x61)
RESET_DELAY_FRAMES = 12
POLL_EVERY = 5  # frames between screen polls (screen / zeropage protocols)
STABLE_POLLS = 6  # zeropage: verdict on screen and unchanged for 6 polls (30 frames)

PASS, FAIL, TIMEOUT, UNSUPPORTED, ERROR = "pass", "fail", "timeout", "unsupported", "error"


def corpus_dir() -> Optional[Path]:
    """The corpus folder (holding manifest.json), or None when it is absent."""
    env = os.environ.get(ENV_VAR)
    cand = Path(env) if env else DEFAULT_CORPUS  # an explicit setting is never overridden
    return cand if (cand / "manifest.json").is_file() else None


def corpus_missing_reason() -> str:
    env = os.environ.get(ENV_VAR)
    where = f"${ENV_VAR}={env!r}" if env else f"${ENV_VAR} unset, looked in {DEFAULT_CORPUS}"
    return f"NES test-ROM corpus not found ({where}; the folder needs a manifest.json)"


def load_manifest(root: Optional[Path] = None) -> List[dict]:
    """The corpus manifest's entries, with expectations.MANIFEST_CORRECTIONS applied."""
    root = root or corpus_dir()
    if root is None:
        return []
    with open(root / "manifest.json", encoding="utf-8") as f:
        entries = json.load(f)["roms"]
    for e in entries:
        fix = MANIFEST_CORRECTIONS.get(e["path"])
        if fix is not None:
            e["expected"] = {**e.get("expected", {}), **fix.get("expected", {})}
            if "header" in fix:
                e["header_patch"] = dict(fix["header"])
    return entries


def rom_id(entry: dict) -> str:
    """Test id: the manifest path without '.nes' (e.g. instr_test-v5/rom_singles/01-basics)."""
    p = entry["path"]
    return p[:-4] if p.endswith(".nes") else p


@dataclass
class Result:
    path: str
    suite: str
    status: str
    message: str = ""
    frames: int = 0
    seconds: float = 0.0
    notes: List[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == PASS

    @property
    def id(self) -> str:
        return self.path[:-4] if self.path.endswith(".nes") else self.path


# ------------------------------------------------------------------ screen text ---------
def tile_char(t: int, charmap: str) -> str:
    if charmap == "sixbit":
        if t < 0x20:
            return chr(0x40 + t)        # '@', 'A'..'Z', '[', '\\', ']', '^', '_'
        if t < 0x40:
            return chr(t)               # ' ', '!'.. digits .. '?'
        return " "
    return chr(t) if 0x20 <= t < 0x7F else " "


def nametable_lines(nes, base: int, charmap: str = "ascii") -> List[str]:
    """The 30 rows of the nametable at `base` as text (right-stripped)."""
    rows = []
    for row in range(30):
        a = base + row * 32
        rows.append("".join(tile_char(nes.ppu_peek(a + c), charmap) for c in range(32)).rstrip())
    return rows


def screen_text(nes, charmap: str = "ascii") -> str:
    """Text of every distinct nametable ($2000/$2400/$2800/$2C00), blank lines dropped."""
    seen, out = set(), []
    for base in (0x2000, 0x2400, 0x2800, 0x2C00):
        lines = nametable_lines(nes, base, charmap)
        key = tuple(lines)
        if key in seen:
            continue
        seen.add(key)
        out += [ln.strip() for ln in lines if ln.strip()]
    return "\n".join(out)


def one_line(text: str, limit: int = 400) -> str:
    t = " | ".join(ln for ln in text.splitlines() if ln.strip())
    return t if len(t) <= limit else t[:limit] + "..."


def read_cstring(nes, addr: int, limit: int = 1024) -> str:
    out = bytearray()
    for i in range(limit):
        b = nes.peek((addr + i) & 0xFFFF)
        if b == 0:
            break
        out.append(b)
    return out.decode("ascii", errors="replace")


# ------------------------------------------------------------------ protocols -----------
def _make(path: Path, header_patch: Optional[Dict[int, int]] = None):
    from nes_core import NES
    if not header_patch:
        return NES(path)
    data = bytearray(path.read_bytes())
    for offset, value in header_patch.items():
        data[offset] = value
    return NES(bytes(data))


def _jam_message(nes) -> str:
    r = nes.cpu_registers()
    return f"CPU jammed (PC=${r['pc']:04X}, opcode ${nes.peek((r['pc'] - 1) & 0xFFFF):02X}?)"


def _screen_verdict(nes, res: Result) -> bool:
    """blargg's text ends with "Passed" or "Failed"/"Failed #n": for a board without RAM at
    $6000 (cpu_dummy_reads on CNROM) the screen is the only report."""
    text = screen_text(nes)
    if re.search(r"^Passed$", text, re.M) and not re.search(r"Failed", text):
        res.status, res.message = PASS, "(from the screen) " + one_line(text)
        return True
    if re.search(r"^Failed", text, re.M):
        res.status, res.message = FAIL, "(from the screen) " + one_line(text)
        return True
    return False


def run_blargg_6000(nes, entry: dict, res: Result) -> None:
    budget = int(entry["frame_budget"])
    addr = int(str(entry.get("result_address", "0x6000")), 16)
    pass_value = int(entry.get("pass_value", 0))
    reset_at: Optional[int] = None
    after_reset = False
    resets = 0
    status = None
    seen_signature = False
    for frame in range(1, budget + 1):
        nes.step(1)
        res.frames = frame
        if nes.jammed:
            res.status, res.message = FAIL, _jam_message(nes)
            return
        sig = tuple(nes.peek(addr + 1 + i) for i in range(3))
        if sig != BLARGG_SIGNATURE:
            if not seen_signature and frame % POLL_EVERY == 0 and _screen_verdict(nes, res):
                return  # no RAM at $6000 on this board: the screen said Passed / Failed
            continue
        seen_signature = True
        status = nes.peek(addr)
        if status == 0x81:
            if after_reset:
                continue          # still the old request, the ROM has not run on yet
            if reset_at is None:
                reset_at = frame + RESET_DELAY_FRAMES
            if frame >= reset_at:
                nes.reset()
                resets += 1
                reset_at = None
                after_reset = True
            continue
        after_reset = False
        reset_at = None
        if status < 0x80:
            text = read_cstring(nes, addr + 4).strip()
            res.message = text
            if resets:
                res.notes.append(f"{resets} reset(s)")
            res.status = PASS if status == pass_value else FAIL
            if status != pass_value:
                res.message = f"status ${status:02X}: {text}"
            return
    # budget exhausted
    text = screen_text(nes)
    if not seen_signature:
        if _screen_verdict(nes, res):
            return
        res.status = TIMEOUT
        res.message = (f"no DE B0 61 signature at ${addr + 1:04X} after {budget} frames; "
                       f"screen: {one_line(text) or '(blank)'}")
        return
    res.status = TIMEOUT
    extra = " (waiting for the ROM to continue after reset)" if after_reset else ""
    res.message = (f"still running after {budget} frames: ${addr:04X}=${status:02X}{extra}; "
                   f"text: {read_cstring(nes, addr + 4).strip()!r}; screen: {one_line(text)}")


def _zeropage_verdict(text: str, addr: int, value: int) -> bool:
    """Has the ROM printed its final verdict? $F8 suites print PASSED / FAILED: #n; the $F0
    suites print values while they run (e.g. "$F8 $00 $1E") and end with the result code,
    so there the last "$xx" on screen must equal the result byte."""
    if addr == 0xF8:
        return re.search(r"PASSED|FAIL", text) is not None
    tokens = re.findall(r"\$([0-9A-F]{2})\b", text)
    return bool(tokens) and value != 0 and int(tokens[-1], 16) == value


def run_zeropage(nes, entry: dict, res: Result) -> None:
    budget = int(entry["frame_budget"])
    addr = int(str(entry["result_address"]), 16)
    pass_value = int(entry.get("pass_value", 1))
    text = ""
    frame = 0
    last = None
    stable = 0
    verdict = False
    while frame < budget:
        n = min(POLL_EVERY, budget - frame)
        nes.step(n)
        frame += n
        if nes.jammed:
            res.frames, res.status, res.message = frame, FAIL, _jam_message(nes)
            return
        text = screen_text(nes)
        value = nes.peek(addr)
        verdict = _zeropage_verdict(text, addr, value)
        # stop once the verdict is on screen and nothing changed for STABLE_POLLS polls
        stable = stable + 1 if (verdict and last == (text, value)) else 0
        if stable >= STABLE_POLLS:
            break
        last = (text, value)
    res.frames = frame
    value = nes.peek(addr)
    res.message = f"${addr:02X}=${value:02X}; screen: {one_line(text) or '(blank)'}"
    if value == pass_value:
        res.status = PASS
        return
    res.status = FAIL
    if value == 0:
        res.message = "internal error (result byte 0); " + res.message
    elif not verdict:
        res.status = TIMEOUT if frame >= budget else FAIL
        res.message = f"no verdict on screen after {frame} frames; " + res.message
    else:
        res.message = f"sub-test #{value} failed (see the suite readme); " + res.message


def _norm(s: str) -> str:
    return s.upper().replace("O", "0")


def run_screen(nes, entry: dict, res: Result) -> None:
    budget = int(entry["frame_budget"])
    font = entry.get("font") or {}
    charmap = font.get("charmap", "ascii")
    expected = entry.get("expected", {})
    holy = "detailed_result" in expected
    text = ""
    frame = 0
    found = False
    while frame < budget:
        n = min(POLL_EVERY, budget - frame)
        nes.step(n)
        frame += n
        if nes.jammed:
            res.frames, res.status, res.message = frame, FAIL, _jam_message(nes)
            return
        text = screen_text(nes, charmap)
        if holy:
            found = re.search(r"DETAILED TEST RESULT:\s*([0-9A-FO]{4})", text) is not None
        else:
            found = re.search(r"PASSED|FAIL|WRONG|ERROR", text) is not None
        if found:
            nes.step(POLL_EVERY * 2)  # let the ROM finish printing
            frame += POLL_EVERY * 2
            text = screen_text(nes, charmap)
            break
    res.frames = frame
    shown = one_line(text) or "(blank screen)"
    if not found:
        res.status = TIMEOUT
        res.message = f"no result on screen after {frame} frames; screen: {shown}"
        return
    if not holy:
        want = expected.get("screen_text", "PASSED")
        ok = want in text and not re.search(r"FAIL|WRONG|ERROR", text)
        res.status = PASS if ok else FAIL
        res.message = shown
        return
    problems = []
    m = re.search(r"DETAILED TEST RESULT:\s*([0-9A-FO]{4})", text)
    if _norm(m.group(1)) != _norm(expected["detailed_result"]):
        problems.append(f"detailed result {m.group(1)} (want {expected['detailed_result']}: "
                        "digits = WRAM, PRG ROM, IRQ, CHR)")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    prefix = expected.get("mapper_line_prefix")
    if prefix is not None and not (lines and _norm(lines[0]).startswith(_norm(prefix))):
        problems.append(f"first line {lines[0] if lines else ''!r} does not start with mapper {prefix}")
    norm_text = _norm(text)
    for want in expected.get("screen_lines", []):
        if _norm(want) not in norm_text:
            problems.append(f"missing line {want!r}")
    res.status = FAIL if problems else PASS
    res.message = ("; ".join(problems) + "; screen: " + shown) if problems else shown


_LOG_RE = re.compile(
    r"^(?P<pc>[0-9A-F]{4})\s+(?P<bytes>(?:[0-9A-F]{2} ){1,3})\s*.*?"
    r"A:(?P<a>[0-9A-F]{2}) X:(?P<x>[0-9A-F]{2}) Y:(?P<y>[0-9A-F]{2}) P:(?P<p>[0-9A-F]{2}) "
    r"SP:(?P<sp>[0-9A-F]{2}) PPU:\s*(?P<sl>-?\d+),\s*(?P<dot>\d+) CYC:(?P<cyc>\d+)")


def parse_nestest_log(path: Path) -> List[dict]:
    rows = []
    with open(path, encoding="ascii", errors="replace") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            m = _LOG_RE.match(line)
            if not m:
                raise ValueError(f"{path}:{n}: cannot parse {line!r}")
            rows.append(dict(line=n, text=line, pc=int(m["pc"], 16),
                             bytes=[int(b, 16) for b in m["bytes"].split()],
                             a=int(m["a"], 16), x=int(m["x"], 16), y=int(m["y"], 16),
                             p=int(m["p"], 16), sp=int(m["sp"], 16),
                             ppu=(int(m["sl"]), int(m["dot"])), cycles=int(m["cyc"])))
    return rows


def _fmt_state(pc, code, r, cyc, ppu=None) -> str:
    b = " ".join(f"{v:02X}" for v in code)
    s = (f"{pc:04X}  {b:<8}  A:{r['a']:02X} X:{r['x']:02X} Y:{r['y']:02X} P:{r['p']:02X} "
         f"SP:{r['sp']:02X}")
    if ppu is not None:
        s += f" PPU:{ppu[0]:3d},{ppu[1]:3d}"
    return s + f" CYC:{cyc}"


def run_nestest(nes, entry: dict, res: Result, root: Path) -> None:
    log = parse_nestest_log(root / entry.get("log", "nestest/nestest.log"))
    nes.set_cpu_registers(pc=0xC000, a=0, x=0, y=0, p=0x24, sp=0xFD, cycles=7)
    has_pos = hasattr(nes, "ppu_position")
    ppu_note = None
    for i, row in enumerate(log):
        r = nes.cpu_registers()
        code = [nes.peek((r["pc"] + k) & 0xFFFF) for k in range(len(row["bytes"]))]
        problems = []
        if r["pc"] != row["pc"]:
            problems.append(f"PC ${r['pc']:04X} != ${row['pc']:04X}")
        elif code != row["bytes"]:
            problems.append("opcode bytes " + " ".join(f"{v:02X}" for v in code))
        for k in ("a", "x", "y", "p", "sp"):
            if r[k] != row[k]:
                problems.append(f"{k.upper()} ${r[k]:02X} != ${row[k]:02X}")
        if not problems and r["cycles"] != row["cycles"]:
            problems.append(f"CYC {r['cycles']} != {row['cycles']}")
        pos = tuple(nes.ppu_position()) if has_pos else None
        if problems:
            ctx = "\n".join(f"      {x['line']:5d}  {x['text']}" for x in log[max(0, i - 4):i])
            res.status = FAIL
            res.frames = nes.frame
            res.message = (
                f"nestest.log line {row['line']}: {', '.join(problems)}\n"
                f"    expected context:\n{ctx}\n"
                f"    want  {row['line']:5d}  {row['text']}\n"
                f"    got          {_fmt_state(r['pc'], code, r, r['cycles'], pos)}")
            return
        if has_pos and ppu_note is None and pos != row["ppu"]:
            ppu_note = (f"PPU column first differs at line {row['line']}: "
                        f"got {pos}, log {row['ppu']} (informational)")
        if i + 1 < len(log):
            nes.step_instruction()
            if nes.jammed:
                res.status, res.message = FAIL, (f"after line {row['line']}: " + _jam_message(nes))
                return
    res.status = PASS
    res.frames = nes.frame
    res.message = (f"all {len(log)} lines match (PC, bytes, A X Y P SP, CYC); "
                   f"$02=${nes.peek(2):02X} $03=${nes.peek(3):02X}")
    if ppu_note:
        res.notes.append(ppu_note)
    elif has_pos:
        res.notes.append("PPU column matches too")


def run_audio(nes, entry: dict, res: Result) -> None:
    budget = int(entry["frame_budget"])
    step = 60
    frame = 0
    while frame < budget:
        n = min(step, budget - frame)
        nes.step(n)
        frame += n
        if nes.jammed:
            res.frames, res.status, res.message = frame, FAIL, _jam_message(nes)
            return
    res.frames = frame
    res.status = PASS
    res.message = f"ran {frame} frames without jamming (audio result not checked)"


PROTOCOLS: Dict[str, Callable] = {
    "blargg-6000": run_blargg_6000,
    "zeropage": run_zeropage,
    "screen": run_screen,
    "audio": run_audio,
}


def run_entry(entry: dict, root: Optional[Path] = None) -> Result:
    """Run one manifest ROM to its verdict. Never raises (errors become ERROR results)."""
    root = root or corpus_dir()
    res = Result(path=entry["path"], suite=entry["suite"], status=ERROR)
    t0 = time.perf_counter()
    try:
        from nes_core import RomError
        try:
            nes = _make(root / entry["path"], entry.get("header_patch"))
        except RomError as e:
            msg = str(e)
            if "mapper" in msg.lower():
                res.status = UNSUPPORTED
                n = entry.get("mapper")
                res.message = (msg if re.match(rf"unsupported mapper {n}\b", msg)
                               else f"unsupported mapper {n}: {msg}")
            else:
                res.status = ERROR
                res.message = f"RomError: {msg}"
            return res
        proto = entry["protocol"]
        if proto == "nestest-log":
            run_nestest(nes, entry, res, root)
        elif proto in PROTOCOLS:
            PROTOCOLS[proto](nes, entry, res)
        else:
            res.status, res.message = ERROR, f"unknown protocol {proto!r}"
    except Exception as e:  # a harness or core exception: report, do not crash the run
        res.status = ERROR
        res.message = f"{type(e).__name__}: {e}\n" + "".join(
            traceback.format_exception(type(e), e, e.__traceback__)[-3:])
    finally:
        res.seconds = time.perf_counter() - t0
    return res
