"""Fixtures for the env tests: ROM lookup (skip with the import command when missing), no display."""
import os

import pytest

# windows opened by tests (render_mode="human", check_env's render check) go to SDL's dummy driver
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


def rom_or_skip(game, variant="vanilla"):
    """Return the imported ROM path of ``game``/``variant`` or skip the test, naming the fix."""
    from nesenv import roms

    try:
        return roms.find_rom(game, variant)
    except roms.RomNotFoundError:
        spec = next(rom for rom in game.ROMS if rom.variant == variant)
        pytest.skip(
            f"{game.name} ROM ({variant}) not imported; import the ROM set with: "
            f"{roms.import_command(spec)}"
        )


@pytest.fixture
def smb_rom():
    """Path of the imported Super Mario Bros. ROM (vanilla); skips if missing."""
    from games import SuperMarioBros

    return rom_or_skip(SuperMarioBros)


@pytest.fixture
def all_roms():
    """Skip unless every ROM of the gym-super-mario-bros set is imported."""
    from games import LostLevels, SuperMarioBros

    for variant in ("vanilla", "downsample", "pixel", "rectangle"):
        rom_or_skip(SuperMarioBros, variant)
    for variant in ("vanilla", "downsample"):
        rom_or_skip(LostLevels, variant)
