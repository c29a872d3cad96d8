"""render_mode="human" without a display raises, naming the fix; SDL_VIDEODRIVER=dummy on purpose
still works (the tests' and CI's set-up)."""
import sys

import pytest

from nesenv import _viewer
from nesenv.env import NESEnv
from test_generic_env import tiny_nrom  # tests/env is on sys.path (rootdir conftest)


@pytest.fixture
def no_display(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
        monkeypatch.delenv(name, raising=False)


def test_human_without_display_raises_naming_the_fix(tmp_path, no_display):
    with pytest.raises(RuntimeError) as err:
        NESEnv(tiny_nrom(tmp_path / "tiny.nes"), render_mode="human")
    message = str(err.value)
    assert "neither DISPLAY nor WAYLAND_DISPLAY is set" in message
    assert "SDL_VIDEODRIVER=dummy" in message and "render_mode='rgb_array'" in message


def test_dummy_driver_on_purpose_still_works(tmp_path, no_display, monkeypatch):
    pytest.importorskip("pygame")
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    env = NESEnv(tiny_nrom(tmp_path / "tiny.nes"), render_mode="human", mute=True)
    env.reset()
    env.step(0)
    assert env._viewer is not None and env._viewer.is_open
    env.close()


def test_implicit_offscreen_fallback_raises(tmp_path, no_display, monkeypatch):
    pytest.importorskip("pygame")
    monkeypatch.setenv("DISPLAY", ":12345")  # no X server there: SDL falls back to "offscreen"
    env = NESEnv(tiny_nrom(tmp_path / "tiny.nes"), render_mode="human", mute=True)
    with pytest.raises(RuntimeError, match="SDL_VIDEODRIVER=dummy"):
        env.reset()  # the window opens with the first frame shown
    env.close()


def test_check_display_rules(no_display, monkeypatch):
    with pytest.raises(RuntimeError, match="neither DISPLAY"):
        _viewer.check_display()
    monkeypatch.setenv("DISPLAY", ":0")
    _viewer.check_display()
    _viewer.check_display("x11")
    with pytest.raises(RuntimeError, match="fell back to its 'offscreen' video driver"):
        _viewer.check_display("offscreen")
    monkeypatch.delenv("DISPLAY")
    monkeypatch.setenv("SDL_VIDEODRIVER", "offscreen")  # chosen on purpose
    _viewer.check_display("offscreen")
    monkeypatch.setattr(sys, "platform", "darwin")  # no DISPLAY variable there
    monkeypatch.delenv("SDL_VIDEODRIVER")
    _viewer.check_display("cocoa")
