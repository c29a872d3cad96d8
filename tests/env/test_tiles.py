"""obs_type="tiles": what the screen shows as tile and sprite indices (nes_tiles in nes.h),
checked cell by cell on known frames of Super Mario Bros. 1-1."""
import gymnasium as gym
import numpy as np
import pytest

import nesenv  # noqa: F401  (registers the ids)
from nes_core import NES, NESPool, ObsFormat, StateError, TILES_SHAPE

TILE, BG_PALETTE, SPRITE, SPRITE_PALETTE = range(4)
SKY, QUESTION = 0x24, 0x53  # SMB's sky tile; top-left tile of a '?' block
MARIO_LETTERS = [0x16, 0x0A, 0x1B, 0x12, 0x18]  # "MARIO" in the status bar font


def smb_env(rom, **kw):
    return gym.make("SuperMarioBros-1-1-v0", obs_type="tiles", **kw).unwrapped


def test_start_of_1_1(smb_rom):
    env = smb_env(smb_rom)
    obs, _ = env.reset(seed=0)
    assert obs.shape == TILES_SHAPE == (30, 32, 4) and obs.dtype == np.uint8
    assert obs[2, 3:8, TILE].tolist() == MARIO_LETTERS  # status bar
    assert obs[0, :, TILE].tolist() == [SKY] * 32
    # the ground: two rows of 2 x 2 brick metatiles, background palette 1
    assert obs[26, :4, TILE].tolist() == [0xB4, 0xB5, 0xB4, 0xB5]
    assert obs[27, :4, TILE].tolist() == [0xB6, 0xB7, 0xB6, 0xB7]
    assert (obs[26:30, :, BG_PALETTE] == 1).all() and (obs[4:26, :, BG_PALETTE] <= 2).all()
    # the first hill's top at (21, 4), the cloud at (6..8, 17..20)
    assert obs[21, 4:6, TILE].tolist() == [0x31, 0x32]
    assert obs[8, 17:21, TILE].tolist() == [0x39, 0x3A, 0x3B, 0x3C]
    # small Mario standing: four 8 x 8 sprites, palette 0; and sprite 0 under the coin icon
    assert obs[24:26, 5:7, SPRITE].tolist() == [[0x3A, 0x37], [0x4F, 0x4F]]
    assert obs[24:26, 5:7, SPRITE_PALETTE].tolist() == [[1, 1], [1, 1]]
    assert sorted(map(tuple, np.argwhere(obs[:, :, SPRITE_PALETTE]).tolist())) == [
        (3, 11), (24, 5), (24, 6), (25, 5), (25, 6)]
    assert obs[3, 11, SPRITE] == 0xFF
    assert obs[:, :, SPRITE][obs[:, :, SPRITE_PALETTE] == 0].max() == 0


@pytest.mark.parametrize("timing", ["nes-py", "vblank"])
def test_question_block_follows_the_scroll_below_a_fixed_status_bar(smb_rom, timing):
    """The first '?' block of 1-1 is at level x 256-271, tile row 18. The picture a step shows
    was scrolled by the game's scroll of the step before (SMB writes $2005 from RAM in its
    NMI), so its cell is predicted from the previous step's RAM ($071A page, $071C x); the
    status bar above the split keeps scroll 0."""
    env = smb_env(smb_rom, frame_timing=timing)
    start, _ = env.reset(seed=0)
    scroll = 0
    seen = 0
    for t in range(140):
        obs = env.step(0x80 if t % 30 < 25 else 0x81)[0]  # right, jumping now and then
        cols = [c for c in range(31) if 256 <= scroll + 8 * c + 4 < 264]
        for c in cols:
            assert obs[18, c:c + 2, TILE].tolist() == [QUESTION, QUESTION + 1], (t, scroll)
            assert obs[18, c, BG_PALETTE] == 3
            seen += 1
        assert obs[2, :, TILE].tolist() == start[2, :, TILE].tolist()
        ram = env.nes.ram
        scroll = int(ram[0x71A]) * 256 + int(ram[0x71C])
    assert scroll > 140 and seen > 80  # the block was on screen most of the way


def test_tiles_survive_a_state_with_its_screen(smb_rom):
    env = smb_env(smb_rom)
    env.reset(seed=0)
    for _ in range(90):
        obs = env.step(0x80)[0]
    fmt = ObsFormat("tiles")
    with_screen, bare = env.nes.save_state(screen=True), env.nes.save_state()
    other = NES(open(smb_rom, "rb").read())
    other.timing = env.nes.timing  # "nes-py" (the SMB envs' frame_timing): states carry it
    other.frame_grid = env.nes.frame_grid
    other.load_state(with_screen)
    assert np.array_equal(other.observe(fmt), obs)
    other.load_state(bare)
    with pytest.raises(StateError):
        other.observe(fmt)


def test_tiles_in_the_pool_equal_observe(smb_rom):
    rom = open(smb_rom, "rb").read()
    consoles = [NES(rom) for _ in range(2)]
    fmt = ObsFormat("tiles")
    pool = NESPool(consoles, 2, obs_format=fmt)
    assert pool.obs_shape == (30, 32, 4)
    out = np.zeros((2,) + pool.obs_shape, np.uint8)
    pool.run(None, [200, 3], out)
    for i, console in enumerate(consoles):
        assert np.array_equal(out[i], console.observe(fmt))
    assert out[0, 2, 3:8, TILE].tolist() == MARIO_LETTERS  # the title screen's status bar
    assert not out[1].any()  # three frames after power-on: rendering still off
    with pytest.raises(ValueError, match="tiles"):
        pool.capture_shape
    pool.close()


def test_bad_tiles_options_are_refused(smb_rom):
    nes = NES(open(smb_rom, "rb").read())
    nes.step(3)
    fmt = ObsFormat("tiles")
    assert fmt == ObsFormat("tiles") and repr(fmt) == "ObsFormat(obs_type='tiles')"
    for shape in [(30, 32), (84, 84)]:
        with pytest.raises(ValueError, match="tiles"):
            ObsFormat("tiles", shape)
    with pytest.raises(ValueError, match="tiles"):
        nes.capture(fmt)
    with pytest.raises(ValueError, match="tiles"):
        nes.observe(fmt, pool_with=np.zeros((240, 256), np.uint8))
    with pytest.raises(ValueError, match="tiles"):
        gym.make("SuperMarioBros-1-1-v0", obs_type="tiles", shape=(84, 84))
