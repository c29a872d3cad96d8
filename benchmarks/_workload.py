"""The benchmark workloads, for nesenv and its peers (nes-py 8.2.1 and 9.0.1, cynes, stable-retro),
one emulator per process.

Run by peers.py in each emulator's own virtual environment (it needs only the standard library,
NumPy and the emulator), and imported by core.py / states.py / memory.py for nesenv::

    python benchmarks/_workload.py --emulator nes-py --rom smb.nes --task core --mode rgb --frames 2000

prints one JSON object: ``{"emulator", "version", "task", "result": {...}}``.

Tasks (the same input for every emulator, :func:`_common.fixed_pads` from power-on):

* ``core``: frames/s of the emulator's lowest-level frame call, ``--mode``
  ``rgb`` (the RGB frame read after every frame), ``skip4`` (4 frames per call with the same
  buttons, only the last frame read) or ``noframe`` (no frame read; nes-py, cynes and
  stable-retro always produce the RGB frame, so for them this equals ``rgb``);
* ``states``: save + load of the whole emulator state, µs, and the state's size;
* ``memory``: resident memory added per emulator (``--count`` emulators, each run 10 frames);
* ``env``: Gymnasium / gym env steps/s of ``SuperMarioBros-1-1-v0`` + ``JoypadSpace(SIMPLE_MOVEMENT)``
  (nesenv, or gym-super-mario-bros on nes-py), "right A" 20 steps / "right" 4, resetting at
  episode ends.
"""
from __future__ import annotations

import argparse
import json
import sys
import warnings
from typing import Any, Dict, List

from _common import Timer, env_actions, fixed_pads, rss_bytes, time_env_steps

EMULATORS = ("nesenv", "nes-py", "nes-py9", "cynes", "stable-retro")

# Super Mario Bros. RAM, to check that the emulators played the same game
RAM_CHECK = {"oper_mode": 0x0770, "lives": 0x075A, "world": 0x075F, "page": 0x006D, "x": 0x0086}


def _reverse_bits(b: int) -> int:
    return int(f"{b:08b}"[::-1], 2)


class _Nesenv:
    def __init__(self, rom: str):
        from nes_core import NES

        self.nes = NES(rom)

    def run(self, pads: List[int], mode: str) -> None:
        nes = self.nes
        if mode == "rgb":
            for p in pads:
                nes.step(1, p)
                nes.screen
        elif mode == "noframe":
            for p in pads:
                nes.step(1, p)
        elif mode == "skip4":
            for p in pads[::4]:
                nes.step(4, p)
                nes.screen
        else:
            raise ValueError(mode)

    def peek(self, addr: int) -> int:
        return int(self.nes.ram[addr])

    def save(self, screen: bool = False):
        return self.nes.save_state(screen=screen)

    def load(self, state) -> None:
        self.nes.load_state(state)

    @staticmethod
    def version() -> str:
        try:
            from importlib.metadata import version

            return version("nesenv")
        except Exception:
            return "source"


class _NesPy:
    """nes-py 8.2.1 / 9.0.1: NESEnv._frame_advance (one C++ Step, the PPU writes RGB every frame)."""

    def __init__(self, rom: str):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from nes_py import NESEnv

        self.env = NESEnv(rom)
        self.env.reset()

    def run(self, pads: List[int], mode: str) -> None:
        env = self.env
        advance = env._frame_advance
        if mode in ("rgb", "noframe"):
            for p in pads:
                advance(p)
                env.screen
        elif mode == "skip4":
            for p in pads[::4]:
                advance(p)
                advance(p)
                advance(p)
                advance(p)
                env.screen
        else:
            raise ValueError(mode)

    def peek(self, addr: int) -> int:
        return int(self.env.ram[addr])

    def save(self):
        self.env._backup()  # nes-py's only state API: one in-memory backup slot
        return None

    def load(self, state) -> None:
        self.env._restore()

    @staticmethod
    def version() -> str:
        from importlib.metadata import version

        return version("nes-py")


class _StableRetro:
    """stable-retro 1.0.1: RetroEmulator.step() (FCEUmm through libretro; it renders RGB every
    frame) then get_screen(); one emulator per process (a second RetroEmulator raises)."""

    # stable-retro's NES button order (cores/nes.json): B, -, SELECT, START, UP, DOWN, LEFT,
    # RIGHT, A; the controller byte's bits are A, B, Select, Start, Up, Down, Left, Right
    _ORDER = (1, None, 2, 3, 4, 5, 6, 7, 0)

    def __init__(self, rom: str):
        import numpy as np
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import stable_retro as retro

        self.emu = retro.RetroEmulator(rom)
        self.data = retro.data.GameData()
        self.emu.configure_data(self.data)
        self.masks = [np.array([0 if b is None else (p >> b) & 1 for b in self._ORDER], np.uint8)
                      for p in range(256)]

    def run(self, pads: List[int], mode: str) -> None:
        emu, masks = self.emu, self.masks
        if mode in ("rgb", "noframe"):
            for p in pads:
                emu.set_button_mask(masks[p], 0)
                emu.step()
                emu.get_screen()
        elif mode == "skip4":
            for p in pads[::4]:
                emu.set_button_mask(masks[p], 0)
                emu.step()
                emu.step()
                emu.step()
                emu.step()
                emu.get_screen()
        else:
            raise ValueError(mode)

    def peek(self, addr: int) -> int:
        return int(self.data.memory.extract(addr, "|u1"))

    def save(self):
        return self.emu.get_state()

    def load(self, state) -> None:
        self.emu.set_state(state)

    @staticmethod
    def version() -> str:
        from importlib.metadata import version

        return version("stable-retro")


class _Cynes:
    """cynes 0.1.2: NES.step(frames) returns the last frame as RGB; buttons bit-reversed."""

    def __init__(self, rom: str):
        from cynes import NES

        self.nes = NES(rom)

    def run(self, pads: List[int], mode: str) -> None:
        nes = self.nes
        rev = [_reverse_bits(p) for p in range(256)]
        if mode in ("rgb", "noframe"):
            for p in pads:
                nes.controller = rev[p]
                nes.step(1)
        elif mode == "skip4":
            for p in pads[::4]:
                nes.controller = rev[p]
                nes.step(4)
        else:
            raise ValueError(mode)

    def peek(self, addr: int) -> int:
        return int(self.nes[addr])

    def save(self):
        return self.nes.save()

    def load(self, state) -> None:
        self.nes.load(state)

    @staticmethod
    def version() -> str:
        from importlib.metadata import version

        return version("cynes")


# nes-py 9.0.1 keeps 8.2.1's NESEnv frame and backup calls: one adapter serves both
ADAPTERS = {"nesenv": _Nesenv, "nes-py": _NesPy, "nes-py9": _NesPy, "cynes": _Cynes,
            "stable-retro": _StableRetro}


def core(emulator: str, rom: str, mode: str, frames: int) -> Dict[str, Any]:
    """Time ``frames`` frames of the fixed input from power-on (emulator creation untimed)."""
    frames -= frames % 4
    emu = ADAPTERS[emulator](rom)
    pads = fixed_pads(frames)
    with Timer() as t:
        emu.run(pads, mode)
    check = {k: emu.peek(a) for k, a in RAM_CHECK.items()}
    return {"mode": mode, "frames": frames, "wall": t.wall, "cpu": t.cpu,
            "fps_wall": frames / t.wall, "fps_cpu": frames / t.cpu if t.cpu > 0 else None,
            "check": check}


def states(emulator: str, rom: str, iterations: int, screen: bool = False) -> Dict[str, Any]:
    """Save + load ``iterations`` times in gameplay (after 200 frames of the fixed input);
    ``screen``: nesenv's states with the picture (``save_state(screen=True)``)."""
    emu = ADAPTERS[emulator](rom)
    emu.run(fixed_pads(200), "noframe")
    save = (lambda: emu.save(screen=True)) if screen else emu.save
    state = save()
    with Timer() as ts:
        for _ in range(iterations):
            save()
    with Timer() as tl:
        for _ in range(iterations):
            emu.load(state)
    size = None if state is None else len(state)
    return {"iterations": iterations, "save_us": ts.wall / iterations * 1e6,
            "load_us": tl.wall / iterations * 1e6, "save_cpu_us": ts.cpu / iterations * 1e6,
            "load_cpu_us": tl.cpu / iterations * 1e6, "state_bytes": size}


def memory(emulator: str, rom: str, count: int) -> Dict[str, Any]:
    """Resident bytes added per emulator: ``count`` more emulators, each run for 10 frames."""
    first = ADAPTERS[emulator](rom)  # imports and one-time allocations out of the measure
    first.run([0] * 4, "noframe")
    before = rss_bytes()
    keep = []
    for _ in range(count):
        emu = ADAPTERS[emulator](rom)
        emu.run([0] * 10, "rgb")
        keep.append(emu)
    after = rss_bytes()
    return {"count": count, "rss_before": before, "rss_after": after,
            "bytes_per_emulator": (after - before) / count}


def env(emulator: str, steps: int) -> Dict[str, Any]:
    """Env steps/s on SuperMarioBros-1-1-v0 + JoypadSpace(SIMPLE_MOVEMENT)."""
    actions = env_actions(steps)
    try:  # first: gym's logger installs a "once" filter for its own warnings
        import gymnasium  # noqa: F401
    except ImportError:
        pass
    try:
        import gym  # noqa: F401
    except ImportError:
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if emulator == "nesenv":
            import gymnasium as gym

            import nesenv
            from nesenv.actions import SIMPLE_MOVEMENT
            from nesenv.wrappers import JoypadSpace

            e = JoypadSpace(gym.make("SuperMarioBros-1-1-v0"), SIMPLE_MOVEMENT)
            version = _Nesenv.version()
        elif emulator == "nes-py":
            import gym
            import gym_super_mario_bros
            from gym_super_mario_bros.actions import SIMPLE_MOVEMENT
            from nes_py.wrappers import JoypadSpace

            e = JoypadSpace(gym.make("SuperMarioBros-1-1-v0", apply_api_compatibility=True,
                                     render_mode="rgb_array"), SIMPLE_MOVEMENT)
            version = _NesPy.version()
        else:
            raise ValueError(f"no env benchmark for {emulator}")
        e.reset(seed=0) if emulator == "nesenv" else e.reset()  # nes-py's JoypadSpace: no seed
        t = time_env_steps(e, actions)
    return {"steps": steps, "wall": t["wall"], "cpu": t["cpu"], "sps_wall": steps / t["wall"],
            "sps_cpu": steps / t["cpu"] if t["cpu"] > 0 else None, "resets": t["resets"],
            "x_pos_end": int(t["info"]["x_pos"]), "version": version}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--emulator", choices=EMULATORS, required=True)
    p.add_argument("--rom")
    p.add_argument("--task", choices=("core", "states", "memory", "env", "version"), required=True)
    p.add_argument("--mode", default="rgb", choices=("rgb", "skip4", "noframe"))
    p.add_argument("--frames", type=int, default=2000)
    p.add_argument("--iterations", type=int, default=2000)
    p.add_argument("--count", type=int, default=20)
    a = p.parse_args(argv)
    if a.task == "core":
        result = core(a.emulator, a.rom, a.mode, a.frames)
    elif a.task == "states":
        result = states(a.emulator, a.rom, a.iterations)
    elif a.task == "memory":
        result = memory(a.emulator, a.rom, a.count)
    elif a.task == "env":
        result = env(a.emulator, a.frames)
    else:
        result = {}
    print(json.dumps({"emulator": a.emulator, "version": ADAPTERS[a.emulator].version(),
                      "task": a.task, "result": result}))


if __name__ == "__main__":
    sys.exit(main())
