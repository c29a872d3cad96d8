"""ROMs, a test game module and comparison helpers for the vector env and thread-pool tests.

* :func:`echo_rom`: a synthetic NROM image (always available) whose NMI handler reads
  controller 1 every frame, counts frames and sums the button bytes in RAM, and shows the
  buttons as the backdrop colour and the colour-emphasis bits, so frames and RAM depend on the
  actions;
* :class:`EchoGame`: a game module for it with a reward, an action-driven termination, counters
  of its own and an ``after_step`` that skips frames, to drive the env-by-env path of the vector
  env;
* :func:`corpus_roms`: free test ROMs of several boards from the shared corpus
  (``$NESENV_TEST_ROMS`` or ``../shared/nes-test-roms``);
* :func:`smb_rom`: the imported Super Mario Bros. ROM, or a skip naming the import command.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np
import pytest

from games import Game
from games.spec import AllOf, ConditionReward, DeltaReward, GameSpec, InfoKey, Ram, SkipRule, Var
from tests.ines import INIT, program_rom

ECHO_FRAMES = 0x10  # NMI count (frames), mod 256
ECHO_BUTTONS = 0x11  # controller 1 as read, first-read button (A) in bit 7
ECHO_SUM = 0x12  # running sum of ECHO_BUTTONS, mod 256

ECHO_SOURCE = INIT + """
vw1:    BIT $2002
        BPL vw1
vw2:    BIT $2002
        BPL vw2
        LDA #$80
        STA $2000
idle:   JMP idle
nmi:    PHA
        TXA
        PHA
        LDA #$01
        STA $4016
        LDA #$00
        STA $4016
        LDX #$08
rd:     LDA $4016
        LSR A
        ROL $11
        DEX
        BNE rd
        INC $10
        LDA $12
        CLC
        ADC $11
        STA $12
        LDA #$3F
        STA $2006
        LDA #$00
        STA $2006
        LDA $11
        AND #$3F
        STA $2007
        LDA #$00
        STA $2006
        STA $2006
        LDA $11
        AND #$E0
        STA $2001
        PLA
        TAX
        PLA
        RTI
"""


def echo_rom() -> bytes:
    """The synthetic input-echo ROM (NROM, 32 KiB PRG, CHR RAM)."""
    return program_rom(ECHO_SOURCE)


def write_echo_rom(folder: Path) -> Path:
    path = folder / "echo.nes"
    path.write_bytes(echo_rom())
    return path


class EchoGame(Game):
    """Test game for :func:`echo_rom`: reward = button bits set, ends when A and B are held.

    ``after_step`` runs 3 extra frames with no buttons when Start was read, like a game module
    that skips a cut-scene, so the vector env must redraw that env's frame.
    """

    name = "echo"
    reward_range = (-1.0, 5.0)

    def __init__(self):
        self.steps = 0

    def start(self, console) -> None:
        console.step(3)

    def reset(self, ram) -> None:
        self.steps = 0

    def step(self, ram) -> Tuple[float, bool]:
        self.steps += 1
        buttons = int(ram[ECHO_BUTTONS])
        return float(bin(buttons).count("1")), (buttons & 0xC0) == 0xC0

    def info(self, ram) -> Dict[str, Any]:
        return {"frames": int(ram[ECHO_FRAMES]), "sum": int(ram[ECHO_SUM]), "steps": self.steps,
                "odd": bool(ram[ECHO_SUM] & 1)}

    def after_step(self, console, terminated: bool) -> None:
        if not terminated and int(console.ram[ECHO_BUTTONS]) & 0x10:  # Start (4th read)
            console.step(3, 0)


class EchoSpecGame(Game):
    """A spec game for :func:`echo_rom` (evaluated in C by the vector env's pool): reward 1 when
    the frame counter moved by exactly 1, plus 0.5 while A is read; ends when A and B are read,
    truncated when Select alone is; after a step that read Start without A, B or Select, a skip
    rule clears the sum byte and runs up to 3 frames with no buttons."""

    name = "echo spec"
    reward_range = (-1.0, 5.0)
    spec = GameSpec(
        variables={"buttons": Ram(ECHO_BUTTONS), "frames": Ram(ECHO_FRAMES)},
        rewards=(DeltaReward("frames", low=1, high=1, name="frames"),
                 ConditionReward(AllOf(Var("buttons").gt(0x7F)), 0.5)),
        terminated=AllOf(Var("buttons").ge(0xC0), Var("buttons").lt(0x100)),
        truncated=Var("buttons").eq(0x20),
        info=(InfoKey("frames", "frames"), InfoKey("sum", Ram(ECHO_SUM)),
              InfoKey("start", AllOf(Var("buttons").isin(range(0x10, 0x20))), kind="bool")),
        skips=(SkipRule("the Start pause", when=Var("buttons").isin(range(0x10, 0x20)),
                        writes=((ECHO_SUM, 0),), max_frames=3),),
    )

    def start(self, console) -> None:
        console.step(3)


def corpus_dir():
    from tests.conformance.runner import corpus_dir as find

    return find()


# one ROM per board family, picked for pictures that change over their first frames
CORPUS_PICKS = (
    "holy-mapperel/M4_P128K_CR8K.nes",  # MMC3: PPU address hook, A12 IRQ
    "holy-mapperel/M1_P128K_C32K_W8K.nes",  # MMC1
    "sprite_hit_tests_2005.10.05/01.basics.nes",  # NROM, CHR RAM
    "instr_misc/instr_misc.nes",  # MMC1, text output
)


def corpus_roms() -> List[Path]:
    """Paths of :data:`CORPUS_PICKS` present in the corpus; skip the test when it is missing."""
    from tests.conformance.runner import corpus_missing_reason

    root = corpus_dir()
    if root is None:
        pytest.skip(corpus_missing_reason())
    found = [root / p for p in CORPUS_PICKS if (root / p).is_file()]
    if not found:
        pytest.skip(f"none of {CORPUS_PICKS} in the corpus at {root}")
    return found


def smb_rom() -> Path:
    """Path of the imported Super Mario Bros. ROM; skip (with the import command) without it."""
    from games import SuperMarioBros
    from nesenv import roms

    try:
        return roms.find_rom(SuperMarioBros, "vanilla")
    except roms.RomNotFoundError as exc:
        pytest.skip(f"Super Mario Bros. ROM not imported: {str(exc).splitlines()[0]} "
                    f"(import it with: {roms.IMPORT_COMMAND})")


# --- comparisons -----------------------------------------------------------------------------------
def assert_infos_equal(got: Dict[str, Any], want: Dict[str, Any], where: str) -> None:
    assert set(got) == set(want), f"{where}: info keys {sorted(got)} != {sorted(want)}"
    for key in want:
        g, w = got[key], want[key]
        if isinstance(w, dict):
            assert_infos_equal(g, w, f"{where} info[{key!r}]")
            continue
        assert g.dtype == w.dtype, f"{where}: info[{key!r}] dtype {g.dtype} != {w.dtype}"
        assert g.shape == w.shape, f"{where}: info[{key!r}] shape {g.shape} != {w.shape}"
        assert (g == w).all(), f"{where}: info[{key!r}] {g} != {w}"


def assert_results_equal(got, want, where: str, obs_transform=None) -> None:
    """Compare two ``step`` 5-tuples (or ``reset`` 2-tuples) of vector envs exactly."""
    assert len(got) == len(want)
    obs_want = want[0] if obs_transform is None else obs_transform(want[0])
    assert got[0].dtype == obs_want.dtype and got[0].shape == obs_want.shape, where
    if not np.array_equal(got[0], obs_want):
        bad = sorted({int(i) for i in np.argwhere(got[0] != obs_want)[:, 0]})
        raise AssertionError(f"{where}: observations of envs {bad} differ")
    if len(want) == 5:
        for k, name in ((1, "rewards"), (2, "terminations"), (3, "truncations")):
            assert got[k].dtype == want[k].dtype, f"{where}: {name} dtype {got[k].dtype} != {want[k].dtype}"
            assert np.array_equal(got[k], want[k]), f"{where}: {name} {got[k]} != {want[k]}"
    assert_infos_equal(got[-1], want[-1], where)


def run_side_by_side(vec, ref, actions, obs_transform=None) -> Dict[str, int]:
    """Reset both vector envs, step them with the same action rows, compare every result.

    Returns counts of terminations, truncations and autoresets seen (to check the run covered
    episode ends).
    """
    assert_results_equal(vec.reset(seed=0), ref.reset(seed=0), "reset", obs_transform)
    ends = {"terminations": 0, "truncations": 0}
    for t, a in enumerate(actions):
        got, want = vec.step(a), ref.step(a)
        assert_results_equal(got, want, f"step {t}", obs_transform)
        ends["terminations"] += int(want[2].sum())
        ends["truncations"] += int(want[3].sum())
    return ends
