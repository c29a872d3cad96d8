"""Save states, determinism, reset and power cycle.

The demo ROM renders, takes NMIs, reads pad 1, scrolls with it and writes nametable bytes
from an LFSR that runs in the main loop, so RAM and the picture depend on exact timing and
input: any state the save format misses shows up as a divergence.

Save-state layout assumed by the version test (nes_core/src/state.c): "NESENVST", then
the format version as a little-endian u32 at offset 8.
"""
import struct

import numpy as np
import pytest

from nes_core import NES, StateError

from tests.ines import INIT, ines, prg_image, tile
from tests.unit._helpers import RESET_COUNT, harness_rom
from tests.states import sections

DEMO = INIT + """
vbl1:   BIT $2002
        BPL vbl1
vbl2:   BIT $2002
        BPL vbl2
        LDA #$3F
        STA $2006
        LDA #$00
        STA $2006
        LDX #0
pal:    LDA palette,X
        STA $2007
        INX
        CPX #32
        BNE pal
        LDA #1
        STA $20
        LDA #$80
        STA $2000
        LDA #$1E
        STA $2001
main:   LDA $20
        ASL A
        ROL $21
        BCC nofb
        EOR #$2D
nofb:   STA $20
        LDX $22
        STA $0300,X
        INC $22
        JMP main
nmi:    PHA
        TXA
        PHA
        INC $10
        LDA #1
        STA $4016
        LDA #0
        STA $4016
        LDX #8
rd:     LDA $4016
        LSR A
        ROL $11
        DEX
        BNE rd
        LDA $2002
        LDA #$20
        STA $2006
        LDA $10
        STA $2006
        LDA $20
        AND #$03
        STA $2007
        LDA $11
        STA $2005
        LDA #0
        STA $2005
        LDA #$80
        STA $2000
        PLA
        TAX
        PLA
        RTI
palette:
        .byte $0F, $16, $2A, $30, $0F, $12, $27, $38, $0F, $01, $11, $21, $0F, $05, $15, $25
        .byte $0F, $16, $2A, $30, $0F, $12, $27, $38, $0F, $01, $11, $21, $0F, $05, $15, $25
"""


def demo_rom():
    t = [tile(["00000000"] * 8),
         tile(["01230123", "12301230", "23012301", "30123012"] * 2),
         tile(["11111111", "10000001"] * 4),
         tile(["33333333"] * 4 + ["22222222"] * 4)]
    data = b"".join(t) * 64
    prg, _ = prg_image(DEMO, 0x8000)
    return ines(prg, data + bytes(0x2000 - len(data)), mirroring="vertical")


DEMO_ROM = demo_rom()


def inputs(n, seed):
    rng = np.random.default_rng(seed)
    return [int(v) for v in rng.integers(0, 256, size=n)]


def run(nes, buttons):
    for b in buttons:
        nes.step(1, buttons=b)


def snapshot(nes, screen=True):
    picture = nes.screen.tobytes() if screen else None
    return (bytes(nes.ram), picture, nes.frame, nes.cpu_registers(),
            nes.peek(0x6000), nes.ppu_peek(0x2000), nes.ppu_peek(0x2001))


def assert_untouched(nes, before_state, before_snap):
    assert nes.save_state() == before_state
    assert snapshot(nes) == before_snap


@pytest.fixture
def running():
    nes = NES(DEMO_ROM)
    run(nes, inputs(40, 1))
    return nes


def test_demo_rom_is_not_trivial(running):
    # the picture has several colours and RAM changes every frame
    assert len(np.unique(running.screen.reshape(-1, 3), axis=0)) >= 3
    ram0 = bytes(running.ram)
    running.step(1)
    assert bytes(running.ram) != ram0


@pytest.mark.parametrize("screen", [False, True])
def test_save_state_is_bytes_and_round_trips(running, screen):
    """save -> load -> save gives the same bytes: loading restores exactly what was saved
    (no field adjusted on load), so states can be compared and hashed."""
    s = running.save_state(screen=screen)
    assert isinstance(s, bytes)
    assert s[:8] == b"NESENVST"
    running.load_state(s)
    again = running.save_state(screen=screen)
    if again != s:
        diff = [i for i in range(36, min(len(s), len(again))) if s[i] != again[i]]
        where = ", ".join(f"{_section_at(s, i)}: {s[i]:#04x} -> {again[i]:#04x}" for i in diff[:5])
        pytest.fail(f"state changed across load: {len(diff)} payload byte(s) differ "
                    f"({where or 'lengths differ'})")


@pytest.mark.parametrize("screen", [False, True])
def test_save_run_load_run_is_identical(running, screen):
    s = running.save_state(screen=screen)
    frame0 = running.frame
    screen_at_save = running.screen.copy()
    seq = inputs(30, 2)
    run(running, seq)
    after = snapshot(running)
    state_after = running.save_state()
    running.load_state(s)
    assert running.frame == frame0
    if screen:
        np.testing.assert_array_equal(running.screen, screen_at_save)
    else:
        with pytest.raises(StateError, match="screen=True"):
            running.screen
    run(running, seq)
    assert snapshot(running) == after
    assert running.save_state() == state_after


def test_screen_section_is_the_picture_and_its_emphasis(running):
    bare, full = running.save_state(), running.save_state(screen=True)
    # section header (8) + validity byte + 240 emphasis bytes + each line's scroll (240 x 2
    # bytes of loopy v, 240 of fine X and PPUMASK bits, for the tiles view) + 240x256 palette indices
    assert len(full) - len(bare) == 8 + 1 + 240 + 240 * 3 + 240 * 256
    assert len(bare) < 20_000


def test_picture_after_a_screenless_load_is_refused_until_a_whole_frame(running):
    """A state saved between frames (after step) gives a known picture after one step; one
    saved mid-frame needs the next whole frame, since the top of the current one was drawn
    before the state was taken."""
    between = running.save_state()
    reference = NES(DEMO_ROM)
    reference.load_state(running.save_state(screen=True))
    running.step(7, buttons=0x40)
    running.load_state(between)
    with pytest.raises(StateError):
        running.screen
    with pytest.raises(StateError):
        running.framebuffer
    running.step(1, buttons=0x80)
    reference.step(1, buttons=0x80)
    np.testing.assert_array_equal(running.screen, reference.screen)
    np.testing.assert_array_equal(running.framebuffer, reference.framebuffer)

    # mid-frame: 3000 instructions into the next frame (the picture is being drawn)
    running.set_buttons(0x80)
    reference.set_buttons(0x80)
    for _ in range(3000):
        running.step_instruction()
        reference.step_instruction()
    scanline, _ = running.ppu_position()
    assert 0 < scanline < 240
    mid = running.save_state()
    running.step(2)
    running.load_state(mid)
    running.set_buttons(0x80)
    running.step(1, buttons=0x80)  # ends this frame: its top half predates the load
    reference.step(1, buttons=0x80)
    with pytest.raises(StateError):
        running.screen
    running.step(1, buttons=0x80)
    reference.step(1, buttons=0x80)
    np.testing.assert_array_equal(running.screen, reference.screen)


def test_state_loads_into_another_instance(running):
    s = running.save_state(screen=True)
    other = NES(DEMO_ROM)
    other.step(3)
    other.load_state(s)
    assert snapshot(other) == snapshot(running)
    seq = inputs(20, 3)
    run(running, seq)
    run(other, seq)
    assert snapshot(other) == snapshot(running)


def test_determinism_two_instances():
    a, b = NES(DEMO_ROM), NES(DEMO_ROM)
    seq = inputs(60, 4)
    run(a, seq)
    run(b, seq)
    assert snapshot(a) == snapshot(b)
    assert a.save_state() == b.save_state()


def test_different_inputs_diverge():
    a, b = NES(DEMO_ROM), NES(DEMO_ROM)
    run(a, [0] * 30)
    run(b, [0x80] * 30)
    assert bytes(a.ram) != bytes(b.ram)


def test_load_refuses_foreign_rom_and_leaves_state(running):
    foreign = NES(harness_rom())
    foreign.step(2)
    with pytest.raises(StateError):
        running.load_state(foreign.save_state())
    before_state, before_snap = running.save_state(), snapshot(running)
    with pytest.raises(StateError):
        running.load_state(foreign.save_state())
    assert_untouched(running, before_state, before_snap)


def _section_at(blob, offset):
    """'section TAG byte n' for a byte offset in the blob, or 'header'."""
    for tag, (at, size) in sections(blob).items():
        if at - 8 <= offset < at + size:
            return f"section {tag} byte {offset - at}"
    return "header"


def _bad_states(s):
    ver = struct.unpack_from("<I", s, 8)[0]
    newer = bytearray(s)
    struct.pack_into("<I", newer, 8, ver + 1)
    older = bytearray(s)
    struct.pack_into("<I", older, 8, ver - 1)
    cases = {
        "empty": b"",
        "magic_only": s[:8],
        "header_only": s[:36],
        "truncated_half": s[: len(s) // 2],
        "truncated_last_byte": s[:-1],
        "extra_byte": s + b"\x00",
        "newer_version": bytes(newer),
        "older_version": bytes(older),
        "not_a_state": b"\x00" * len(s),
    }
    for name, pos in [("magic", 0), ("header_hash", 14), ("first_section", 40),
                      ("middle", len(s) // 2), ("three_quarters", 3 * len(s) // 4),
                      ("last", len(s) - 1)]:
        b = bytearray(s)
        b[pos] ^= 0x01
        cases[f"flipped_{name}"] = bytes(b)
    return cases


BAD_NAMES = ["empty", "magic_only", "header_only", "truncated_half", "truncated_last_byte",
             "extra_byte", "newer_version", "older_version", "not_a_state", "flipped_magic",
             "flipped_header_hash", "flipped_first_section", "flipped_middle",
             "flipped_three_quarters", "flipped_last"]


@pytest.mark.parametrize("screen", [False, True])
@pytest.mark.parametrize("name", BAD_NAMES)
def test_load_refuses_bad_state_and_leaves_state(running, name, screen):
    good, good_snap = running.save_state(screen=screen), snapshot(running)
    running.step(5, buttons=0x81)  # move away from the saved point
    bad = _bad_states(good)[name]
    before_state, before_snap = running.save_state(), snapshot(running)
    with pytest.raises(StateError):
        running.load_state(bad)
    assert_untouched(running, before_state, before_snap)
    # still usable, and the good state still loads
    running.load_state(good)
    want = good_snap if screen else good_snap[:1] + (None,) + good_snap[2:]
    assert snapshot(running, screen=screen) == want


def test_version_error_message_names_the_version(running):
    s = bytearray(running.save_state())
    struct.pack_into("<I", s, 8, 999)
    with pytest.raises(StateError, match="999"):
        running.load_state(bytes(s))


def test_state_error_is_an_exception_type():
    assert issubclass(StateError, Exception)


# ---------------------------------------------------------------- reset / power ------
def test_reset_keeps_ram_and_prg_ram_and_reruns_reset_vector():
    nes = NES(harness_rom())
    nes.step(3)
    count = int(nes.ram[RESET_COUNT])
    nes.ram[0x0123] = 0x5A
    nes.poke(0x6000, 0xA5)
    nes.poke(0x7FFF, 0x3C)
    ram_before = bytearray(nes.ram)
    sp_before = nes.cpu_registers()["sp"]
    frame_before = nes.frame
    nes.reset()
    nes.step(1)
    ram_after = bytearray(nes.ram)
    assert ram_after[RESET_COUNT] == (count + 1) & 0xFF  # the reset handler ran once more
    ram_before[RESET_COUNT] = ram_after[RESET_COUNT]
    assert ram_after == ram_before  # everything else kept (the reset sequence only reads)
    assert (nes.peek(0x6000), nes.peek(0x7FFF)) == (0xA5, 0x3C)
    assert nes.frame == frame_before + 1
    assert nes.cpu_registers()["sp"] == 0xFF  # the handler's TXS
    assert sp_before == 0xFF


def test_reset_sequence_registers():
    """RESET: SP decremented by 3 (no writes), I set, PC from $FFFC, 7 cycles
    (nesdev wiki "CPU power up state")."""
    nes = NES(harness_rom())
    nes.step(2)
    nes.set_cpu_registers(sp=0x80, p=0x20 | 0x01)
    nes.reset()
    # the reset sequence may run at once or at the next instruction; run the first
    # handler instruction (SEI at $8000) either way and look at the state around it
    r0 = nes.cpu_registers()
    nes.step_instruction()
    r = nes.cpu_registers()
    if r0["pc"] == 0x8000:  # reset already done
        assert r0["sp"] == 0x7D and r0["p"] & 0x04
        assert r["pc"] == 0x8001
    else:
        assert r["pc"] in (0x8000, 0x8001)
        assert r["sp"] == 0x7D and r["p"] & 0x04


def test_power_cycle_equals_fresh_instance():
    nes = NES(DEMO_ROM)
    run(nes, inputs(25, 5))
    nes.poke(0x6000, 0x77)
    nes.ram[5] = 9
    nes.power_cycle()
    fresh = NES(DEMO_ROM)
    assert nes.frame == 0
    assert nes.save_state() == fresh.save_state()
    assert bytes(nes.ram) == bytes(fresh.ram)
    assert nes.cpu_registers() == fresh.cpu_registers()
    seq = inputs(20, 6)
    run(nes, seq)
    run(fresh, seq)
    assert snapshot(nes) == snapshot(fresh)


def test_power_on_state_is_fixed():
    a, b = NES(DEMO_ROM), NES(DEMO_ROM)
    assert a.save_state() == b.save_state()
    assert bytes(a.ram) == bytes(b.ram)
    assert [a.peek(x) for x in range(0x6000, 0x6100)] == [b.peek(x) for x in range(0x6000, 0x6100)]
