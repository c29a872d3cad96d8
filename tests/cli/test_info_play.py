"""nesenv info, nesenv play (headless, injected keys), battery .sav files, --mute and --record.

All on synthetic iNES images (tests/ines.py): no commercial ROM needed.
"""
import hashlib
import wave

import numpy as np
import pytest

import games
from nesenv import audio, cli, saves
from tests.ines import INIT, ines, program_rom

SAMPLES_PER_FRAME = 44100 / 60.0988

# Battery RAM test program: on power-on $6000 += 1 (a boot counter, so a loaded .sav shows),
# then forever: strobe the controller, shift its 8 buttons into $00 (A ends in bit 7, Right in
# bit 0) and copy the whole byte to $6001 (one store, so a frame never ends on a half-read byte).
COUNTER_AND_PAD = INIT + """
        LDA $6000
        CLC
        ADC #1
        STA $6000
loop:   LDA #1
        STA $4016
        LDA #0
        STA $4016
        LDX #8
read:   LDA $4016
        LSR A
        ROL $00
        DEX
        BNE read
        LDA $00
        STA $6001
        JMP loop
"""


@pytest.fixture
def battery_rom(tmp_path):
    path = tmp_path / "counter.nes"
    path.write_bytes(program_rom(COUNTER_AND_PAD, battery=True))
    return path


@pytest.fixture
def save_dir(tmp_path, monkeypatch):
    folder = tmp_path / "saves"
    monkeypatch.setenv(saves.SAVE_DIR_ENV, str(folder))
    return folder


def _fields(out):
    return {line[:14].strip(): line[15:] for line in out.splitlines()}


# --- nesenv info --------------------------------------------------------------------------------
def test_info_on_a_nes2_battery_image(tmp_path, capsys):
    data = ines(bytes(range(256)) * 64, b"\x11" * 8192, mapper=1, battery=True, nes2=True,
                submapper=5, mirroring="vertical", prg_ram_shift=7, prg_nvram_shift=7)
    rom = tmp_path / "mmc1.nes"
    rom.write_bytes(data)
    assert cli.main(["info", str(rom)]) == 0
    f = _fields(capsys.readouterr().out)
    assert f["file"] == f"{rom} ({len(data)} bytes)"
    assert (f["format"], f["mapper"], f["board"]) == ("NES 2.0", "1, submapper 5", "MMC1/SxROM")
    assert (f["PRG ROM"], f["CHR ROM"], f["CHR RAM"]) == ("16 KiB", "8 KiB", "none")
    assert (f["PRG RAM"], f["PRG NVRAM"], f["battery"]) == ("8 KiB", "8 KiB", "yes")
    assert (f["mirroring"], f["trainer"], f["game"]) == ("vertical", "no", "unknown")
    assert f["file SHA-1"] == hashlib.sha1(data).hexdigest()
    assert f["PRG+CHR SHA-1"] == hashlib.sha1(data[16:]).hexdigest()


def test_info_names_a_known_game(tmp_path, capsys, monkeypatch):
    data = ines(b"\xea" * 16384, b"", mapper=2, trainer=bytes(512))
    rom = tmp_path / "known.nes"
    rom.write_bytes(data)
    digest = hashlib.sha1(data[16 + 512:]).hexdigest()  # the trainer is not part of the hash
    spec = games.RomSpec(digest, "known.nes", "Test Cart (World)", "vanilla")
    monkeypatch.setitem(games.REGISTRY, digest, (games.SuperMarioBros, spec))
    assert cli.main(["info", str(rom)]) == 0
    f = _fields(capsys.readouterr().out)
    assert f["mapper"] == "2 (iNES 1.0 header: no submapper)" and f["board"] == "UxROM"
    assert (f["CHR ROM"], f["CHR RAM"], f["trainer"]) == ("none", "8 KiB", "yes")
    assert f["PRG+CHR SHA-1"] == digest
    assert f["game"] == "Super Mario Bros.: Test Cart (World) (vanilla)"


def test_info_header_fields_and_layout(tmp_path, capsys):
    data = bytearray(ines(b"\xea" * 16384, b"\x11" * 8192, mapper=0, trainer=bytes(512)))
    data[7] |= 0x01  # VS System
    data[9] = 0x01  # PAL
    rom = tmp_path / "vs.nes"
    rom.write_bytes(bytes(data) + b"tail")
    assert cli.main(["info", str(rom)]) == 0
    f = _fields(capsys.readouterr().out)
    assert (f["TV system"], f["console"], f["CHR NVRAM"]) == ("PAL", "VS System", "none")
    assert f["layout"] == ("header [0x0, 0x10), trainer [0x10, 0x210), PRG ROM [0x210, 0x4210), "
                           "CHR ROM [0x4210, 0x6210), 4 more bytes")
    assert f["header"] == "4E 45 53 1A 01 01 04 01 00 01 00 00 00 00 00 00"


@pytest.mark.parametrize(
    "content,message",
    [
        (b"NES\x1a\x01\x01\x00\x00\x00\x00", "truncated iNES header: 10 of 16 bytes"),
        (b"PK\x03\x04 not a ROM at all", "not an iNES ROM"),
        (ines(b"\xea" * 16384, bytes(8192), mapper=19), "mapper 19"),  # RomError: unsupported
        (b"NES\x1a\x02\x01" + bytes(10) + bytes(100),
         "truncated iNES file: header declares 40976 bytes"),
    ],
    ids=["short-header", "not-ines", "unsupported-mapper", "truncated"],
)
def test_info_errors(tmp_path, capsys, content, message):
    rom = tmp_path / "bad.nes"
    rom.write_bytes(content)
    assert cli.main(["info", str(rom)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"nesenv info: {rom}: ")
    if message:
        assert message in captured.err
    assert cli.main(["info", str(tmp_path / "missing.nes")]) == 1
    assert "No such file" in capsys.readouterr().err


# --- nesenv play --------------------------------------------------------------------------------
def test_play_parser():
    args = cli.build_parser().parse_args(["play", "x.nes"])
    assert (args.rom, args.scale, args.mute, args.record, args.steps) == ("x.nes", 3, False, None, None)
    args = cli.build_parser().parse_args(["play", "x.nes", "--scale", "2", "--mute",
                                          "--record", "a.mp4", "--steps", "5"])
    assert (args.scale, args.mute, args.record, args.steps) == (2, True, "a.mp4", 5)


def test_play_usage_errors(battery_rom, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["play", str(battery_rom), "--record", "clip.avi"])
    assert exc.value.code == 2 and "must end in .wav or .mp4" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["play", str(battery_rom), "--scale", "0"])


def test_play_bad_rom(tmp_path, capsys):
    rom = tmp_path / "bad.nes"
    rom.write_bytes(ines(b"\xea" * 16384, bytes(8192), mapper=19))
    assert cli.main(["play", str(rom), "--steps", "1"]) == 1
    assert "mapper 19" in capsys.readouterr().err


def test_play_keys_and_battery_save_round_trip(battery_rom, save_dir, capsys):
    pygame = pytest.importorskip("pygame")
    sha1 = hashlib.sha1(battery_rom.read_bytes()[16:]).hexdigest()
    pygame.display.init()
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RIGHT))
    assert cli.main(["play", str(battery_rom), "--steps", "4", "--mute"]) == 0
    out = capsys.readouterr().out
    sav = save_dir / f"{sha1}.sav"
    assert f"battery RAM saved to {sav}" in out and "loaded" not in out
    data = sav.read_bytes()
    assert len(data) == 8192  # the battery part only (iNES battery: all 8 KiB are NVRAM)
    assert data[0] == 1  # booted once
    assert data[1] == 0x01  # the program read Right held (bit 0)

    # second session: the .sav is loaded before the first frame (the boot counter goes on)
    pygame.display.init()
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE))
    assert cli.main(["play", str(battery_rom), "--mute"]) == 0  # Esc before any frame
    out = capsys.readouterr().out
    assert f"battery RAM loaded from {sav}" in out and "saved" not in out  # nothing ran
    assert sav.read_bytes()[0] == 1
    assert cli.main(["play", str(battery_rom), "--steps", "2", "--mute"]) == 0
    assert sav.read_bytes()[0] == 2 and sav.read_bytes()[1] == 0  # no key held this time


def test_play_without_battery_writes_no_save(tmp_path, save_dir, capsys):
    rom = tmp_path / "plain.nes"
    rom.write_bytes(program_rom(INIT + "loop: JMP loop"))
    assert cli.main(["play", str(rom), "--steps", "2", "--mute"]) == 0
    assert "battery" not in capsys.readouterr().out and not save_dir.exists()


class FakeSink:
    """Stands in for AudioSink: records what it is given, silent, paces nothing."""

    made = []

    def __init__(self, sample_rate, **kw):
        self.sample_rate, self.enabled, self.reason = sample_rate, True, None
        self.blocks, self.waits, self.closed = [], 0, False
        FakeSink.made.append(self)

    def play(self, samples):
        self.blocks.append(len(samples))

    def wait(self):
        self.waits += 1

    def close(self):
        self.closed = True


def test_mute_opens_no_sink_and_sound_feeds_one(battery_rom, save_dir, monkeypatch, capsys):
    monkeypatch.setattr(audio, "AudioSink", FakeSink)
    FakeSink.made = []
    assert cli.main(["play", str(battery_rom), "--steps", "3", "--mute"]) == 0
    assert FakeSink.made == []
    assert cli.main(["play", str(battery_rom), "--steps", "5"]) == 0
    (sink,) = FakeSink.made
    assert sink.sample_rate == 44100 and sink.closed and sink.waits == 5
    assert len(sink.blocks) == 5 and all(700 <= n <= 740 for n in sink.blocks[1:]), sink.blocks


def test_missing_audio_device_is_one_note(battery_rom, save_dir, monkeypatch, capsys):
    class NoDevice(FakeSink):
        def __init__(self, sample_rate, **kw):
            super().__init__(sample_rate)
            self.enabled, self.reason = False, "no audio output (test); playing without sound"

    monkeypatch.setattr(audio, "AudioSink", NoDevice)
    assert cli.main(["play", str(battery_rom), "--steps", "2"]) == 0
    err = capsys.readouterr().err
    assert err == "note: no audio output (test); playing without sound\n"


def test_record_wav(battery_rom, save_dir, tmp_path, capsys):
    out = tmp_path / "run.wav"
    steps = 30
    assert cli.main(["play", str(battery_rom), "--steps", str(steps), "--mute",
                     "--record", str(out)]) == 0
    assert f"recorded {steps + 1} frames" in capsys.readouterr().out
    with wave.open(str(out)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 44100)
        n = w.getnframes()
    # the first frame after power-on is short (it ends at the first vblank, ~21 lines early)
    assert abs(n - steps * SAMPLES_PER_FRAME) < SAMPLES_PER_FRAME, n


def test_record_mp4_without_imageio_ffmpeg_names_the_extra(battery_rom, save_dir, tmp_path,
                                                           monkeypatch, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # import fails
    out = tmp_path / "run.mp4"
    assert cli.main(["play", str(battery_rom), "--steps", "2", "--record", str(out)]) == 1
    assert "pip install 'nesenv[record]'" in capsys.readouterr().err
    assert not out.exists()


# --- smb-play -----------------------------------------------------------------------------------
def test_smb_play_options():
    args = cli.parse_smb_play_args(["--mute", "--record", "run.WAV"])
    assert args.mute and args.record == "run.WAV"
    assert not cli.parse_smb_play_args([]).mute


def test_smb_play_random_records_every_emulated_frame(smb_rom, tmp_path, capsys):
    out = tmp_path / "smb.wav"
    assert cli.smb_play_main(["-e", "SuperMarioBros-1-1-v0", "-m", "random", "--steps", "120",
                              "--no-render", "--seed", "0", "--record", str(out)]) == 0
    text = capsys.readouterr().out
    frames = int(text.split("frames per second: ")[1].split("(")[1].split()[0])
    with wave.open(str(out)) as w:
        n = w.getnframes()
        pcm = np.frombuffer(w.readframes(n), dtype="<i2")
    assert abs(n - frames * SAMPLES_PER_FRAME) < 3 * frames ** 0.5 + 2, (n, frames)
    assert pcm.std() > 100  # the 1-1 music


def test_smb_play_human_mute(smb_rom, monkeypatch, capsys):
    monkeypatch.setattr(audio, "AudioSink", FakeSink)
    FakeSink.made = []
    assert cli.smb_play_main(["-e", "SuperMarioBros-1-1-v0", "-m", "human", "--steps", "3",
                              "--mute"]) == 0
    assert FakeSink.made == []
    assert cli.smb_play_main(["-e", "SuperMarioBros-1-1-v0", "-m", "human", "--steps", "3"]) == 0
    assert len(FakeSink.made) == 1 and len(FakeSink.made[0].blocks) == 3
