"""FCEUX .fm2 input movies: parsing and writing, replay into a console, `nesenv replay`, and
`nesenv play --movie` recording keyboard play that replays to the same state."""
import hashlib

import numpy as np
import pytest

from nes_core import NES
from nesenv import cli, movie as fm2
from tests.cli.test_info_play import COUNTER_AND_PAD
from tests.ines import INIT, program_rom

ROM = program_rom(COUNTER_AND_PAD, battery=True)

TEXT = """version 3
emuVersion 22020
rerecordCount 7
palFlag 0
romFilename counter
romChecksum {checksum}
guid 452DE2C3-EF43-2FA9-77AC-0677FC51543B
fourscore 0
microphone 0
port0 1
port1 1
port2 0
FDS 0
NewPPU 0
comment author me
|0|........|........||
|0|R.......|........||
|0|R......A|.L......||
|1|........|........||
|0|RLDUTSBA|........||
|2|........|........||
|0|.......A|........||
"""


def _text():
    return TEXT.format(checksum=fm2.rom_checksum(ROM))


def test_parse_buttons_commands_and_header():
    mv = fm2.parse_fm2(_text())
    assert len(mv) == 7
    assert mv.pads[:, 0].tolist() == [0, 0x80, 0x81, 0, 0xFF, 0, 0x01]
    assert mv.pads[:, 1].tolist() == [0, 0, 0x40, 0, 0, 0, 0]
    assert mv.commands.tolist() == [0, 0, 0, fm2.SOFT_RESET, 0, fm2.HARD_RESET, 0]
    assert mv.header["rerecordCount"] == "7" and mv.header["comment"] == "author me"
    again = fm2.parse_fm2(fm2.format_fm2(mv))  # write and read back
    assert np.array_equal(again.pads, mv.pads) and np.array_equal(again.commands, mv.commands)
    assert again.header == mv.header


def test_replay_steps_each_frame_after_its_command():
    mv = fm2.parse_fm2(_text())
    nes = NES(ROM)
    assert fm2.replay(mv, nes) == 7
    ref = NES(ROM)
    for cmd, (p0, p1) in zip(mv.commands.tolist(), mv.pads.tolist()):
        if cmd == 2:
            ref.power_cycle()
        elif cmd == 1:
            ref.reset()
        ref.step(1, p0, p1)
    assert ref.save_state() == nes.save_state()
    part = NES(ROM)
    assert fm2.replay(mv, part, until_frame=3) == 3 and part.frame == 3


@pytest.mark.parametrize("text,message", [
    ("binary 1\n", "binary"),
    ("savestate base64:AAAA\n|0|........|........||\n", "save state"),
    ("port0 2\n|0|........|........||\n", "device 2"),
    ("|4|........|........||\n", "FDS"),
    ("|0|R....|........||\n", "8 characters"),
    ("|x|........|........||\n", "number"),
    ("|0|........|........||\nversion 3\n", "header line after"),
])
def test_bad_movies_are_refused_with_the_reason(text, message):
    with pytest.raises(fm2.MovieError, match=message):
        fm2.parse_fm2(text)


def test_another_rom_is_refused():
    mv = fm2.parse_fm2(_text())
    fm2.check_rom(mv, ROM)
    with pytest.raises(fm2.MovieError, match="another ROM"):
        fm2.check_rom(mv, program_rom(INIT + "loop: JMP loop"))


def test_nesenv_replay_command(tmp_path, capsys):
    rom, movie = tmp_path / "counter.nes", tmp_path / "run.fm2"
    rom.write_bytes(ROM)
    movie.write_text(_text())
    nes = NES(ROM)
    fm2.replay(fm2.parse_fm2(_text()), nes)
    assert cli.main(["replay", str(movie), "--rom", str(rom)]) == 0
    out = capsys.readouterr().out
    assert "replayed 7 of 7 frames" in out and hashlib.sha1(nes.ram.tobytes()).hexdigest() in out
    assert cli.main(["replay", str(movie), "--rom", str(rom), "--until-frame", "2",
                     "--video", str(tmp_path / "run.wav")]) == 0
    assert "replayed 2 of 7 frames" in capsys.readouterr().out
    assert (tmp_path / "run.wav").stat().st_size > 44
    other = tmp_path / "other.nes"
    other.write_bytes(program_rom(INIT + "loop: JMP loop"))
    assert cli.main(["replay", str(movie), "--rom", str(other)]) == 1
    assert "another ROM" in capsys.readouterr().err
    assert cli.main(["replay", str(movie), "--rom", str(other), "--no-check-rom"]) == 0


def test_nesenv_replay_shows_a_progress_bar_on_a_terminal(tmp_path):
    """On a terminal (stderr a TTY) the replay shows a tqdm bar over the frames; in CI logs
    (stderr a file) it prints none (the other replay tests)."""
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import sys
    import termios

    rom, movie = tmp_path / "counter.nes", tmp_path / "run.fm2"
    rom.write_bytes(ROM)
    movie.write_text(_text())
    leader, follower = pty.openpty()
    # a terminal of 24 x 80 (a new pty is 0 x 0, where tqdm draws a bar of width 0)
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from nesenv import cli; sys.exit(cli.main(sys.argv[1:]))",
         "replay", str(movie), "--rom", str(rom)],
        stdout=subprocess.PIPE, stderr=follower, timeout=120)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the follower side is closed: all read
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert done.returncode == 0 and b"replayed 7 of 7 frames" in done.stdout
    assert b"7/7" in shown and b"frame" in shown


def test_play_records_a_movie_that_replays_to_the_same_state(tmp_path, capsys, monkeypatch):
    pygame = pytest.importorskip("pygame")
    from nesenv import saves

    monkeypatch.setenv(saves.SAVE_DIR_ENV, str(tmp_path / "saves"))
    rom, movie = tmp_path / "counter.nes", tmp_path / "play.fm2"
    rom.write_bytes(ROM)
    pygame.display.init()
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RIGHT))
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_x))
    assert cli.main(["play", str(rom), "--steps", "5", "--mute", "--movie", str(movie)]) == 0
    assert "recorded 5 frames of input" in capsys.readouterr().out
    mv = fm2.read_fm2(movie)
    assert mv.pads[:, 0].tolist() == [0x81] * 5  # Right + A (X) held
    fm2.check_rom(mv, ROM)
    nes = NES(ROM)
    fm2.replay(mv, nes)
    assert nes.peek(0x6001) == 0x81 and nes.peek(0x6000) == 1  # read the pads; booted once
