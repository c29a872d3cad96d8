"""Record reference traces from stable-retro's FCEUmm for the FCEUX-state conversion.

For each start state of a stable-retro NES integration: load the state into stable-retro's
emulator (FCEUmm) on the ROM given and reset as stable-retro's ``RetroEnv`` does (one frame with
no input), then run ``FRAMES`` frames of a fixed input (Right held, A held 20 frames of every 40)
and keep per frame the BLAKE2b (4-byte digest) of CPU RAM and of CPU RAM without the stack page
($0100-$01FF), and the scenario's reward, done and info; a gzip'd JSON file per state.
``test_fceumm_traces.py`` converts the same states with ``nesenv.fceux_state.convert`` and
replays the input on nesenv; ``tests/env/test_integrations.py`` plays them through
``nesenv.integrations``.

Run in a virtualenv with stable-retro 1.0.1 (it never imports nesenv; one emulator per process,
so each state runs in a child process)::

    python3.11 -m venv retro-venv && retro-venv/bin/pip install stable-retro==1.0.1
    retro-venv/bin/python tests/parity/record_fceumm.py SuperMarioBros-Nes-v0 SMB_ROM
    retro-venv/bin/python tests/parity/record_fceumm.py SuperMarioBros3-Nes-v0 SMB3_ROM

where SMB_ROM is the Super Mario Bros. ROM nesenv imports from gym-super-mario-bros 7.4.0 and
SMB3_ROM the Super Mario Bros. 3 ROM from gym-super-mario-bros 9.1.0 (``nesenv roms`` shows
their paths; the SMB3 ROM is another revision than the integration's rom.sha: both emulators run
the same ROM).
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
OUT = Path(__file__).resolve().parent / "traces" / "fceumm"
# stable-retro's NES button order (its cores/nes.json); controller byte bits A B Sel St U D L R
RETRO_ORDER = (1, None, 2, 3, 4, 5, 6, 7, 0)


def pad(frame: int) -> int:
    """The fixed input: Right held, A held for 20 frames of every 40 (controller byte)."""
    return 0x80 | (0x01 if (frame // 20) % 2 else 0)


def ram_hashes(ram: bytes) -> str:
    """``"<hash of RAM> <hash of RAM without $0100-$01FF>"``."""
    whole = hashlib.blake2b(ram, digest_size=4).hexdigest()
    return whole + " " + hashlib.blake2b(ram[:0x100] + ram[0x200:], digest_size=4).hexdigest()


def _child(rom: str, state: str) -> None:
    """Print per frame the RAM hashes, then the scenario's reward, done and info as JSON, as
    stable-retro's RetroEnv computes them: reset = load the state, one frame with no input,
    ``data.reset()``; a step = one frame, ``update_ram``, ``current_reward``/``is_done``."""
    import warnings

    import numpy as np

    warnings.simplefilter("ignore")
    import stable_retro as retro

    folder = Path(state).parent
    emu = retro.RetroEmulator(rom)
    data = retro.data.GameData()
    data.load(str(folder / "data.json"), str(folder / "scenario.json"))
    emu.configure_data(data)
    emu.set_state(gzip.open(state).read())
    emu.set_button_mask(np.zeros(len(RETRO_ORDER), np.uint8), 0)
    emu.step()
    data.reset()
    data.update_ram()
    for f in range(FRAMES):
        p = pad(f)
        emu.set_button_mask(np.array([0 if b is None else (p >> b) & 1 for b in RETRO_ORDER],
                                     np.uint8), 0)
        emu.step()
        data.update_ram()
        ram = bytes(int(data.memory.extract(a, "|u1")) & 0xFF for a in range(2048))
        step = [float(data.current_reward()), bool(data.is_done()), dict(data.lookup_all())]
        print(ram_hashes(ram), json.dumps(step, separators=(",", ":")))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("integration")
    p.add_argument("rom")
    p.add_argument("--child-state")
    a = p.parse_args(argv)
    if a.child_state:
        _child(a.rom, a.child_state)
        return 0
    import importlib.metadata
    import importlib.util

    spec = importlib.util.find_spec("stable_retro")
    folder = Path(spec.origin).parent / "data" / "stable" / a.integration
    out_dir = OUT / a.integration
    out_dir.mkdir(parents=True, exist_ok=True)
    for state in sorted(folder.glob("*.state")):
        lines = subprocess.run([sys.executable, __file__, a.integration, a.rom, "--child-state",
                                str(state)], capture_output=True, text=True,
                               check=True).stdout.splitlines()
        trace = {"integration": a.integration, "state": state.stem, "frames": FRAMES,
                 "input": "Right held; A held 20 frames of every 40",
                 "versions": {"stable-retro": importlib.metadata.version("stable-retro"),
                              "python": platform.python_version()},
                 "command": f"python tests/parity/record_fceumm.py {a.integration} ROM",
                 "ram": [ln.split()[0] for ln in lines],
                 "ram_outside_stack": [ln.split()[1] for ln in lines],
                 # the scenario's [reward, done, info] per frame, as RetroEnv.step gives them
                 "steps": [json.loads(ln.split(" ", 2)[2]) for ln in lines]}
        (out_dir / f"{state.stem}.json.gz").write_bytes(
            gzip.compress((json.dumps(trace) + "\n").encode(), mtime=0))
        print(f"{state.stem}: {len(lines)} frames")
    return 0


if __name__ == "__main__":
    sys.exit(main())
