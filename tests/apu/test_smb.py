"""Super Mario Bros.' title screen and World 1-1 make sound (the ROM is never shipped:
the test is skipped unless it was imported with ``nesenv import-roms``, see nesenv.roms)."""
import numpy as np
import pytest

from nes_core import NES

from tests.apu._apu import rms


def smb_rom():
    try:
        from games.super_mario_bros import SuperMarioBros
        from nesenv.roms import find_rom
    except ImportError as e:  # pragma: no cover - the env layer is missing
        pytest.skip(f"nesenv.roms not importable ({e})")
    try:
        return find_rom(SuperMarioBros)
    except (FileNotFoundError, ValueError) as e:
        pytest.skip(f"Super Mario Bros. ROM not imported: {str(e).splitlines()[0]}")


def test_smb_title_and_1_1_have_music():
    nes = NES(smb_rom(), audio=True)
    title = []
    for _ in range(120):
        nes.step(1)
        title.append(nes.audio)
    nes.step(4, buttons=0x08)               # Start
    play = []
    for i in range(600):                    # 10 s of 1-1, walking right with a jump or two
        nes.step(1, buttons=0x80 | (0x01 if i % 90 < 20 else 0))
        play.append(nes.audio)
    play = np.concatenate(play[60:])
    counts = [a.size for a in title]
    assert abs(np.mean(counts[1:]) - 44100 / 60.0988) < 1.0
    # the title screen of SMB is silent; 1-1 plays the overworld theme
    assert rms(np.concatenate(title)) < 1e-3
    assert 0.01 < rms(play) < 0.4, rms(play)
    assert np.abs(play).max() <= 1.0
    # music, not a constant or a single tone: energy spread over several bands
    spec = np.abs(np.fft.rfft(play[:44100 * 4]))
    freqs = np.fft.rfftfreq(44100 * 4, 1 / 44100)
    bands = [(60, 250), (250, 1000), (1000, 4000)]
    energy = [spec[(freqs >= lo) & (freqs < hi)].sum() for lo, hi in bands]
    assert min(energy) > 0.02 * max(energy), energy
