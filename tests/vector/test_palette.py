"""Palettes in NESPool and the native vector env: every observation format (RGB, grey,
downscaled) follows each console's palette, and ``palette=`` reaches every console.

The core's palette tests (names, files, arrays, emphasis, errors) are in
tests/unit/test_palette.py; the SMB envs' ``palette=`` in tests/env/test_palette.py.
"""
import numpy as np
import pytest
from gymnasium.vector import SyncVectorEnv

from nes_core import NES, NESPool, load_palette
from nesenv.env import NESEnv
from nesenv.vector import NESVectorEnv, reduce_observation
from tests.unit.test_palette import EMPHASIS_MASK, NESPY_RGB, custom
from tests.unit.test_ppu_render import SPR_COLOUR, expected_indices, render_rom
from tests.vector._support import run_side_by_side, write_echo_rom


def test_pool_palette_and_grayscale():
    """NESPool(palette=) sets every console's palette; grey and downscaled observations use
    it, as the luma of the RGB frame would."""
    pal = custom(512, seed=11)
    consoles = [NES(render_rom(mask=m)) for m in (0x1E, EMPHASIS_MASK)]
    for grayscale, downscale in ((True, 1), (True, 2), (False, 2), (False, 1)):
        pool = NESPool(consoles, 2, grayscale=grayscale, downscale=downscale, palette=pal)
        obs = np.empty((2,) + pool.obs_shape, np.uint8)
        pool.run(None, 5 if (grayscale, downscale) == (True, 1) else 0, obs)
        for c, emphasis in zip(consoles, (0, 5)):
            assert np.array_equal(c.palette, pal)
            assert np.array_equal(c.screen, pal[emphasis << 6 | expected_indices()])
        want = reduce_observation(np.stack([c.screen for c in consoles]), grayscale, downscale)
        assert np.array_equal(obs, want)
        pool.close()
    # the luma of known entries, straight from the table
    pool = NESPool(consoles, 1, grayscale=True, palette=pal)
    obs = np.empty((2,) + pool.obs_shape, np.uint8)
    pool.run(None, 0, obs)
    r, g, b = (pal[5 << 6 | SPR_COLOUR].astype(int))
    assert obs[1, 51, 100] == (77 * r + 150 * g + 29 * b + 128) >> 8  # the sprite's top-left pixel
    pool.close()


def test_pool_without_palette_keeps_each_consoles():
    consoles = [NES(render_rom(), palette="ntsc"), NES(render_rom())]
    pool = NESPool(consoles, 1)
    obs = np.empty((2,) + pool.obs_shape, np.uint8)
    pool.run(None, 5, obs)
    assert np.array_equal(obs[0], load_palette("ntsc")[expected_indices()])
    assert np.array_equal(obs[1], NESPY_RGB[expected_indices()])
    pool.close()
    with pytest.raises(ValueError, match=r"shape \(1, 3\)"):
        NESPool(consoles, 1, palette=np.zeros((1, 3), np.uint8))
    assert np.array_equal(consoles[0].palette, load_palette("ntsc"))  # untouched


@pytest.fixture(scope="module")
def echo_path(tmp_path_factory):
    return write_echo_rom(tmp_path_factory.mktemp("roms"))


def _echo_action(shown: int) -> int:
    """The controller byte that makes the echo ROM write ``shown`` to its button byte (it reads
    A first into bit 7): the low 6 bits become the backdrop colour, the top 3 the emphasis bits."""
    return int(f"{shown:08b}"[::-1], 2)


@pytest.mark.parametrize("grayscale,downscale", [(False, 1), (True, 1), (True, 2), (False, 4)])
def test_vector_env_palette_equals_single_envs(echo_path, grayscale, downscale):
    """The echo ROM shows the buttons as backdrop colour and emphasis bits: with a 512-colour
    palette both matter. The vector env's observations are those of single envs with the same
    palette, reduced (luma / box mean) by NumPy."""
    pal = custom(512, seed=21)
    n = 3
    vec = NESVectorEnv(n, echo_path, num_threads=2, grayscale=grayscale, downscale=downscale,
                       palette=pal)
    for console in vec.consoles:
        assert np.array_equal(console.palette, pal)
    ref = SyncVectorEnv([lambda: NESEnv(echo_path, palette=pal) for _ in range(n)])
    actions = np.random.default_rng(4).integers(0, 256, size=(30, n))
    actions[-2:] = _echo_action(0xE5)  # emphasis 0b111, backdrop $25
    run_side_by_side(vec, ref, actions, obs_transform=lambda o: reduce_observation(o, grayscale, downscale))
    obs = ref.step(actions[-1])[0]  # the frame after the NMI that wrote them
    assert np.all(obs == pal[7 << 6 | 0x25])  # rendering is off: the backdrop everywhere
    vec.close()
    ref.close()


def test_vector_env_default_palette_is_nes_py(echo_path):
    vec = NESVectorEnv(2, echo_path)
    assert all(np.array_equal(c.palette, NESPY_RGB) for c in vec.consoles)
    vec.reset(seed=0)
    actions = np.array([_echo_action(0x25), _echo_action(0xE5)])
    for _ in range(6):  # after the ROM's warm-up, the NMI of a frame writes them, the next shows them
        obs, *_ = vec.step(actions)
    assert list(vec.ram[:, 0x11]) == [0x25, 0xE5]
    assert np.all(obs == NESPY_RGB[0x25])  # emphasis does not change nes-py's colours
    vec.close()
    with pytest.raises(ValueError, match="unknown palette 'vga'"):
        NESVectorEnv(2, echo_path, palette="vga")
