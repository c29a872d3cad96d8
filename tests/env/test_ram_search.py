"""nesenv.ramsearch and ``nesenv ram-search``: finding Super Mario Bros.' x position and lives
counter from scripted runs, headless."""
import numpy as np
import pytest

from games import SuperMarioBros
from nesenv import cli, movie
from nesenv.ramsearch import RamSearch, parse_addresses, parse_script, run_script
from tests.env.conftest import rom_or_skip

PLAYER_X = 0x0086  # Player_X_Position (x within the 256-pixel page)
LIVES = 0x075A
# power-on to the first playable frame of 1-1: wait for the title, press Start
TO_1_1 = "noop*40 start noop*180"
# (script, filter) rounds that pin Mario's x down: he runs right, slides to a stop, stands,
# walks left, slides, stands, runs right again (the page byte stays 0 throughout)
X_ROUNDS = [("right*40", "increased"), ("noop*60", "increased"), ("noop*30", "unchanged"),
            ("left*20", "decreased"), ("noop*40", "decreased"), ("noop*20", "unchanged"),
            ("right*30", "increased")]


def test_parse_script_and_addresses():
    assert parse_script("start noop*3, right+A+b*2") == [(0x08, 1), (0x00, 3), (0x83, 2)]
    assert parse_addresses("0x86,$6D 1882") == [0x86, 0x6D, 1882]
    for bad in ("", "right*0", "jump*3", "right*x"):
        with pytest.raises(ValueError):
            parse_script(bad)
    for bad in ("0x800", "x86", ""):
        with pytest.raises(ValueError):
            parse_addresses(bad)


def test_filters_on_a_hand_made_ram():
    ram = np.zeros(2048, dtype=np.uint8)
    search = RamSearch(ram)
    ram[[1, 2, 3]] = [5, 9, 7]
    assert search.filter("changed").tolist() == [1, 2, 3]
    ram[1], ram[2] = 4, 10
    assert search.filter("increased").tolist() == [2]
    search.restart()
    assert search.filter("equal", 7).tolist() == [3]
    with pytest.raises(ValueError, match="unknown filter"):
        search.filter("bigger")
    with pytest.raises(ValueError, match="takes a value"):
        search.filter("equal")
    with pytest.raises(ValueError, match="0-255"):
        search.filter("equal", 256)


def test_finds_smb_x_position_from_a_scripted_run():
    from nes_core import NES

    nes = NES(rom_or_skip(SuperMarioBros).read_bytes())
    run_script(nes, parse_script(TO_1_1))
    search = RamSearch(nes.ram)
    counts = []
    for script, how in X_ROUNDS:
        run_script(nes, parse_script(script))
        counts.append(search.filter(how).size)
    # what is left besides Player_X_Position: Mario's x on screen (Player_Rel_XPos, the
    # screen has not scrolled yet) and his sprites' x; 66, 26, 20, 17, 14, 14, 14 measured
    assert {PLAYER_X, 0x03AD} <= set(search.candidates.tolist())
    assert counts[-1] <= 16 and counts == sorted(counts, reverse=True)


def test_cli_finds_the_lives_counter_and_watches_it(tmp_path, capsys):
    rom = rom_or_skip(SuperMarioBros)
    # a movie that walks Mario into the first Goomba: the lives counter goes from 2 to 1
    mv = movie.new_movie(rom.read_bytes(), [0] * 40 + [0x08] + [0] * 180 + [0x80] * 600)
    path = tmp_path / "walk.fm2"
    movie.write_fm2(mv, path)
    status = cli.main([
        "ram-search", str(rom), "--movie", str(path), "--run", "movie*221",
        "--filter", "equal=2", "--run", "movie", "--filter", "decreased",
        "--run", "noop*200", "--filter", "equal=1", "--watch", "0x075A", "--show", "50"])
    out = capsys.readouterr().out
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "frame      1 NOOP           $075A=  0"
    assert "frame     41 start          $075A=  2" in lines
    assert "after 221 frames, equal 2: 8 candidate(s)" in lines
    assert lines[-4:] == ["3 candidate(s):", "  $0701    1  (0x01)", f"  ${LIVES:04X}    1  (0x01)",
                          "  $077F    1  (0x01)"]


def test_cli_errors_are_messages(tmp_path, capsys):
    rom = rom_or_skip(SuperMarioBros)
    assert cli.main(["ram-search", str(rom), "--run", "jump*3"]) == 1
    assert "unknown button" in capsys.readouterr().err
    assert cli.main(["ram-search", str(rom), "--run", "movie*3"]) == 1
    assert "needs --movie" in capsys.readouterr().err
    assert cli.main(["ram-search", str(rom), "--filter", "bigger"]) == 1
    assert "unknown filter" in capsys.readouterr().err
    assert cli.main(["ram-search", str(tmp_path / "none.nes")]) == 1
