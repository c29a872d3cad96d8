/* nes.h - the public C API of the nesenv core, the one header the Cython layer sees.
 * An opaque nes_t holds one whole console (no globals), so instances in different threads are
 * independent and every function below except nes_create/nes_destroy runs without the GIL. */
#ifndef NES_H
#define NES_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nes nes_t;

enum nes_error {
    NES_OK = 0,
    NES_ERR_NOMEM = 1,
    NES_ERR_ROM = 2,         /* bad or unsupported cartridge image: message in errbuf */
    NES_ERR_STATE = 3,       /* bad save state: message in errbuf, console untouched */
};

#define NES_WIDTH 256
#define NES_HEIGHT 240
#define NES_RAM_SIZE 2048

/* Controller bits, in the order the 4021 shift register reports them through $4016/$4017. */
#define NES_BTN_A 0x01
#define NES_BTN_B 0x02
#define NES_BTN_SELECT 0x04
#define NES_BTN_START 0x08
#define NES_BTN_UP 0x10
#define NES_BTN_DOWN 0x20
#define NES_BTN_LEFT 0x40
#define NES_BTN_RIGHT 0x80

typedef struct nes_regs {
    uint16_t pc;
    uint8_t a, x, y, p, sp;
    uint64_t cycles; /* CPU cycles since power-on */
} nes_regs_t;

/* PPU registers and internal latches (https://www.nesdev.org/wiki/PPU_registers,
 * https://www.nesdev.org/wiki/PPU_scrolling): for debuggers and state converters. */
typedef struct nes_ppu_regs {
    uint8_t ctrl, mask, status, oamaddr; /* PPUCTRL, PPUMASK, PPUSTATUS, OAMADDR */
    uint16_t v, t;                       /* current and temporary VRAM address (15 bits) */
    uint8_t x, w;                        /* fine X scroll (3 bits), write toggle (1 bit) */
    uint8_t read_buffer;                 /* PPUDATA read buffer */
    uint8_t io_latch;                    /* the PPU's open bus */
} nes_ppu_regs_t;

typedef struct nes_rom_info {
    int mapper, submapper, nes2;
    const char *board;
    uint32_t prg_rom_size, chr_rom_size, chr_ram_size, prg_ram_size, prg_nvram_size;
    int battery, mirroring, has_trainer; /* mirroring: 0 horizontal, 1 vertical, 2 four-screen */
    uint64_t rom_hash;                    /* FNV-1a 64 of PRG+CHR, stamps save states */
} nes_rom_info_t;

/* What an iNES / NES 2.0 header declares (https://www.nesdev.org/wiki/INES,
 * https://www.nesdev.org/wiki/NES_2.0), read the way the core reads it. */
typedef struct nes_header {
    int nes2;                              /* byte 7 bits 2-3 are %10 */
    int mapper, submapper;                 /* submapper 0 on iNES 1.0 */
    uint64_t prg_rom_size, chr_rom_size;   /* bytes */
    /* RAM sizes in bytes. iNES 1.0 declares none: the core's convention is 8 KiB of PRG RAM
     * (all of it battery-backed, i.e. NVRAM, when the battery bit is set) and 8 KiB of CHR
     * RAM when there is no CHR ROM. */
    uint32_t prg_ram_size, prg_nvram_size, chr_ram_size, chr_nvram_size;
    int battery, trainer;                  /* byte 6 bits 1 and 2 */
    int mirroring;                         /* 0 horizontal, 1 vertical, 2 four-screen */
    int console_type;                      /* byte 7 bits 0-1: 0 NES/Famicom, 1 VS System,
                                            * 2 PlayChoice-10, 3 extended (NES 2.0) */
    int vs_unisystem, playchoice10;        /* iNES 1.0: bits 0 and 1; NES 2.0: console_type 1, 2 */
    int timing;                            /* 0 NTSC, 1 PAL, 2 multi-region, 3 Dendy
                                            * (NES 2.0 byte 12; iNES 1.0 byte 9 bit 0: 0 or 1) */
    int dirty;                             /* iNES 1.0 whose bytes 12-15 are not zero (a dumper's
                                            * text): bytes 7 and 9 are ignored */
    uint64_t image_size;                   /* 16 + trainer + PRG + CHR: bytes the image needs */
} nes_header_t;

/* Parse the header of an iNES / NES 2.0 image of `len` bytes: the only header parser (cart.c;
 * nes_create uses it). Returns NES_OK, or NES_ERR_ROM with a message in errbuf: not an iNES
 * image, a truncated header ("truncated iNES header: 10 of 16 bytes"), a PRG ROM size of 0,
 * impossible sizes, or a file shorter than the header declares. The mapper is not checked. */
int nes_parse_header(const uint8_t *rom, size_t len, nes_header_t *h, char *errbuf, size_t errlen);

/* Create a console from an iNES / NES 2.0 image (copied). On failure returns NULL and writes a
 * message into errbuf; *err gets the nes_error code. */
nes_t *nes_create(const uint8_t *rom, size_t len, int *err, char *errbuf, size_t errlen);
void nes_destroy(nes_t *nes);
void nes_rom_info(const nes_t *nes, nes_rom_info_t *info);

/* Run `frames` whole frames with both pads held; a frame ends when the PPU enters vblank
 * (scanline 241, dot 1), at the next CPU instruction boundary, unless a frame grid is set
 * (nes_set_frame_grid). Returns frames run (fewer once the CPU jams), or
 * NES_WATCHDOG_TRIPPED when no vblank came within NES_WATCHDOG_FRAMES frames' worth of master
 * clocks (a bounded cost whatever state the console is in; a consistent state never trips
 * it). */
#define NES_WATCHDOG_FRAMES 4
#define NES_WATCHDOG_TRIPPED (-1)
int nes_run_frames(nes_t *nes, int frames, uint8_t pad1, uint8_t pad2);
/* 1 when the last nes_run_frames call stopped at the watchdog (for callers that drop the
 * return value, such as the pool's threads). */
int nes_watchdog_tripped(const nes_t *nes);
/* Where nes_run_frames ends a frame. cycles 0 (the default): at vblank, as above. cycles > 0:
 * at the first instruction boundary at or past a CPU cycle count (nes_cpu_cycles) of the form
 * phase + k * cycles, e.g. nes-py's fixed 29781-cycle frames; `frames` such points are passed
 * (a run returns 0 if the CPU is jammed). A setting: power cycles keep it, states do not. */
void nes_set_frame_grid(nes_t *nes, uint32_t cycles, int64_t phase);

/* Timing models. NES_TIMING_ACCURATE (the default): the console, cycle by cycle.
 * NES_TIMING_NESPY: nes-py 8.2.1's emulator (gym-super-mario-bros' core) for step-exact
 * parity with it, not with the console: instructions run whole on their first cycle, its own
 * cycle counts, NMI and OAM DMA timing, its PPU's per-dot drawing (sprites on line 0 too), no
 * APU the game can see (ours plays the sound; $4015 reads 0) and no IRQs; a frame is 29781
 * CPU cycles (or the frame grid's cycles; the grid's phase is ignored).
 * NES_TIMING_NESPY9: nes-py 9.0.1's emulator (gym-super-mario-bros 9.1.0's core): the same
 * CPU and PPU timing, with 9.0.1's changes (6502-order status pushes, the unofficial DCP
 * abs,X, 14-bit PPU addresses with mirrored palette and nametables, its background tile
 * cache) and its MMC3 (mapper 4): the scanline counter clocked by A12 rises among the PPU bus
 * addresses nes-py observes (background tile fetches, $2007, one sprite fetch at dot 260 of
 * visible lines), an IRQ taken at once or lost while I is set, $A001 PRG RAM control.
 * nes_set_timing power-cycles the console; save states carry the timing and a console
 * refuses one of another. Returns 0, or -1 for an unknown value. */
enum nes_timing { NES_TIMING_ACCURATE = 0, NES_TIMING_NESPY = 1, NES_TIMING_NESPY9 = 2 };
int nes_set_timing(nes_t *nes, int timing);
int nes_timing(const nes_t *nes);
/* Whether the PPU draws the picture (default 1). With 0 it writes no pixels (and, when the
 * board does not watch the PPU bus, skips the background fetches of lines where no sprite 0
 * hit can happen); all the game can observe stays the same (PPUSTATUS with sprite 0 hit and
 * overflow, the board's A12 timing) and so does the tiles view's line scroll. For frames
 * whose picture nobody looks at (frame skipping); NES_PICTURE_NEXT draws from the next
 * picture's first line on (a frame that ends inside the picture). nes_screen_valid is 0 while any line of fb
 * was last passed with 0, until each is drawn again. A setting: power cycles keep it, states
 * do not hold it. */
#define NES_PICTURE_NEXT 2 /* nes_set_picture: off until the next picture begins (line 0) */
void nes_set_picture(nes_t *nes, int on);
int nes_picture(const nes_t *nes);
/* CPU cycles since power-on. */
uint64_t nes_cpu_cycles(const nes_t *nes);
void nes_step_instruction(nes_t *nes);
void nes_set_buttons(nes_t *nes, uint8_t pad1, uint8_t pad2);

/* Last completed frame as RGB888, 240*256*3 bytes. */
void nes_render_rgb(const nes_t *nes, uint8_t *out);
/* Last completed frame as 240*256 6-bit palette indices (PPUMASK emphasis kept per scanline). */
const uint8_t *nes_framebuffer(const nes_t *nes);
/* The PPUMASK emphasis bits (0-7) of each of the frame's 240 scanlines. */
const uint8_t *nes_emphasis(const nes_t *nes);
/* What the last picture showed as tile and sprite indices: NES_TILES_ROWS x NES_TILES_COLS
 * cells of 8 x 8 pixels, NES_TILES_CHANNELS bytes each, written to out (3840 bytes):
 *   0: background tile index (nametable byte) under the cell's centre pixel (8c + 4, 8r + 4),
 *      through the scroll (loopy v, fine X) that pixel's line started with, so a split screen
 *      (a status bar) shows each part at its own scroll; 0 where the background is off;
 *   1: that tile's background palette (0-3, from the attribute table);
 *   2: tile index of the frontmost sprite (lowest OAM index) whose box covers the centre pixel
 *      (8 x 16 sprites: the 8 x 8 half there, flips applied), 0 when none;
 *   3: that sprite's palette + 1 (1-4), 0 when none.
 * Nametables, attribute tables, OAM and PPUCTRL are read as they are now (at a step's end),
 * the scroll and PPUMASK as each line had them. Sprites whose 8 x 8 tile is wholly
 * transparent (blank tiles games park on screen) are skipped; other pixels are not tested,
 * and neither the 8-sprites-a-line limit nor left-column clipping applies. Nametables
 * are read through the board's page tables without its fetch hook (no side effects), so
 * MMC5's ExRAM and fill-mode nametables show, its extended attributes and split do not. */
#define NES_TILES_ROWS 30
#define NES_TILES_COLS 32
#define NES_TILES_CHANNELS 4
void nes_tiles(const nes_t *nes, uint8_t *out);
/* RGB888 of each colour, 512 entries of 3 bytes indexed by emphasis << 6 | palette index:
 * pixel (x, y) is entry nes_emphasis()[y] << 6 | nes_framebuffer()[y * 256 + x]. Every RGB
 * output (nes_render_rgb, the pool's grey and downscaled frames) reads this one table. */
const uint8_t *nes_palette_rgb(const nes_t *nes);

/* Built-in palettes. NES_PALETTE_NESPY (the default of every console): nes-py's 64 colours;
 * NES_PALETTE_NTSC: the 2C02's composite signal decoded, 64 colours x 8 emphasis combinations. */
enum nes_palette_id { NES_PALETTE_NESPY = 0, NES_PALETTE_NTSC = 1 };
/* Write built-in palette `id` to out (room for 512 * 3 bytes) as RGB888 triplets and return its
 * number of entries (64 or 512), or 0 for an unknown id (out untouched). */
int nes_palette_builtin(int id, uint8_t *out);
/* Set the console's palette from `entries` RGB888 triplets: 64 (one per palette index; the
 * PPUMASK emphasis bits then do not change the colours) or 512 (indexed by emphasis << 6 |
 * palette index). Returns NES_OK, or -1 for another count (nothing changed). */
int nes_set_palette(nes_t *nes, const uint8_t *rgb, int entries);
/* Entries of the palette last set (64 or 512); nes_palette_rgb always holds all 512. */
int nes_palette_entries(const nes_t *nes);

uint8_t *nes_ram(nes_t *nes);
uint8_t nes_peek(nes_t *nes, uint16_t addr);
void nes_poke(nes_t *nes, uint16_t addr, uint8_t value);
uint8_t nes_ppu_peek(nes_t *nes, uint16_t addr);
void nes_ppu_position(nes_t *nes, int *scanline, int *dot);
/* Bring the PPU up to the CPU (it otherwise runs lazily between CPU accesses). */
void nes_sync(nes_t *nes);
/* Testing aid: step the PPU with the CPU every cycle (same results, slower). */
void nes_set_lockstep(nes_t *nes, int on);

void nes_reset(nes_t *nes);       /* RESET button */
void nes_power_cycle(nes_t *nes); /* off and on: fixed power-on state */

uint64_t nes_frame_count(const nes_t *nes);
int nes_jammed(const nes_t *nes);
void nes_get_regs(const nes_t *nes, nes_regs_t *r);
void nes_set_regs(nes_t *nes, const nes_regs_t *r);

/* Debugger access, at the current cycle and without running the CPU. nes_write is a CPU-bus
 * write as an instruction makes it (RAM, PPU/APU/controller registers, cartridge registers and
 * RAM), except OAMDMA ($4014), which needs the CPU: it returns NES_OK, or -1 for $4014
 * (nothing written). nes_ppu_poke writes the PPU address space as a PPUDATA write would
 * (CHR RAM only, nametables through the current mirroring, palette) without moving v or the
 * read buffer. nes_set_ppu_regs sets the latches directly; ctrl and mask go through their
 * register writes, so t takes PPUCTRL's nametable bits before v/t/x/w are set. */
int nes_write(nes_t *nes, uint16_t addr, uint8_t value);
void nes_ppu_poke(nes_t *nes, uint16_t addr, uint8_t value);
void nes_get_ppu_regs(nes_t *nes, nes_ppu_regs_t *r);
void nes_set_ppu_regs(nes_t *nes, const nes_ppu_regs_t *r);
uint8_t *nes_oam(nes_t *nes); /* the 256 bytes of OAM (https://www.nesdev.org/wiki/PPU_OAM) */
/* Nametable RAM by physical page: the console's 2 KiB CIRAM (pages 0 and 1, CIRAM A10 = 0/1),
 * then 2 KiB for four-screen boards (MMC5 keeps its ExRAM there); *size is set to 4096. */
uint8_t *nes_vram(nes_t *nes, size_t *size);

/* Save states: nes_state_size gives the exact size of the blob nes_state_save writes.
 * NES_STATE_SCREEN adds the last picture (61 KiB); without it a loaded state leaves the
 * picture stale (nes_screen_valid 0) until the PPU has drawn a whole frame after the load. */
#define NES_STATE_SCREEN 1u
size_t nes_state_size(nes_t *nes, unsigned flags);
int nes_state_save(nes_t *nes, uint8_t *buf, size_t len, unsigned flags);
int nes_state_load(nes_t *nes, const uint8_t *buf, size_t len, char *errbuf, size_t errlen);
/* 1 when the framebuffer holds a whole picture drawn by this console since power-on or a load. */
int nes_screen_valid(const nes_t *nes);
/* Whether the per-line scroll record (nes_tiles) is whole: as nes_screen_valid, except that
 * lines drawn under nes_set_picture(0) count (their scroll is recorded all the same). */
int nes_line_scroll_valid(const nes_t *nes);

/* Battery-backed / work RAM at $6000 ($6000-$7FFF window), NULL when the board has none. */
uint8_t *nes_prg_ram(nes_t *nes, size_t *size);

/* Audio (the APU): samples of the last nes_run_frames call. */
void nes_set_audio(nes_t *nes, int enabled, int sample_rate);
const float *nes_audio(const nes_t *nes, size_t *count);

#ifdef __cplusplus
}
#endif
#endif
