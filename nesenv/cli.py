"""Command-line tools: ``smb-play`` and ``nesenv <subcommand>``.

Each ``nesenv`` subcommand is one ``add_<name>(subparsers)`` function that adds its parser and
sets ``func`` (called with the parsed args, returns the exit status); list it in
:data:`SUBCOMMANDS` to add it.
"""
import argparse
import sys
from typing import Callable, List, Optional, Sequence

SMB_PLAY_DESCRIPTION = """Play a Super Mario Bros. env: with the keyboard (human) or random actions.

keys (human mode): arrows = d-pad, Z or O = B, X or P = A, Enter = Start,
Space or Shift = Select, Esc = quit."""

ACTION_SPACES = ("nes", "right", "simple", "complex")
DEFAULT_RANDOM_STEPS = 500


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
        "-s", "--steps", type=int, default=None,
        help=f"number of steps (random default: {DEFAULT_RANDOM_STEPS}; human: until Esc)",
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
    return parser


def parse_smb_play_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse and check ``smb-play`` arguments; exits with status 2 on a usage error."""
    import nesenv  # noqa: F401  (registers the ids)
    from nesenv.registration import env_ids

    parser = build_smb_play_parser()
    args = parser.parse_args(argv)
    known = env_ids()
    if args.env not in known:
        parser.error(
            f"unknown env id {args.env!r}; e.g. SuperMarioBros-v0, SuperMarioBros-1-1-v0, "
            "SuperMarioBrosRandomStages-v0, SuperMarioBros2-v0"
        )
    if args.stages is not None:
        if known[args.env]["entry_point"] != "nesenv.smb:SuperMarioBrosRandomStagesEnv":
            parser.error("--stages/-S only applies to SuperMarioBrosRandomStages-v* envs")
        from nesenv.smb import parse_stages

        try:
            parse_stages(args.stages)
        except ValueError as exc:
            parser.error(str(exc))
    if args.steps is not None and args.steps < 0:
        parser.error("--steps must be >= 0")
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
    except RomNotFoundError as exc:
        print(f"smb-play: {exc}", file=sys.stderr)
        return 1
    try:
        if args.mode == "human":
            try:
                summary = play_human(env, steps=args.steps, seed=args.seed)
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
            summary = play_random(env, steps=steps, seed=args.seed, render=render)
    finally:
        env.close()
    print(f"{args.env} ({args.mode}, actions: {args.actionspace})")
    print(format_summary(summary))
    return 0


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
            f"nesenv import-roms: no known ROM found in {' '.join(args.paths)}; the ROM set is "
            f"imported with:\n    {roms.IMPORT_COMMAND}",
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
    missing = 0
    for game, rom, path in roms.status():
        where = str(path) if path is not None else "not imported"
        missing += path is None
        print(f"  {rom.filename:36s} {game.name} ({rom.variant}): {where}")
    if missing:
        print(f"import the ROM set with:\n    {roms.IMPORT_COMMAND}")
    return 0


def add_roms(subparsers) -> None:
    """``nesenv roms``: list the known ROMs and where they are."""
    p = subparsers.add_parser("roms", help="list known ROMs and whether they are imported")
    p.set_defaults(func=_run_roms)


# add_<name>(subparsers) functions, one per subcommand, in help order
SUBCOMMANDS: List[Callable] = [add_import_roms, add_roms]


def build_parser() -> argparse.ArgumentParser:
    """Return the ``nesenv`` argument parser with every subcommand of :data:`SUBCOMMANDS`."""
    parser = argparse.ArgumentParser(prog="nesenv", description="nesenv command-line tools")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``nesenv``; returns the exit status."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
