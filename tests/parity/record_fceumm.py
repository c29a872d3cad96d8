"""Record reference traces from stable-retro's FCEUmm for the FCEUX-state conversion.

For each start state of stable-retro's ``SuperMarioBros-Nes`` integration: load the state into
stable-retro's emulator (FCEUmm) on the ROM given, run ``FRAMES`` frames of a fixed input
(Right held, A held 20 frames of every 40) and write one line per frame: the BLAKE2b (8-byte
digest) of CPU RAM. ``test_fceumm_traces.py`` converts the same states with
``nesenv.fceux_state.convert`` and replays the input on nesenv.

Run in a virtualenv with stable-retro 1.0.1 (it never imports nesenv; one emulator per process,
so each state runs in a child process)::

    python3.11 -m venv retro-venv && retro-venv/bin/pip install stable-retro==1.0.1
    retro-venv/bin/python tests/parity/record_fceumm.py ROM

where ROM is the Super Mario Bros. ROM nesenv imports from gym-super-mario-bros 7.4.0
(``nesenv roms`` shows its path).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import platform
import subprocess
import sys
from pathlib import Path

FRAMES = 600
INTEGRATION = "SuperMarioBros-Nes-v0"
OUT = Path(__file__).resolve().parent / "traces" / "fceumm"
# stable-retro's NES button order (its cores/nes.json); controller byte bits A B Sel St U D L R
RETRO_ORDER = (1, None, 2, 3, 4, 5, 6, 7, 0)


def pad(frame: int) -> int:
    """The fixed input: Right held, A held for 20 frames of every 40 (controller byte)."""
    return 0x80 | (0x01 if (frame // 20) % 2 else 0)


def ram_hash(ram: bytes) -> str:
    return hashlib.blake2b(ram, digest_size=8).hexdigest()


def _child(rom: str, state: str) -> None:
    import warnings

    import numpy as np

    warnings.simplefilter("ignore")
    import stable_retro as retro

    emu = retro.RetroEmulator(rom)
    data = retro.data.GameData()
    emu.configure_data(data)
    emu.set_state(gzip.open(state).read())
    for f in range(FRAMES):
        p = pad(f)
        emu.set_button_mask(np.array([0 if b is None else (p >> b) & 1 for b in RETRO_ORDER],
                                     np.uint8), 0)
        emu.step()
        ram = bytes(int(data.memory.extract(a, "|u1")) & 0xFF for a in range(2048))
        print(ram_hash(ram))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("rom")
    p.add_argument("--child-state")
    a = p.parse_args(argv)
    if a.child_state:
        _child(a.rom, a.child_state)
        return 0
    import importlib.metadata
    import importlib.util

    spec = importlib.util.find_spec("stable_retro")
    folder = Path(spec.origin).parent / "data" / "stable" / INTEGRATION
    OUT.mkdir(parents=True, exist_ok=True)
    for state in sorted(folder.glob("*.state")):
        out = subprocess.run([sys.executable, __file__, a.rom, "--child-state", str(state)],
                             capture_output=True, text=True, check=True).stdout.split()
        trace = {"integration": INTEGRATION, "state": state.stem, "frames": FRAMES,
                 "input": "Right held; A held 20 frames of every 40",
                 "versions": {"stable-retro": importlib.metadata.version("stable-retro"),
                              "python": platform.python_version()},
                 "command": "python tests/parity/record_fceumm.py ROM",
                 "ram": out}
        (OUT / f"{state.stem}.json").write_text(json.dumps(trace) + "\n")
        print(f"{state.stem}: {len(out)} frames")
    return 0


if __name__ == "__main__":
    sys.exit(main())
