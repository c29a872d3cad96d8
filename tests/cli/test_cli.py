"""smb-play and nesenv command lines: parsing, import-roms, random and human play."""
import hashlib
import zipfile

import pytest

import games
from nesenv import cli, roms

# --- smb-play parsing ----------------------------------------------------------------------------
def test_smb_play_defaults():
    args = cli.parse_smb_play_args([])
    assert (args.env, args.mode, args.actionspace, args.steps, args.stages, args.seed,
            args.no_render) == ("SuperMarioBros-v0", "human", "nes", None, None, None, False)


def test_smb_play_all_options():
    args = cli.parse_smb_play_args(
        ["-e", "SuperMarioBrosRandomStages-v1", "-m", "random", "-a", "complex", "--steps", "7",
         "-S", "1-4", "2-4", "--seed", "3", "--no-render"]
    )
    assert (args.env, args.mode, args.actionspace, args.steps, args.stages, args.seed,
            args.no_render) == ("SuperMarioBrosRandomStages-v1", "random", "complex", 7,
                                ["1-4", "2-4"], 3, True)
    assert cli.parse_smb_play_args(["-s", "9"]).steps == 9


@pytest.mark.parametrize(
    "argv,message",
    [
        (["-e", "SuperMarioBros-1-1-v0", "-S", "1-1"], "only applies to SuperMarioBrosRandomStages"),
        (["-e", "SuperMarioBrosRandomStages-v0", "-S", "9-9"], "bad stage"),
        (["-e", "Pong-v5"], "unknown env id"),
        (["-e", "NES/Pong-v5"], "unknown env id"),
        (["-e", "NES/SuperMarioBros-1-1-v5", "-S", "1-1"], "only applies to SuperMarioBrosRandomStages"),
        (["-m", "watch"], "invalid choice"),
        (["-a", "all"], "invalid choice"),
        (["--steps", "-1"], "argument -s/--steps: must be >= 1, got -1"),
        (["--steps", "0"], "argument -s/--steps: must be >= 1, got 0"),
        (["-s", "x"], "argument -s/--steps: invalid int value: 'x'"),
        (["-m", "human", "--no-render"], "--no-render applies to -m random only"),
        (["--no-render"], "--no-render applies to -m random only"),  # human is the default
    ],
)
def test_smb_play_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.parse_smb_play_args(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_smb_play_missing_rom_prints_the_fix(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(roms.ROM_DIR_ENV, str(tmp_path))
    assert cli.smb_play_main(["-m", "random", "--no-render"]) == 1
    assert roms.IMPORT_COMMAND in capsys.readouterr().err


# --- smb-play on the real ROM -------------------------------------------------------------------
def test_random_headless_prints_the_summary(smb_rom, capsys):
    code = cli.smb_play_main(
        ["-e", "SuperMarioBros-1-1-v0", "-m", "random", "--steps", "300", "--no-render",
         "--seed", "0"]
    )
    assert code == 0
    out = capsys.readouterr().out
    for needle in ("steps: 300", "total reward:", "x_pos reached:", "world-stage: 1-1",
                   "frames per second:"):
        assert needle in out, out


@pytest.mark.parametrize("actionspace,actions", [("nes", 12), ("simple", 7)])
def test_random_on_an_ale_v5_id(smb_rom, actionspace, actions, capsys, monkeypatch):
    # NES/...-v5: ALE v5's defaults (4 frames a step, the game's minimal action set of 12);
    # a JoypadSpace list asks for the full action space underneath, as JoypadSpace needs
    made = []
    real_make = cli.make_env
    monkeypatch.setattr(cli, "make_env", lambda args: made.append(real_make(args)) or made[-1])
    assert cli.smb_play_main(["-e", "NES/SuperMarioBros-1-1-v5", "-m", "random", "-a",
                              actionspace, "--steps", "50", "--no-render", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert "steps: 50" in out and "world-stage: 1-1" in out, out
    assert made[0].action_space.n == actions
    assert made[0].unwrapped.frameskip == 4


def test_random_is_headless_without_a_display(smb_rom, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert cli.smb_play_main(["-e", "SuperMarioBros-1-1-v0", "-m", "random", "-s", "20"]) == 0
    assert "steps: 20" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [  # upstream's CLI crashed on every id but RandomStages (gsmb #118)
        ["-e", "SuperMarioBros-v0"],
        ["-e", "SuperMarioBros-v3", "-a", "right"],
        ["-e", "SuperMarioBros-8-4-v1", "-a", "simple"],
        ["-e", "SuperMarioBrosRandomStages-v0"],
        ["-e", "SuperMarioBrosRandomStages-v2", "-S", "1-4", "2-4", "-a", "complex"],
        ["-e", "SuperMarioBros2-v0"],
        ["-e", "SuperMarioBros2-3-2-v1"],
    ],
)
def test_random_mode_works_for_every_kind_of_id(smb_rom, argv, capsys):
    from games import LostLevels

    if "SuperMarioBros2" in argv[1]:
        try:
            roms.find_rom(LostLevels, "downsample" if argv[1].endswith("v1") else "vanilla")
        except roms.RomNotFoundError:
            pytest.skip(f"Lost Levels ROM not imported; {roms.IMPORT_COMMAND}")
    assert cli.smb_play_main(argv + ["-m", "random", "--steps", "50", "--no-render"]) == 0
    assert "steps: 50" in capsys.readouterr().out


def test_human_mode_driven_by_injected_key_events(smb_rom, capsys):
    pygame = pytest.importorskip("pygame")
    pygame.display.init()
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RIGHT))
    code = cli.smb_play_main(["-e", "SuperMarioBros-1-1-v0", "-m", "human", "--steps", "90"])
    assert code == 0
    out = capsys.readouterr().out
    x_reached = int(out.split("x_pos reached: ")[1].split()[0])
    assert x_reached > 80, out  # holding Right moved Mario from x=40


def test_human_mode_with_joypad_space_and_escape(smb_rom, capsys):
    pygame = pytest.importorskip("pygame")
    pygame.display.init()
    for key in (pygame.K_RIGHT, pygame.K_x):  # Right + A: 'right A' in SIMPLE_MOVEMENT
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key))
    pygame.event.post(pygame.event.Event(pygame.KEYUP, key=pygame.K_x))
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE))
    code = cli.smb_play_main(["-e", "SuperMarioBros-1-1-v0", "-m", "human", "-a", "simple"])
    assert code == 0  # Esc ended the session (no --steps)
    assert "steps: 0" in capsys.readouterr().out


def test_byte_to_action_prefers_exact_then_largest_subset():
    import gymnasium as gym
    import numpy as np

    from nesenv.play import _byte_to_action
    from nesenv.wrappers import JoypadSpace

    class ByteEnv(gym.Env):
        observation_space = gym.spaces.Box(0, 255, (1,), np.uint8)
        action_space = gym.spaces.Discrete(256)

    from nesenv.actions import SIMPLE_MOVEMENT

    convert = _byte_to_action(JoypadSpace(ByteEnv(), SIMPLE_MOVEMENT))
    assert convert(0x81) == 2  # right A
    assert convert(0x83) == 4  # right A B
    assert convert(0x88) == 1  # right + Start: Start is not in the list, keep right
    assert convert(0x20) == 0  # down alone: NOOP
    assert _byte_to_action(ByteEnv())(0x55) == 0x55


# --- nesenv ------------------------------------------------------------------------------------------
def _fake_rom(monkeypatch, tmp_path):
    data = b"NES\x1a\x01\x00\x00\x00" + bytes(8) + b"cli test rom".ljust(16384, b"\0")

    class Fake(games.Game):
        name = "CLI Fake"

    spec = games.RomSpec(hashlib.sha1(data[16:]).hexdigest(), "cli-fake.nes", "Fake", "vanilla")
    Fake.ROMS = (spec,)
    monkeypatch.setitem(roms.REGISTRY, spec.sha1, (Fake, spec))
    monkeypatch.setenv(roms.ROM_DIR_ENV, str(tmp_path / "romdir"))
    return data


def test_import_roms_from_a_wheel(monkeypatch, tmp_path, capsys):
    data = _fake_rom(monkeypatch, tmp_path)
    wheel = tmp_path / "dl" / "some_pkg-1.0-py3-none-any.whl"
    wheel.parent.mkdir()
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("some_pkg/_roms/x.nes", data)
    assert cli.main(["import-roms", str(wheel.parent)]) == 0
    out = capsys.readouterr().out
    assert "imported" in out and "cli-fake.nes" in out and "1 ROM(s) imported" in out
    assert (tmp_path / "romdir" / "cli-fake.nes").read_bytes() == data
    assert cli.main(["import-roms", str(wheel)]) == 0
    assert "1 already present" in capsys.readouterr().out


def test_import_roms_dest_option(monkeypatch, tmp_path, capsys):
    data = _fake_rom(monkeypatch, tmp_path)
    (tmp_path / "r.nes").write_bytes(data)
    assert cli.main(["import-roms", str(tmp_path / "r.nes"), "--dest", str(tmp_path / "other")]) == 0
    assert (tmp_path / "other" / "cli-fake.nes").is_file()


def test_import_roms_failures(monkeypatch, tmp_path, capsys):
    _fake_rom(monkeypatch, tmp_path)
    (tmp_path / "empty").mkdir()
    assert cli.main(["import-roms", str(tmp_path / "empty")]) == 1
    assert roms.IMPORT_COMMAND in capsys.readouterr().err
    assert cli.main(["import-roms", str(tmp_path / "missing")]) == 1
    assert "no such file or folder" in capsys.readouterr().err


def test_roms_lists_status(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(roms.ROM_DIR_ENV, str(tmp_path))
    assert cli.main(["roms"]) == 0
    out = capsys.readouterr().out
    assert "super-mario-bros.nes" in out and "not imported" in out and roms.IMPORT_COMMAND in out


def test_nesenv_needs_a_subcommand(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([])
    assert exc.value.code == 2


def test_subcommands_are_pluggable():
    names = {add.__name__ for add in cli.SUBCOMMANDS}
    assert {"add_import_roms", "add_roms"} <= names
    parser = cli.build_parser()
    assert parser.parse_args(["roms"]).func is not None


def test_human_mode_without_a_display_is_refused(smb_rom, monkeypatch, capsys):
    import sys as _sys

    monkeypatch.setattr(_sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
        monkeypatch.delenv(name, raising=False)
    assert cli.smb_play_main(["-e", "SuperMarioBros-1-1-v0", "-m", "human", "-s", "5"]) == 1
    err = capsys.readouterr().err
    assert "needs a display" in err and "SDL_VIDEODRIVER=dummy" in err


@pytest.mark.parametrize("main,prog", [(cli.smb_play_main, "smb-play"), (cli.main, "nesenv")])
def test_version_option(main, prog, capsys):
    import importlib.metadata

    import nesenv

    assert nesenv.__version__ == importlib.metadata.version("nesenv")
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"{prog} {nesenv.__version__}\n"


def test_refused_lost_levels_world_is_a_one_line_error(capsys):
    assert cli.smb_play_main(["-e", "SuperMarioBros2-A-1-v0", "-m", "random", "--no-render"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("smb-play: Lost Levels world A is not in the Lost Levels ROM")
