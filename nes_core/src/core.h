/* core.h - internal layout of one console: CPU, PPU, APU, cartridge, controllers.
 * Shared by the units' C files only; Python sees nes.h. */
#ifndef NES_CORE_H
#define NES_CORE_H
#include <stdint.h>
#include <string.h>

#include "apu.h"
#include "mapper.h"
#include "nes.h"
#include "state.h"

/* IRQ sources, OR-ed into nes->irq_lines (the /IRQ line is low while any bit is set). */
#define NES_IRQ_FRAME 0x01
#define NES_IRQ_DMC 0x02
#define NES_IRQ_MAPPER 0x04

/* Status flags NV-BDIZC */
#define FLAG_C 0x01
#define FLAG_Z 0x02
#define FLAG_I 0x04
#define FLAG_D 0x08
#define FLAG_B 0x10
#define FLAG_U 0x20
#define FLAG_V 0x40
#define FLAG_N 0x80

typedef struct cpu {
    uint16_t pc;
    uint8_t a, x, y, s, p;
    uint8_t jammed;
    uint64_t master_clock;  /* NTSC master clocks (21.477 MHz): 12 per CPU cycle, 4 per PPU dot */
    uint64_t cycle_offset;  /* CPU cycles = master_clock / 12 + this (see cpu_cycles) */
    /* interrupt lines, sampled at the end of every cycle; `poll` holds what the previous
     * cycle's end saw (POLL_NMI, POLL_IRQ): the instruction's second-to-last cycle decides */
    uint8_t prev_nmi_line, need_nmi, run_irq, poll;
    /* Nonzero while the lines need sampling: an edge or IRQ in flight, or the PPU changed
     * PPUSTATUS/PPUCTRL bit 7 (it sets this). With it clear and no unmasked IRQ source, a
     * cycle's sampling would change nothing, so it is skipped. Not saved: derived. */
    uint8_t int_active;
    /* DMA (https://www.nesdev.org/wiki/DMA) */
    uint8_t need_halt, need_dummy_read, oam_dma, dmc_dma;
    uint8_t oam_dma_page;
    uint8_t open_bus;       /* last value on the CPU data bus */
    /* Inside dma_run only (0 between instructions, not saved): a DMA is under way, and the
     * DMC stopped its fetch after the halt cycle began (cpu_stop_dmc_dma) */
    uint8_t in_dma, dmc_abort;
} cpu_t;

enum { POLL_NMI = 1, POLL_IRQ = 2 };

typedef struct ppu {
    int16_t scanline, dot;  /* the dot last processed; scanline 261 is pre-render */
    uint8_t odd_frame;
    uint8_t frame_ready;    /* set at vblank start; the run loop clears it */
    /* registers: https://www.nesdev.org/wiki/PPU_registers */
    uint8_t ctrl, mask, status, oamaddr;
    uint16_t v, t;          /* loopy's v/t (https://www.nesdev.org/wiki/PPU_scrolling) */
    uint8_t x, w;
    uint8_t read_buffer;    /* PPUDATA read buffer */
    /* A PPUDATA read while rendering fills read_buffer a few dots after it, from whatever the
     * PPU's bus reads at that dot (ppu.c data_fill): dots left (0: none), the read's address */
    uint8_t data_fill;
    uint16_t data_addr;
    /* PPUADDR's second write reaches v a few dots later (ppu.c addr_copy): dots left, value */
    uint8_t addr_delay;
    uint16_t addr_next;
    uint8_t io_latch;       /* the PPU's open bus, decays per bit */
    uint8_t suppress_vbl;   /* $2002 read one dot before vblank set */
    uint8_t rendering;      /* PPUMASK bg|sprites as the pipeline sees it (one dot late) */
    uint32_t latch_stamp[8];/* frame each io_latch bit was last driven to 1 */
    /* background pipeline */
    uint16_t bg_lo, bg_hi, at_lo, at_hi;
    uint8_t nt_byte, at_byte, pt_lo, pt_hi;
    /* sprites: evaluation on this line for the next, line buffer for drawing */
    uint8_t sec_oam[32];    /* secondary OAM as evaluation left it (bytes of up to 8 sprites) */
    uint8_t sec_count;      /* sprites evaluation copied into it */
    uint8_t spr0_next;      /* its first sprite was in range at dot 66 (drawn as sprite 0) */
    uint8_t eval_addr;      /* OAMADDR at dot 65, where this line's evaluation began */
    /* OAM corruption (2C02G): rendering turned off on a rendering line leaves this row
     * (secondary OAM's address then, 1-31; 0 = none) to be overwritten by row 0 at the next
     * rendering dot of a rendering line */
    uint8_t corrupt_row;
    uint8_t spr0_line;      /* sprite 0 is in this line's set */
    int16_t overflow_dot;   /* dot at which the overflow flag gets set on this line, or -1 */
    uint8_t spr_line[256];  /* this line: bits 0-3 colour (0 = none), bit 5 behind bg, bit 6 sprite 0 */
    uint8_t spr_next[256];  /* built at dots 257-320 for the next line */
    uint8_t oam[256];
    uint8_t palette[32];
    uint8_t emph[NES_HEIGHT];            /* PPUMASK bits 5-7 per scanline */
    /* Each visible line's scroll at its dot 1 (nes_line_scroll, for the tiles view): loopy v
     * (coarse X two tiles past the line's first, the prefetch's), and fine X | PPUMASK & $18 */
    uint16_t line_v[NES_HEIGHT];
    uint8_t line_x[NES_HEIGHT];
    uint8_t fb[NES_HEIGHT * NES_WIDTH];  /* the picture (6-bit palette indices); complete at vblank */
    uint32_t frames;        /* frames since power-on */
    /* Whether fb holds a whole picture. A state loaded without its screen leaves fb stale
     * until the PPU has drawn lines 0-239 after the load: SCREEN_STALE -> (pre-render line)
     * SCREEN_PENDING -> (vblank) SCREEN_VALID; loaded in lines 0-239 (a frame grid's boundary),
     * SCREEN_MIDFRAME: whole once the PPU is one frame past the load position (stale_*).
     * Not part of save states. */
    uint8_t screen;
    /* Lines of fb whose last pass was not drawn (nes_set_picture(0)), and whether the current
     * line began drawn: fb is whole only when no line is undrawn. Not part of save states (a
     * screen section saves such a picture as stale). */
    uint8_t line_undrawn[NES_HEIGHT];
    uint8_t line_drawn;
    uint16_t undrawn_lines;
    uint32_t stale_frames;
    int stale_line, stale_dot;
    uint64_t clock;         /* master clock of the last dot run */
} ppu_t;

/* NES_TIMING_NESPY / NES_TIMING_NESPY9's own state (nespy.c): nes-py's CPU wait counter and status byte,
 * its PPU's position and registers, its controllers. OAM and the picture live in ppu_t. */
typedef struct nespy {
    int32_t skip;           /* cycles left of the current instruction (nes-py's skip_cycles) */
    uint32_t cycles;        /* CPU cycles since reset (OAM DMA takes one more on odd ones) */
    uint8_t p;              /* status, nes-py's bit order: N bit 0 ... C bit 7 */
    uint8_t stage;          /* pre-render, render, post-render, vblank */
    int16_t dot, line;
    uint8_t even_frame, vblank, spr0_hit;
    uint8_t ctrl, mask, oamaddr;
    uint16_t v, t;          /* loopy v and t; v is not masked to 14 bits */
    uint8_t fine_x, w, buffer;
    uint8_t palette[32];    /* whole bytes, unmirrored but for writes to $3F10 */
    uint8_t spr_count, spr[8];  /* OAM indices of this line's sprites */
    uint8_t pad_strobe, pad_bits[2];
    /* the background tile last fetched (v | pattern table | valid); cleared by writes that
     * may change what it reads. Not saved: refetched. */
    uint32_t bg_key;
    uint8_t bg_lo, bg_hi, bg_attr;
    /* NES_TIMING_NESPY9 only (nes-py 9.0.1). Its MMC3 (mapper 4): the scanline counter,
     * clocked by an A12 rise seen after 8 PPU bus addresses with A12 low (a12_lows), and the
     * $A001 PRG RAM enable / write-protect bits, which nes-py honours for every image. */
    uint8_t irq_latch, irq_counter, irq_reload, irq_enabled, a12_high, a12_lows;
    uint8_t ram_enabled, ram_writable;
    uint8_t a12_watch;      /* derived (timing and mapper), not saved: the A12 watch is on */
} nespy_t;

typedef struct cart {
    uint8_t *prg;           /* PRG ROM */
    uint32_t prg_size;
    uint8_t *chr;           /* CHR ROM, or CHR RAM when chr_is_ram */
    uint32_t chr_size;
    int chr_is_ram;
    uint8_t *prg_ram;       /* work RAM + battery RAM ($6000-$7FFF window) */
    uint32_t prg_ram_size, prg_nvram_size;
    int battery, mirroring, four_screen, has_trainer;
    int mapper, submapper, nes2;
    uint32_t chr_rom_size, chr_ram_size;
    uint64_t rom_hash;
    uint8_t trainer[512];   /* placed at $7000 on power-on when has_trainer */
    const mapper_ops_t *ops;
    /* page tables, set by the board */
    uint32_t prg_map[4];    /* $8000/$A000/$C000/$E000 8 KiB pages: offsets into prg */
    int32_t wram_map;       /* $6000-$7FFF: offset into prg_ram, or -1 (open bus) */
    uint32_t wram_mask;     /* window mirroring: min(RAM size, 8 KiB) - 1 */
    uint8_t wram_writable;
    uint32_t chr_map[8];    /* $0000-$1FFF 1 KiB pages: offsets into chr */
    uint16_t nt_map[4];     /* $2000-$2FFF 1 KiB pages: offsets into vram */
    uint8_t regs[128];      /* the board's own registers (each board casts to its struct) */
} cart_t;

struct nes {
    cpu_t cpu;
    ppu_t ppu;
    apu_t apu;
    cart_t cart;
    uint8_t ram[NES_RAM_SIZE];
    uint8_t vram[4096];     /* CIRAM 2 KiB + 2 KiB for four-screen boards */
    uint8_t irq_lines;      /* NES_IRQ_* bits */
    /* controllers: https://www.nesdev.org/wiki/Standard_controller */
    uint8_t pad[2], pad_shift[2], strobe;
    uint8_t rgb_palette[512][3];  /* 64 colours x 8 emphasis combinations (nes_set_palette) */
    uint32_t rgb32[512];          /* the same, packed R | G << 8 | B << 16 for fast conversion */
    /* PPU scheduling: the PPU runs behind the CPU and catches up (ppu_sync) whenever the CPU
     * touches something the PPU sees or shows, and at ppu_event, the master clock of the next
     * dot that changes the NMI line by itself (vblank set / clear) or, on boards with an IRQ
     * predicted from the PPU (irq_clock hook: MMC3's A12 rises), of the dot that may raise it. Lockstep (the
     * PPU synced every CPU cycle) gives the same results, only slower. */
    uint8_t ppu_lockstep;
    uint8_t slow_cycle;     /* ppu_lockstep or the board has an M2 (cpu_clock) hook */
    /* frame grid (nes_set_frame_grid): 0, frames end at vblank; else a frame ends at the first
     * instruction boundary at or past a CPU cycle count of the form grid_phase + k * grid_cycles.
     * A setting like ppu_lockstep: kept by power cycles, not saved in states. */
    uint32_t grid_cycles;
    int64_t grid_phase;
    /* nes_set_picture(0): the PPU does not write fb (nor mark it whole); everything else it
     * does, sprite 0 hit included, is unchanged. A setting: kept by power cycles, not saved. */
    uint8_t no_picture;
    uint64_t ppu_event;
    /* save-state layouts without / with the screen section, measured on first use */
    state_layout_t state_layout[2];
    uint8_t state_layout_ready[2];
    int palette_entries;    /* 64 or 512: the size of the palette as set (after the hot fields) */
    uint8_t watchdog;       /* the last nes_run_frames stopped at the watchdog */
    /* Where nes_state_load checks a blob before it touches this console (allocated on the
     * first load): a console struct and its own cartridge RAM / CHR RAM. */
    struct nes *scratch;
    uint8_t *scratch_mem;
    /* A $4016 write on a put cycle reaches the pads (OUT0) only when the next (get) cycle ends,
     * and a second write of a read-modify-write in that cycle replaces it. The write is applied
     * at once, and this keeps what it replaced for that case: its cycle (0 = none) and
     * pad_shift[0..1], strobe before it. Not saved: that next cycle is in the same instruction. */
    uint64_t strobe_undo_cycle;
    uint8_t strobe_undo[3];
    /* NES_TIMING_ACCURATE, or NES_TIMING_NESPY(9): nespy.c runs the console (nes_set_timing) */
    uint8_t timing;
    nespy_t np;
};

enum { SCREEN_STALE = 0, SCREEN_PENDING = 1, SCREEN_VALID = 2, SCREEN_MIDFRAME = 3 };

/* The PPU runs up to the master clock minus this offset (CPU/PPU alignment as in Mesen). */
#define PPU_OFFSET 1

/* mirroring helpers for boards */
enum { MIRROR_HORIZONTAL = 0, MIRROR_VERTICAL = 1, MIRROR_FOUR = 2, MIRROR_SINGLE0 = 3, MIRROR_SINGLE1 = 4 };
void cart_set_mirroring(struct nes *nes, int mode);
void cart_map_prg8(struct nes *nes, int slot, int bank);   /* 8 KiB slot 0-3 */
void cart_map_prg16(struct nes *nes, int slot, int bank);  /* 16 KiB slot 0-1 */
void cart_map_prg32(struct nes *nes, int bank);
void cart_map_chr1(struct nes *nes, int slot, int bank);   /* 1 KiB slot 0-7 */
void cart_map_chr4(struct nes *nes, int slot, int bank);   /* 4 KiB slot 0-1 */
void cart_map_chr8(struct nes *nes, int bank);
int cart_load(struct nes *nes, const uint8_t *rom, size_t len, char *errbuf, size_t errlen);
void cart_free(struct nes *nes);
void cart_state(struct state *st, struct nes *nes);

/* CPU */
void cpu_power(struct nes *nes);
void cpu_reset(struct nes *nes);
void cpu_step(struct nes *nes);  /* one instruction (plus a pending interrupt) */
/* instructions until ppu.frame_ready, a jam, or the master clock reaches `limit` */
void cpu_run_frame(struct nes *nes, uint64_t limit);
void cpu_run_until(struct nes *nes, uint64_t target); /* until cpu_cycles() >= target or a jam */
void cpu_start_dmc_dma(struct nes *nes);
void cpu_stop_dmc_dma(struct nes *nes);
void cpu_state(struct state *st, struct nes *nes);

/* PPU */
void ppu_power(struct nes *nes);
void ppu_reset(struct nes *nes);
void ppu_run_to(struct nes *nes, uint64_t master_clock);
/* ppu_run_to, stopping right after the dot that sets sprite 0 hit (PPUSTATUS bit 6) if one
 * does before `master_clock`: then ppu.clock is the earliest target whose PPUSTATUS read sees it */
void ppu_run_to_hit(struct nes *nes, uint64_t master_clock);
uint8_t ppu_status_peek(const struct nes *nes); /* a PPUSTATUS read's value, no side effects */
void ppu_oam_dma_done(struct nes *nes, uint8_t last);
/* CPU cycles since power-on: 12 master clocks each; the count advances at each cycle's start. */
static inline uint64_t cpu_cycles(const struct nes *nes) {
    return (nes->cpu.master_clock + 11) / 12 - 2 + nes->cpu.cycle_offset;
}
static inline void ppu_sync(struct nes *nes) { ppu_run_to(nes, nes->cpu.master_clock - PPU_OFFSET); }
void ppu_schedule(struct nes *nes);
uint8_t ppu_read_reg(struct nes *nes, uint16_t addr);
void ppu_write_reg(struct nes *nes, uint16_t addr, uint8_t v);
uint8_t ppu_peek_mem(struct nes *nes, uint16_t addr);
void ppu_poke_mem(struct nes *nes, uint16_t addr, uint8_t v);
void ppu_state(struct state *st, struct nes *nes);
void ppu_screen_state(struct state *st, struct nes *nes);

/* NES_TIMING_NESPY (nespy.c) */
void nespy_power(struct nes *nes);
void nespy_reset(struct nes *nes);
void nespy_run_cycles(struct nes *nes, uint64_t cycles);
void nespy_step_instruction(struct nes *nes);
uint8_t nespy_p_to_6502(uint8_t p); /* its own inverse */
void nespy_position(const struct nes *nes, int *line, int *dot);
uint8_t nespy_ppu_peek(struct nes *nes, uint16_t addr);
void nespy_ppu_poke(struct nes *nes, uint16_t addr, uint8_t v);
void nespy_state(struct state *st, struct nes *nes);

/* bus */
void console_state(struct state *st, struct nes *nes); /* the MAIN section (console.c) */
uint8_t bus_read(struct nes *nes, uint16_t addr);
uint8_t bus_read_dma(struct nes *nes, uint16_t addr, uint16_t cpu_addr);
void bus_write(struct nes *nes, uint16_t addr, uint8_t v);

static inline int ppu_rendering(const ppu_t *p) { return p->rendering; }
#endif
