# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Thin Cython layer over the C core (src/nes.h): argument checks, GIL release, error mapping."""
import operator
import os

import numpy as np

from cpython.buffer cimport PyBUF_WRITABLE
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy
from libc.math cimport INFINITY

cdef extern from "nes.h" nogil:
    ctypedef struct nes_t:
        pass
    ctypedef struct nes_regs_t:
        uint16_t pc
        uint8_t a, x, y, p, sp
        uint64_t cycles
    ctypedef struct nes_ppu_regs_t:
        uint8_t ctrl, mask, status, oamaddr
        uint16_t v, t
        uint8_t x, w, read_buffer, io_latch
    ctypedef struct nes_rom_info_t:
        int mapper, submapper, nes2
        const char *board
        unsigned int prg_rom_size, chr_rom_size, chr_ram_size, prg_ram_size, prg_nvram_size
        int battery, mirroring, has_trainer
        uint64_t rom_hash
    enum:
        NES_OK
        NES_ERR_NOMEM
        NES_ERR_ROM
        NES_ERR_STATE

    nes_t *nes_create(const uint8_t *rom, size_t len, int *err, char *errbuf, size_t errlen)
    void nes_destroy(nes_t *nes)
    void nes_rom_info(const nes_t *nes, nes_rom_info_t *info)
    int nes_run_frames(nes_t *nes, int frames, uint8_t pad1, uint8_t pad2)
    void nes_set_frame_grid(nes_t *nes, uint32_t cycles, int64_t phase)
    int nes_set_timing(nes_t *nes, int timing)
    int nes_timing(const nes_t *nes)
    uint64_t nes_cpu_cycles(const nes_t *nes)
    void nes_step_instruction(nes_t *nes)
    void nes_set_buttons(nes_t *nes, uint8_t pad1, uint8_t pad2)
    void nes_render_rgb(const nes_t *nes, uint8_t *out)
    const uint8_t *nes_framebuffer(const nes_t *nes)
    uint8_t *nes_ram(nes_t *nes)
    uint8_t nes_peek(nes_t *nes, uint16_t addr)
    void nes_poke(nes_t *nes, uint16_t addr, uint8_t value)
    uint8_t nes_ppu_peek(nes_t *nes, uint16_t addr)
    void nes_ppu_position(nes_t *nes, int *scanline, int *dot)
    void nes_sync(nes_t *nes)
    void nes_set_lockstep(nes_t *nes, int on)
    void nes_set_picture(nes_t *nes, int on)
    int nes_picture(const nes_t *nes)
    void nes_reset(nes_t *nes)
    void nes_power_cycle(nes_t *nes)
    uint64_t nes_frame_count(const nes_t *nes)
    int nes_jammed(const nes_t *nes)
    void nes_get_regs(const nes_t *nes, nes_regs_t *r)
    void nes_set_regs(nes_t *nes, const nes_regs_t *r)
    int nes_write(nes_t *nes, uint16_t addr, uint8_t value)
    void nes_ppu_poke(nes_t *nes, uint16_t addr, uint8_t value)
    void nes_get_ppu_regs(nes_t *nes, nes_ppu_regs_t *r)
    void nes_set_ppu_regs(nes_t *nes, const nes_ppu_regs_t *r)
    uint8_t *nes_oam(nes_t *nes)
    uint8_t *nes_vram(nes_t *nes, size_t *size)
    unsigned NES_STATE_SCREEN
    size_t nes_state_size(nes_t *nes, unsigned flags)
    int nes_state_save(nes_t *nes, uint8_t *buf, size_t len, unsigned flags)
    int nes_screen_valid(const nes_t *nes)
    int nes_line_scroll_valid(const nes_t *nes)
    int nes_state_load(nes_t *nes, const uint8_t *buf, size_t len, char *errbuf, size_t errlen)
    uint8_t *nes_prg_ram(nes_t *nes, size_t *size)
    void nes_set_audio(nes_t *nes, int enabled, int sample_rate)
    int NES_WATCHDOG_FRAMES
    int nes_watchdog_tripped(const nes_t *nes)
    const float *nes_audio(const nes_t *nes, size_t *count)
    const uint8_t *nes_palette_rgb(const nes_t *nes)
    enum:
        NES_PALETTE_NESPY
        NES_PALETTE_NTSC
    int nes_palette_builtin(int id, uint8_t *out)
    int nes_set_palette(nes_t *nes, const uint8_t *rgb, int entries)
    int nes_palette_entries(const nes_t *nes)


class RomError(ValueError):
    """The cartridge image is not a valid iNES / NES 2.0 file, or its board is not supported."""


class StateError(ValueError):
    """A save state is corrupt, truncated, of another format version or of another ROM."""


cdef class _Memory:
    """Exposes a span of the console's memory through the buffer protocol, keeping it alive."""
    cdef object owner
    cdef uint8_t *ptr
    cdef Py_ssize_t size
    cdef Py_ssize_t shape[1]
    cdef Py_ssize_t strides[1]

    def __getbuffer__(self, Py_buffer *buf, int flags):
        self.shape[0] = self.size
        self.strides[0] = 1
        buf.buf = self.ptr
        buf.obj = self
        buf.len = self.size
        buf.readonly = 0
        buf.itemsize = 1
        buf.format = "B"
        buf.ndim = 1
        buf.shape = self.shape
        buf.strides = self.strides
        buf.suboffsets = NULL
        buf.internal = NULL

    def __releasebuffer__(self, Py_buffer *buf):
        pass


cdef class _Console:
    """Owns one nes_t. NES and every memory view of it hold this object, never the NES itself:
    a view's base pointing back at the NES would be a reference cycle through an ndarray, which
    the garbage collector cannot see, and the console would never be freed."""
    cdef nes_t *n

    def __dealloc__(self):
        if self.n != NULL:
            nes_destroy(self.n)
            self.n = NULL


cdef _memory_view(object owner, uint8_t *ptr, Py_ssize_t size):
    cdef _Memory m = _Memory.__new__(_Memory)
    m.owner = owner
    m.ptr = ptr
    m.size = size
    return np.asarray(m)


def _as_int(value, str name):
    """``value`` as a Python int; TypeError for floats, strings and other non-integers."""
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int, not {type(value).__name__} ({value!r})") from None


def _button_bytes(buttons, buttons2):
    b1 = _as_int(buttons, "buttons")
    b2 = _as_int(buttons2, "buttons2")
    if not (0 <= b1 <= 255 and 0 <= b2 <= 255):
        raise ValueError(f"button bytes must be in 0-255, got {b1} and {b2}")
    return b1, b2


_BUSY_MESSAGE = ("this NES is running in another thread (step, step_instruction or an NESPool "
                 "run); one console cannot be used from two threads at once")


# ---- palettes ----
#: the built-in palettes by name; the first is every console's default
PALETTE_NAMES = ("nes-py", "ntsc")
#: :attr:`NES.timing` values, in the order of the core's ``enum nes_timing``
TIMINGS = ("accurate", "nes-py", "nes-py-9")
_BUILTIN_IDS = {"nes-py": NES_PALETTE_NESPY, "ntsc": NES_PALETTE_NTSC}
_builtin_cache = {}
# .pal files (FCEUX, Mesen): raw RGB triplets, 64 colours or 8 emphasis rows of 64
_PAL_FILE_ENTRIES = {64 * 3: 64, 512 * 3: 512}


cdef _builtin_palette(str name):
    cdef uint8_t[::1] view
    if name not in _builtin_cache:
        out = np.empty(512 * 3, dtype=np.uint8)
        view = out
        entries = nes_palette_builtin(_BUILTIN_IDS[name], &view[0])
        _builtin_cache[name] = out[:entries * 3].reshape(entries, 3)
        _builtin_cache[name].flags.writeable = False
    return _builtin_cache[name].copy()


def load_palette(palette):
    """Resolve a palette argument to its RGB table.

    Args:
        palette: one of

            * a built-in name: ``"nes-py"`` (the default of :class:`NES`: nes-py 8.2.1's
              64-colour table, so frames equal nes-py's pixel for pixel) or ``"ntsc"`` (512
              colours computed from the 2C02's composite signal, emphasis included);
            * a path to a ``.pal`` file, as FCEUX and Mesen write them: raw RGB triplets,
              192 bytes (64 colours) or 1536 bytes (512: eight rows of 64, one per value of
              the PPUMASK emphasis bits 5-7);
            * an array-like of integers 0-255 of shape (64, 3) or (512, 3).

    Returns:
        np.ndarray uint8, shape (64, 3) or (512, 3), RGB, a new array. Row ``c`` of a
        64-colour palette is palette value ``c`` whatever the emphasis bits (as in nes-py); row
        ``e << 6 | c`` of a 512-colour one is value ``c`` with emphasis bits ``e`` (PPUMASK
        >> 5: bit 0 red, bit 1 green, bit 2 blue on NTSC).

    Raises:
        ValueError: an unknown name, a file of another size, an array of another shape or with
            values outside 0-255.
        TypeError: neither a name, a path nor an array-like of integers.
        OSError: the file cannot be read (FileNotFoundError when it does not exist).
    """
    if isinstance(palette, str) and palette in _BUILTIN_IDS:
        return _builtin_palette(palette)
    if isinstance(palette, (str, os.PathLike)):
        path = os.fspath(palette)
        if (isinstance(path, str) and not os.path.exists(path) and os.sep not in path
                and (os.altsep is None or os.altsep not in path) and not path.lower().endswith(".pal")):
            raise ValueError(f"unknown palette {path!r}: expected one of {', '.join(map(repr, PALETTE_NAMES))}, "
                             "a path to a .pal file or an array of shape (64, 3) or (512, 3)")
        with open(path, "rb") as f:
            data = f.read()
        if len(data) not in _PAL_FILE_ENTRIES:
            raise ValueError(f"palette file {path!r} has {len(data)} bytes; expected 192 (64 colours) "
                             "or 1536 (512 colours)")
        return np.frombuffer(data, dtype=np.uint8).reshape(_PAL_FILE_ENTRIES[len(data)], 3).copy()
    if isinstance(palette, (bytes, bytearray, memoryview)):
        raise TypeError("palette must be a name, a .pal file path or an array of shape (64, 3) or "
                        f"(512, 3), not {type(palette).__name__} (for a .pal file's bytes use "
                        "np.frombuffer(data, np.uint8).reshape(-1, 3))")
    try:
        a = np.asarray(palette)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"palette must be a name, a .pal file path or an array, not "
                        f"{type(palette).__name__}") from exc
    if a.dtype.kind not in "iub":
        raise TypeError(f"palette array must hold integers 0-255, not {a.dtype}")
    if a.shape not in ((64, 3), (512, 3)):
        raise ValueError(f"palette array has shape {a.shape}; expected (64, 3) or (512, 3)")
    if a.dtype != np.uint8 and (a.min() < 0 or a.max() > 255):
        raise ValueError(f"palette values must be in 0-255, got {a.min()}..{a.max()}")
    return np.array(a, dtype=np.uint8, order="C")


_REG_LIMITS = {"pc": 0xFFFF, "a": 0xFF, "x": 0xFF, "y": 0xFF, "p": 0xFF, "sp": 0xFF, "cycles": (1 << 63) - 1}
_PPU_REG_LIMITS = {"ctrl": 0xFF, "mask": 0xFF, "status": 0xFF, "oamaddr": 0xFF, "v": 0x7FFF,
                   "t": 0x7FFF, "x": 7, "w": 1, "read_buffer": 0xFF, "io_latch": 0xFF}


def _check_registers(dict regs, dict limits, str what):
    """Check ``regs`` (name -> value) against ``limits`` (name -> largest value) in place: the
    values become ints. Raises TypeError for an unknown name or a non-int, ValueError for a
    value outside 0..limit."""
    for k, v in regs.items():
        if k not in limits:
            raise TypeError(f"unknown {what} {k!r}; known: {', '.join(limits)}")
        v = regs[k] = _as_int(v, k)
        if not 0 <= v <= limits[k]:
            raise ValueError(f"{k} out of range: {v}")


cdef class NES:
    """One NES console (NTSC 2A03 CPU + 2C02 PPU + cartridge), cycle by cycle in C.

    Args:
        rom: path-like to an iNES / NES 2.0 file, or its bytes.
        audio, sample_rate, palette: keyword-only, see ``__init__``. The default palette is
            nes-py's (``"nes-py"``): the same palette indices give the same RGB as nes-py.

    Raises:
        RomError: truncated or non-iNES data, impossible header sizes, unsupported mapper (the
            message names the mapper number and board, and the supported ones).
        FileNotFoundError: ``rom`` is a path that does not exist.

    One instance is used from one thread at a time: a call made while another thread is inside
    ``step``, ``step_instruction`` or ``render`` (which release the GIL), or while an NESPool
    runs it, raises RuntimeError. Separate instances are independent.
    """
    cdef nes_t *n
    cdef _Console _owner
    cdef int _busy          # a thread runs this console without the GIL (see _enter)
    cdef object _screen
    cdef uint8_t *_screen_data  # _screen's buffer: the array lives as long as the console
    cdef bint _screen_dirty
    cdef object _ram
    cdef object _obs_scratch  # observe()'s full-size picture buffer, made on first use
    cdef object _rom_path
    cdef object _frame_grid

    def __cinit__(self, rom, *args, **kwargs):
        self.n = NULL
        cdef bytes data
        if isinstance(rom, (str, os.PathLike)):
            self._rom_path = os.fspath(rom)
            with open(rom, "rb") as f:
                data = f.read()
        elif isinstance(rom, (bytes, bytearray, memoryview)):
            data = bytes(rom)
        else:
            raise TypeError(f"rom must be a path or bytes, not {type(rom).__name__}")
        cdef char errbuf[512]
        cdef int err = 0
        errbuf[0] = 0
        self._owner = _Console.__new__(_Console)
        self._owner.n = nes_create(<const uint8_t *>data, len(data), &err, errbuf, sizeof(errbuf))
        if self._owner.n == NULL:
            if err == NES_ERR_NOMEM:
                raise MemoryError(errbuf.decode("utf-8", "replace"))
            raise RomError(errbuf.decode("utf-8", "replace"))
        self.n = self._owner.n
        cdef uint8_t[:, :, ::1] screen = np.zeros((240, 256, 3), dtype=np.uint8)
        self._screen = screen.base
        self._screen_data = &screen[0, 0, 0]
        self._screen.flags.writeable = False  # the console writes it; users copy it
        self._screen_dirty = True
        self._ram = _memory_view(self._owner, nes_ram(self.n), 2048)
        self._rom_image = data  # for __reduce__ (pickling)

    cdef int _enter(self) except -1:
        """Claim the console for a call that releases the GIL (undo with ``_busy = 0``)."""
        if self._busy:
            raise RuntimeError(_BUSY_MESSAGE)
        self._busy = 1
        return 0

    cdef inline int _check(self) except -1:
        """Refuse a call while another thread runs the console without the GIL."""
        if self._busy:
            raise RuntimeError(_BUSY_MESSAGE)
        return 0

    # ---- running ----
    def step(self, frames=1, buttons=0, buttons2=0):
        """Run whole frames with both controllers held.

        A frame ends when the PPU enters vblank (scanline 241, dot 1), at the next instruction
        boundary: 29780.5 CPU cycles on average (NTSC, https://www.nesdev.org/wiki/Cycle_reference_chart).
        :attr:`frame_grid` can put the frame boundary on a fixed CPU-cycle grid instead.

        Args:
            frames: number of frames (>= 0).
            buttons, buttons2: controller 1 and 2 bytes, 0-255; bits A=0x01 B=0x02 Select=0x04
                Start=0x08 Up=0x10 Down=0x20 Left=0x40 Right=0x80.

        Raises:
            TypeError: an argument is not an int.
            ValueError: frames outside 0..2**31-1 or a button byte outside 0-255.
            RuntimeError: another thread is running this console; or the frame watchdog fired
                (no vblank within NES_WATCHDOG_FRAMES frames' worth of cycles, which a valid
                console state cannot cause).
        """
        cdef int nf, b1, b2, done
        frames = _as_int(frames, "frames")
        if not 0 <= frames <= 0x7FFFFFFF:
            raise ValueError(f"frames must be in 0..2147483647, got {frames}")
        b1, b2 = _button_bytes(buttons, buttons2)
        nf = frames
        self._enter()
        try:
            with nogil:
                done = nes_run_frames(self.n, nf, <uint8_t>b1, <uint8_t>b2)
        finally:
            self._busy = 0
            self._screen_dirty = True
        if done < 0:
            raise RuntimeError("emulation watchdog: the PPU reached no vblank within "
                               f"{NES_WATCHDOG_FRAMES} frames' worth of CPU cycles; the console "
                               "state is inconsistent (load a good save state or power_cycle())")

    @property
    def frame_grid(self):
        """Where :meth:`step` ends a frame: None (at vblank, the default) or ``(cycles, phase)``.

        With ``(cycles, phase)`` a frame ends at the first instruction boundary at or past a
        CPU cycle count (:attr:`cycles`) of the form ``phase + k * cycles``: a fixed-length frame
        whose boundary drifts through the picture, as nes-py's 29781-cycle frames do (an NTSC
        frame is 29780.5 cycles). Set it to None or a pair of ints, ``cycles`` in
        1..2**31-1. A setting of this console: :meth:`power_cycle` keeps it, save states do
        not carry it.

        Raises:
            ValueError / TypeError: not None or a pair of ints with ``cycles`` >= 1.
        """
        return self._frame_grid

    @frame_grid.setter
    def frame_grid(self, value):
        cdef long long cycles = 0, phase = 0
        if value is not None:
            cycles, phase = value
            if not 1 <= cycles < 2 ** 31:
                raise ValueError(f"frame_grid cycles must be in 1..2**31-1, got {cycles}")
        nes_set_frame_grid(self.n, <uint32_t>cycles, <int64_t>phase)
        self._frame_grid = None if value is None else (int(cycles), int(phase))

    @property
    def timing(self):
        """The timing model: ``"accurate"`` (the default: the console), ``"nes-py"`` or ``"nes-py-9"``.

        ``"nes-py"`` runs the console as nes-py 8.2.1's emulator does (the core under
        gym-super-mario-bros 7.4), for step-exact RAM and pictures with it; it is not the
        console. Instructions run whole on their first cycle with nes-py's cycle counts, NMI
        and OAM DMA come at nes-py's moments, its PPU draws per dot from loopy v (and draws on
        line 0 the sprites found for line 240), PPUSTATUS reads only its two flags, there is
        no APU the game can see (the sound still plays; ``$4015`` reads 0) and no IRQ; :meth:`step` runs 29781 CPU cycles a frame (or
        :attr:`frame_grid`'s cycles; its phase is ignored). Setting it power-cycles the
        console. ``"nes-py-9"`` is nes-py 9.0.1's emulator (gym-super-mario-bros 9.1.0's core):
        the same timing with 9.0.1's changes (6502-order status pushes, 14-bit PPU addresses,
        its background tile cache) and its MMC3, whose scanline IRQ counts A12 rises among
        the PPU addresses nes-py observes and is taken at once (lost while I is set). Save
        states carry the timing: :meth:`load_state` refuses a state of another timing.

        Raises:
            ValueError: not one of ``TIMINGS``.
        """
        return TIMINGS[nes_timing(self.n)]

    @timing.setter
    def timing(self, value):
        if value not in TIMINGS:
            raise ValueError(f"timing must be one of {TIMINGS}, got {value!r}")
        self._check()
        nes_set_timing(self.n, TIMINGS.index(value))
        self._screen_dirty = True

    @property
    def draw_picture(self):
        """bool: whether frames draw the picture (True, the default).

        False skips writing the pixels of the frames that run, for frames whose picture nobody
        looks at (frame skipping): everything the game can observe stays the same (PPUSTATUS
        with sprite 0 hit and overflow, mapper IRQ timing, the tiles observation's line scroll),
        and :attr:`screen_valid` is False from the first line not drawn until a whole frame is
        drawn again. A setting: :meth:`power_cycle` keeps it, save states do not carry it.

        Raises:
            RuntimeError: another thread is running this console (setting it).
        """
        self._check()
        return bool(nes_picture(self.n))

    @draw_picture.setter
    def draw_picture(self, bint on):
        self._enter()
        try:
            nes_set_picture(self.n, on)
        finally:
            self._busy = 0

    @property
    def cycles(self):
        """CPU cycles since power-on (an int; kept by save states)."""
        return nes_cpu_cycles(self.n)

    def step_instruction(self):
        """Execute exactly one CPU instruction (and an interrupt sequence that follows it).

        Raises:
            RuntimeError: another thread is running this console.
        """
        self._enter()
        try:
            with nogil:
                nes_step_instruction(self.n)
        finally:
            self._busy = 0
            self._screen_dirty = True

    def set_buttons(self, buttons=0, buttons2=0):
        """Set the controller bytes without running (for step_instruction-driven runs).

        Raises:
            TypeError, ValueError: as :meth:`step`.
        """
        cdef int b1, b2
        b1, b2 = _button_bytes(buttons, buttons2)
        self._check()
        nes_set_buttons(self.n, <uint8_t>b1, <uint8_t>b2)

    def reset(self):
        """Press the console's RESET button (soft reset: RAM and cartridge RAM are kept)."""
        self._check()
        nes_reset(self.n)
        self._screen_dirty = True

    def power_cycle(self):
        """Power off and on: the fixed power-on state (battery-backed RAM is kept)."""
        self._check()
        nes_power_cycle(self.n)
        self._screen_dirty = True

    # ---- video and memory ----
    @property
    def screen(self):
        """np.ndarray (240, 256, 3) uint8, read-only: the picture as of the last completed frame.

        The same array is refreshed by later steps: copy it to keep a frame. RGB conversion runs
        only when this is read.

        Raises:
            StateError: a state saved without its screen was loaded and no whole frame has been
                drawn since (see :meth:`load_state`).
        """
        if self._screen_dirty:
            self._check_screen()
            self._enter()
            try:  # into the read-only array's own buffer (_screen_data)
                with nogil:  # _check_screen synced the PPU
                    nes_render_rgb(self.n, self._screen_data)
            finally:
                self._busy = 0
            self._screen_dirty = False
        return self._screen

    def render(self, out=None):
        """Convert the picture to RGB into a new array, or into ``out``, and return it.

        The same pixels as :attr:`screen`, without going through its shared array: for a
        caller that keeps every frame (an env's observation) this saves a copy.

        Args:
            out: None, or a writable C-contiguous ``uint8`` array of shape (240, 256, 3).

        Returns:
            np.ndarray (240, 256, 3) uint8 that the caller owns.

        Raises:
            ValueError: ``out`` has the wrong shape, dtype or layout.
            StateError: as :attr:`screen`.
        """
        cdef uint8_t[:, :, ::1] view
        if out is None:
            out = np.empty((240, 256, 3), dtype=np.uint8)
        elif (not isinstance(out, np.ndarray) or out.dtype != np.uint8 or out.shape != (240, 256, 3)
              or not out.flags.c_contiguous or not out.flags.writeable):
            raise ValueError("out must be a writable C-contiguous uint8 array of shape (240, 256, 3)")
        self._check_screen()
        view = out
        self._enter()
        try:
            with nogil:
                nes_render_rgb(self.n, &view[0, 0, 0])
        finally:
            self._busy = 0
        return out

    def observe(self, fmt=None, out=None, pool_with=None):
        """The last completed picture as an observation (see :class:`ObsFormat`).

        Args:
            fmt: an :class:`ObsFormat`; None for native RGB (the pixels of :meth:`render`).
            out: None, or a writable C-contiguous ``uint8`` array of ``fmt.shape`` to write into.
            pool_with: None, or the full-size picture before (from :meth:`capture` with the same
                ``fmt``): each pixel is then the maximum of both before resizing (ALE's pooling
                of the last two frames of a frame-skipped step). Not for ``"tiles"``.

        Returns:
            np.ndarray ``uint8`` of ``fmt.shape``, owned by the caller.

        Raises:
            TypeError: ``fmt`` is not an ObsFormat; ValueError: ``out`` or ``pool_with`` has the
                wrong shape, dtype or layout, or ``pool_with`` with ``"tiles"``; StateError: as
                :attr:`screen` (tiles too: they need the scroll of a whole picture); RuntimeError:
                as :meth:`step`.
        """
        cdef ObsFormat f = _obs_format(fmt)
        cdef uint8_t[::1] ov
        cdef const uint8_t[::1] pv
        cdef const uint8_t *prev = NULL
        out = _check_obs_out(out, f.shape)
        if pool_with is not None:
            full = _full_shape(f)
            if (not isinstance(pool_with, np.ndarray) or pool_with.dtype != np.uint8
                    or pool_with.shape != full or not pool_with.flags.c_contiguous):
                raise ValueError(f"pool_with must be a C-contiguous uint8 array of shape {full} "
                                 "(NES.capture with the same format)")
            pv = pool_with.reshape(-1)
            prev = &pv[0]
        if f.plan.type == NES_OBS_TILES:  # no pixels: the line scroll record must be whole
            self._check()
            nes_sync(self.n)
            if not nes_line_scroll_valid(self.n):
                self._check_screen()  # raises
        else:
            self._check_screen()
        ov = out.reshape(-1)
        cdef uint8_t[::1] sv
        cdef uint8_t *sp = NULL
        if prev != NULL or not (f.plan.native or f.plan.type == NES_OBS_TILES):
            if self._obs_scratch is None:  # one full-size picture per console, kept
                self._obs_scratch = np.empty(NES_OBS_SOURCE_BYTES, dtype=np.uint8)
            sv = self._obs_scratch
            sp = &sv[0]
        self._enter()
        try:
            with nogil:
                nes_obs_write(self.n, &f.plan, prev, &ov[0], sp)
        finally:
            self._busy = 0
        return out

    def capture(self, fmt=None):
        """The last completed picture at full size in ``fmt``'s channels, for ``observe(...,
        pool_with=...)``: ``(240, 256, 3)`` for RGB, ``(240, 256)`` for grayscale, ``uint8``.

        Raises:
            ValueError: ``"tiles"`` (tiles are not pooled).
            TypeError: as :meth:`observe`, which also gives the StateError and RuntimeError cases.
        """
        cdef ObsFormat f = _obs_format(fmt)
        out = np.empty(_full_shape(f), dtype=np.uint8)
        cdef uint8_t[::1] ov = out.reshape(-1)
        self._check_screen()
        self._enter()
        try:
            with nogil:
                nes_obs_capture(self.n, f.plan.type, &ov[0])
        finally:
            self._busy = 0
        return out

    @property
    def screen_valid(self):
        """bool: whether the console holds a whole picture to show; False after loading a state
        saved without ``screen=True`` until a whole frame is drawn (see :meth:`load_state`)."""
        self._check()
        nes_sync(self.n)
        return bool(nes_screen_valid(self.n))

    def _check_screen(self):
        self._check()
        nes_sync(self.n)
        if not nes_screen_valid(self.n):
            raise StateError("the picture is not known: the loaded state was saved without its "
                             "screen (save_state(screen=True) keeps it), or frames ran with "
                             "draw_picture False; step a frame to draw one")

    def set_palette(self, palette):
        """Choose the RGB palette that turns palette indices into :attr:`screen` colours.

        With a 64-colour palette the PPUMASK emphasis bits (5-7) do not change the colours;
        with a 512-colour one pixel ``(x, y)`` gets row ``emphasis << 6 | index``, the emphasis
        bits being those of the pixel's scanline. The greyscale bit (PPUMASK bit 0) acts on the
        indices in the PPU, as on the console, so it applies under every palette. The palette
        is not part of save states. Takes effect at once, also for the last frame.

        Args:
            palette: ``"nes-py"``, ``"ntsc"``, a ``.pal`` file path or an array; see
                :func:`load_palette`.

        Raises:
            ValueError, TypeError, OSError: as :func:`load_palette`.
        """
        pal = load_palette(palette)
        cdef const uint8_t[:, ::1] view = pal
        self._check()
        nes_set_palette(self.n, &view[0, 0], <int>pal.shape[0])
        self._screen_dirty = True

    @property
    def palette(self):
        """np.ndarray (64, 3) or (512, 3) uint8: a copy of the RGB palette in use, as set."""
        self._check()
        cdef int entries = nes_palette_entries(self.n)
        out = np.empty((entries, 3), dtype=np.uint8)
        cdef uint8_t[:, ::1] view = out
        memcpy(&view[0, 0], nes_palette_rgb(self.n), entries * 3)
        return out

    @property
    def framebuffer(self):
        """np.ndarray (240, 256) uint8: a copy of the 6-bit palette indices of the picture.

        Raises:
            StateError: as :attr:`screen`.
        """
        self._check_screen()
        out = np.empty((240, 256), dtype=np.uint8)
        cdef uint8_t[:, ::1] view = out
        memcpy(&view[0, 0], nes_framebuffer(self.n), 240 * 256)
        return out

    @property
    def ram(self):
        """np.ndarray (2048,) uint8: a writable view of the CPU's internal RAM ($0000-$07FF)."""
        return self._ram

    @property
    def sram(self):
        """np.ndarray uint8 view of the cartridge RAM at $6000 (work + battery RAM), or None."""
        cdef size_t size = 0
        cdef uint8_t *p = nes_prg_ram(self.n, &size)
        if p == NULL or size == 0:
            return None
        return _memory_view(self._owner, p, size)

    def peek(self, addr):
        """Read the CPU address space without side effects: RAM and $6000-$FFFF (0 for I/O).

        Raises:
            TypeError: ``addr`` is not an int; ValueError: outside $0000-$FFFF.
        """
        addr = _as_int(addr, "addr")
        if not 0 <= addr <= 0xFFFF:
            raise ValueError(f"address out of range: {addr:#x}")
        self._check()
        return nes_peek(self.n, <uint16_t>addr)

    def poke(self, addr, value):
        """Write RAM ($0000-$1FFF) or cartridge RAM ($6000-$7FFF) without touching I/O.

        Raises:
            TypeError: an argument is not an int; ValueError: address or byte out of range.
        """
        addr = _as_int(addr, "addr")
        value = _as_int(value, "value")
        if not 0 <= addr <= 0xFFFF:
            raise ValueError(f"address out of range: {addr:#x}")
        if not 0 <= value <= 0xFF:
            raise ValueError(f"value out of range: {value}")
        self._check()
        nes_poke(self.n, <uint16_t>addr, <uint8_t>value)

    def ppu_peek(self, addr):
        """Read the PPU address space $0000-$3FFF (pattern tables, nametables, palette).

        Raises:
            TypeError: ``addr`` is not an int; ValueError: outside $0000-$3FFF.
        """
        addr = _as_int(addr, "addr")
        if not 0 <= addr <= 0x3FFF:
            raise ValueError(f"PPU address out of range: {addr:#x}")
        self._check()
        return nes_ppu_peek(self.n, <uint16_t>addr)

    def ppu_poke(self, addr, value):
        """Write the PPU address space $0000-$3FFF as a PPUDATA write would (CHR RAM only,
        nametables through the current mirroring, palette), without moving v or the read
        buffer.

        Raises:
            TypeError: an argument is not an int; ValueError: address or byte out of range.
        """
        addr = _as_int(addr, "addr")
        value = _as_int(value, "value")
        if not 0 <= addr <= 0x3FFF:
            raise ValueError(f"PPU address out of range: {addr:#x}")
        if not 0 <= value <= 0xFF:
            raise ValueError(f"value out of range: {value}")
        self._check()
        nes_ppu_poke(self.n, <uint16_t>addr, <uint8_t>value)

    def write(self, addr, value):
        """A CPU-bus write at the current cycle, as an instruction makes it: RAM, PPU, APU and
        controller registers, cartridge registers and RAM see it; the CPU does not run.

        Raises:
            TypeError: an argument is not an int; ValueError: address or byte out of range,
            or $4014 (OAMDMA needs the CPU: write :attr:`oam` instead).
        """
        addr = _as_int(addr, "addr")
        value = _as_int(value, "value")
        if not 0 <= addr <= 0xFFFF:
            raise ValueError(f"address out of range: {addr:#x}")
        if not 0 <= value <= 0xFF:
            raise ValueError(f"value out of range: {value}")
        self._check()
        if nes_write(self.n, <uint16_t>addr, <uint8_t>value) != 0:
            raise ValueError("$4014 (OAMDMA) needs the CPU; write NES.oam instead")

    @property
    def oam(self):
        """np.ndarray (256,) uint8: a writable view of OAM (64 sprites x 4 bytes: Y, tile,
        attributes, X; https://www.nesdev.org/wiki/PPU_OAM)."""
        self._check()
        return _memory_view(self._owner, nes_oam(self.n), 256)

    @property
    def vram(self):
        """np.ndarray (4096,) uint8: a writable view of nametable RAM by physical page: the
        console's 2 KiB CIRAM (pages 0 and 1, selected by CIRAM A10 through the board's
        mirroring), then 2 KiB used by four-screen boards and as MMC5's ExRAM
        (https://www.nesdev.org/wiki/Mirroring)."""
        cdef size_t size = 0
        self._check()
        cdef uint8_t *p = nes_vram(self.n, &size)
        return _memory_view(self._owner, p, size)

    def ppu_registers(self):
        """dict of the PPU's registers and latches: ctrl (PPUCTRL), mask (PPUMASK), status
        (PPUSTATUS bits 7-5), oamaddr, v and t (15-bit VRAM addresses), x (fine X, 0-7), w
        (write toggle, 0/1), read_buffer (PPUDATA buffer), io_latch (the PPU's open bus);
        https://www.nesdev.org/wiki/PPU_scrolling."""
        cdef nes_ppu_regs_t r
        self._check()
        nes_get_ppu_regs(self.n, &r)
        return {"ctrl": r.ctrl, "mask": r.mask, "status": r.status & 0xE0, "oamaddr": r.oamaddr,
                "v": r.v, "t": r.t, "x": r.x, "w": r.w, "read_buffer": r.read_buffer,
                "io_latch": r.io_latch}

    def set_ppu_registers(self, **regs):
        """Set PPU registers and latches by name (the keys of :meth:`ppu_registers`), the
        others kept. ``ctrl`` and ``mask`` go through their register writes (PPUCTRL also sets
        t's nametable bits, before ``t`` is set); ``status`` takes bits 7-5 (vblank, sprite 0
        hit, sprite overflow) and is set first, so PPUCTRL enabling NMI in vblank raises it.

        Raises:
            TypeError: an unknown name or a non-int; ValueError: a value out of its range.
        """
        _check_registers(regs, _PPU_REG_LIMITS, "PPU register")
        cdef nes_ppu_regs_t r = {**self.ppu_registers(), **regs}  # the others kept
        nes_set_ppu_regs(self.n, &r)

    def ppu_position(self):
        """(scanline, dot) of the dot the PPU processed last; scanline 261 is pre-render."""
        cdef int sl, dot
        self._check()
        nes_ppu_position(self.n, &sl, &dot)
        return sl, dot

    def _set_lockstep(self, bint on):
        """Testing aid: run the PPU in lockstep with the CPU (same results, slower)."""
        self._check()
        nes_set_lockstep(self.n, on)

    # ---- CPU ----
    def cpu_registers(self):
        """dict with pc, a, x, y, p, sp and cycles (CPU cycles since power-on)."""
        cdef nes_regs_t r
        self._check()
        nes_get_regs(self.n, &r)
        return r  # Cython makes the struct a dict of its fields

    def set_cpu_registers(self, **regs):
        """Set CPU registers by name (pc, a, x, y, p, sp, cycles), e.g. pc=0xC000 for nestest.

        Raises:
            TypeError: an unknown name or a non-int; ValueError: a value out of its range.
        """
        _check_registers(regs, _REG_LIMITS, "register")
        cdef nes_regs_t r = {**self.cpu_registers(), **regs}  # the others kept
        nes_set_regs(self.n, &r)

    @property
    def frame(self):
        """Frames completed since power-on (vblank starts)."""
        self._check()
        return nes_frame_count(self.n)

    @property
    def jammed(self):
        """True once the CPU executed a JAM/KIL opcode; stepping then returns at once."""
        self._check()
        return bool(nes_jammed(self.n))

    # ---- states ----
    def save_state(self, bint screen=False):
        """Return the whole console state as bytes (versioned, stamped with the ROM's hash).

        Args:
            screen: also keep the last picture (61,680 more bytes), so that :attr:`screen` and
                :attr:`framebuffer` can be read right after :meth:`load_state`. Without it the
                state holds everything that decides what the console does next (about 16 KB
                for an NROM game with 8 KiB of PRG RAM), and the picture after loading is
                unknown until the next whole frame is drawn.
        """
        cdef unsigned flags = NES_STATE_SCREEN if screen else 0
        self._check()
        cdef size_t size = nes_state_size(self.n, flags)
        blob = PyBytes_FromStringAndSize(NULL, size)
        if nes_state_save(self.n, <uint8_t *>PyBytes_AS_STRING(blob), size, flags) != NES_OK:
            raise StateError("could not write the save state")
        return blob

    def load_state(self, data):
        """Restore a state from save_state().

        A state saved without ``screen=True`` restores everything but the picture: reading
        :attr:`screen` or :attr:`framebuffer` raises StateError until the console has drawn a
        whole frame (one :meth:`step` from a state saved between frames).

        Raises:
            StateError: corrupt, truncated, foreign-ROM or other-version data; the console is
                left untouched.
            TypeError: ``data`` is not bytes-like.
        """
        cdef const uint8_t[::1] view
        cdef char errbuf[256]
        errbuf[0] = 0
        self._check()
        if type(data) is bytes:
            if len(<bytes>data) == 0:
                raise StateError("empty save state")
            if nes_state_load(self.n, <const uint8_t *>PyBytes_AS_STRING(data), len(<bytes>data),
                              errbuf, sizeof(errbuf)) != NES_OK:
                raise StateError(errbuf.decode("utf-8", "replace"))
            self._screen_dirty = True
            return
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"state must be bytes, not {type(data).__name__}")
        if len(data) == 0:
            raise StateError("empty save state")
        view = bytes(data)
        if nes_state_load(self.n, &view[0], len(view), errbuf, sizeof(errbuf)) != NES_OK:
            raise StateError(errbuf.decode("utf-8", "replace"))
        self._screen_dirty = True

    # ---- cartridge ----
    def rom_info(self):
        """dict: mapper, submapper, nes2, board, sizes in bytes, battery, mirroring, trainer, rom_hash."""
        cdef nes_rom_info_t i
        nes_rom_info(self.n, &i)
        return {
            "mapper": i.mapper, "submapper": i.submapper, "nes2": bool(i.nes2),
            "board": i.board.decode(), "prg_rom_size": i.prg_rom_size, "chr_rom_size": i.chr_rom_size,
            "chr_ram_size": i.chr_ram_size, "prg_ram_size": i.prg_ram_size,
            "prg_nvram_size": i.prg_nvram_size, "battery": bool(i.battery),
            "mirroring": ("horizontal", "vertical", "four-screen")[i.mirroring],
            "trainer": bool(i.has_trainer), "rom_hash": f"{i.rom_hash:016x}",
        }

    # ---- audio (APU output) ----
    cdef int _sample_rate
    cdef bint _audio_enabled

    def __init__(self, rom, *, bint audio=False, int sample_rate=44100, palette="nes-py"):
        """Args (besides ``rom``, see the class docstring):
            audio: produce sound samples while stepping (off by default: then the APU's
                mixer and resampler do not run at all and ``audio`` is empty).
            sample_rate: output rate in Hz, 8000-192000 (default 44100).
            palette: the RGB palette of :attr:`screen` and :meth:`render`: ``"nes-py"``
                (default), ``"ntsc"``, a ``.pal`` file path or a (64, 3) / (512, 3) array;
                see :func:`load_palette` and :meth:`set_palette`.

        Raises:
            ValueError: ``sample_rate`` out of range; a bad ``palette`` (see
                :func:`load_palette`, which also lists its TypeError and OSError).
        """
        if not 8000 <= sample_rate <= 192000:
            raise ValueError(f"sample_rate must be in 8000-192000 Hz, got {sample_rate}")
        self.set_palette(palette)
        nes_set_audio(self.n, audio, sample_rate)
        self._sample_rate = sample_rate
        self._audio_enabled = audio

    @property
    def audio(self):
        """np.ndarray (n,) float32 in [-1, 1]: a copy of the sound samples of the last ``step``.

        Mono, at ``sample_rate`` Hz: the APU's non-linear mix of its five channels, resampled
        (box filter) and filtered like the console's output stage (high-pass 90 Hz and 440 Hz,
        low-pass 14 kHz). About sample_rate / 60.0988 samples per frame (733.8 at 44100 Hz;
        one call varies by a sample). Empty when audio is off. One ``step`` keeps at most
        2**25 samples (12.7 minutes at 44.1 kHz); a longer step drops the rest.
        """
        cdef size_t count = 0
        self._check()
        cdef const float *src = nes_audio(self.n, &count)
        out = np.empty(count, dtype=np.float32)
        cdef float[::1] view = out
        if count and src != NULL:
            memcpy(&view[0], src, count * sizeof(float))
        return out

    @property
    def sample_rate(self):
        """int: the audio output rate in Hz, set at construction."""
        return self._sample_rate or 44100

    @property
    def audio_enabled(self):
        """bool, settable: whether ``step`` produces samples (see ``audio``)."""
        return self._audio_enabled

    @audio_enabled.setter
    def audio_enabled(self, bint on):
        self._check()
        nes_set_audio(self.n, on, self._sample_rate)
        self._audio_enabled = on

    # ---- pickling: pickle, cloudpickle, copy.copy and copy.deepcopy (see _rebuild_nes) ----
    cdef bytes _rom_image  # the iNES image as given to the constructor

    def __reduce__(self):
        """Pickle as the ROM image, a save state with the picture and the audio settings.

        Unpickling (:func:`_rebuild_nes`) builds a new console from the ROM and loads the state,
        so the copy continues exactly as this console would, ``screen`` included (ALE pickles
        its environments the same way). The palette, which save states leave out, goes along
        too. The pickle holds the ROM itself: about the file's size plus :meth:`save_state`
        with ``screen=True``. ``copy.copy`` gives an independent console too (the C state
        cannot be shared). :attr:`frame_grid`, a setting like the palette, goes along.
        """
        return (
            _rebuild_nes,
            (self._rom_image, self.save_state(screen=True), bool(self._audio_enabled),
             self.sample_rate, self.palette, self._frame_grid, self.timing),
        )


def _rebuild_nes(rom, state, audio, sample_rate, palette="nes-py", frame_grid=None,
                 timing="accurate"):
    """Unpickle an :class:`NES` (see ``NES.__reduce__``): a new console with ``state`` loaded."""
    nes = NES(rom, audio=audio, sample_rate=sample_rate, palette=palette)
    nes.frame_grid = frame_grid
    if timing != "accurate":
        nes.timing = timing
    nes.load_state(state)
    return nes


# ---- observations (src/obs.h): one C path for NES.observe, the envs and the pool ------------------
cdef extern from "obs.h" nogil:
    ctypedef struct nes_obs_plan_t:
        int type, height, width, channels, native
    enum:
        NES_OBS_RGB
        NES_OBS_GRAYSCALE
        NES_OBS_TILES
        NES_OBS_SOURCE_BYTES
    int nes_obs_plan_init(nes_obs_plan_t *plan, int type, int height, int width)
    size_t nes_obs_plan_bytes(const nes_obs_plan_t *plan)
    void nes_obs_capture(const nes_t *nes, int type, uint8_t *src)
    void nes_obs_write(const nes_t *nes, const nes_obs_plan_t *plan, const uint8_t *prev,
                       uint8_t *out, uint8_t *scratch)


#: observation types of :class:`ObsFormat` (Gymnasium/ALE's ``obs_type`` names)
OBS_TYPES = ("rgb", "grayscale", "tiles")
_OBS_TYPE_IDS = {"rgb": NES_OBS_RGB, "grayscale": NES_OBS_GRAYSCALE, "tiles": NES_OBS_TILES}
#: shape of a ``"tiles"`` observation: 30 x 32 cells of 8 x 8 pixels, 4 channels
TILES_SHAPE = (30, 32, 4)


cdef class ObsFormat:
    """What an observation of the picture is: its type and size.

    Args:
        obs_type: ``"rgb"`` (3 channels through the console's palette), ``"grayscale"`` (one
            channel: the luma ``(77 R + 150 G + 29 B + 128) >> 8`` of that RGB, ITU-R BT.601
            weights in 1/256ths) or ``"tiles"`` (what the screen shows as tile and sprite
            indices, :data:`TILES_SHAPE` ``(30, 32, 4)``, one cell per 8 x 8 pixels: channel 0
            the background tile index, 1 its palette 0-3, 2 the frontmost sprite's tile index
            or 0, 3 that sprite's palette + 1 or 0 for none; see ``nes_tiles`` in nes.h).
        shape: ``(height, width)`` in pixels, 1-240 by 1-256; None for the native (240, 256).
            A smaller size averages areas (each output pixel is the mean of the source area it
            covers, fractional pixels weighted by their overlap: OpenCV's INTER_AREA), rounded
            half up, so (84, 84) or (120, 128) need no other library. Must be None for
            ``"tiles"``.

    Attributes:
        obs_type (str): ``"rgb"`` or ``"grayscale"``.
        height (int): rows of one observation.
        width (int): columns of one observation.
        shape (tuple): the array shape of one observation, ``(height, width, 3)`` or
            ``(height, width)``.
        nbytes (int): bytes of one observation (``uint8``).

    Raises:
        ValueError: unknown ``obs_type``, a size outside 1-240 by 1-256, or any ``shape`` with
            ``"tiles"``.
        TypeError: ``shape`` is not a pair of ints.
    """
    cdef nes_obs_plan_t plan
    cdef readonly str obs_type
    cdef readonly tuple shape
    cdef readonly Py_ssize_t nbytes

    def __cinit__(self, obs_type="rgb", shape=None):
        if obs_type not in _OBS_TYPE_IDS:
            raise ValueError(f"obs_type must be one of {', '.join(map(repr, OBS_TYPES))}, got {obs_type!r}")
        if obs_type == "tiles":
            if shape is not None:
                raise ValueError(f"shape applies to picture observations, not obs_type='tiles' "
                                 f"(always {TILES_SHAPE}), got {shape!r}")
            nes_obs_plan_init(&self.plan, NES_OBS_TILES, TILES_SHAPE[0], TILES_SHAPE[1])
            self.obs_type = obs_type
            self.shape = TILES_SHAPE
            self.nbytes = nes_obs_plan_bytes(&self.plan)
            return
        if shape is None:
            shape = (240, 256)
        try:
            h, w = shape
        except (TypeError, ValueError):
            raise TypeError(f"shape must be (height, width), got {shape!r}") from None
        h = _as_int(h, "shape[0] (height)")
        w = _as_int(w, "shape[1] (width)")
        if nes_obs_plan_init(&self.plan, _OBS_TYPE_IDS[obs_type], h, w) != 0:
            raise ValueError(f"shape must be within 1-240 x 1-256 pixels (the picture is 240 x 256), "
                             f"got ({h}, {w})")
        self.obs_type = obs_type
        self.shape = (h, w, 3) if obs_type == "rgb" else (h, w)
        self.nbytes = nes_obs_plan_bytes(&self.plan)

    def __repr__(self):
        if self.obs_type == "tiles":
            return "ObsFormat(obs_type='tiles')"
        return f"ObsFormat(obs_type={self.obs_type!r}, shape={self.shape[:2]!r})"

    def __eq__(self, other):
        return (isinstance(other, ObsFormat) and other.obs_type == self.obs_type
                and other.shape == self.shape)

    def __hash__(self):
        return hash((self.obs_type, self.shape))

    def __reduce__(self):
        return ObsFormat, (self.obs_type, None if self.obs_type == "tiles" else self.shape[:2])


_NATIVE_RGB = None


cdef ObsFormat _obs_format(fmt):
    global _NATIVE_RGB
    if fmt is None:
        if _NATIVE_RGB is None:
            _NATIVE_RGB = ObsFormat("rgb")
        return _NATIVE_RGB
    if not isinstance(fmt, ObsFormat):
        raise TypeError(f"fmt must be an ObsFormat, not {type(fmt).__name__}")
    return fmt


cdef tuple _full_shape(ObsFormat f):
    """Shape of a full-size picture in f's channels (NES.capture); ValueError for tiles."""
    if f.obs_type == "tiles":
        raise ValueError("obs_type='tiles' has no full-size picture: tiles are not pooled "
                         "or captured")
    if f.obs_type == "rgb":
        return (240, 256, 3)
    return (240, 256)


cdef _check_obs_out(out, tuple shape):
    if out is None:
        return np.empty(shape, dtype=np.uint8)
    if (not isinstance(out, np.ndarray) or out.dtype != np.uint8 or out.shape != shape
            or not out.flags.c_contiguous or not out.flags.writeable):
        raise ValueError(f"out must be a writable C-contiguous uint8 array of shape {shape}")
    return out


# ---- game rules (src/rules.h): a compiled game spec evaluated on a console's RAM -----------------
# Self-contained block: games.spec compiles a spec to the arrays RuleTable takes; the single env
# evaluates it here on one console's RAM, NESPool in its threads after each frame.
from libc.stdlib cimport calloc as _rcalloc, malloc, free as _rfree
from libc.string cimport memset

cdef extern from "rules.h" nogil:
    ctypedef struct nes_rule_op_t:
        int op
        int a
        int64_t b
    ctypedef struct nes_reward_term_t:
        int kind, value, cond, slot
        double weight
        int64_t low, high
        double divisor
        int component
    ctypedef struct nes_rule_assign_t:
        int reg, value
    ctypedef struct nes_rule_update_t:
        int phase, when, first, n
    ctypedef struct nes_ram_write_t:
        int address, value
    ctypedef struct nes_skip_rule_t:
        int when, cont, until, writes, nwrites, max_frames
        int stall_value, stall_when, stall_frames, stall_writes, stall_nwrites
    ctypedef struct nes_rules_t:
        const nes_rule_op_t *ops
        int nops
        const int64_t *consts
        int nconsts
        const nes_reward_term_t *rewards
        int nrewards
        int terminated, truncated
        const int *info
        int ninfo
        const nes_skip_rule_t *skips
        int nskips
        const nes_ram_write_t *writes
        int nwrites
        int frame_limit
        const int *reg_reset
        int nregs
        const nes_rule_update_t *updates
        int nupdates
        const nes_rule_assign_t *assigns
        int nassigns
        int ncomponents
    ctypedef struct nes_rules_state_t:
        int64_t last[16]
        int rule, running, frames, stall
        int64_t regs[32]
        double reward
        double components[16]
    int NES_RULES_MAX_DELTAS
    int NES_RULES_MAX_COMPONENTS
    int nes_rules_check(const nes_rules_t *r, char *errbuf, size_t errlen)
    int64_t nes_rules_eval(const nes_rules_t *r, const nes_rules_state_t *s, int program,
                           const uint8_t *ram)
    void nes_rules_reset(const nes_rules_t *r, nes_rules_state_t *s, const uint8_t *ram)
    double nes_rules_step(const nes_rules_t *r, nes_rules_state_t *s, const uint8_t *ram, int *flags)
    void nes_rules_info(const nes_rules_t *r, const nes_rules_state_t *s, const uint8_t *ram,
                        int64_t *out, Py_ssize_t stride)
    void nes_rules_skip_begin(const nes_rules_t *r, nes_rules_state_t *s, const uint8_t *ram,
                              int terminated)
    int nes_rules_skip_next(const nes_rules_t *r, nes_rules_state_t *s, uint8_t *ram)


cdef class RuleTable:
    """A game's rules as the C evaluator runs them (``games.spec.compile_spec`` builds the arrays).

    Args:
        ops: int64 array-like ``(M, 3)``: ``(opcode, a, b)`` per instruction (``src/rules.h``).
        consts: int64 array-like: the sets of ``in`` tests.
        rewards: rows ``(kind, value, cond, slot, weight, low, high, divisor, component)``:
            kind 0 a change of program ``value`` (delta slot ``slot``, counted when in ``[low,
            high]`` and, if ``cond >= 0``, while program ``cond`` holds) times ``weight`` /
            ``divisor``; kind 1 ``weight`` while program ``cond`` holds; kind 2 program
            ``value`` times ``weight`` / ``divisor``. ``component``: the index of the reward
            part it adds to (``RuleStates.components``), or -1.
        terminated, truncated: programs, or -1 for never.
        info: one program per info value.
        skips: rows ``(when, cont, until, writes, nwrites, max_frames, stall_value, stall_when,
            stall_frames, stall_writes, stall_nwrites)`` (``src/rules.h``: nes_skip_rule_t).
        writes: rows ``(address, byte)``.
        frame_limit: frames an unbounded skip rule may run before it fails.
        registers: per register (at most 32), the program giving its value at an episode's
            start (``reset``), in order.
        updates: rows ``(phase, when, first, n)``: if program ``when`` holds (-1: always),
            assignments ``first..first+n-1`` are stored; phase 0 after each frame's reward and
            flags, phase 1 after a frame that did not end the episode (``skip_begin``).
        assigns: rows ``(register, program)``.
        ncomponents: reward parts (at most 16).

    Raises:
        ValueError: a malformed table (bad program, opcode, address, type or write), with the
            checker's message.
    """
    cdef nes_rules_t r
    cdef nes_rule_op_t *_ops
    cdef int64_t *_consts
    cdef nes_reward_term_t *_rewards
    cdef int *_info
    cdef nes_skip_rule_t *_skips
    cdef nes_ram_write_t *_writes
    cdef int *_reg_reset
    cdef nes_rule_update_t *_updates
    cdef nes_rule_assign_t *_assigns
    cdef readonly int ninfo
    cdef readonly int ncomponents
    cdef readonly int ndeltas
    cdef frozenset _starts  # where programs start: 0 and after each END

    def __cinit__(self, ops, consts, rewards, terminated, truncated, info, skips, writes,
                  frame_limit=20000, registers=(), updates=(), assigns=(), ncomponents=0):
        cdef Py_ssize_t k
        cdef char errbuf[256]
        ops = [tuple(int(x) for x in row) for row in ops]
        consts = [int(x) for x in consts]
        rewards = [tuple(row) for row in rewards]
        info = [int(x) for x in info]
        skips = [tuple(int(x) for x in row) for row in skips]
        writes = [tuple(int(x) for x in row) for row in writes]
        registers = [int(x) for x in registers]
        updates = [tuple(int(x) for x in row) for row in updates]
        assigns = [tuple(int(x) for x in row) for row in assigns]
        for name, rows, width in (("ops", ops, 3), ("rewards", rewards, 9), ("skips", skips, 11),
                                  ("writes", writes, 2), ("updates", updates, 4),
                                  ("assigns", assigns, 2)):
            if any(len(row) != width for row in rows):
                raise ValueError(f"RuleTable: every row of {name} needs {width} fields")
        self._ops = <nes_rule_op_t *>malloc(max(1, len(ops)) * sizeof(nes_rule_op_t))
        self._consts = <int64_t *>malloc(max(1, len(consts)) * sizeof(int64_t))
        self._rewards = <nes_reward_term_t *>malloc(max(1, len(rewards)) * sizeof(nes_reward_term_t))
        self._info = <int *>malloc(max(1, len(info)) * sizeof(int))
        self._skips = <nes_skip_rule_t *>malloc(max(1, len(skips)) * sizeof(nes_skip_rule_t))
        self._writes = <nes_ram_write_t *>malloc(max(1, len(writes)) * sizeof(nes_ram_write_t))
        self._reg_reset = <int *>malloc(max(1, len(registers)) * sizeof(int))
        self._updates = <nes_rule_update_t *>malloc(max(1, len(updates)) * sizeof(nes_rule_update_t))
        self._assigns = <nes_rule_assign_t *>malloc(max(1, len(assigns)) * sizeof(nes_rule_assign_t))
        if (self._ops == NULL or self._consts == NULL or self._rewards == NULL or self._info == NULL
                or self._skips == NULL or self._writes == NULL or self._reg_reset == NULL
                or self._updates == NULL or self._assigns == NULL):
            raise MemoryError("RuleTable: no memory")
        for k, (op, a, b) in enumerate(ops):
            self._ops[k].op, self._ops[k].a, self._ops[k].b = op, a, b
        for k, c in enumerate(consts):
            self._consts[k] = c
        self.ndeltas = 0
        for k, (kind, value, cond, slot, weight, low, high, divisor, component) in enumerate(rewards):
            self._rewards[k].kind, self._rewards[k].value = int(kind), int(value)
            self._rewards[k].cond, self._rewards[k].slot = int(cond), int(slot)
            self._rewards[k].weight = float(weight)
            self._rewards[k].low, self._rewards[k].high = int(low), int(high)
            self._rewards[k].divisor, self._rewards[k].component = float(divisor), int(component)
            self.ndeltas += int(kind) == 0
        if len(registers) > 32:
            raise ValueError(f"RuleTable: at most 32 registers, got {len(registers)}")
        for k, p in enumerate(registers):
            self._reg_reset[k] = p
        for k, (phase, when, first, n) in enumerate(updates):
            self._updates[k].phase, self._updates[k].when = phase, when
            self._updates[k].first, self._updates[k].n = first, n
        for k, (reg, value) in enumerate(assigns):
            self._assigns[k].reg, self._assigns[k].value = reg, value
        for k, p in enumerate(info):
            self._info[k] = p
        for k, row in enumerate(skips):
            (self._skips[k].when, self._skips[k].cont, self._skips[k].until, self._skips[k].writes,
             self._skips[k].nwrites, self._skips[k].max_frames, self._skips[k].stall_value,
             self._skips[k].stall_when, self._skips[k].stall_frames, self._skips[k].stall_writes,
             self._skips[k].stall_nwrites) = row
        for k, (address, value) in enumerate(writes):
            self._writes[k].address, self._writes[k].value = address, value
        self.r.ops, self.r.nops = self._ops, len(ops)
        self.r.consts, self.r.nconsts = self._consts, len(consts)
        self.r.rewards, self.r.nrewards = self._rewards, len(rewards)
        self.r.terminated, self.r.truncated = int(terminated), int(truncated)
        self.r.info, self.r.ninfo = self._info, len(info)
        self.r.skips, self.r.nskips = self._skips, len(skips)
        self.r.writes, self.r.nwrites = self._writes, len(writes)
        self.r.frame_limit = int(frame_limit)
        self.r.reg_reset, self.r.nregs = self._reg_reset, len(registers)
        self.r.updates, self.r.nupdates = self._updates, len(updates)
        self.r.assigns, self.r.nassigns = self._assigns, len(assigns)
        self.r.ncomponents = int(ncomponents)
        self.ninfo = len(info)
        self.ncomponents = int(ncomponents)
        self._starts = frozenset([0] + [k + 1 for k, row in enumerate(ops) if row[0] == 0])
        errbuf[0] = 0
        if nes_rules_check(&self.r, errbuf, sizeof(errbuf)) != 0:
            raise ValueError("RuleTable: " + errbuf.decode("utf-8", "replace"))

    def __dealloc__(self):
        _rfree(self._ops)
        _rfree(self._consts)
        _rfree(self._rewards)
        _rfree(self._info)
        _rfree(self._skips)
        _rfree(self._writes)
        _rfree(self._reg_reset)
        _rfree(self._updates)
        _rfree(self._assigns)

    cdef nes_rules_state_t *_state(self, RuleStates states, Py_ssize_t i) except NULL:
        if not 0 <= i < states.n:
            raise IndexError(f"state {i} of {states.n}")
        return &states.s[i]

    def eval(self, int program, const uint8_t[::1] ram not None, RuleStates states=None,
             Py_ssize_t i=0):
        """Return program ``program``'s value (int) on ``ram`` (``(2048,)`` ``uint8``), its
        registers those of console ``i`` of ``states`` (None: registers read 0)."""
        cdef const nes_rules_state_t *s = NULL
        _check_ram(ram.shape[0])
        if program not in self._starts or program >= self.r.nops:
            raise ValueError(f"no program starts at op {program} of {self.r.nops}")
        if states is not None:
            s = self._state(states, i)
        return nes_rules_eval(&self.r, s, program, &ram[0])

    def reset(self, RuleStates states not None, Py_ssize_t i, const uint8_t[::1] ram not None):
        """Start an episode of console ``i``: its delta terms' last values from ``ram``."""
        _check_ram(ram.shape[0])
        nes_rules_reset(&self.r, self._state(states, i), &ram[0])

    def step(self, RuleStates states not None, Py_ssize_t i, const uint8_t[::1] ram not None):
        """Account for one frame of console ``i``: return ``(reward float, terminated bool,
        truncated bool)``."""
        cdef int flags = 0
        _check_ram(ram.shape[0])
        reward = nes_rules_step(&self.r, self._state(states, i), &ram[0], &flags)
        return reward, bool(flags & 1), bool(flags & 2)

    def info(self, const uint8_t[::1] ram not None, RuleStates states=None, Py_ssize_t i=0):
        """Return the info values on ``ram`` as a list of ints, in the table's order (registers:
        those of console ``i`` of ``states``; None: they read 0)."""
        cdef int64_t out[64]
        cdef int64_t[::1] big
        cdef const nes_rules_state_t *s = NULL
        _check_ram(ram.shape[0])
        if states is not None:
            s = self._state(states, i)
        if self.r.ninfo > 64:
            values = np.empty(self.r.ninfo, dtype=np.int64)
            big = values
            nes_rules_info(&self.r, s, &ram[0], &big[0], 1)
            return values.tolist()
        nes_rules_info(&self.r, s, &ram[0], out, 1)
        return [out[k] for k in range(self.r.ninfo)]

    def skip_begin(self, RuleStates states not None, Py_ssize_t i, const uint8_t[::1] ram not None,
                   bint terminated):
        """Start console ``i``'s skip rules (none run when ``terminated``; else its phase-1
        register updates run first, on ``ram``)."""
        _check_ram(ram.shape[0])
        nes_rules_skip_begin(&self.r, self._state(states, i), &ram[0], terminated)

    def skip_next(self, RuleStates states not None, Py_ssize_t i, uint8_t[::1] ram not None):
        """Apply the skip rules' RAM writes; return 1 when the caller must run one frame with no
        input and call again, 0 when done, -1 when a rule ran ``frame_limit`` frames (the
        index of that rule is ``states.rule(i)``)."""
        _check_ram(ram.shape[0])
        return nes_rules_skip_next(&self.r, self._state(states, i), &ram[0])


def _rebuild_rule_states(n, bytes blob):
    cdef RuleStates states = RuleStates(n)
    if len(blob) != n * sizeof(nes_rules_state_t):
        raise ValueError("RuleStates: blob of the wrong size")
    memcpy(states.s, PyBytes_AS_STRING(blob), len(blob))
    return states


cdef _check_ram(Py_ssize_t size):
    if size != 2048:
        raise ValueError(f"ram must hold 2048 bytes, got {size}")


cdef class RuleStates:
    """The rule counters of ``n`` consoles (delta terms' last values, skip rules' progress)."""
    cdef nes_rules_state_t *s
    cdef readonly Py_ssize_t n

    def __cinit__(self, Py_ssize_t n):
        if n < 1:
            raise ValueError(f"RuleStates needs n >= 1, got {n}")
        self.s = <nes_rules_state_t *>_rcalloc(n, sizeof(nes_rules_state_t))
        if self.s == NULL:
            raise MemoryError("RuleStates: no memory")
        self.n = n

    def __dealloc__(self):
        _rfree(self.s)

    def last(self, Py_ssize_t i, int count):
        """The first ``count`` delta terms' last values of console ``i`` (list of ints)."""
        if not 0 <= i < self.n or not 0 <= count <= 16:
            raise IndexError(f"state {i} of {self.n}, {count} values")
        return [self.s[i].last[k] for k in range(count)]

    def set_last(self, Py_ssize_t i, values):
        """Set console ``i``'s delta terms' last values (ints, in the table's order)."""
        values = [int(v) for v in values]
        if not 0 <= i < self.n or len(values) > 16:
            raise IndexError(f"state {i} of {self.n}, {len(values)} values")
        for k, v in enumerate(values):
            self.s[i].last[k] = v

    def __reduce__(self):
        return (_rebuild_rule_states, (self.n, PyBytes_FromStringAndSize(
            <char *>self.s, self.n * sizeof(nes_rules_state_t))))

    def rule(self, Py_ssize_t i):
        """Index of the skip rule console ``i`` is at."""
        if not 0 <= i < self.n:
            raise IndexError(f"state {i} of {self.n}")
        return self.s[i].rule

    def registers(self, Py_ssize_t i, int count):
        """The first ``count`` registers of console ``i`` (list of ints)."""
        if not 0 <= i < self.n or not 0 <= count <= 32:
            raise IndexError(f"state {i} of {self.n}, {count} registers")
        return [self.s[i].regs[k] for k in range(count)]

    def set_registers(self, Py_ssize_t i, values):
        """Set console ``i``'s first registers (ints, in the table's order)."""
        values = [int(v) for v in values]
        if not 0 <= i < self.n or len(values) > 32:
            raise IndexError(f"state {i} of {self.n}, {len(values)} registers")
        for k, v in enumerate(values):
            self.s[i].regs[k] = v

    def reward(self, Py_ssize_t i):
        """Console ``i``'s last frame's reward, unclipped (float; 0.0 after a reset)."""
        if not 0 <= i < self.n:
            raise IndexError(f"state {i} of {self.n}")
        return self.s[i].reward

    def components(self, Py_ssize_t i, int count):
        """Console ``i``'s last frame's first ``count`` reward parts (list of floats)."""
        if not 0 <= i < self.n or not 0 <= count <= 16:
            raise IndexError(f"state {i} of {self.n}, {count} components")
        return [self.s[i].components[k] for k in range(count)]

    def set_components(self, Py_ssize_t i, double reward, values):
        """Set console ``i``'s last frame's reward and reward parts (a restored save state)."""
        values = [float(v) for v in values]
        if not 0 <= i < self.n or len(values) > 16:
            raise IndexError(f"state {i} of {self.n}, {len(values)} components")
        self.s[i].reward = reward
        for k, v in enumerate(values):
            self.s[i].components[k] = v

    def reward_parts(self, int count, double[:, ::1] out not None):
        """Every console's last reward and ``count`` reward parts into ``out`` (``float64``
        ``(count + 1, n)``: row 0 the rewards, row ``1 + k`` part ``k``)."""
        cdef Py_ssize_t i, k
        if not 0 <= count <= 16 or out.shape[0] != count + 1 or out.shape[1] != self.n:
            raise ValueError(f"out must be ({count + 1}, {self.n}) float64")
        for i in range(self.n):
            out[0, i] = self.s[i].reward
            for k in range(count):
                out[k + 1, i] = self.s[i].components[k]


# ---- NESPool: many consoles stepped at once on a C thread pool (src/pool.h) ---------------------
# Self-contained block for nesenv.vector (the vector env engine); it uses only NES.n and
# NES._screen_dirty from the class above.
from libc.stdlib cimport calloc, free as _free

cdef extern from "pool.h" nogil:
    ctypedef struct nes_pool_t:
        pass
    ctypedef struct nes_pool_task_t:
        nes_t *nes
        int frames
        uint8_t pad1, pad2
        uint8_t *obs
        uint8_t *ram
        uint8_t *capture
        const uint8_t *pool_with
        const nes_rules_t *rules
        nes_rules_state_t *rules_state
        int rules_op
        double *reward
        uint8_t *flags
        int64_t *info
        Py_ssize_t info_stride
        int frameskip
        const uint8_t *sticky
        uint8_t *last_pads
        double reward_low, reward_high
        int draw
        int *frames_run
    nes_pool_t *nes_pool_create(int num_threads)
    void nes_pool_destroy(nes_pool_t *pool)
    int nes_pool_threads(const nes_pool_t *pool)
    void nes_pool_set_spin(nes_pool_t *pool, int spin_us)
    int nes_pool_spin(const nes_pool_t *pool)
    int nes_pool_run(nes_pool_t *pool, const nes_pool_task_t *tasks, int n, const nes_obs_plan_t *plan)


cdef class NESPool:
    """Run many :class:`NES` consoles at once on a persistent C thread pool, GIL released.

    Each call of :meth:`run` hands the consoles to ``num_threads`` threads (the calling thread
    is one of them; the others sleep between calls), one console at a time, and returns when
    all are done. Results are those of stepping each console alone.

    Args:
        consoles: list of distinct ``NES`` objects; the pool keeps them alive. Do not use them
            from another thread while :meth:`run` runs.
        num_threads: threads that run consoles, counting the caller (>= 1).
        grayscale, downscale: shorthand for ``obs_format=ObsFormat("grayscale" if grayscale
            else "rgb", (240 // downscale, 256 // downscale))``, downscale 1, 2, 4, 8 or 16.
        obs_format: an :class:`ObsFormat` (type and any size), instead of the shorthand.
        spin_us: microseconds the threads poll for the next batch (yielding the CPU) before
            they sleep; None for the default (2000). 0 sleeps at once: the least CPU when
            calls are far apart, but each call then pays the threads' wake-up latency.
        palette: None to keep each console's palette, or a palette for all of them (set with
            ``NES.set_palette``; see :func:`load_palette`). Observations, grey and
            downscaled ones included, use each console's palette.

    Raises:
        TypeError: an element of ``consoles`` is not an ``NES``.
        ValueError: no consoles, a console listed twice, ``num_threads`` < 1, a bad format
            (or both ``obs_format`` and the shorthand), or a bad ``palette`` (also TypeError / OSError, see :func:`load_palette`).
        MemoryError: the pool's threads or buffers could not be created.

    Attributes:
        obs_format: the :class:`ObsFormat`; obs_shape: its shape, ``(height, width)`` plus
            ``(3,)`` for RGB; dtype ``uint8``.
        num_envs: number of consoles.

    Example::

        consoles = [NES(rom) for _ in range(4)]
        pool = NESPool(consoles, num_threads=2)
        obs = np.empty((4,) + pool.obs_shape, np.uint8)    # (4, 240, 256, 3)
        ram = np.empty((4, 2048), np.uint8)
        pool.run([0x80, 0x80, 0x01, 0], 1, obs, ram)        # one frame, one pad byte each
        pool.close()

    After :meth:`run` the ``NES`` objects show the new state (``screen``, ``ram``, ``frame``).
    """
    cdef nes_pool_t *pool
    cdef nes_pool_task_t *tasks
    cdef int n
    cdef list consoles
    cdef readonly ObsFormat obs_format
    cdef size_t obs_bytes
    cdef bint busy
    cdef readonly tuple obs_shape
    cdef readonly int num_envs
    cdef object _all    # np.arange(num_envs): the indices when none are given
    cdef object _zeros  # num_envs zero button bytes (read-only)
    cdef RuleTable _rules        # set_rules: evaluated after each console's frames
    cdef RuleStates _rule_states

    def __cinit__(self, consoles, num_threads=1, grayscale=False, downscale=1, spin_us=None,
                  palette=None, obs_format=None):
        self.pool = NULL
        self.tasks = NULL
        consoles = list(consoles)
        if not consoles:
            raise ValueError("NESPool needs at least one console")
        for c in consoles:
            if not isinstance(c, NES):
                raise TypeError(f"consoles must be NES objects, got {type(c).__name__}")
        if len({id(c) for c in consoles}) != len(consoles):
            raise ValueError("a console is listed twice; each must be a distinct NES object")
        num_threads = _as_int(num_threads, "num_threads")
        downscale = _as_int(downscale, "downscale")
        if not isinstance(grayscale, (bool, np.bool_)):
            raise TypeError(f"grayscale must be a bool, not {type(grayscale).__name__}")
        if not 1 <= num_threads <= 1024:
            raise ValueError(f"num_threads must be in 1..1024, got {num_threads}")
        if obs_format is None:
            if downscale not in (1, 2, 4, 8, 16):
                raise ValueError(f"downscale must be 1, 2, 4, 8 or 16, got {downscale}")
            obs_format = ObsFormat("grayscale" if grayscale else "rgb", (240 // downscale, 256 // downscale))
        elif not isinstance(obs_format, ObsFormat):
            raise TypeError(f"obs_format must be an ObsFormat, not {type(obs_format).__name__}")
        elif grayscale or downscale != 1:
            raise ValueError("give either obs_format or grayscale/downscale, not both")
        self.obs_format = obs_format
        self.obs_bytes = obs_format.nbytes
        if palette is not None:
            pal = load_palette(palette)
            for c in consoles:
                (<NES>c).set_palette(pal)
        self.consoles = consoles
        self.n = len(consoles)
        self.num_envs = self.n
        self._all = np.arange(self.n, dtype=np.intp)
        self._zeros = np.zeros(self.n, dtype=np.uint8)
        self._zeros.flags.writeable = False
        self.obs_shape = obs_format.shape
        self.tasks = <nes_pool_task_t *>calloc(self.n, sizeof(nes_pool_task_t))
        if self.tasks == NULL:
            raise MemoryError("NESPool: no memory for the task list")
        cdef int threads = num_threads
        with nogil:
            self.pool = nes_pool_create(threads)
        if self.pool == NULL:
            raise MemoryError(f"NESPool: could not start {num_threads} threads")
        if spin_us is not None:
            self.spin_us = spin_us

    @property
    def spin_us(self):
        """Microseconds the threads poll for work before sleeping (settable, >= 0)."""
        return nes_pool_spin(self.pool) if self.pool != NULL else 0

    @spin_us.setter
    def spin_us(self, value):
        value = _as_int(value, "spin_us")
        if value < 0 or value > 10_000_000:
            raise ValueError(f"spin_us must be in 0..10000000, got {value}")
        if self.pool != NULL:
            nes_pool_set_spin(self.pool, <int>value)

    def __dealloc__(self):
        if self.pool != NULL:
            with nogil:
                nes_pool_destroy(self.pool)
            self.pool = NULL
        if self.tasks != NULL:
            _free(self.tasks)
            self.tasks = NULL

    @property
    def capture_shape(self):
        """Shape of one full-size picture in ``obs_format``'s channels: (240, 256, 3) or (240, 256)."""
        return _full_shape(self.obs_format)

    @property
    def num_threads(self):
        """Threads that run consoles, counting the caller."""
        return nes_pool_threads(self.pool) if self.pool != NULL else 0

    def close(self):
        """Stop the worker threads (idempotent); the pool cannot run afterwards."""
        if self.busy:
            raise RuntimeError("NESPool.close() while run() is in progress")
        if self.pool != NULL:
            with nogil:
                nes_pool_destroy(self.pool)
            self.pool = NULL

    def set_rules(self, RuleTable table, RuleStates states):
        """Evaluate a game's rules in the pool threads (see :meth:`run`'s ``rule_ops``).

        Args:
            table: a :class:`RuleTable`, or None to stop.
            states: :class:`RuleStates` of ``num_envs`` consoles (row ``i`` is console ``i``'s).

        Raises:
            ValueError: ``states`` is not for ``num_envs`` consoles.
        """
        if self.busy:
            raise RuntimeError("NESPool.set_rules() while run() is in progress")
        if table is None:
            self._rules, self._rule_states = None, None
            return
        if states is None or states.n != self.n:
            raise ValueError(f"states must be RuleStates of {self.n} consoles")
        self._rules, self._rule_states = table, states

    def run(self, buttons=None, frames=1, obs=None, ram=None, indices=None, buttons2=None,
            capture=None, pool_with=None, rule_ops=None, rewards=None, flags=None, info=None,
            frameskip=0, sticky=None, last_pads=None, reward_range=None, draw=-1,
            frames_run=None):
        """Run frames on the consoles, then write their frames and RAM, all without the GIL.

        For each selected console, in its pool thread: run ``frames`` frames with the pads held
        (as ``NES.step``), then write the last completed frame into its row of ``obs`` and copy
        its CPU RAM into its row of ``ram``.

        Args:
            buttons: controller-1 bytes, array-like of shape ``(num_envs,)`` with values 0-255,
                or None for no buttons.
            frames: frames per console: an int for all, or array-like ``(num_envs,)`` of ints
                >= 0 (0: the console is not run, its frame and RAM are still written).
            obs: None, or a writable C-contiguous ``uint8`` array ``(num_envs,) + obs_shape``.
            ram: None, or a writable C-contiguous ``uint8`` array ``(num_envs, 2048)``.
            indices: None for all consoles, or the console indices to work on (the others are
                left alone, their rows of ``obs`` / ``ram`` untouched).
            buttons2: controller-2 bytes like ``buttons``.
            capture: None, or a writable C-contiguous ``uint8`` array ``(num_envs,) +
                capture_shape``: each console's full-size picture after its frames (in
                ``obs_format``'s channels), for a later ``pool_with``.
            pool_with: None, or such an array: each observation is the pixelwise maximum of
                the console's picture and its row here, before resizing (ALE's pooling).
            rule_ops: None, or ``uint8`` ``(num_envs,)``: what the rules of :meth:`set_rules` do
                for each console after its frames, before its picture and RAM are written: 1
                step (reward, flags and info of the frame, then the skip rules run their frames
                unless it terminated), 2 reset (delta counters from RAM, info), 3 info only, 0
                nothing.
            rewards: None, or writable ``float64`` ``(num_envs,)``: each console's reward (0
                unless stepped).
            flags: None, or writable ``uint8`` ``(num_envs,)``: bit 0 terminated, bit 1
                truncated, bit 2 a skip rule ran the table's frame limit.
            info: None, or writable C-contiguous ``int64`` ``(ninfo, num_envs)``: info value
                ``k`` of console ``i`` at ``[k, i]``.
            frameskip: 0, or a frame-skipped step (ALE's frameskip, the one implementation
                behind both envs): each console with ``frames > 0`` runs up to ``frameskip``
                frames of the step in one go, frame ``f`` with its buttons, or, where bit 0
                (bit 1) of ``sticky[i, f]`` is set, with controller 1's (2's) buttons of the
                frame before, from ``last_pads[i]`` (sticky actions), which gets each frame's
                buttons. With rule_ops 1 the rules run after every frame: each frame's reward
                clipped to ``reward_range`` and summed into ``rewards``, the skip rules, and
                the step ends after a frame that terminates; ``info`` and ``flags`` are the
                last frame's. ``capture`` gets the picture after the frame before the last,
                and ``obs`` is pooled with it when every frame ran (``pool_with`` must be None).
            sticky: None (no sticky actions) or C-contiguous ``uint8`` ``(num_envs,
                frameskip)``.
            last_pads: with ``frameskip``, a writable C-contiguous ``uint8`` ``(num_envs, 2)``.
            reward_range: ``(low, high)`` floats a frame's reward is clipped to (None: none).
            draw: with ``frameskip``, only the step's last ``draw`` frames (with the frames
                their skip rules run) draw the picture (``NES.draw_picture``); -1: all. A step
                whose shown picture was not drawn whole (one that ends early) runs again from
                a state taken at its start, drawing every frame: the results are those of
                drawing every frame.
            frames_run: None, or writable ``intc`` ``(num_envs,)``: frames each step ran.

        Raises:
            ValueError: wrong shapes, dtypes or values; RuntimeError: closed, or run() already
                in progress from another thread.
            StateError: after running, when ``obs`` was given and a console's picture is not
                known (see ``NES.load_state``).
        """
        cdef Py_ssize_t i, k, n = self.n, count
        cdef uint8_t[::1] ov
        cdef uint8_t[::1] rv
        cdef const uint8_t[::1] b1
        cdef const uint8_t[::1] b2
        cdef const int[::1] fr
        cdef const Py_ssize_t[::1] idx
        cdef uint8_t *obs_base = NULL
        cdef uint8_t *ram_base = NULL
        cdef uint8_t *cap_base = NULL
        cdef const uint8_t *pool_base = NULL
        cdef uint8_t[::1] cv
        cdef const uint8_t[::1] pv
        cdef size_t src_bytes = 240 * 256 * self.obs_format.plan.channels
        cdef int rc
        if self.pool == NULL:
            raise RuntimeError("NESPool is closed")
        if self.busy:
            raise RuntimeError("NESPool.run() is already in progress in another thread")
        b1 = self._bytes(buttons, "buttons")
        b2 = self._bytes(buttons2, "buttons2")
        fr = self._frames(frames)
        if obs is not None:
            self._check_out(obs, (n,) + self.obs_shape, "obs")
            ov = obs.reshape(-1)
            obs_base = &ov[0]
        if ram is not None:
            self._check_out(ram, (n, 2048), "ram")
            rv = ram.reshape(-1)
            ram_base = &rv[0]
        if capture is not None:
            self._check_out(capture, (n,) + self.capture_shape, "capture")
            cv = capture.reshape(-1)
            cap_base = &cv[0]
        if pool_with is not None:
            if (not isinstance(pool_with, np.ndarray) or pool_with.dtype != np.uint8
                    or pool_with.shape != (n,) + self.capture_shape or not pool_with.flags.c_contiguous):
                raise ValueError(f"pool_with must be a C-contiguous uint8 array of shape "
                                 f"{(n,) + self.capture_shape}")
            pv = pool_with.reshape(-1)
            pool_base = &pv[0]
        idx = self._indices(indices)
        cdef const uint8_t[::1] ops_v
        cdef double[::1] rew_v
        cdef uint8_t[::1] flag_v
        cdef int64_t[:, ::1] info_v
        cdef bint use_rules = rule_ops is not None, has_rew = rewards is not None
        cdef bint has_flags = flags is not None, has_info = info is not None
        if use_rules:
            if self._rules is None:
                raise ValueError("rule_ops given but no rules set (set_rules)")
            ops_v = self._vector(rule_ops, np.uint8, "rule_ops", False)
            for k in range(n):
                if ops_v[k] > 3:
                    raise ValueError("rule_ops must be 0, 1, 2 or 3")
            if has_rew:
                rew_v = self._vector(rewards, np.float64, "rewards", True)
            if has_flags:
                flag_v = self._vector(flags, np.uint8, "flags", True)
            if has_info:
                if (not isinstance(info, np.ndarray) or info.dtype != np.int64
                        or info.shape != (self._rules.ninfo, n) or not info.flags.c_contiguous
                        or not info.flags.writeable):
                    raise ValueError(f"info must be a writable C-contiguous int64 array of shape "
                                     f"({self._rules.ninfo}, {n})")
                if self._rules.ninfo:
                    info_v = info
                else:
                    has_info = False
        elif rewards is not None or flags is not None or info is not None:
            raise ValueError("rewards, flags and info need rule_ops")
        cdef int skip = _as_int(frameskip, "frameskip"), draw_n = _as_int(draw, "draw")
        cdef const uint8_t[:, ::1] sticky_v
        cdef uint8_t[:, ::1] last_v
        cdef int[::1] run_v
        cdef double low = -INFINITY, high = INFINITY
        cdef bint has_sticky = sticky is not None, has_run = frames_run is not None
        if skip:
            if not 1 <= skip <= 1000:
                raise ValueError(f"frameskip must be in 0..1000, got {skip}")
            if pool_base != NULL:
                raise ValueError("a frameskip step pools with capture: pool_with must be None")
            if draw_n < -1:
                raise ValueError(f"draw must be >= -1, got {draw_n}")
            if (not isinstance(last_pads, np.ndarray) or last_pads.dtype != np.uint8
                    or last_pads.shape != (n, 2) or not last_pads.flags.c_contiguous
                    or not last_pads.flags.writeable):
                raise ValueError(f"last_pads must be a writable C-contiguous uint8 array of "
                                 f"shape ({n}, 2)")
            last_v = last_pads
            if has_sticky:
                if (not isinstance(sticky, np.ndarray) or sticky.dtype != np.uint8
                        or sticky.shape != (n, skip) or not sticky.flags.c_contiguous):
                    raise ValueError(f"sticky must be a C-contiguous uint8 array of shape "
                                     f"({n}, {skip})")
                sticky_v = sticky
            if reward_range is not None:
                low, high = reward_range
            if has_run:
                run_v = self._vector(frames_run, np.intc, "frames_run", True)
        elif sticky is not None or last_pads is not None or frames_run is not None:
            raise ValueError("sticky, last_pads and frames_run need frameskip")
        count = idx.shape[0]
        for k in range(count):
            if (<NES>self.consoles[idx[k]])._busy:
                raise RuntimeError(f"console {idx[k]}: " + _BUSY_MESSAGE)
        for k in range(count):
            i = idx[k]
            self.tasks[k].nes = (<NES>self.consoles[i]).n
            self.tasks[k].frames = fr[i]
            self.tasks[k].pad1 = b1[i]
            self.tasks[k].pad2 = b2[i]
            self.tasks[k].obs = obs_base + i * self.obs_bytes if obs_base != NULL else NULL
            self.tasks[k].ram = ram_base + i * 2048 if ram_base != NULL else NULL
            self.tasks[k].capture = cap_base + i * src_bytes if cap_base != NULL else NULL
            self.tasks[k].pool_with = pool_base + i * src_bytes if pool_base != NULL else NULL
            if use_rules and ops_v[i]:
                self.tasks[k].rules = &self._rules.r
                self.tasks[k].rules_state = &self._rule_states.s[i]
                self.tasks[k].rules_op = ops_v[i]
                self.tasks[k].reward = &rew_v[i] if has_rew else NULL
                self.tasks[k].flags = &flag_v[i] if has_flags else NULL
                self.tasks[k].info = &info_v[0, i] if has_info else NULL
                self.tasks[k].info_stride = n
            else:
                self.tasks[k].rules = NULL
                self.tasks[k].rules_op = 0
            self.tasks[k].frameskip = skip
            if skip:
                self.tasks[k].sticky = &sticky_v[i, 0] if has_sticky else NULL
                self.tasks[k].last_pads = &last_v[i, 0]
                self.tasks[k].reward_low = low
                self.tasks[k].reward_high = high
                self.tasks[k].draw = draw_n
                self.tasks[k].frames_run = &run_v[i] if has_run else NULL
        rc = self._run_tasks(idx, count)
        self._check_after(idx, fr, obs_base != NULL, rc)

    cdef int _run_tasks(self, const Py_ssize_t[::1] idx, Py_ssize_t count) except? -1:
        """Hand the first ``count`` tasks to the pool threads, GIL released, the consoles marked
        busy meanwhile; return nes_pool_run's result."""
        cdef Py_ssize_t k
        cdef int rc
        self.busy = True
        for k in range(count):
            (<NES>self.consoles[idx[k]])._busy = 1
        try:
            with nogil:
                rc = nes_pool_run(self.pool, self.tasks, <int>count, &self.obs_format.plan)
        finally:
            self.busy = False
            for k in range(count):
                (<NES>self.consoles[idx[k]])._busy = 0
        return rc

    cdef _check_after(self, const Py_ssize_t[::1] idx, const int[::1] fr, bint wrote_obs, int rc):
        """After a run: the consoles that ran have a new picture; raise for a failed run
        (``rc``), a tripped watchdog, or a row of obs written without a known picture."""
        cdef Py_ssize_t k, i, count = idx.shape[0]
        for k in range(count):
            i = idx[k]
            if fr[i] > 0:
                (<NES>self.consoles[i])._screen_dirty = True
        if rc != 0:
            raise ValueError("NESPool: invalid observation format")
        tripped = [int(idx[k]) for k in range(count)
                   if fr[idx[k]] > 0 and nes_watchdog_tripped((<NES>self.consoles[idx[k]]).n)]
        if tripped:
            raise RuntimeError(f"emulation watchdog: consoles {tripped} reached no vblank within "
                               f"{NES_WATCHDOG_FRAMES} frames' worth of CPU cycles; their state "
                               "is inconsistent (load a good save state or power_cycle())")
        if wrote_obs:
            tiles = self.obs_format.plan.type == NES_OBS_TILES
            stale = [int(idx[k]) for k in range(count)
                     if not (nes_line_scroll_valid((<NES>self.consoles[idx[k]]).n) if tiles
                             else nes_screen_valid((<NES>self.consoles[idx[k]]).n))]
            if stale:
                raise StateError(f"consoles {stale} ran, but their rows of obs hold no known "
                                 "picture: a state saved without its screen was loaded (or "
                                 "frames ran undrawn, draw) and no whole frame was drawn since "
                                 "(save_state(screen=True))")

    cdef _frames(self, frames):
        """``run``'s ``frames`` as a C-contiguous intc array of shape (num_envs,)."""
        cdef Py_ssize_t n = self.n
        if type(frames) is np.ndarray and frames.dtype == np.intc and frames.shape == (n,):
            f = frames  # the vector env's own array: only the sign needs checking
            if n and f.min() < 0:
                raise ValueError("frames must be >= 0")
        else:
            f = np.asarray(frames)
            if f.ndim == 0:
                f = np.full(n, int(f), dtype=np.intc)
            if f.shape != (n,) or (f.dtype.kind not in "iub"):
                raise ValueError(f"frames must be an int or an int array of shape ({n},)")
            if n and (f.min() < 0 or f.max() > 0x7FFFFFFF):
                raise ValueError("frames must be >= 0")
        return np.ascontiguousarray(f, dtype=np.intc)

    cdef _indices(self, indices):
        """``run``'s ``indices`` as an intp array (all consoles for None)."""
        if indices is None:
            return self._all
        a = np.asarray(indices)
        if a.ndim != 1 or (a.size and a.dtype.kind not in "iu"):
            raise ValueError("indices must be a 1-d sequence of ints")
        a = a.astype(np.intp)
        if a.size and (a.min() < 0 or a.max() >= self.n or np.unique(a).size != a.size):
            raise ValueError(f"indices must be distinct and in 0..{self.n - 1}")
        return a

    cdef _vector(self, values, dtype, str name, bint out):
        if (not isinstance(values, np.ndarray) or values.dtype != dtype
                or values.shape != (self.n,) or not values.flags.c_contiguous
                or (out and not values.flags.writeable)):
            raise ValueError(f"{name} must be a C-contiguous {np.dtype(dtype).name} array of "
                             f"shape ({self.n},)" + (", writable" if out else ""))
        return values

    cdef _bytes(self, values, str name):
        if values is None:
            return self._zeros
        if type(values) is np.ndarray and values.dtype == np.uint8 and values.shape == (self.n,):
            return np.ascontiguousarray(values)  # every uint8 is a valid button byte
        a = np.asarray(values)
        if a.shape != (self.n,) or a.dtype.kind not in "iub":
            raise ValueError(f"{name} must be an int array of shape ({self.n},)")
        if a.size and (a.min() < 0 or a.max() > 255):
            raise ValueError(f"{name} must be in 0-255")
        return np.ascontiguousarray(a, dtype=np.uint8)

    cdef _check_out(self, arr, tuple shape, str name):
        if not isinstance(arr, np.ndarray) or arr.dtype != np.uint8 or arr.shape != shape:
            raise ValueError(f"{name} must be a uint8 numpy array of shape {shape}")
        if not arr.flags.c_contiguous or not arr.flags.writeable:
            raise ValueError(f"{name} must be C-contiguous and writable")


# ---- the iNES / NES 2.0 header parser of cart.c (nes_parse_header), for nes_core.header ---------
# Self-contained block: nes_core.RomHeader is built from this dict.
from libc.stdint cimport uint32_t

cdef extern from "nes.h" nogil:
    ctypedef struct nes_header_t:
        int nes2, mapper, submapper
        uint64_t prg_rom_size, chr_rom_size
        uint32_t prg_ram_size, prg_nvram_size, chr_ram_size, chr_nvram_size
        int battery, trainer, mirroring, console_type, vs_unisystem, playchoice10, timing, dirty
        uint64_t image_size
    int nes_parse_header(const uint8_t *rom, size_t len, nes_header_t *h, char *errbuf,
                         size_t errlen)


def _parse_header(data):
    """Return the fields of ``nes_header_t`` as a dict for an iNES / NES 2.0 image (bytes).

    Raises:
        RomError: what ``NES(data)`` raises for the header and the file length (the mapper is
            not checked).
        TypeError: ``data`` is not bytes-like.
    """
    cdef bytes blob = bytes(data)
    cdef nes_header_t h
    cdef char errbuf[256]
    errbuf[0] = 0
    if nes_parse_header(<const uint8_t *>blob, len(blob), &h, errbuf, sizeof(errbuf)) != NES_OK:
        raise RomError(errbuf.decode("utf-8", "replace"))
    return {
        "nes2": bool(h.nes2), "mapper": h.mapper, "submapper": h.submapper,
        "prg_rom_size": h.prg_rom_size, "chr_rom_size": h.chr_rom_size,
        "prg_ram_size": h.prg_ram_size, "prg_nvram_size": h.prg_nvram_size,
        "chr_ram_size": h.chr_ram_size, "chr_nvram_size": h.chr_nvram_size,
        "battery": bool(h.battery), "trainer": bool(h.trainer), "mirroring": h.mirroring,
        "console_type": h.console_type, "vs_unisystem": bool(h.vs_unisystem),
        "playchoice10": bool(h.playchoice10), "timing": h.timing, "dirty": bool(h.dirty),
        "image_size": h.image_size,
    }
