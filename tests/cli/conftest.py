"""CLI test setup: no real display, ROM lookup that skips with the import command."""
import os

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


@pytest.fixture
def smb_rom():
    """Path of the imported Super Mario Bros. ROM; skips, naming the import command, if missing."""
    from games import SuperMarioBros
    from nesenv import roms

    try:
        return roms.find_rom(SuperMarioBros, "vanilla")
    except roms.RomNotFoundError:
        pytest.skip(f"Super Mario Bros. ROM not imported; import it with: {roms.IMPORT_COMMAND}")
