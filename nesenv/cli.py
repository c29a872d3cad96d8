"""Command-line tools: ``smb-play`` and ``nesenv <subcommand>``.

Each ``nesenv`` subcommand is one ``add_<name>(subparsers)`` function that adds its parser and
sets ``func`` (called with the parsed args, returns the exit status); list it in
:data:`SUBCOMMANDS` to add it.
"""
import argparse
import sys
from typing import Callable, List, Optional, Sequence, Tuple

SMB_PLAY_DESCRIPTION = """Play a Super Mario Bros. env: with the keyboard (human) or random actions.

keys (human mode): arrows = d-pad, Z or O = B, X or P = A, Enter = Start,
Space or Shift = Select, Esc = quit. Human mode plays the sound (--mute: none)."""

KEYS_HELP = """keys: arrows = d-pad, Z or O = B, X or P = A, Enter = Start,
Space or Shift = Select, Esc = quit."""

ACTION_SPACES = ("nes", "right", "simple", "complex")
DEFAULT_RANDOM_STEPS = 500


def _steps(text: str) -> int:
    """argparse type of ``--steps``: an int >= 1 (0 steps would be a session that does nothing)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _add_version(parser: argparse.ArgumentParser) -> None:
    from nesenv import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")


# --- smb-play ---------------------------------------------------------------------------------------
def build_smb_play_parser() -> argparse.ArgumentParser:
    """Return the ``smb-play`` argument parser (pure: no env is made)."""
    parser = argparse.ArgumentParser(
        prog="smb-play",
        description=SMB_PLAY_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-e", "--env", default="SuperMarioBros-v0", help="env id (default: %(default)s)"
    )
    parser.add_argument(
        "-m", "--mode", choices=("human", "random"), default="human",
        help="keyboard play in a window, or random actions (default: %(default)s)",
    )
    parser.add_argument(
        "-a", "--actionspace", choices=ACTION_SPACES, default="nes",
        help="action space: the raw controller byte (nes) or a JoypadSpace list "
        "(right = RIGHT_ONLY, simple = SIMPLE_MOVEMENT, complex = COMPLEX_MOVEMENT)",
    )
    parser.add_argument(
        "-s", "--steps", type=_steps, default=None,
        help=f"number of steps, >= 1 (random default: {DEFAULT_RANDOM_STEPS}; human: until Esc)",
    )
    parser.add_argument(
        "-S", "--stages", nargs="+", metavar="W-S",
        help="stages a RandomStages env draws from, e.g. -S 1-4 2-4",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for reset and actions")
    parser.add_argument(
        "--no-render", action="store_true",
        help="random mode: no window (also the default when there is no display)",
    )
    _add_sound_options(parser)
    _add_version(parser)
    return parser


def _add_sound_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mute", action="store_true", help="human mode: no sound")
    parser.add_argument(
        "--record", metavar="PATH", default=None,
        help="record the run: PATH.wav = its sound, PATH.mp4 = video with sound "
        "(needs imageio-ffmpeg: pip install 'nesenv[record]')",
    )


def _check_record_arg(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.record is not None:
        from nesenv.record import FORMATS

        import os

        if os.path.splitext(args.record)[1].lower() not in FORMATS:
            parser.error(f"--record {args.record}: the file must end in .wav or .mp4")


def _open_recorder(prog: str, args: argparse.Namespace, env):
    """Return ``(recorder or None, exit status or None)``; prints the error on failure."""
    if args.record is None:
        return None, None
    from nesenv.record import Recorder

    try:
        return Recorder(args.record, env.unwrapped.nes.sample_rate), None
    except (ImportError, ValueError, OSError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return None, 1


def _close_recorder(prog: str, recorder) -> int:
    if recorder is None:
        return 0
    try:
        recorder.close()
    except (RuntimeError, OSError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    print(f"recorded {recorder.frames} frames, {recorder.samples / recorder.sample_rate:.2f} s "
          f"of sound to {recorder.path}")
    return 0


def parse_smb_play_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse and check ``smb-play`` arguments; exits with status 2 on a usage error."""
    import nesenv  # noqa: F401  (registers the ids)
    from nesenv.registration import ale_env_ids, env_ids, register_integrations

    parser = build_smb_play_parser()
    args = parser.parse_args(argv)
    known = {**env_ids(), **ale_env_ids()}
    if args.env not in known and args.env not in register_integrations():
        parser.error(
            f"unknown env id {args.env!r}; e.g. SuperMarioBros-v0, SuperMarioBros-1-1-v0, "
            "SuperMarioBrosRandomStages-v0, SuperMarioBros2-v0, NES/SuperMarioBros-1-1-v5"
        )
    if args.stages is not None:
        if known.get(args.env, {}).get("entry_point") != "nesenv.smb:SuperMarioBrosRandomStagesEnv":
            parser.error("--stages/-S only applies to SuperMarioBrosRandomStages-v* envs")
        from nesenv.smb import parse_stages

        try:
            parse_stages(args.stages)
        except ValueError as exc:
            parser.error(str(exc))
    if args.mode == "human" and args.no_render:
        parser.error("--no-render applies to -m random only (human mode plays in a window)")
    _check_record_arg(parser, args)
    return args


def make_env(args: argparse.Namespace):
    """Make the env (wrapped in JoypadSpace unless ``--actionspace nes``) for parsed args."""
    import gymnasium as gym

    import nesenv  # noqa: F401
    from nesenv import actions
    from nesenv.wrappers import JoypadSpace

    kwargs = {}
    if args.stages is not None:
        kwargs["stages"] = args.stages
    spec = gym.spec(args.env)
    if args.actionspace != "nes" and spec.kwargs.get("full_action_space") is False:
        kwargs["full_action_space"] = True  # JoypadSpace maps its list onto controller bytes
    env = gym.make(args.env, **kwargs)
    lists = {
        "right": actions.RIGHT_ONLY,
        "simple": actions.SIMPLE_MOVEMENT,
        "complex": actions.COMPLEX_MOVEMENT,
    }
    if args.actionspace != "nes":
        env = JoypadSpace(env, lists[args.actionspace])
    return env


def smb_play_main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``smb-play``; returns the exit status."""
    from nesenv.play import format_summary, has_display, play_human, play_random
    from nesenv.roms import RomNotFoundError

    args = parse_smb_play_args(argv)
    try:
        env = make_env(args)
    except (RomNotFoundError, ValueError) as exc:  # ValueError: a Lost Levels world not in the ROM
        print(f"smb-play: {exc}", file=sys.stderr)
        return 1
    recorder, status = _open_recorder("smb-play", args, env)
    if status is not None:
        env.close()
        return status
    try:
        if args.mode == "human":
            try:
                summary = play_human(env, steps=args.steps, seed=args.seed,
                                     sound=not args.mute, recorder=recorder)
            except (ImportError, RuntimeError) as exc:
                print(f"smb-play: {exc}", file=sys.stderr)
                return 1
        else:
            render = not args.no_render and has_display()
            if render:
                try:
                    from nesenv._viewer import import_pygame

                    import_pygame()
                except ImportError as exc:
                    print(f"smb-play: running headless: {exc}", file=sys.stderr)
                    render = False
            steps = DEFAULT_RANDOM_STEPS if args.steps is None else args.steps
            summary = play_random(env, steps=steps, seed=args.seed, render=render,
                                  recorder=recorder)
    finally:
        env.close()
        status = _close_recorder("smb-play", recorder)
    print(f"{args.env} ({args.mode}, actions: {args.actionspace})")
    print(format_summary(summary))
    return status


# --- nesenv -------------------------------------------------------------------------------------------
def _run_import_roms(args: argparse.Namespace) -> int:
    from nesenv import roms

    try:
        found = roms.import_roms(args.paths, dest=args.dest, log=print)
    except FileNotFoundError as exc:
        print(f"nesenv import-roms: {exc}", file=sys.stderr)
        return 1
    folder = args.dest if args.dest is not None else roms.rom_dir()
    if not found:
        print(
            f"nesenv import-roms: no known ROM found in {' '.join(args.paths)}; the ROM sets "
            "are imported with:\n    " + "\n    ".join(roms.import_commands()),
            file=sys.stderr,
        )
        return 1
    imported = sum(r.status == "imported" for r in found)
    print(f"{imported} ROM(s) imported, {len(found) - imported} already present, in {folder}")
    return 0


def add_import_roms(subparsers) -> None:
    """``nesenv import-roms PATH...``: copy known ROMs into the ROM folder."""
    p = subparsers.add_parser(
        "import-roms",
        help="find known ROMs in files, folders, zip/tar archives and wheels; import them",
        description="Scan files, folders and zip/tar archives (wheels included) for ROMs known "
        "to nesenv, check their SHA-1 and copy them into the ROM folder "
        "($NESENV_ROM_DIR, else the user data folder). Exit status 1 if none is found.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="file, folder or archive to scan")
    p.add_argument("--dest", default=None, help="ROM folder to import into (default: the ROM folder)")
    p.set_defaults(func=_run_import_roms)


def _run_roms(args: argparse.Namespace) -> int:
    from nesenv import roms

    print(f"ROM folder: {roms.rom_dir()}")
    missing = []
    for game, rom, path in roms.status():
        where = str(path) if path is not None else "not imported"
        if path is None:
            missing.append(roms.import_command(rom))
        print(f"  {rom.filename:36s} {game.name} ({rom.variant}): {where}")
    if missing:
        print("import the ROM set with:\n    " + "\n    ".join(dict.fromkeys(missing)))
    return 0


def add_roms(subparsers) -> None:
    """``nesenv roms``: list the known ROMs and where they are."""
    p = subparsers.add_parser("roms", help="list known ROMs and whether they are imported")
    p.set_defaults(func=_run_roms)


def _size(n: int) -> str:
    if n == 0:
        return "none"
    return f"{n // 1024} KiB" if n % 1024 == 0 else f"{n} bytes"


def _span(start: int, stop: int) -> str:
    return f"[0x{start:X}, 0x{stop:X})"


def rom_report(data: bytes) -> List[Tuple[str, str]]:
    """Return ``[(field, value), ...]`` describing an iNES / NES 2.0 image (``nesenv info``).

    The header fields come from ``nes_core.parse_header`` (the core's parser); board and CHR
    RAM are what a console built from the image reports.

    Raises:
        nes_core.RomError (a ValueError): not an iNES image, a truncated header or file, or
            the core cannot load it (the message says why, e.g. an unsupported mapper).
    """
    import hashlib

    from games import REGISTRY
    from nes_core import NES, parse_header
    from nesenv import roms

    header = parse_header(data)
    info = NES(bytes(data)).rom_info()
    prg_chr = roms.rom_hash(data)
    known = REGISTRY.get(prg_chr)
    game = f"{known[0].name}: {known[1].title} ({known[1].variant})" if known else "unknown"
    layout = [f"header {_span(0, 16)}"]
    if header.has_trainer:
        layout.append(f"trainer {_span(header.trainer_start, header.trainer_stop)}")
    layout.append(f"PRG ROM {_span(header.prg_rom_start, header.prg_rom_stop)}")
    if header.chr_rom_size:
        layout.append(f"CHR ROM {_span(header.chr_rom_start, header.chr_rom_stop)}")
    if len(data) > header.image_size:
        layout.append(f"{len(data) - header.image_size} more bytes")
    console = header.console_type
    return [
        ("format", header.format),
        ("mapper", f"{header.mapper}, submapper {header.submapper}" if header.nes2
         else f"{header.mapper} (iNES 1.0 header: no submapper)"),
        ("board", info["board"]),
        ("PRG ROM", _size(header.prg_rom_size)),
        ("CHR ROM", _size(header.chr_rom_size)),
        ("CHR RAM", _size(info["chr_ram_size"])),
        ("CHR NVRAM", _size(header.chr_nvram_size)),
        ("PRG RAM", _size(header.prg_ram_size)),
        ("PRG NVRAM", _size(header.prg_nvram_size)),
        ("battery", "yes" if header.battery else "no"),
        ("mirroring", header.mirroring),
        ("trainer", "yes" if header.has_trainer else "no"),
        ("TV system", header.tv_system),
        ("console", console + (" (bytes 7 and 9 ignored: text in bytes 12-15)"
                               if header.dirty else "")),
        ("layout", ", ".join(layout)),
        ("header", header.header.hex(" ").upper()),
        ("file SHA-1", hashlib.sha1(data).hexdigest()),
        ("PRG+CHR SHA-1", prg_chr),
        ("game", game),
    ]


def _run_info(args: argparse.Namespace) -> int:
    try:
        with open(args.rom, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        print(f"nesenv info: {args.rom}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        report = rom_report(data)
    except ValueError as exc:  # nes_core.RomError is a ValueError
        print(f"nesenv info: {args.rom}: {exc}", file=sys.stderr)
        return 1
    print(f"{'file':14s} {args.rom} ({len(data)} bytes)")
    for field, value in report:
        print(f"{field:14s} {value}")
    return 0


def add_info(subparsers) -> None:
    """``nesenv info ROM``: print a ROM's header, board and hashes."""
    p = subparsers.add_parser(
        "info", help="print a ROM's header fields, board, sizes and hashes",
        description="Print an iNES / NES 2.0 file's header fields, the board and mapper, memory "
        "sizes, battery, mirroring, trainer, TV system, console type, where the trainer, PRG "
        "and CHR ROM are in the file, the raw header, the file SHA-1, the PRG+CHR SHA-1 and the "
        "game if it is known. Exit status 1 if the file is not a ROM the core can run.",
    )
    p.add_argument("rom", metavar="ROM", help=".nes file")
    p.set_defaults(func=_run_info)


def _run_play(args: argparse.Namespace) -> int:
    import os

    from nesenv import saves
    from nesenv.env import NESEnv
    from nesenv.play import format_summary, play_human
    from nesenv.roms import rom_hash

    try:
        env = NESEnv(args.rom)
    except (OSError, ValueError) as exc:  # missing file, nes_core.RomError
        print(f"nesenv play: {args.rom}: {exc}", file=sys.stderr)
        return 1
    with open(env.rom_path, "rb") as fh:
        sha1 = rom_hash(fh.read())
    battery = env.battery_ram.size > 0
    options = None
    pads_log = None
    if args.movie is not None:
        pads_log = []
        battery = False  # a movie starts from power-on: no save loaded, none written
    if battery:
        data = saves.load(sha1)
        if data is not None:
            options = {"battery_ram": data}
            print(f"battery RAM loaded from {saves.save_path(sha1)}")
    recorder, status = _open_recorder("nesenv play", args, env)
    if status is not None:
        env.close()
        return status
    try:
        summary = play_human(env, steps=args.steps, scale=args.scale, sound=not args.mute,
                             recorder=recorder, options=options,
                             caption=f"nesenv - {os.path.basename(args.rom)}", pads_log=pads_log)
    except (ImportError, RuntimeError) as exc:
        print(f"nesenv play: {exc}", file=sys.stderr)
        return 1
    finally:
        if battery and env.nes.frame > 0:
            print(f"battery RAM saved to {saves.store(sha1, env.battery_ram.tobytes())}")
        env.close()
        status = _close_recorder("nesenv play", recorder)
        if pads_log is not None:
            from nesenv import movie as fm2

            with open(env.rom_path, "rb") as fh:
                mv = fm2.new_movie(fh.read(), pads_log, os.path.basename(args.rom),
                                   "recorded by nesenv play")
            fm2.write_fm2(mv, args.movie)
            print(f"recorded {len(mv)} frames of input to {args.movie}")
    print(format_summary(summary))
    return status


def add_play(subparsers) -> None:
    """``nesenv play ROM``: play any supported cartridge with the keyboard."""
    p = subparsers.add_parser(
        "play", help="play a ROM with the keyboard, in a window with sound",
        description="Play any cartridge the core supports, in a window with sound. Battery RAM "
        "(game saves) is loaded before the first frame and saved on exit, in the save folder "
        "($NESENV_SAVE_DIR, else the user data folder), keyed by the ROM's PRG+CHR SHA-1.\n\n"
        + KEYS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("rom", metavar="ROM", help=".nes file")
    p.add_argument("--scale", type=int, default=3, choices=range(1, 9), metavar="N",
                   help="window pixels per NES pixel, 1-8 (default: %(default)s)")
    p.add_argument("-s", "--steps", type=_steps, default=None,
                   help="stop after N >= 1 frames (default: until Esc or the window closes)")
    p.add_argument("--movie", default=None, metavar="PATH",
                   help="record the pads of every frame to PATH as an FCEUX .fm2 movie "
                   "(from power-on; not with a loaded battery save)")
    _add_sound_options(p)
    p.set_defaults(func=_run_play, _parser=p)


def _run_replay(args: argparse.Namespace) -> int:
    import hashlib

    from nes_core import NES
    from nesenv import movie as fm2

    try:
        mv = fm2.read_fm2(args.movie)
        with open(args.rom, "rb") as fh:
            rom = fh.read()
        if not args.no_check_rom:
            fm2.check_rom(mv, rom)
        nes = NES(rom, audio=args.video is not None)
    except (OSError, ValueError) as exc:  # missing files, MovieError, nes_core.RomError
        print(f"nesenv replay: {exc}", file=sys.stderr)
        return 1
    recorder = None
    if args.video is not None:
        from nesenv.record import Recorder

        try:
            recorder = Recorder(args.video, nes.sample_rate)
        except (ImportError, ValueError, OSError) as exc:
            print(f"nesenv replay: {exc}", file=sys.stderr)
            return 1
    from tqdm import tqdm

    total = len(mv) if args.until_frame is None else min(len(mv), args.until_frame)
    # a progress bar on a terminal only (disable=None: off when stderr is not a TTY)
    bar = tqdm(total=total, disable=None, unit="frame", mininterval=0.5, file=sys.stderr)

    def on_frame(i: int) -> None:
        if recorder is not None:
            recorder.add(nes.screen, nes.audio)
        bar.update(1)

    try:
        frames = fm2.replay(mv, nes, until_frame=args.until_frame, on_frame=on_frame)
    finally:
        bar.close()
    status = _close_recorder("nesenv replay", recorder)
    print(f"replayed {frames} of {len(mv)} frames; RAM SHA-1 {hashlib.sha1(nes.ram.tobytes()).hexdigest()}")
    return status


def add_replay(subparsers) -> None:
    """``nesenv replay MOVIE --rom ROM``: play an FCEUX .fm2 input movie."""
    p = subparsers.add_parser(
        "replay", help="replay an FCEUX .fm2 input movie (optionally into a video)",
        description="Replay an .fm2 input movie from power-on: each line's reset/power command, "
        "then one frame with both pads. Prints the frames played and a SHA-1 of the final RAM. "
        "The movie's romChecksum must match the ROM unless --no-check-rom.",
    )
    p.add_argument("movie", metavar="MOVIE", help=".fm2 file")
    p.add_argument("--rom", required=True, help=".nes file the movie was made with")
    p.add_argument("--video", default=None, metavar="PATH",
                   help="write the replay to PATH (.mp4 needs imageio-ffmpeg, .wav: sound only)")
    p.add_argument("--until-frame", type=_steps, default=None, metavar="N",
                   help="stop after N >= 1 frames")
    p.add_argument("--no-check-rom", action="store_true", help="replay even if romChecksum differs")
    p.set_defaults(func=_run_replay)


class _Plan(argparse.Action):
    """Appends ``(option, value)`` to ``args.plan``: ram-search's --run / --filter in order."""

    def __call__(self, parser, namespace, values, option_string=None):
        plan = getattr(namespace, "plan", None) or []
        plan.append((self.dest, values))
        namespace.plan = plan


def _run_ram_search(args: argparse.Namespace) -> int:
    from nes_core import NES
    from nesenv import movie as fm2
    from nesenv import ramsearch
    from nesenv.actions import byte_to_buttons
    from nesenv.env import _is_env_state, split_state

    where = "nesenv ram-search"
    try:
        with open(args.rom, "rb") as fh:
            nes = NES(fh.read())
        if args.state is not None:
            with open(args.state, "rb") as fh:
                blob = fh.read()
            if _is_env_state(blob):  # an env state: its console part
                blob = split_state(blob)[1]
            nes.load_state(blob)
        mv = fm2.read_fm2(args.movie) if args.movie is not None else None
        watch = ramsearch.parse_addresses(args.watch) if args.watch else []
        plan = []
        for kind, value in args.plan or []:
            if kind == "run":
                m = value.strip().lower()
                if m.startswith("movie"):
                    count = m[len("movie"):].lstrip("*") or None
                    if mv is None:
                        raise ValueError("--run movie needs --movie FILE")
                    plan.append(("movie", None if count is None else int(count)))
                else:
                    plan.append(("run", ramsearch.parse_script(value)))
            else:
                how, _, v = value.partition("=")
                plan.append(("filter", (how, int(v, 0) if v else None)))
                if how not in ramsearch.FILTERS:
                    raise ValueError(f"unknown filter {how!r}; one of {', '.join(ramsearch.FILTERS)}")
    except (OSError, ValueError) as exc:  # files, MovieError, nes_core.RomError / StateError
        print(f"{where}: {exc}", file=sys.stderr)
        return 1
    search = ramsearch.RamSearch(nes.ram)
    frame = [0]

    def on_frame(buttons: int) -> None:
        frame[0] += 1
        if watch:
            values = " ".join(f"${a:04X}={int(nes.ram[a]):3d}" for a in watch)
            print(f"frame {frame[0]:6d} {'+'.join(byte_to_buttons(buttons)):14s} {values}")

    movie_at = 0
    for kind, value in plan:
        if kind == "run":
            ramsearch.run_script(nes, value, on_frame)
        elif kind == "movie":
            stop = len(mv) if value is None else min(len(mv), movie_at + value)
            fm2.replay(mv, nes, until_frame=stop, start_frame=movie_at,
                       on_frame=lambda i: on_frame(int(mv.pads[i, 0])))
            movie_at = stop
        else:
            try:
                left = search.filter(*value)
            except ValueError as exc:
                print(f"{where}: {exc}", file=sys.stderr)
                return 1
            how, v = value
            print(f"after {frame[0]} frames, {how}{'' if v is None else f' {v}'}: "
                  f"{left.size} candidate(s)")
    shown = search.values()[: args.show]
    print(f"{search.candidates.size} candidate(s)"
          + (f", the first {len(shown)}:" if len(shown) < search.candidates.size else ":"))
    for a, v in shown:
        print(f"  ${a:04X}  {v:3d}  (0x{v:02X})")
    return 0


def add_ram_search(subparsers) -> None:
    """``nesenv ram-search ROM --run ... --filter ...``: find a value's RAM address."""
    p = subparsers.add_parser(
        "ram-search", help="find a value's RAM address by how it changes; watch addresses",
        description="Run a ROM from power-on (or --state) with button scripts and/or an .fm2 "
        "movie, and narrow the 2048 CPU RAM addresses down to those whose byte changed the way "
        "a value did. --run and --filter act in the order given; each --filter compares the "
        "RAM now with the RAM at the previous filter (or the start). Prints the candidates "
        "left; --watch prints chosen addresses after every frame.",
        epilog="example (Super Mario Bros., Mario's x position in the page):\n"
        "  nesenv ram-search smb.nes --run 'noop*40 start noop*200' --run 'right*30' "
        "--filter increased\n    --run 'noop*40' --filter unchanged --run 'left*20' "
        "--filter decreased\n"
        "script segments: BUTTONS*FRAMES, buttons joined by + (right, left, up, down, start, "
        "select, A, B, noop)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("rom", metavar="ROM", help=".nes file")
    p.add_argument("--state", default=None, metavar="FILE",
                   help="start from a saved state (an env's save_state or NES.save_state blob)")
    p.add_argument("--movie", default=None, metavar="FM2",
                   help="an .fm2 movie whose frames '--run movie*N' plays (from power-on)")
    p.add_argument("--run", action=_Plan, metavar="SCRIPT",
                   help="run frames: a button script ('right+B*60 noop*10') or 'movie*N' "
                   "(the movie's next N frames; 'movie': the rest)")
    p.add_argument("--filter", action=_Plan, metavar="HOW",
                   help="keep the candidates whose byte changed, unchanged, increased, "
                   "decreased since the previous filter, or equal=V")
    p.add_argument("--watch", default=None, metavar="ADDRS",
                   help="print these addresses after every frame (e.g. '0x6D,0x86')")
    p.add_argument("--show", type=int, default=32, metavar="N",
                   help="candidates to print at the end (default: %(default)s)")
    p.set_defaults(func=_run_ram_search, plan=None)


# add_<name>(subparsers) functions, one per subcommand, in help order
SUBCOMMANDS: List[Callable] = [add_info, add_play, add_replay, add_import_roms, add_roms,
                               add_ram_search]


def build_parser() -> argparse.ArgumentParser:
    """Return the ``nesenv`` argument parser with every subcommand of :data:`SUBCOMMANDS`."""
    parser = argparse.ArgumentParser(prog="nesenv", description="nesenv command-line tools")
    _add_version(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``nesenv``; returns the exit status."""
    args = build_parser().parse_args(argv)
    if getattr(args, "_parser", None) is not None:
        _check_record_arg(args._parser, args)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
