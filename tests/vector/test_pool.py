"""nes_core.NESPool and the GIL release: consoles stepped on many threads give the results of
stepping them one after the other (RAM, palette-index frames, RGB frames)."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from nes_core import NES
from nes_core._nes import NESPool
from nesenv.vector import reduce_observation
from tests.vector._support import corpus_dir, corpus_roms, echo_rom, CORPUS_PICKS

FRAMES = 40


def _roms():
    """The echo ROM plus the corpus picks that are present (no skip: the echo ROM suffices)."""
    roms = [echo_rom()]
    root = corpus_dir()
    if root is not None:
        roms += [(root / p).read_bytes() for p in CORPUS_PICKS if (root / p).is_file()]
    return roms


def _inputs(n: int, frames: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(frames, n), dtype=np.uint8)


def _serial(roms, inputs):
    """Step each console alone; return its (RAM, framebuffer, RGB) after every frame."""
    out = []
    for i, rom in enumerate(roms):
        nes = NES(rom)
        trace = []
        for row in inputs:
            nes.step(1, int(row[i]))
            trace.append((nes.ram.copy(), nes.framebuffer, nes.screen.copy()))
        out.append(trace)
    return out


def _eight(roms):
    return [roms[i % len(roms)] for i in range(8)]


def test_python_threads_match_serial():
    """8 consoles stepped from 8 Python threads at once (NES.step releases the GIL)."""
    roms = _eight(_roms())
    inputs = _inputs(8, FRAMES)
    want = _serial(roms, inputs)
    consoles = [NES(rom) for rom in roms]
    got = [[] for _ in consoles]
    barrier = threading.Barrier(len(consoles))
    errors = []

    def work(i):
        try:
            barrier.wait()
            for row in inputs:
                consoles[i].step(1, int(row[i]))
                got[i].append((consoles[i].ram.copy(), consoles[i].framebuffer))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(consoles))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for i in range(len(consoles)):
        for f in range(FRAMES):
            assert np.array_equal(got[i][f][0], want[i][f][0]), f"console {i} RAM, frame {f}"
            assert np.array_equal(got[i][f][1], want[i][f][1]), f"console {i} frame {f}"
        assert np.array_equal(consoles[i].screen, want[i][-1][2])


@pytest.mark.parametrize("num_threads", [1, 2, 8])
def test_pool_matches_serial(num_threads):
    roms = _eight(_roms())
    inputs = _inputs(8, FRAMES, seed=1)
    want = _serial(roms, inputs)
    consoles = [NES(rom) for rom in roms]
    pool = NESPool(consoles, num_threads=num_threads)
    assert pool.num_threads == num_threads and pool.num_envs == 8
    obs = np.zeros((8, 240, 256, 3), np.uint8)
    ram = np.zeros((8, 2048), np.uint8)
    for f, row in enumerate(inputs):
        pool.run(row, 1, obs, ram)
        for i in range(8):
            assert np.array_equal(ram[i], want[i][f][0]), f"console {i} RAM, frame {f}"
            assert np.array_equal(obs[i], want[i][f][2]), f"console {i} RGB, frame {f}"
    for i, nes in enumerate(consoles):  # the NES objects see the pool's frames
        assert np.array_equal(nes.screen, want[i][-1][2])
        assert np.array_equal(nes.ram, want[i][-1][0])
    pool.close()
    pool.close()
    with pytest.raises(RuntimeError):
        pool.run()


@pytest.mark.parametrize("grayscale,downscale", [(True, 1), (False, 2), (True, 2), (True, 4), (False, 8)])
def test_pool_observation_formats(grayscale, downscale):
    roms = _eight(_roms())[:4]
    consoles = [NES(rom) for rom in roms]
    pool = NESPool(consoles, 2, grayscale=grayscale, downscale=downscale)
    shape = (240 // downscale, 256 // downscale) + (() if grayscale else (3,))
    assert pool.obs_shape == shape
    obs = np.zeros((4,) + shape, np.uint8)
    for row in _inputs(4, 12, seed=2):
        pool.run(row, 1, obs)
    rgb = np.stack([nes.screen for nes in consoles])
    assert np.array_equal(obs, reduce_observation(rgb, grayscale, downscale))


def test_reduce_observation_reference():
    rgb = np.random.default_rng(3).integers(0, 256, (2, 240, 256, 3), dtype=np.uint8)
    gray = reduce_observation(rgb, grayscale=True)
    r, g, b = (rgb[..., c].astype(int) for c in range(3))
    assert np.array_equal(gray, ((77 * r + 150 * g + 29 * b + 128) >> 8).astype(np.uint8))
    small = reduce_observation(rgb, downscale=2)
    block = rgb[0, 2:4, 6:8, 1].astype(int)
    assert small[0, 1, 3, 1] == (block.sum() + 2) // 4
    assert reduce_observation(rgb).shape == rgb.shape


def test_pool_frames_indices_and_buttons2():
    """Per-console frame counts, a subset of consoles, controller 2, untouched rows."""
    rom = echo_rom()
    a = [NES(rom) for _ in range(4)]
    b = [NES(rom) for _ in range(4)]
    pool = NESPool(a, 2)
    frames = np.array([0, 1, 2, 3])
    pool.run([1, 2, 3, 4], frames, buttons2=[5, 6, 7, 8])
    for i, nes in enumerate(b):
        nes.step(int(frames[i]), i + 1, i + 5)
        assert np.array_equal(a[i].ram, nes.ram)
        assert a[i].frame == nes.frame
    ram = np.full((4, 2048), 0xAA, np.uint8)
    pool.run(None, 1, None, ram, indices=[3, 1])
    b[1].step(1)
    b[3].step(1)
    assert np.array_equal(ram[1], b[1].ram) and np.array_equal(ram[3], b[3].ram)
    assert (ram[0] == 0xAA).all() and (ram[2] == 0xAA).all()
    assert a[0].frame == b[0].frame and a[2].frame == b[2].frame


def test_pool_argument_errors():
    rom = echo_rom()
    consoles = [NES(rom) for _ in range(2)]
    with pytest.raises(ValueError):
        NESPool([], 1)
    with pytest.raises(ValueError):
        NESPool([consoles[0], consoles[0]], 1)
    with pytest.raises(TypeError):
        NESPool([consoles[0], "x"], 1)
    with pytest.raises(ValueError):
        NESPool(consoles, 0)
    with pytest.raises(ValueError):
        NESPool(consoles, 1, downscale=3)
    pool = NESPool(consoles, 2)
    with pytest.raises(ValueError):
        pool.run([1, 2, 3])
    with pytest.raises(ValueError):
        pool.run([0, 256])
    with pytest.raises(ValueError):
        pool.run(None, -1)
    with pytest.raises(ValueError):
        pool.run(None, 1, np.zeros((2, 240, 256, 3), np.float32))
    with pytest.raises(ValueError):
        pool.run(None, 1, np.zeros((2, 256, 240, 3), np.uint8))
    with pytest.raises(ValueError):
        pool.run(None, 1, np.zeros((2, 240, 256, 3), np.uint8)[:, ::-1])
    with pytest.raises(ValueError):
        pool.run(None, 1, None, np.zeros((2, 2047), np.uint8))
    with pytest.raises(ValueError):
        pool.run(None, 1, indices=[0, 0])
    with pytest.raises(ValueError):
        pool.run(None, 1, indices=[2])


def test_pool_refuses_rows_without_a_known_picture():
    """After a state saved without its screen, obs rows are refused until a whole frame is
    drawn; the consoles still ran (nothing lost) and the next frame gives a normal row."""
    from nes_core import StateError

    consoles = [NES(echo_rom()) for _ in range(2)]
    for c in consoles:
        c.step(3)
    blob = consoles[1].save_state()
    pool = NESPool(consoles, 2)
    obs = np.zeros((2,) + pool.obs_shape, dtype=np.uint8)
    consoles[1].step(2)
    consoles[1].load_state(blob)
    with pytest.raises(StateError, match=r"\[1\]"):
        pool.run(None, 0, obs)
    frame = consoles[1].frame
    pool.run(None, 1, obs)  # a state saved between frames: one frame draws a whole picture
    assert consoles[1].frame == frame + 1
    np.testing.assert_array_equal(obs[1], consoles[1].screen)
    pool.close()


def test_pool_is_exported_by_nes_core():
    """``from nes_core import NESPool``: two consoles stepped together equal two stepped alone."""
    import nes_core

    assert nes_core.NESPool is NESPool and "NESPool" in nes_core.__all__
    rom = echo_rom()
    consoles = [nes_core.NES(rom) for _ in range(2)]
    pool = nes_core.NESPool(consoles, num_threads=2)
    assert pool.obs_shape == (240, 256, 3) and pool.num_envs == 2
    obs = np.zeros((2,) + pool.obs_shape, np.uint8)
    ram = np.zeros((2, 2048), np.uint8)
    inputs = _inputs(2, 10, seed=4)
    for row in inputs:
        pool.run(row, 1, obs, ram)
    pool.close()
    want = _serial([rom, rom], inputs)
    for i in range(2):
        assert np.array_equal(ram[i], want[i][-1][0])
        assert np.array_equal(obs[i], want[i][-1][2])


def test_skip_steps_that_run_again_equal_drawing_every_frame_for_any_state_size():
    """A frame-skipped step drawing only its last frames runs again, from a state saved at its
    start in a buffer each pool thread keeps (grown for a console with a larger state), when it
    ends before its pictures were drawn. On one thread, echo consoles with CHR ROM (smaller
    states) and CHR RAM in turn give exactly what drawing every frame gives."""
    from nes_core import RuleStates
    from tests.ines import program_rom
    from tests.vector._support import ECHO_SOURCE, EchoSpecGame

    small, big = program_rom(ECHO_SOURCE, chr=bytes(8192)), echo_rom()
    assert len(NES(small).save_state(screen=True)) < len(NES(big).save_state(screen=True))
    roms, k, steps = [small, big, small, big], 4, 60
    n = len(roms)
    actions = np.random.default_rng(3).integers(0, 256, size=(steps, n), dtype=np.uint8)
    actions[np.random.default_rng(4).random(actions.shape) < 0.7] &= 0x3C  # A+B ends a step
    rules = EchoSpecGame().rules

    def run(draw):
        consoles = [NES(rom) for rom in roms]
        for c in consoles:
            c.step(3)
        pool = NESPool(consoles, 1)
        states = RuleStates(n)
        pool.set_rules(rules.table, states)
        pool.run(None, 0, rule_ops=np.full(n, 2, np.uint8))
        last_pads = np.zeros((n, 2), np.uint8)
        trace = []
        for row in actions:
            obs = np.zeros((n,) + pool.obs_shape, np.uint8)
            cap = np.zeros((n,) + pool.capture_shape, np.uint8)
            ram = np.zeros((n, 2048), np.uint8)
            rewards, flags = np.zeros(n), np.zeros(n, np.uint8)
            info = np.zeros((rules.table.ninfo, n), np.int64)
            frames_run = np.zeros(n, np.intc)
            pool.run(row, 1, obs, ram, capture=cap, rule_ops=np.ones(n, np.uint8), rewards=rewards,
                     flags=flags, info=info, frameskip=k, last_pads=last_pads,
                     reward_range=(-1.0, 5.0), draw=draw, frames_run=frames_run)
            trace.append((obs, cap, ram, rewards, flags, info, frames_run, last_pads.copy()))
        pool.close()
        return trace

    drawn, replayed = run(-1), run(2)
    short = [int(s[6][i]) for s in drawn for i in range(n) if s[6][i] < k]
    assert {1, 2} & set(short), short  # steps that ended before their drawn frames
    for t, (a, b) in enumerate(zip(drawn, replayed)):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y, err_msg=f"step {t}")
