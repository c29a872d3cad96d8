"""The game-module protocol: what a game's RAM means.

A game module is pure Python. It never imports the emulator or Gymnasium: the environment
(``nesenv``) owns a console and calls the game with the 2 KiB CPU RAM array, or, for the few
hooks that must run frames (menu skipping, cut-scene skipping), with the console itself, used
only through the small :class:`Console` protocol below.

A game module holds, in this order: a docstring, its RAM addresses as named constants, the ROMs it
knows (:class:`RomSpec`, keyed by the SHA-1 of PRG+CHR), and one :class:`Game` subclass with
``start`` (power-on to the first playable frame), ``reset`` (episode counters), ``step`` (reward and
termination for one frame), ``info``, ``after_step`` (RAM hacks between agent steps) and its own
counters' state for save states.
"""
import dataclasses
import math
from typing import Any, Dict, Optional, Protocol, Tuple


@dataclasses.dataclass(frozen=True)
class RomSpec:
    """One known ROM image.

    Attributes:
        sha1: SHA-1 (40 lowercase hex digits) of the PRG+CHR data, i.e. the file without its
            16-byte iNES header, as No-Intro identifies dumps. A re-headered dump keeps this hash.
        filename: file name the ROM is stored under in the ROM folder, e.g.
            ``"super-mario-bros.nes"``.
        title: human-readable title of the dump, e.g. ``"Super Mario Bros. (Europe) (Rev A)"``.
        variant: the ROM mode a game selects it by (``"vanilla"``, ``"downsample"``, ...).
        file_sha1: SHA-1 of the whole file as distributed, if known (informational).
        preferred: among ROMs of the same game and variant, the one used when several are
            imported (higher wins).
        package: the PyPI release that ships the ROM (``nesenv.roms.import_command`` makes the
            command that imports it).
    """

    sha1: str
    filename: str
    title: str
    variant: str
    file_sha1: Optional[str] = None
    preferred: int = 0
    package: str = "gym-super-mario-bros==7.4.0"


class Console(Protocol):
    """The part of ``nes_core.NES`` a game module may use.

    Attributes:
        ram: ``np.ndarray`` of shape ``(2048,)``, dtype ``uint8``: a writable view of CPU RAM.
    """

    ram: Any

    def step(self, frames: int = 1, buttons: int = 0, buttons2: int = 0) -> None:
        """Run whole frames with both controllers held (button bits: A=0x01 ... Right=0x80)."""


class Game:
    """Base class of a game module: reward 0, never terminates, empty info.

    Subclasses override the hooks they need. Every hook gets the live RAM array (``np.ndarray``,
    shape ``(2048,)``, ``uint8``); values read from it must be converted with ``int()`` before
    arithmetic so that no NumPy scalar overflows.

    Attributes:
        name: short name of the game, e.g. ``"Super Mario Bros."``.
        ROMS: the ROMs this game module understands.
        reward_range: ``(low, high)`` the per-step reward is clipped to by the environment.
        minimal_actions: the game's minimal action set (ALE's term): the button combinations
            that matter in play, each a tuple of button names (``"right"``, ``"A"``, ...;
            ``("NOOP",)`` for none), or None when the game declares none (the env then uses
            all 256 controller bytes).
    """

    name = "NES game"
    ROMS: Tuple[RomSpec, ...] = ()
    reward_range: Tuple[float, float] = (-math.inf, math.inf)
    minimal_actions: Optional[Tuple[Tuple[str, ...], ...]] = None

    def start(self, console: Console) -> None:
        """Bring a freshly powered-on console to the first frame of an episode.

        The environment calls this once and saves the console state afterwards; every
        ``reset()`` restores that state instead of running this again.

        Args:
            console: the emulator, just powered on.
        """

    @property
    def start_key(self) -> Any:
        """A hashable key identifying the state ``start`` produces for a given ROM.

        Two game objects with equal keys on the same ROM produce the same start state, so the
        environment may reuse a cached one.
        """
        return (type(self).__module__, type(self).__qualname__)

    def reset(self, ram) -> None:
        """Reset the game's counters at the start of an episode.

        Args:
            ram: CPU RAM, shape ``(2048,)``, ``uint8``.
        """

    def step(self, ram) -> Tuple[float, bool]:
        """Account for one emulated frame.

        Args:
            ram: CPU RAM after the frame, shape ``(2048,)``, ``uint8``.

        Returns:
            ``(reward, terminated)`` for this frame; the reward is not yet clipped.
        """
        return 0.0, False

    def info(self, ram) -> Dict[str, Any]:
        """Return the ``info`` dict for the current frame (plain Python values)."""
        return {}

    def after_step(self, console: Console, terminated: bool) -> None:
        """Run RAM hacks or skip frames after an agent step (e.g. cut-scenes).

        Args:
            console: the emulator.
            terminated: whether the step ended the episode.
        """

    def get_state(self) -> Dict[str, Any]:
        """Return the game's own counters, to be saved next to a console save state."""
        return {}

    def set_state(self, state: Dict[str, Any]) -> None:
        """Restore counters returned by :meth:`get_state`."""
