"""ROM identification and import, with synthetic iNES images registered for the test."""
import hashlib
import io
import os
import tarfile
import zipfile

import pytest

import games
from games import RomSpec, SuperMarioBros
from nesenv import roms


def ines(prg=b"\x4c\x00\x80", chr_=b"", prg_banks=1, chr_banks=0, flags6=0, header_tail=b""):
    """A minimal iNES image: header + PRG (padded to 16 KiB) + CHR (padded to 8 KiB)."""
    header = b"NES\x1a" + bytes([prg_banks, chr_banks, flags6, 0]) + header_tail.ljust(8, b"\0")
    return header + prg.ljust(16384 * prg_banks, b"\xea") + chr_.ljust(8192 * chr_banks, b"\0")


class FakeGame(games.Game):
    name = "Fake Game"


@pytest.fixture
def fake_rom(monkeypatch, tmp_path):
    """Register a synthetic ROM as the 'vanilla' ROM of FakeGame; ROM folder in tmp_path."""
    data = ines(prg=b"fake game")
    spec = RomSpec(
        sha1=hashlib.sha1(data[16:]).hexdigest(), filename="fake.nes", title="Fake", variant="vanilla"
    )
    monkeypatch.setattr(FakeGame, "ROMS", (spec,))
    monkeypatch.setitem(roms.REGISTRY, spec.sha1, (FakeGame, spec))
    monkeypatch.setenv(roms.ROM_DIR_ENV, str(tmp_path / "romdir"))
    return data, spec


def test_rom_hash_ignores_header_and_trainer():
    data = ines(prg=b"abc")
    reheadered = ines(prg=b"abc", header_tail=b"DiskDude")
    assert roms.rom_hash(data) == roms.rom_hash(reheadered) == hashlib.sha1(data[16:]).hexdigest()
    with_trainer = data[:6] + bytes([data[6] | 0x04]) + data[7:16] + b"T" * 512 + data[16:]
    assert roms.rom_hash(with_trainer) == roms.rom_hash(data)
    assert roms.rom_hash(b"not a rom") is None


def test_rom_dir_env_overrides_platformdirs(monkeypatch, tmp_path):
    monkeypatch.setenv(roms.ROM_DIR_ENV, str(tmp_path))
    assert roms.rom_dir() == tmp_path
    monkeypatch.delenv(roms.ROM_DIR_ENV)
    assert roms.rom_dir().name == "roms" and "nesenv" in str(roms.rom_dir())


def test_missing_rom_error_prints_the_exact_import_command(monkeypatch, tmp_path):
    monkeypatch.setenv(roms.ROM_DIR_ENV, str(tmp_path))
    with pytest.raises(roms.RomNotFoundError) as err:
        roms.find_rom(SuperMarioBros, "pixel")
    text = str(err.value)
    assert (
        "pip download --no-deps gym-super-mario-bros==7.4.0 -d DIR && nesenv import-roms DIR"
        in text
    )
    assert "super-mario-bros-pixel.nes" in text and str(tmp_path) in text
    assert isinstance(err.value, FileNotFoundError)


def test_making_an_env_without_the_rom_raises_the_import_hint(monkeypatch, tmp_path):
    import gymnasium as gym

    import nesenv  # noqa: F401

    monkeypatch.setenv(roms.ROM_DIR_ENV, str(tmp_path))
    with pytest.raises(roms.RomNotFoundError, match="nesenv import-roms DIR"):
        gym.make("SuperMarioBros-1-1-v3")


def test_unknown_variant_is_a_value_error():
    with pytest.raises(ValueError, match="no 'pixel' ROM"):
        roms.find_rom(games.LostLevels, "pixel")


def test_import_from_file_folder_zip_wheel_and_tar(fake_rom, tmp_path):
    data, spec = fake_rom
    src = tmp_path / "src"
    (src / "deep").mkdir(parents=True)
    (src / "deep" / "renamed.nes").write_bytes(data)
    (src / "junk.nes").write_bytes(ines(prg=b"unknown"))
    (src / "notes.txt").write_text("hello")
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("pkg/_roms/game.nes", data)
        zf.writestr("pkg/__init__.py", "")
    tar = tmp_path / "pkg.tar.gz"
    with tarfile.open(tar, "w:gz") as tf:
        info = tarfile.TarInfo("pkg/game.nes")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))

    lines = []
    found = roms.import_roms([src], log=lines.append)
    assert [(r.rom.filename, r.status) for r in found] == [("fake.nes", "imported")]
    assert roms.find_rom(FakeGame) == roms.rom_dir() / "fake.nes"
    assert (roms.rom_dir() / "fake.nes").read_bytes() == data
    assert len(lines) == 1 and "fake.nes" in lines[0]

    for source in (wheel, tar, src / "deep" / "renamed.nes"):
        again = roms.import_roms([source])
        assert [(r.rom.filename, r.status) for r in again] == [("fake.nes", "present")]
    assert "!pkg/_roms/game.nes" in roms.import_roms([wheel])[0].source


def test_import_of_nothing_known_returns_empty_and_missing_path_raises(fake_rom, tmp_path):
    (tmp_path / "x.nes").write_bytes(ines(prg=b"other"))
    assert roms.import_roms([tmp_path / "x.nes"]) == []
    with pytest.raises(FileNotFoundError):
        roms.import_roms([tmp_path / "does-not-exist"])


def test_a_rom_copied_in_by_hand_under_another_name_is_found(fake_rom):
    data, spec = fake_rom
    roms.rom_dir().mkdir(parents=True)
    (roms.rom_dir() / "My Dump (World).nes").write_bytes(data)
    assert roms.find_rom(FakeGame).name == "My Dump (World).nes"


def test_a_corrupt_file_under_the_canonical_name_is_ignored(fake_rom):
    roms.rom_dir().mkdir(parents=True)
    (roms.rom_dir() / "fake.nes").write_bytes(ines(prg=b"corrupt"))
    with pytest.raises(roms.RomNotFoundError):
        roms.find_rom(FakeGame)


def test_resolve_rom_by_path_or_known_name(fake_rom, tmp_path):
    data, spec = fake_rom
    path = tmp_path / "a.nes"
    path.write_bytes(data)
    assert roms.resolve_rom(path) == path
    with pytest.raises(roms.RomNotFoundError):
        roms.resolve_rom("fake.nes")
    roms.import_roms([path])
    assert roms.resolve_rom("fake.nes") == roms.rom_dir() / "fake.nes"
    with pytest.raises(FileNotFoundError):
        roms.resolve_rom("nothing.nes")


def test_preferred_dump_wins(monkeypatch, tmp_path):
    monkeypatch.setenv(roms.ROM_DIR_ENV, str(tmp_path))
    a, b = ines(prg=b"dump a"), ines(prg=b"dump b")
    spec_a = RomSpec(hashlib.sha1(a[16:]).hexdigest(), "a.nes", "A", "vanilla", preferred=0)
    spec_b = RomSpec(hashlib.sha1(b[16:]).hexdigest(), "b.nes", "B", "vanilla", preferred=1)
    monkeypatch.setattr(FakeGame, "ROMS", (spec_a, spec_b))
    monkeypatch.setitem(roms.REGISTRY, spec_a.sha1, (FakeGame, spec_a))
    monkeypatch.setitem(roms.REGISTRY, spec_b.sha1, (FakeGame, spec_b))
    (tmp_path / "a.nes").write_bytes(a)
    assert roms.find_rom(FakeGame).name == "a.nes"
    (tmp_path / "b.nes").write_bytes(b)
    assert roms.find_rom(FakeGame).name == "b.nes"


def test_imported_files_are_readable_by_others(fake_rom, tmp_path):
    data, _ = fake_rom
    (tmp_path / "f.nes").write_bytes(data)
    (found,) = roms.import_roms([tmp_path / "f.nes"])
    if os.name == "posix":
        assert found.path.stat().st_mode & 0o044 == 0o044
