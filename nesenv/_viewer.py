"""A pygame window that shows NES frames (pygame is optional: ``pip install 'nesenv[play]'``)."""
import os
import sys
from typing import List, Optional

import numpy as np

PYGAME_HINT = "the window needs pygame: pip install 'nesenv[play]' (or pip install pygame)"

# SDL's video drivers that draw nowhere; SDL picks "offscreen" by itself when it finds no display
HEADLESS_DRIVERS = ("dummy", "offscreen")

NO_DISPLAY_FIX = (
    "run it where there is a display (or set DISPLAY / WAYLAND_DISPLAY); to run headless, use "
    "render_mode='rgb_array' or None (smb-play: -m random); or set SDL_VIDEODRIVER=dummy to draw "
    "into an invisible window on purpose (tests, CI)"
)


def display_env_missing() -> Optional[str]:
    """Return why the environment names no display (Linux/BSD without ``DISPLAY`` and
    ``WAYLAND_DISPLAY``), or None. ``SDL_VIDEODRIVER`` is not looked at."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            return "neither DISPLAY nor WAYLAND_DISPLAY is set"
    return None


def check_display(driver: Optional[str] = None) -> None:
    """Raise unless a window would be seen, or ``SDL_VIDEODRIVER`` chooses the driver on purpose.

    Args:
        driver: the video driver pygame initialised (``pygame.display.get_driver()``), if any.

    Raises:
        RuntimeError: no display: ``DISPLAY`` / ``WAYLAND_DISPLAY`` unset on Linux/BSD, or pygame
            fell back to its ``offscreen`` / ``dummy`` driver by itself. The message names the
            fixes.
    """
    if os.environ.get("SDL_VIDEODRIVER"):
        return  # the caller picked the driver (dummy / offscreen in tests and CI)
    reason = display_env_missing()
    if reason is None and driver is not None and driver.lower() in HEADLESS_DRIVERS:
        reason = f"pygame found no display and fell back to its {driver!r} video driver"
    if reason is not None:
        raise RuntimeError(
            f"the window (render_mode='human') needs a display, but {reason}: nothing would be "
            "seen. To fix: " + NO_DISPLAY_FIX
        )


def import_pygame():
    """Import pygame without its banner.

    Raises:
        ImportError: pygame is missing; the message says how to install it.
    """
    import os

    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        import pygame
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(PYGAME_HINT) from exc
    return pygame


class ImageViewer:
    """A window showing ``(height, width, 3)`` uint8 RGB frames, scaled by an integer factor.

    Args:
        caption: window title.
        width: frame width in pixels (256 for the NES).
        height: frame height in pixels (240 for the NES).
        scale: window pixels per frame pixel.

    Raises:
        ImportError: pygame is not installed.
        RuntimeError: no window can be opened, or it would not be seen (no display, see
            :func:`check_display`); set ``SDL_VIDEODRIVER=dummy`` to run without one on purpose.
    """

    def __init__(self, caption: str = "nesenv", width: int = 256, height: int = 240, scale: int = 3):
        check_display()
        pygame = import_pygame()
        self._pygame = pygame
        self.width, self.height, self.scale = width, height, scale
        try:
            pygame.display.init()
            try:
                check_display(pygame.display.get_driver())
            except RuntimeError:
                pygame.display.quit()
                raise
            self._window = pygame.display.set_mode((width * scale, height * scale))
        except pygame.error as exc:
            raise RuntimeError(
                f"cannot open a window ({exc}); without a display, use --no-render or set "
                "SDL_VIDEODRIVER=dummy"
            ) from exc
        pygame.display.set_caption(caption)
        self._frame = pygame.Surface((width, height))
        self._clock = pygame.time.Clock()
        self.is_open = True

    def show(self, frame: np.ndarray) -> None:
        """Draw one frame, shape ``(height, width, 3)``, dtype ``uint8``."""
        if not self.is_open:
            return
        pygame = self._pygame
        pygame.surfarray.blit_array(self._frame, np.ascontiguousarray(frame).swapaxes(0, 1))
        pygame.transform.scale(self._frame, self._window.get_size(), self._window)
        pygame.display.flip()

    def events(self) -> List[object]:
        """Return pending pygame events; a window-close event closes the viewer."""
        if not self.is_open:
            return []
        events = self._pygame.event.get()
        if any(e.type == self._pygame.QUIT for e in events):
            self.close()
        return events

    def tick(self, fps: Optional[float]) -> None:
        """Wait so that successive calls happen at most ``fps`` times per second."""
        if fps:
            self._clock.tick(fps)

    def close(self) -> None:
        """Close the window (idempotent)."""
        if self.is_open:
            self.is_open = False
            self._pygame.display.quit()

    def __del__(self):  # pragma: no cover - best effort
        try:
            self.close()
        except Exception:
            pass
