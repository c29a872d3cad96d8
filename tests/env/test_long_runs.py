"""Long trainings make and close envs for days: consoles must be freed when their last user
reference goes (no reference cycles, so no garbage collection is needed), and a state blob that
is cut short says what it is."""
import gc
import os

import gymnasium as gym
import pytest

import nesenv  # noqa: F401  (registers the ids)
from nes_core import NES, StateError
from tests.ines import INIT, program_rom


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


@pytest.fixture
def loop_rom(tmp_path):
    path = tmp_path / "loop.nes"
    path.write_bytes(program_rom(INIT + "loop: JMP loop"))
    return path


def _nes_objects() -> int:
    return sum(isinstance(o, NES) for o in gc.get_objects())


pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"),
                                reason="RSS is read from /proc/self/statm (Linux only)")


def test_a_console_is_freed_without_the_garbage_collector():
    gc.collect()
    gc.disable()
    try:
        base = _nes_objects()
        nes = NES(program_rom(INIT + "loop: JMP loop"))
        ram, sram = nes.ram, nes.sram  # views of its memory
        assert _nes_objects() == base + 1
        del nes
        assert _nes_objects() == base  # gone at once, not at the next collection
        ram[0] = 1  # the views keep the memory (not the NES) alive
        assert sram is not None and len(sram) == 0x2000
    finally:
        gc.enable()


def test_10000_envs_and_1000_vector_envs_made_and_closed_keep_memory_flat(loop_rom):
    for _ in range(200):  # warm-up: caches, allocator pools
        gym.make("nesenv/NES-v0", rom_path=loop_rom).close()
        gym.make_vec("nesenv/NES-v0", num_envs=2, vectorization_mode="vector_entry_point",
                     rom_path=loop_rom).close()
    gc.collect()
    gc.disable()  # leaks must not depend on the collector
    try:
        before = _rss_mib()
        for _ in range(10_000):
            env = gym.make("nesenv/NES-v0", rom_path=loop_rom)
            env.close()
        for _ in range(1_000):
            vec = gym.make_vec("nesenv/NES-v0", num_envs=2, vectorization_mode="vector_entry_point",
                               rom_path=loop_rom)
            vec.close()
        grown = _rss_mib() - before
    finally:
        gc.enable()
    # one leaked console is over 100 KiB: 11,000 of them would be over 1 GiB
    assert grown < 8, f"RSS grew by {grown:.1f} MiB"
    assert gc.collect() == 0  # and nothing was left for the collector either


def test_vector_env_integer_options_refuse_floats(loop_rom):
    for kw in ({"downscale": 2.5}, {"downscale": 3}, {"num_threads": 1.5}, {"max_episode_steps": 2.5}):
        with pytest.raises((TypeError, ValueError)):
            gym.make_vec("nesenv/NES-v0", num_envs=2, vectorization_mode="vector_entry_point",
                         rom_path=loop_rom, **kw)


def test_a_truncated_env_state_names_its_real_sizes(loop_rom):
    env = gym.make("nesenv/NES-v0", rom_path=loop_rom)
    env.reset(seed=0)
    blob = env.unwrapped.save_state()
    with pytest.raises(StateError, match=r"env save state of 100 bytes: its console part \(\d+ bytes\)"):
        env.unwrapped.load_state(blob[:100])
    with pytest.raises(ValueError, match=r"truncated env save state: 13 bytes"):
        env.unwrapped.load_state(blob[:13])
    env.unwrapped.load_state(blob)  # nothing was changed by the refused ones
    assert env.unwrapped.save_state() == blob
    env.close()
