"""Standard controllers through $4016/$4017 (nesdev wiki "Standard controller").

Writing 1 then 0 to $4016 latches both pads; each read of $4016 ($4017) returns the next
button of pad 1 (pad 2) in bit 0, in the order A B Select Start Up Down Left Right; after
eight reads an official pad returns 1; while the strobe is held at 1 every read returns A.
The ROM below reads continuously and publishes complete results at $10-$13.
"""
import pytest

from nes_core import NES

from tests.ines import INIT, program_rom

PAD_ROM = INIT + """
main:   LDA #1
        STA $4016
        LDA #0
        STA $4016
        LDX #8
r1:     LDA $4016
        LSR A
        ROR $00
        DEX
        BNE r1
        LDX #8
r2:     LDA $4017
        LSR A
        ROR $01
        DEX
        BNE r2
        LDX #8
r3:     LDA $4016          ; reads 9-16 of pad 1
        LSR A
        ROR $02
        DEX
        BNE r3
        LDA #1
        STA $4016          ; strobe held high
        LDX #8
r4:     LDA $4016
        LSR A
        ROR $03
        DEX
        BNE r4
        LDA #0
        STA $4016
        LDA $00
        STA $10
        LDA $01
        STA $11
        LDA $02
        STA $12
        LDA $03
        STA $13
        INC $14
        JMP main
"""


@pytest.fixture(scope="module")
def rom():
    return program_rom(PAD_ROM)


@pytest.mark.parametrize("b1,b2", [(0x00, 0x00), (0x01, 0x80), (0xA5, 0x3C), (0x5A, 0xFF),
                                   (0xFF, 0x00)])
def test_pads_read_in_button_order(rom, b1, b2):
    nes = NES(rom)
    nes.step(frames=2, buttons=b1, buttons2=b2)
    ram = nes.ram
    assert ram[0x14] != 0  # the loop ran
    assert int(ram[0x10]) == b1
    assert int(ram[0x11]) == b2
    assert int(ram[0x12]) == 0xFF           # after 8 reads: 1s
    assert int(ram[0x13]) == (0xFF if b1 & 0x01 else 0x00)  # strobe high: A only


def test_buttons_follow_each_step(rom):
    nes = NES(rom)
    for b1, b2 in [(0x08, 0x00), (0x00, 0x10), (0x81, 0x42), (0x00, 0x00)]:
        nes.step(frames=1, buttons=b1, buttons2=b2)
        assert (int(nes.ram[0x10]), int(nes.ram[0x11])) == (b1, b2)
