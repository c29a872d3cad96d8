/* ppu.c - the 2C02 PPU, one dot at a time: 341 dots x 262 scanlines, the odd frame one dot
 * shorter while rendering. https://www.nesdev.org/wiki/PPU_rendering,
 * https://www.nesdev.org/wiki/PPU_frame_timing, https://www.nesdev.org/wiki/PPU_scrolling,
 * https://www.nesdev.org/wiki/PPU_sprite_evaluation */
#include "core.h"
#include "ppu.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define PRERENDER PPU_PRERENDER_LINE
/* The dots both paths (ppu_tick and the bulk spans) key on; https://www.nesdev.org/wiki/PPU_frame_timing */
#define VBLANK_LINE 241   /* PPUSTATUS_VBLANK is set at dot 1 of this line, cleared at dot 1 of PRERENDER */
#define VBLANK_DOT 1
#define LAST_BG_DOT 256    /* the last pixel; coarse Y advances and the line's emphasis is kept */
/* A sprite pixel in spr_line/spr_next: its palette index $10-$1F (colour in bits 0-1, 0 is
 * transparent), and two flags. */
#define SPR_COLOUR 0x03
#define SPR_PALETTES 0x10 /* the sprite palettes: entries $10-$1F */
#define SPR_INDEX 0x1F
#define SPR_BEHIND 0x20 /* behind the background (OAM_ATTR_PRIORITY) */
#define SPR_ZERO 0x40   /* from sprite 0 */
/* The PPU's I/O latch decays after roughly 600 ms (36 frames); ppu_open_bus checks it. */
#define LATCH_DECAY_FRAMES 36
/* Dots from a PPUDATA read while rendering (the PPU as synced to the read) to its buffer fill
 * and v step, and from PPUADDR's second write to v taking its value (AccuracyCoin $2007
 * Stress Test, ALE + Read, Hybrid Addresses) */
#define DATA_FILL_DOTS 5
#define ADDR_COPY_DOTS 3

/* Palette RAM contents at power-on, as read back by blargg's power_up_palette test on the
 * console it was written for (consoles differ). */
static const uint8_t POWER_PALETTE[32] = {
    0x09, 0x01, 0x00, 0x01, 0x00, 0x02, 0x02, 0x0D, 0x08, 0x10, 0x08, 0x24, 0x00, 0x00, 0x04, 0x2C,
    0x09, 0x01, 0x34, 0x03, 0x00, 0x04, 0x00, 0x14, 0x08, 0x3A, 0x00, 0x02, 0x00, 0x20, 0x2C, 0x08,
};

/* Byte i of EXPAND[b] is bit (7 - i) of b: eight pixels of a pattern byte, one per byte. */
static const uint64_t EXPAND[256] = {
    0x0000000000000000ULL, 0x0100000000000000ULL, 0x0001000000000000ULL, 0x0101000000000000ULL,
    0x0000010000000000ULL, 0x0100010000000000ULL, 0x0001010000000000ULL, 0x0101010000000000ULL,
    0x0000000100000000ULL, 0x0100000100000000ULL, 0x0001000100000000ULL, 0x0101000100000000ULL,
    0x0000010100000000ULL, 0x0100010100000000ULL, 0x0001010100000000ULL, 0x0101010100000000ULL,
    0x0000000001000000ULL, 0x0100000001000000ULL, 0x0001000001000000ULL, 0x0101000001000000ULL,
    0x0000010001000000ULL, 0x0100010001000000ULL, 0x0001010001000000ULL, 0x0101010001000000ULL,
    0x0000000101000000ULL, 0x0100000101000000ULL, 0x0001000101000000ULL, 0x0101000101000000ULL,
    0x0000010101000000ULL, 0x0100010101000000ULL, 0x0001010101000000ULL, 0x0101010101000000ULL,
    0x0000000000010000ULL, 0x0100000000010000ULL, 0x0001000000010000ULL, 0x0101000000010000ULL,
    0x0000010000010000ULL, 0x0100010000010000ULL, 0x0001010000010000ULL, 0x0101010000010000ULL,
    0x0000000100010000ULL, 0x0100000100010000ULL, 0x0001000100010000ULL, 0x0101000100010000ULL,
    0x0000010100010000ULL, 0x0100010100010000ULL, 0x0001010100010000ULL, 0x0101010100010000ULL,
    0x0000000001010000ULL, 0x0100000001010000ULL, 0x0001000001010000ULL, 0x0101000001010000ULL,
    0x0000010001010000ULL, 0x0100010001010000ULL, 0x0001010001010000ULL, 0x0101010001010000ULL,
    0x0000000101010000ULL, 0x0100000101010000ULL, 0x0001000101010000ULL, 0x0101000101010000ULL,
    0x0000010101010000ULL, 0x0100010101010000ULL, 0x0001010101010000ULL, 0x0101010101010000ULL,
    0x0000000000000100ULL, 0x0100000000000100ULL, 0x0001000000000100ULL, 0x0101000000000100ULL,
    0x0000010000000100ULL, 0x0100010000000100ULL, 0x0001010000000100ULL, 0x0101010000000100ULL,
    0x0000000100000100ULL, 0x0100000100000100ULL, 0x0001000100000100ULL, 0x0101000100000100ULL,
    0x0000010100000100ULL, 0x0100010100000100ULL, 0x0001010100000100ULL, 0x0101010100000100ULL,
    0x0000000001000100ULL, 0x0100000001000100ULL, 0x0001000001000100ULL, 0x0101000001000100ULL,
    0x0000010001000100ULL, 0x0100010001000100ULL, 0x0001010001000100ULL, 0x0101010001000100ULL,
    0x0000000101000100ULL, 0x0100000101000100ULL, 0x0001000101000100ULL, 0x0101000101000100ULL,
    0x0000010101000100ULL, 0x0100010101000100ULL, 0x0001010101000100ULL, 0x0101010101000100ULL,
    0x0000000000010100ULL, 0x0100000000010100ULL, 0x0001000000010100ULL, 0x0101000000010100ULL,
    0x0000010000010100ULL, 0x0100010000010100ULL, 0x0001010000010100ULL, 0x0101010000010100ULL,
    0x0000000100010100ULL, 0x0100000100010100ULL, 0x0001000100010100ULL, 0x0101000100010100ULL,
    0x0000010100010100ULL, 0x0100010100010100ULL, 0x0001010100010100ULL, 0x0101010100010100ULL,
    0x0000000001010100ULL, 0x0100000001010100ULL, 0x0001000001010100ULL, 0x0101000001010100ULL,
    0x0000010001010100ULL, 0x0100010001010100ULL, 0x0001010001010100ULL, 0x0101010001010100ULL,
    0x0000000101010100ULL, 0x0100000101010100ULL, 0x0001000101010100ULL, 0x0101000101010100ULL,
    0x0000010101010100ULL, 0x0100010101010100ULL, 0x0001010101010100ULL, 0x0101010101010100ULL,
    0x0000000000000001ULL, 0x0100000000000001ULL, 0x0001000000000001ULL, 0x0101000000000001ULL,
    0x0000010000000001ULL, 0x0100010000000001ULL, 0x0001010000000001ULL, 0x0101010000000001ULL,
    0x0000000100000001ULL, 0x0100000100000001ULL, 0x0001000100000001ULL, 0x0101000100000001ULL,
    0x0000010100000001ULL, 0x0100010100000001ULL, 0x0001010100000001ULL, 0x0101010100000001ULL,
    0x0000000001000001ULL, 0x0100000001000001ULL, 0x0001000001000001ULL, 0x0101000001000001ULL,
    0x0000010001000001ULL, 0x0100010001000001ULL, 0x0001010001000001ULL, 0x0101010001000001ULL,
    0x0000000101000001ULL, 0x0100000101000001ULL, 0x0001000101000001ULL, 0x0101000101000001ULL,
    0x0000010101000001ULL, 0x0100010101000001ULL, 0x0001010101000001ULL, 0x0101010101000001ULL,
    0x0000000000010001ULL, 0x0100000000010001ULL, 0x0001000000010001ULL, 0x0101000000010001ULL,
    0x0000010000010001ULL, 0x0100010000010001ULL, 0x0001010000010001ULL, 0x0101010000010001ULL,
    0x0000000100010001ULL, 0x0100000100010001ULL, 0x0001000100010001ULL, 0x0101000100010001ULL,
    0x0000010100010001ULL, 0x0100010100010001ULL, 0x0001010100010001ULL, 0x0101010100010001ULL,
    0x0000000001010001ULL, 0x0100000001010001ULL, 0x0001000001010001ULL, 0x0101000001010001ULL,
    0x0000010001010001ULL, 0x0100010001010001ULL, 0x0001010001010001ULL, 0x0101010001010001ULL,
    0x0000000101010001ULL, 0x0100000101010001ULL, 0x0001000101010001ULL, 0x0101000101010001ULL,
    0x0000010101010001ULL, 0x0100010101010001ULL, 0x0001010101010001ULL, 0x0101010101010001ULL,
    0x0000000000000101ULL, 0x0100000000000101ULL, 0x0001000000000101ULL, 0x0101000000000101ULL,
    0x0000010000000101ULL, 0x0100010000000101ULL, 0x0001010000000101ULL, 0x0101010000000101ULL,
    0x0000000100000101ULL, 0x0100000100000101ULL, 0x0001000100000101ULL, 0x0101000100000101ULL,
    0x0000010100000101ULL, 0x0100010100000101ULL, 0x0001010100000101ULL, 0x0101010100000101ULL,
    0x0000000001000101ULL, 0x0100000001000101ULL, 0x0001000001000101ULL, 0x0101000001000101ULL,
    0x0000010001000101ULL, 0x0100010001000101ULL, 0x0001010001000101ULL, 0x0101010001000101ULL,
    0x0000000101000101ULL, 0x0100000101000101ULL, 0x0001000101000101ULL, 0x0101000101000101ULL,
    0x0000010101000101ULL, 0x0100010101000101ULL, 0x0001010101000101ULL, 0x0101010101000101ULL,
    0x0000000000010101ULL, 0x0100000000010101ULL, 0x0001000000010101ULL, 0x0101000000010101ULL,
    0x0000010000010101ULL, 0x0100010000010101ULL, 0x0001010000010101ULL, 0x0101010000010101ULL,
    0x0000000100010101ULL, 0x0100000100010101ULL, 0x0001000100010101ULL, 0x0101000100010101ULL,
    0x0000010100010101ULL, 0x0100010100010101ULL, 0x0001010100010101ULL, 0x0101010100010101ULL,
    0x0000000001010101ULL, 0x0100000001010101ULL, 0x0001000001010101ULL, 0x0101000001010101ULL,
    0x0000010001010101ULL, 0x0100010001010101ULL, 0x0001010001010101ULL, 0x0101010001010101ULL,
    0x0000000101010101ULL, 0x0100000101010101ULL, 0x0001000101010101ULL, 0x0101000101010101ULL,
    0x0000010101010101ULL, 0x0100010101010101ULL, 0x0001010101010101ULL, 0x0101010101010101ULL
};

static inline uint8_t chr_read(nes_t *n, uint16_t a) {
    return n->cart.chr[n->cart.chr_map[(a >> 10) & 7] + (a & 0x3FF)];
}

/* A pattern-table fetch, visible to boards that watch the PPU address bus (MMC3's A12). */
static inline uint8_t pt_fetch(nes_t *n, uint16_t a) {
    if (n->cart.ops->ppu_fetch) return n->cart.ops->ppu_fetch(n, a);
    uint8_t v = chr_read(n, a);
    if (n->cart.ops->ppu_addr) n->cart.ops->ppu_addr(n, a);
    return v;
}

static inline uint8_t nt_read(nes_t *n, uint16_t a) {
    return n->vram[n->cart.nt_map[(a >> 10) & 3] + (a & 0x3FF)];
}

/* A nametable or attribute fetch of the rendering PPU (the board may answer it: MMC5). */
static inline uint8_t nt_fetch(nes_t *n, uint16_t a) {
    if (n->cart.ops->ppu_fetch) return n->cart.ops->ppu_fetch(n, a);
    return nt_read(n, a);
}

static inline uint8_t pal_index(uint16_t a) {
    a &= PALETTE_INDEX_MASK;
    if ((a & 0x13) == 0x10) a &= 0x0F; /* $3F10/$3F14/$3F18/$3F1C mirror $3F00/04/08/0C */
    return (uint8_t)a;
}

/* PPU address space $0000-$3FFF without side effects (the palette is not on the bus: reads of
 * $3F00-$3FFF through the bus see the nametable underneath, as PPUDATA's buffer does). */
static inline uint8_t bus_peek(nes_t *n, uint16_t a) {
    a &= PPU_ADDR_MASK;
    if (a < PPU_NAMETABLES) return chr_read(n, a);
    return nt_read(n, a);
}

uint8_t ppu_peek_mem(nes_t *n, uint16_t a) {
    a &= PPU_ADDR_MASK;
    if (a >= PPU_PALETTE) return n->ppu.palette[pal_index(a)];
    return bus_peek(n, a);
}

static void ppu_bus_write(nes_t *n, uint16_t a, uint8_t v) {
    a &= PPU_ADDR_MASK;
    if (a < PPU_NAMETABLES) {
        if (n->cart.chr_is_ram) n->cart.chr[n->cart.chr_map[(a >> 10) & 7] + (a & 0x3FF)] = v;
    } else if (a < PPU_PALETTE) {
        n->vram[n->cart.nt_map[(a >> 10) & 3] + (a & 0x3FF)] = v;
    } else {
        n->ppu.palette[pal_index(a)] = v & PALETTE_COLOUR_MASK;
    }
}

void ppu_poke_mem(nes_t *n, uint16_t a, uint8_t v) { ppu_bus_write(n, a, v); }

/* ---- loopy v increments (https://www.nesdev.org/wiki/PPU_scrolling) ---- */
/* Loopy v arithmetic and fetch addresses as functions of v, shared by the dot-by-dot path and
 * the bulk spans (https://www.nesdev.org/wiki/PPU_scrolling). */
static inline uint16_t hori_next(uint16_t v) {
    if ((v & LOOPY_COARSE_X) == 31) return (uint16_t)((v & ~LOOPY_COARSE_X) ^ LOOPY_NAMETABLE_X);
    return (uint16_t)(v + 1);
}
static inline uint16_t vert_next(uint16_t v) {
    if ((v & LOOPY_FINE_Y) != LOOPY_FINE_Y) return (uint16_t)(v + (1 << LOOPY_FINE_Y_SHIFT));
    v &= (uint16_t)~LOOPY_FINE_Y;
    int y = (v & LOOPY_COARSE_Y) >> LOOPY_COARSE_Y_SHIFT;
    if (y == 29) { y = 0; v ^= LOOPY_NAMETABLE_Y; } /* row 29 is the last: the next nametable down */
    else if (y == 31) y = 0;                         /* rows 30-31 (attributes) wrap in place */
    else y++;
    return (uint16_t)((v & ~LOOPY_COARSE_Y) | (y << LOOPY_COARSE_Y_SHIFT));
}
/* the 2-bit palette of the tile at v within its attribute byte */
static inline uint8_t at_bits(uint8_t at, uint16_t v) { return (at >> (((v >> 4) & 4) | (v & 2))) & 3; }
/* the low pattern plane of tile `tile`, fine Y of v; the high plane is at | 8 */
static inline uint16_t bg_pt_addr(uint8_t ctrl, uint8_t tile, uint16_t v) {
    return (uint16_t)(((ctrl & PPUCTRL_BG_TABLE) << 8) | (tile << 4) | ((v >> LOOPY_FINE_Y_SHIFT) & 7));
}
static inline void inc_hori(ppu_t *p) { p->v = hori_next(p->v); }
static inline void inc_vert(ppu_t *p) { p->v = vert_next(p->v); }
static inline void copy_hori(ppu_t *p) { p->v = (uint16_t)((p->v & ~LOOPY_HORIZONTAL) | (p->t & LOOPY_HORIZONTAL)); }
static inline void copy_vert(ppu_t *p) { p->v = (uint16_t)((p->v & ~LOOPY_VERTICAL) | (p->t & LOOPY_VERTICAL)); }

/* ---- I/O latch (open bus) ---- */
static inline void latch_drive(ppu_t *p, uint8_t bits, uint8_t value) {
    p->io_latch = (uint8_t)((p->io_latch & ~bits) | (value & bits));
    for (int i = 0; i < 8; i++)
        if (bits & (1 << i)) p->latch_stamp[i] = p->frames;
}
/* The latch as it reads now: bits not driven for LATCH_DECAY_FRAMES have decayed to 0. */
static inline uint8_t latch_decayed(const ppu_t *p) {
    uint8_t latch = p->io_latch;
    for (int i = 0; i < 8; i++)
        if ((latch & (1 << i)) && p->frames - p->latch_stamp[i] > LATCH_DECAY_FRAMES) latch &= (uint8_t)~(1 << i);
    return latch;
}
static inline uint8_t latch_value(ppu_t *p) { return p->io_latch = latch_decayed(p); }

/* PPUSTATUS as a read returns it: the flags over the latch's low bits */
static inline uint8_t status_value(const ppu_t *p, uint8_t latch) {
    return (uint8_t)((p->status & PPUSTATUS_FLAGS) | (latch & ~PPUSTATUS_FLAGS));
}

/* ---- facts both paths state: each has its home here ---- */
/* The colour greyscale leaves: the luminance bits only (PPUMASK bit 0). */
static inline uint8_t shown_colour(uint8_t mask, uint8_t c) {
    return (mask & PPUMASK_GREYSCALE) ? (uint8_t)(c & PALETTE_GREY_MASK) : c;
}
/* Rendering off: the backdrop colour, or the palette entry v points at. */
static inline uint8_t backdrop_colour(const ppu_t *p) {
    uint8_t c = ((p->v & PPU_PALETTE) == PPU_PALETTE) ? p->palette[pal_index(p->v)] : p->palette[0];
    return shown_colour(p->mask, c);
}
/* The sprite pixel at x (0-255) after the left-column clip; the caller checks PPUMASK_SPRITES. */
static inline uint8_t sprite_pixel(uint8_t mask, uint8_t spr, int x) {
    return (x >= 8 || (mask & PPUMASK_SPRITES_LEFT)) ? spr : 0;
}
/* Priority between a background pixel (palette index, 0 when transparent) and a sprite
 * pixel: returns the palette index shown, and sets sprite 0 hit when an opaque sprite 0 pixel
 * meets an opaque background pixel, never at x = 255. */
static inline uint8_t compose_pixel(ppu_t *p, uint8_t bgp, uint8_t sp, int x) {
    uint8_t idx = bgp;
    if (sp & SPR_COLOUR) {
        if (bgp && (sp & SPR_ZERO) && x != 255) p->status |= PPUSTATUS_SPRITE0_HIT;
        if (!(bgp && (sp & SPR_BEHIND))) idx = sp & SPR_INDEX;
    }
    return idx;
}
/* Sprite overflow is set at the dot evaluation reaches the ninth sprite (overflow_dot, set by
 * sprite_eval): here, if that dot is among first..last. */
static inline void overflow_at(ppu_t *p, int first, int last) {
    if (p->overflow_dot >= first && p->overflow_dot <= last) p->status |= PPUSTATUS_OVERFLOW;
}
/* The emphasis bits a visible line is shown with: PPUMASK's at its last pixel. */
static inline void line_emphasis(ppu_t *p, int sl) { p->emph[sl] = p->mask >> PPUMASK_EMPHASIS_SHIFT; }

/* ---- background ---- */
static inline void bg_reload(ppu_t *p) {
    p->bg_lo = (uint16_t)((p->bg_lo & 0xFF00) | p->pt_lo);
    p->bg_hi = (uint16_t)((p->bg_hi & 0xFF00) | p->pt_hi);
    p->at_lo = (uint16_t)((p->at_lo & 0xFF00) | ((p->at_byte & 1) ? 0xFF : 0));
    p->at_hi = (uint16_t)((p->at_hi & 0xFF00) | ((p->at_byte & 2) ? 0xFF : 0));
}

static inline void bg_step(nes_t *n, ppu_t *p, int d) {
    p->bg_lo <<= 1; p->bg_hi <<= 1; p->at_lo <<= 1; p->at_hi <<= 1;
    switch ((d - 1) & 7) {
    case 0:
        bg_reload(p);
        p->nt_byte = nt_fetch(n, ppu_nt_addr(p->v));
        break;
    case 2:
        p->at_byte = at_bits(nt_fetch(n, ppu_at_addr(p->v)), p->v);
        break;
    case 4:
        p->pt_lo = pt_fetch(n, bg_pt_addr(p->ctrl, p->nt_byte, p->v));
        break;
    case 6:
        p->pt_hi = pt_fetch(n, (uint16_t)(bg_pt_addr(p->ctrl, p->nt_byte, p->v) | 8));
        break;
    case 7:
        inc_hori(p);
        break;
    }
}

/* ---- sprites ---- */
/* OAM byte `a` as the OAM port reads it: attribute bits 2-4 do not exist */
static inline uint8_t oam_byte(const ppu_t *p, int a) {
    a &= 0xFF;
    return (a & 3) == 2 ? (uint8_t)(p->oam[a] & ~OAM_ATTR_UNUSED) : p->oam[a];
}

/* Sprite evaluation of a visible line (dots 65-256; https://www.nesdev.org/wiki/PPU_sprite_evaluation,
 * with the address arithmetic AccuracyCoin measures on a 2C02G): odd dots read OAM at the
 * evaluation address (OAMADDR as dot 65 finds it) into the OAM buffer, even dots act on it.
 * While secondary OAM has room each byte read is written there; a Y in range copies the
 * sprite's next three bytes (+1 each; the X byte is range-checked too: out of range it aligns
 * the address down to a sprite, (addr + 1) & $FC), a Y out of range moves to the next sprite
 * ((addr + 4) & $FC). Once it is full its writes turn into reads (the buffer takes secondary
 * OAM's byte 0 on even dots) and the overflow bug steps n and m together ((addr + 4) & $FC |
 * (addr + 1) & 3) until a Y in range sets the overflow flag; then four more +1 steps, the
 * address realigned to its sprite. When the address wraps every sprite has been seen: only
 * n moves (+4) from then on. */
typedef struct {
    uint8_t sec_oam[32];
    int addr;          /* the evaluation address; past 255 it has wrapped */
    int sec;           /* secondary OAM address, 0-32 */
    int copy;          /* bytes of the in-range sprite copied after its Y (0: at a Y) */
    int ovf;           /* steps since the overflow sprite was found (0: not yet) */
    int done;          /* the address wrapped or the overflow steps ended */
    int spr0;          /* the sprite checked at dot 66 was in range */
    int overflow_dot;  /* the dot reading the Y that overflowed, or -1 */
    uint8_t buf;       /* the OAM buffer: what OAMDATA reads */
} spr_eval_t;

static inline void eval_begin(const ppu_t *p, spr_eval_t *e) {
    memset(e->sec_oam, 0xFF, sizeof(e->sec_oam)); /* cleared at dots 1-64 */
    e->addr = p->eval_addr;
    e->sec = e->copy = e->ovf = e->done = e->spr0 = 0;
    e->overflow_dot = -1;
    e->buf = 0xFF;
}

/* Dots 65..last of the evaluation (each read dot followed by its act dot). `stop`: end as
 * soon as nothing but the address and buffer can change (what sprite_eval needs). The state
 * lives in locals meanwhile: byte stores to secondary OAM could alias the struct's fields. */
static inline void eval_run(const ppu_t *p, spr_eval_t *e, int last, int stop) {
    const unsigned h = (p->ctrl & PPUCTRL_SPRITE_SIZE) ? 16 : 8;
    const int line = p->scanline;
    uint8_t *const sec_oam = e->sec_oam;
    int addr = e->addr, sec = e->sec, copy = e->copy, ovf = e->ovf, done = e->done;
    uint8_t buf = e->buf;
    for (int d = SPRITE_EVAL_DOT; d <= last; d += 2) {
        if (!done && sec < 32 && copy == 0 && !(addr & 3)) {
            /* the common steps, Ys out of range at sprite-aligned addresses, in a tight loop:
             * each writes its Y to secondary OAM and moves 4 on */
            int steps = (0x100 - addr) >> 2, k = 0; /* up to the wrap, and the last act dot */
            if ((last - d + 1) >> 1 < steps) steps = (last - d + 1) >> 1;
            const uint8_t *const y = p->oam + addr;
#ifdef __SSE2__
            /* sixteen Ys at a time: in range when y <= line and line - y <= h - 1 */
            const __m128i vline = _mm_set1_epi8((char)line), vh = _mm_set1_epi8((char)(h - 1));
            const __m128i ybyte = _mm_set1_epi32(0xFF), zero = _mm_setzero_si128();
            for (; k + 16 <= steps; k += 16) {
                const __m128i *q = (const __m128i *)(y + 4 * k);
                __m128i y16 = _mm_packus_epi16(
                    _mm_packs_epi32(_mm_and_si128(_mm_loadu_si128(q), ybyte), _mm_and_si128(_mm_loadu_si128(q + 1), ybyte)),
                    _mm_packs_epi32(_mm_and_si128(_mm_loadu_si128(q + 2), ybyte), _mm_and_si128(_mm_loadu_si128(q + 3), ybyte)));
                __m128i below = _mm_cmpeq_epi8(_mm_subs_epu8(y16, vline), zero);
                __m128i near = _mm_cmpeq_epi8(_mm_subs_epu8(_mm_subs_epu8(vline, y16), vh), zero);
                unsigned in = (unsigned)_mm_movemask_epi8(_mm_and_si128(below, near));
                if (in) { k += __builtin_ctz(in); break; }
            }
#endif
            while (k < steps && (unsigned)(line - y[4 * k]) >= h) k++;
            if (k) {
                buf = sec_oam[sec] = y[4 * (k - 1)];
                addr += 4 * k;
                d += 2 * k;
                if (addr > 0xFF) done = 1;
                if (d > last) break;
            }
        }
        buf = oam_byte(p, addr);
        if (d + 1 > last) break;
        const int in = (unsigned)(line - buf) < h;
        if (done) {
            if (stop) break;
            addr = (addr & ~0xFF) | ((addr + 4) & 0xFF);
            buf = sec_oam[sec & 31];
        } else if (sec < 32) {
            sec_oam[sec] = buf;
            if (copy == 0 && !in) {
                addr = (addr + 4) & ~3;
            } else {
                if (copy == 0 && d == SPRITE_EVAL_DOT) e->spr0 = 1;
                sec++;
                if (copy == 3) { addr = in ? addr + 1 : (addr + 1) & ~3; copy = 0; }
                else { addr++; copy++; }
            }
            if (addr > 0xFF) done = 1;
        } else {
            buf = sec_oam[0];
            if (ovf) {
                addr++;
                if (++ovf == 4) { addr &= ~3; done = 1; }
            } else if (in) {
                e->overflow_dot = d;
                addr++;
                ovf = 1;
            } else {
                addr = ((addr + 4) & ~3) | ((addr + 1) & 3);
                if (addr > 0xFF) done = 1;
            }
            if (stop && ovf) break; /* the overflow dot is known; nothing else is kept */
        }
    }
    e->addr = addr; e->sec = sec; e->copy = copy; e->ovf = ovf; e->done = done; e->buf = buf;
}

/* Evaluation for the next line, run at once at dot 65 (nothing the CPU does before dot 256
 * changes it: OAM writes are lost while rendering); the overflow flag is set at the dot the
 * real evaluation reads the ninth sprite's Y (overflow_at). */
static void sprite_eval(ppu_t *p) {
    spr_eval_t e;
    p->eval_addr = p->oamaddr;
    eval_begin(p, &e);
    eval_run(p, &e, LAST_BG_DOT, 1);
    memcpy(p->sec_oam, e.sec_oam, sizeof(p->sec_oam));
    p->sec_count = (uint8_t)(e.sec >> 2);
    p->spr0_next = (uint8_t)e.spr0;
    p->overflow_dot = (int16_t)e.overflow_dot;
}

/* Pattern fetch of sprite slot `slot` for the next line (dots 257-320), drawn into spr_next. */
static inline void sprite_fetch(nes_t *n, ppu_t *p, int slot, int hi) {
    int h = (p->ctrl & PPUCTRL_SPRITE_SIZE) ? 16 : 8;
    uint8_t y, tile, attr, x;
    const int used = ppu_sprite_slot_used(p, p->scanline, slot);
    if (used) {
        const uint8_t *o = &p->sec_oam[slot * 4];
        y = o[0]; tile = o[1]; attr = o[2]; x = o[3];
    } else {
        y = 0xFF; tile = 0xFF; attr = 0xFF; x = 0xFF; /* empty slots fetch tile $FF */
    }
    int row = (p->scanline - y) & (h - 1);
    if (attr & OAM_ATTR_FLIP_V) row = h - 1 - row;
    uint16_t addr;
    if (h == 16) addr = (uint16_t)(((tile & 1) << 12) | ((tile & 0xFE) << 4) | ((row & 8) << 1) | (row & 7));
    else addr = (uint16_t)(((p->ctrl & PPUCTRL_SPRITE_TABLE) << 9) | (tile << 4) | row);
    if (!hi) {
        p->pt_lo = pt_fetch(n, addr);  /* pt_lo is free during 257-320 */
        return;
    }
    uint8_t phi = pt_fetch(n, (uint16_t)(addr | 8));
    p->pt_hi = phi; /* the bus byte a PPUDATA read may take (data_fill); pt_hi is free here too */
    if (!used) return;
    uint8_t plo = p->pt_lo;
    uint8_t tag = (uint8_t)(((attr & OAM_ATTR_PALETTE) << 2) | SPR_PALETTES | ((attr & OAM_ATTR_PRIORITY) ? SPR_BEHIND : 0) |
                            ((slot == 0 && p->spr0_next) ? SPR_ZERO : 0));
    /* The pre-render line of an odd frame skips its last dot: a sprite it fetched shows its first
     * pixel at x = 0 and the other seven one to the left of their place (2C02G, AccuracyCoin's
     * Sprites On Scanline 0); the skip is taken with rendering on at dot 339, as it is here. */
    const int skew = p->scanline == PRERENDER && p->odd_frame;
    for (int i = 0; i < 8; i++) {
        int px = !skew ? x + i : i ? x + i - 1 : 0;
        if (px > 255) break;
        int bit = (attr & OAM_ATTR_FLIP_H) ? i : 7 - i;
        uint8_t c = (uint8_t)(((plo >> bit) & 1) | (((phi >> bit) & 1) << 1));
        if (c && !(p->spr_next[px] & SPR_COLOUR)) p->spr_next[px] = (uint8_t)(tag | c);
    }
}

static inline void put_pixel(ppu_t *p, int x, int draw) {
    uint8_t mask = p->mask;
    uint8_t bgp = 0;
    if ((mask & PPUMASK_BG) && (x >= 8 || (mask & PPUMASK_BG_LEFT))) {
        int bit = 15 - p->x;
        bgp = (uint8_t)(((p->bg_lo >> bit) & 1) | (((p->bg_hi >> bit) & 1) << 1));
        if (bgp) bgp |= (uint8_t)((((p->at_lo >> bit) & 1) | (((p->at_hi >> bit) & 1) << 1)) << 2);
    }
    uint8_t sp = (mask & PPUMASK_SPRITES) ? sprite_pixel(mask, p->spr_line[x], x) : 0;
    uint8_t idx = compose_pixel(p, bgp, sp, x);
    if (!draw) return; /* nes_set_picture: the hit above is all the game sees */
    uint8_t c = p->palette[(idx & 3) ? idx : 0];
    p->fb[p->scanline * NES_WIDTH + x] = shown_colour(mask, c);
}

/* One line's worth of dot work while rendering is enabled (visible lines and pre-render). */
static inline void render_dot(nes_t *n, ppu_t *p, int d, int visible) {
    if (d >= 1 && d <= 256) {
        if (d >= 2) bg_step(n, p, d);
        else if (visible) { /* dot 1: line setup */
            memcpy(p->spr_line, p->spr_next, sizeof(p->spr_line));
            p->spr0_line = p->spr0_next;
        }
        if (visible) {
            put_pixel(p, d - 1, !n->no_picture);
            if (d == SPRITE_EVAL_DOT) sprite_eval(p);
            overflow_at(p, d, d);
        }
        if (d == LAST_BG_DOT) inc_vert(p);
    } else if (d == 0) {
        return; /* idle */
    } else if (d <= 320) {
        if (d == 257) {
            bg_step(n, p, d);
            copy_hori(p);
            memset(p->spr_next, 0, sizeof(p->spr_next));
        }
        p->oamaddr = 0;
        int ph = (d - 257) & 7;
        if (ph == 4 || ph == 6) sprite_fetch(n, p, (d - 257) >> 3, ph == 6);
        if (!visible && d >= 280 && d <= 304) copy_vert(p);
    } else if (d <= 337) {
        bg_step(n, p, d);
    } else if (d == 339) {
        p->nt_byte = nt_fetch(n, ppu_nt_addr(p->v));
        /* odd frames skip the last dot of the pre-render line while rendering: 339 -> (0, 0) */
        if (!visible && p->odd_frame) p->dot = 340;
    }
}

/* Dot 1 of visible line sl: the scroll the line starts with, for the tiles view (nes_tiles). */
static inline void line_start(ppu_t *p, int sl, int no_picture) {
    p->line_drawn = !no_picture;
    if (no_picture && !p->line_undrawn[sl]) { p->line_undrawn[sl] = 1; p->undrawn_lines++; }
    p->line_v[sl] = p->v;
    p->line_x[sl] = (uint8_t)(p->x | (p->mask & PPUMASK_RENDERING));
}

/* Dot 1 of visible line sl: a picture held back to the next one (NES_PICTURE_NEXT) begins on
 * line 0; then line_start. */
static inline void line_begin(nes_t *n, ppu_t *p, int sl) {
    if (sl == 0 && n->no_picture == NES_PICTURE_NEXT) n->no_picture = 0;
    line_start(p, sl, n->no_picture);
}

/* Dot 256 of visible line sl: its emphasis, and whether fb now holds the whole line. */
static inline void line_end(ppu_t *p, int sl, int no_picture) {
    line_emphasis(p, sl);
    if (p->line_undrawn[sl] && p->line_drawn && !no_picture) { p->line_undrawn[sl] = 0; p->undrawn_lines--; }
}

static inline void backdrop_dot(ppu_t *p, int d) {
    p->fb[p->scanline * NES_WIDTH + d - 1] = backdrop_colour(p);
}

/* The byte the rendering PPU's bus reads at dot h of a rendering line. Each fetch takes two
 * dots, the address (ALE) on the odd one and the read on the even one
 * (https://www.nesdev.org/wiki/PPU_rendering); the core fetches on the odd dot, so dot h sees
 * the fetch made at the odd dot g = h or h - 1: nametable, attribute, pattern low, high in
 * tiles; two nametable reads then the sprite patterns at 257-320 (the first with the v of
 * before dot 257's horizontal copy); nametable reads at 337-340. */
static uint8_t render_bus_byte(nes_t *n, const ppu_t *p, int h) {
    int g = (h & 1) ? h : h - 1;
    if (g < 1 || g >= 337) return p->nt_byte;
    int ph = (g - 1) & 7;
    if (g >= 257 && g <= 320) { /* sprite slots: two nametable reads, then the pattern planes */
        if (ph < 4) return g == 257 ? p->nt_byte : nt_read(n, ppu_nt_addr(p->v));
        return ph == 4 ? p->pt_lo : p->pt_hi;
    }
    switch (ph) {
    case 0: return p->nt_byte;
    case 2: return nt_read(n, ppu_at_addr(p->v));
    case 4: return p->pt_lo;
    default: return p->pt_hi;
    }
}

/* The address of the tile fetch made at dot g ((g - 1) % 8: 0 nametable, 2 attribute, 4 and 6
 * the pattern planes), v not moved since, and the store of its byte. */
static uint16_t bg_fetch_addr(const ppu_t *p, int g, uint16_t v) {
    switch ((g - 1) & 7) {
    case 0: return ppu_nt_addr(v);
    case 2: return ppu_at_addr(v);
    case 4: return bg_pt_addr(p->ctrl, p->nt_byte, v);
    default: return (uint16_t)(bg_pt_addr(p->ctrl, p->nt_byte, v) | 8);
    }
}
/* Whether dot h (last processed) is the address (ALE) dot of a tile fetch whose read is next */
static inline int bg_ale_dot(int h) { return (h & 1) && ((h >= 3 && h <= 255) || (h >= 323 && h <= 335)); }
static void bg_fetch_set(ppu_t *p, int g, uint8_t b) {
    switch ((g - 1) & 7) {
    case 0: p->nt_byte = b; break;
    case 2: p->at_byte = at_bits(b, p->v); break;
    case 4: p->pt_lo = b; break;
    default: p->pt_hi = b; break;
    }
}

/* v's step after a PPUDATA access: +1 or +32, or while rendering the glitch of both loopy
 * increments at once; a board watching the address bus sees the new v. */
static void data_step(nes_t *n, ppu_t *p) {
    if (ppu_on_rendering_line(p)) {
        inc_hori(p); inc_vert(p);
    } else {
        p->v = (uint16_t)((p->v + ((p->ctrl & PPUCTRL_INCREMENT) ? 32 : 1)) & LOOPY_MASK);
    }
    if (n->cart.ops->ppu_addr) n->cart.ops->ppu_addr(n, p->v & PPU_ADDR_MASK);
}

/* A PPUDATA read while rendering: its buffer fill comes DATA_FILL_DOTS dots after the read
 * (AccuracyCoin $2007 Stress Test), from the rendering fetch of that dot (rendering stopped
 * by then, from the read's own address), and v steps then. */
static void data_fill(nes_t *n, ppu_t *p) {
    int h = p->dot;
    if (!p->rendering || (p->scanline >= 240 && p->scanline != PRERENDER)) {
        p->read_buffer = bus_peek(n, p->data_addr);
    } else if (bg_ale_dot(h)) {
        /* on an ALE dot of a tile fetch: the octal latch keeps the byte the bus read on the
         * dot before, and both this read and the fetch's (next dot) take their low address
         * byte from it (AccuracyCoin ALE + Read) */
        uint16_t a = (uint16_t)((bg_fetch_addr(p, h, p->v) & 0x3F00) | render_bus_byte(n, p, h - 1));
        uint8_t b = bus_peek(n, a);
        p->read_buffer = b;
        bg_fetch_set(p, h, b);
    } else {
        p->read_buffer = render_bus_byte(n, p, h);
    }
    data_step(n, p);
}

/* PPUADDR's second write reaching v, ADDR_COPY_DOTS dots after the write. Between a tile
 * fetch's address (ALE) and read dots, the read takes its high address byte from the new v
 * and its low byte from the octal latch (AccuracyCoin Hybrid Addresses). */
static void addr_copy(nes_t *n, ppu_t *p) {
    uint16_t old = p->v;
    p->v = p->addr_next;
    if (ppu_on_rendering_line(p) && bg_ale_dot(p->dot)) {
        uint16_t a = (uint16_t)((bg_fetch_addr(p, p->dot, p->v) & 0x3F00) | (bg_fetch_addr(p, p->dot, old) & 0xFF));
        bg_fetch_set(p, p->dot, bus_peek(n, a));
    }
    if (n->cart.ops->ppu_addr) n->cart.ops->ppu_addr(n, p->v & PPU_ADDR_MASK);
}

/* OAM corruption (2C02G; AccuracyCoin's OAM Corruption test): rendering stopped on a rendering
 * line seeds the row secondary OAM's address points at then; the next dot that renders on a
 * rendering line copies OAM row 0 (8 bytes) over it, and secondary OAM byte 0 over that byte. */
static uint8_t sec_oam_addr(const ppu_t *p, int d) {
    if (d >= 1 && d < SPRITE_EVAL_DOT) return (uint8_t)((d >> 1) & 31); /* clearing: +1 every 2 dots */
    if (d >= SPRITE_EVAL_DOT && d <= LAST_BG_DOT) {
        if (p->scanline >= PPU_VISIBLE_LINES) return 0; /* no evaluation on the pre-render line */
        spr_eval_t e;
        eval_begin(p, &e);
        eval_run(p, &e, d, 0);
        return (uint8_t)(((e.sec + 3) & ~3) & 31); /* mid-sprite: the next sprite's; full: 0 */
    }
    if (d > LAST_BG_DOT && d <= 320) { /* the fetches: +1 after Y, tile, attribute and the X's last read */
        int ph = (d - 257) & 7;
        return (uint8_t)(((d - 257) >> 3) * 4 + (ph < 3 ? ph : 3));
    }
    return 0;
}

/* The pipeline takes PPUMASK's rendering bits (from the next dot on), or a corruption is pending. */
static __attribute__((noinline)) void rendering_change(ppu_t *p, uint8_t rendering) {
    const int line = p->scanline < PPU_VISIBLE_LINES || p->scanline == PRERENDER;
    if (line && p->rendering && !rendering) p->corrupt_row = sec_oam_addr(p, p->dot + 1);
    p->rendering = rendering;
    if (line && rendering && p->corrupt_row) {
        memcpy(p->oam + 8 * p->corrupt_row, p->oam, 8);
        p->sec_oam[p->corrupt_row] = p->sec_oam[0];
        p->corrupt_row = 0;
    }
}

static inline void ppu_tick(nes_t *n) {
    ppu_t *p = &n->ppu;
    if (++p->dot > 340) {
        p->dot = 0;
        if (++p->scanline > PRERENDER) { p->scanline = 0; p->odd_frame ^= 1; }
    }
    int d = p->dot, sl = p->scanline;
    if (sl < 240) {
        if (d == 1) line_begin(n, p, sl);
        if (p->rendering) render_dot(n, p, d, 1);
        else if (d >= 1 && d <= 256 && !n->no_picture) backdrop_dot(p, d);
        if (d == LAST_BG_DOT) line_end(p, sl, n->no_picture);
    } else if (sl == VBLANK_LINE) {
        if (d == VBLANK_DOT) {
            if (!p->suppress_vbl) p->status |= PPUSTATUS_VBLANK;
            n->cpu.int_active = 1; /* the NMI line may rise */
            p->suppress_vbl = 0;
            p->frame_ready = 1;
            p->frames++;
            if (p->screen == SCREEN_PENDING ||
                (p->screen == SCREEN_MIDFRAME && p->frames - p->stale_frames >= 2))
                p->screen = SCREEN_VALID;
        }
    } else if (sl == PRERENDER) {
        if (d == VBLANK_DOT) {
            p->status &= (uint8_t)~PPUSTATUS_FLAGS; /* vblank, sprite 0 hit, overflow cleared */
            n->cpu.int_active = 1;
            if (p->screen == SCREEN_STALE) p->screen = SCREEN_PENDING;
        }
        if (p->rendering) render_dot(n, p, d, 0);
    }
    if (p->data_fill && !--p->data_fill) data_fill(n, p);
    if (p->addr_delay && !--p->addr_delay) addr_copy(n, p);
    /* a PPUMASK rendering change reaches the pipeline one dot late */
    const uint8_t rendering = (p->mask & PPUMASK_RENDERING) != 0;
    if (rendering != p->rendering || p->corrupt_row) rendering_change(p, rendering);
}

#define DOTS_PER_FRAME (262 * 341)

/* Master clock at which the PPU processes the next dot that changes the NMI line on its own:
 * vblank set (241, 1) or cleared (261, 1). Across the frame wrap the odd-frame skip may make
 * it one dot sooner, so count it one sooner: syncing early is always safe. */
void ppu_schedule(nes_t *n) {
    ppu_t *p = &n->ppu;
    if (n->ppu_lockstep) { n->ppu_event = 0; return; } /* the CPU syncs every cycle */
    int cur = p->scanline * 341 + p->dot;
    static const int events[2] = {VBLANK_LINE * 341 + VBLANK_DOT, PRERENDER * 341 + VBLANK_DOT};
    int best = DOTS_PER_FRAME;
    for (int i = 0; i < 2; i++) {
        int k = events[i] - cur;
        if (k <= 0) k += DOTS_PER_FRAME - 1;
        if (k < best) best = k;
    }
    n->ppu_event = p->clock + 4 * (uint64_t)best;
    if (p->data_fill | p->addr_delay) { /* a PPUDATA fill or PPUADDR copy lands then: a board may see it */
        int k = p->data_fill > p->addr_delay ? p->data_fill : p->addr_delay;
        n->ppu_event = p->clock + 4 * (uint64_t)k;
    }
    if (n->cart.ops->irq_clock) { /* the board predicts its IRQ (MMC3: from PPU A12 rises) */
        uint64_t e = n->cart.ops->irq_clock(n);
        if (e < n->ppu_event) n->ppu_event = e;
    }
    if (n->cart.ops->irq_scanline) { /* dot 339 of the line before the board's IRQ line */
        int line = n->cart.ops->irq_scanline(n);
        if (line >= 1 && line < 240) {
            int k = (line - 1) * 341 + 339 - cur;
            if (k <= 0) k += DOTS_PER_FRAME - 1;
            uint64_t e = p->clock + 4 * (uint64_t)k;
            if (e < n->ppu_event) n->ppu_event = e;
        }
    }
}

/* ---- bulk paths: several dots at once, taken only when the whole span ends before the CPU
 * next looks (target), the PPU is not in lockstep and no PPUMASK change is pending, so they
 * give exactly what ppu_tick would; a board watching the PPU address bus sees each pattern
 * fetch, in order, with the master clock of its dot. ---- */

/* The palette as a span shows it: greyscale applied, colour 0 of every palette the backdrop. */
static inline void span_palette(const ppu_t *p, uint8_t mask, uint8_t pal[32]) {
    memcpy(pal, p->palette, 32);
    if (mask & PPUMASK_GREYSCALE) /* the same colours, looked up once a span */
        for (int i = 0; i < 32; i++) pal[i] = shown_colour(mask, pal[i]);
    pal[4] = pal[8] = pal[12] = pal[16] = pal[20] = pal[24] = pal[28] = pal[0];
}

/* The eight pixels x0..x0+7 of a visible line (seven for the tail), from the shifters as
 * they stand before the group (pixel i is bit 15 - fine X - i: `sh` = 7 - fine X), the sprite
 * line and the span's palette. */
static inline __attribute__((always_inline)) void bg_group_pixels(ppu_t *p, int x0, int tail, uint8_t mask, int sh,
                                                                uint16_t bg_lo, uint16_t bg_hi, uint16_t at_lo,
                                                                uint16_t at_hi, const uint8_t *pal, uint64_t backdrop,
                                                                int draw) {
    /* formed only for the visible dots: past dot 256 they would point outside the
     * arrays, undefined behaviour even unused */
    uint8_t *const out = p->fb + p->scanline * NES_WIDTH + x0;
    const uint8_t *const spr = p->spr_line + x0;
    unsigned wlo = (bg_lo >> sh) & 0xFF, whi = (bg_hi >> sh) & 0xFF;
    unsigned walo = (at_lo >> sh) & 0xFF, wahi = (at_hi >> sh) & 0xFF;
    if (!(mask & PPUMASK_BG)) wlo = whi = 0;
    else if (x0 < 8 && !(mask & PPUMASK_BG_LEFT)) { unsigned keep = 0xFFu >> (8 - x0); wlo &= keep; whi &= keep; }
    uint64_t s8 = 0;
    memcpy(&s8, spr, tail ? 7 : 8); /* the tail's 8th pixel would be x = 256 */
    if (!(mask & PPUMASK_SPRITES)) s8 = 0;
    uint8_t tmp[8];
    uint8_t *const dst = (tail || !draw) ? tmp : out;
    if (!draw && ((p->status & PPUSTATUS_SPRITE0_HIT) || !(s8 & (SPR_ZERO * 0x0101010101010101ULL)))) {
        /* no picture (nes_set_picture), and no sprite 0 hit to find here */
    } else if (!(wlo | whi) && !s8) {
        memcpy(dst, &backdrop, 8); /* all backdrop: common in skies */
    } else {
        /* eight background pixels at once: colour bits, then the palette bits */
        uint64_t bg8 = EXPAND[wlo] | (EXPAND[whi] << 1) | (EXPAND[walo] << 2) | (EXPAND[wahi] << 3);
        uint8_t bgv[8];
        memcpy(bgv, &bg8, 8);
        if (!s8) {
            uint64_t px = 0; /* built in a register: byte stores would alias everything */
            for (int i = 0; i < 8; i++) px |= (uint64_t)pal[bgv[i]] << (8 * i);
            memcpy(dst, &px, 8);
        } else {
            for (int i = 0; i < (tail ? 7 : 8); i++) {
                int x = x0 + i;
                uint8_t bgp = (bgv[i] & 3) ? bgv[i] : 0;
                dst[i] = pal[compose_pixel(p, bgp, sprite_pixel(mask, spr[i], x), x)];
            }
        }
    }
    if (tail && draw) memcpy(out, tmp, 7);
}

/* The two pattern fetches of a group's tile (low plane at pt, high at pt | 8). `hooked`: the
 * board sees them at the clocks of their dots (group clock + 12 and + 20) and may switch CHR
 * banks there, so the live maps are read; else the span's copy of the maps. */
static inline __attribute__((always_inline)) void bg_group_patterns(nes_t *n, ppu_t *p, unsigned pt, int hooked,
                                                                  uint64_t clock, uint64_t clock0, const uint8_t *chr,
                                                                  const uint32_t *chr_map, uint8_t *lo, uint8_t *hi) {
    if (hooked) {
        *lo = chr_read(n, (uint16_t)pt);
        p->clock = clock + 12;
        n->cart.ops->ppu_addr(n, (uint16_t)pt);
        *hi = chr_read(n, (uint16_t)(pt | 8));
        p->clock = clock + 20;
        n->cart.ops->ppu_addr(n, (uint16_t)(pt | 8));
        p->clock = clock0;
    } else {
        *lo = chr[chr_map[pt >> 10] + (pt & 0x3FF)];
        pt |= 8;
        *hi = chr[chr_map[pt >> 10] + (pt & 0x3FF)];
    }
}

/* `groups` runs of dots d..d+7 of a rendering line, (d - 1) % 8 == 1: the fetches of one tile,
 * eight shifts and, on visible lines, eight pixels each. Pixel i of a group is bit (14 - x - i)
 * of the shifters as they stand before the group (the reload at the group's last dot only
 * fills the low byte). Nothing the CPU can change moves during the span, so registers, the
 * palette and the board's maps are read once and the shifters live in locals. `hooked`: the
 * board watches the PPU address bus; it sees both pattern fetches at the clocks of their dots
 * (d+3, d+5), and may switch CHR banks there (MMC2/MMC4 latches), so its maps are read live.
 * `tail`: the line's last group, dots 250-256 (d = 250, groups = 1): seven pixels, the fetches,
 * seven shifts and the vertical increment of dot 256; the reload is dot 257's (hblank_span). */
static inline __attribute__((always_inline)) void bg_run(nes_t *n, ppu_t *p, int d, int groups, int visible,
                                                       int hooked, int tail) {
    const uint64_t clock0 = p->clock;
    uint16_t v = p->v, bg_lo = p->bg_lo, bg_hi = p->bg_hi, at_lo = p->at_lo, at_hi = p->at_hi;
    uint8_t nt_byte = p->nt_byte, at_byte = p->at_byte, pt_lo = p->pt_lo, pt_hi = p->pt_hi;
    const uint8_t *chr = n->cart.chr, *vram = n->vram;
    uint32_t chr_map[8];
    uint16_t nt_map[4];
    memcpy(chr_map, n->cart.chr_map, sizeof(chr_map));
    memcpy(nt_map, n->cart.nt_map, sizeof(nt_map));
    const uint8_t ctrl = p->ctrl;
    const uint8_t mask = p->mask;
    const int sh = 7 - p->x;
    uint8_t pal[32];
    if (visible) span_palette(p, mask, pal);
    const uint64_t backdrop = pal[0] * 0x0101010101010101ULL;
    const int draw = !n->no_picture; /* nes_set_picture */
    /* No picture, no sprite 0 hit to find on this line, and no board watching the fetches:
     * the tile fetches feed only this line's pixels (the shifters are refilled by the next
     * line's prefetch at dots 321-336), so only v moves. */
    const int lazy = visible && !draw && !hooked && (!p->spr0_line || (p->status & PPUSTATUS_SPRITE0_HIT));
    /* the span's dots: sprite overflow is set once for them all, after the evaluation (dot 65)
     * that finds its dot; nothing sees the flag between the span's dots */
    const int first = d, last = tail ? d + 6 : d + 8 * groups - 1;
    for (int g = 0; g < groups; g++, d += 8) {
        if (lazy) {
            v = hori_next(v);
            if (tail) {
                v = vert_next(v);
                break;
            }
            if (d <= SPRITE_EVAL_DOT && d + 7 >= SPRITE_EVAL_DOT) sprite_eval(p);
            continue;
        }
        if (visible) bg_group_pixels(p, d - 1, tail, mask, sh, bg_lo, bg_hi, at_lo, at_hi, pal, backdrop, draw);
        /* the tile fetches of dots d+1 (attribute), d+3, d+5 (pattern), coarse X at d+6 */
        const uint16_t aa = ppu_at_addr(v);
        at_byte = at_bits(vram[nt_map[(aa >> 10) & 3] + (aa & 0x3FF)], v);
        bg_group_patterns(n, p, bg_pt_addr(ctrl, nt_byte, v), hooked, clock0 + 32 * (uint64_t)g, clock0, chr,
                          chr_map, &pt_lo, &pt_hi);
        v = hori_next(v);
        if (tail) {
            /* seven shifts; dot 256 also moves v down a row (inc_vert) */
            bg_lo = (uint16_t)(bg_lo << 7); bg_hi = (uint16_t)(bg_hi << 7);
            at_lo = (uint16_t)(at_lo << 7); at_hi = (uint16_t)(at_hi << 7);
            v = vert_next(v);
            break;
        }
        /* eight shifts, then the reload and next nametable fetch of dot d+7 */
        bg_lo = (uint16_t)((bg_lo << 8) | pt_lo);
        bg_hi = (uint16_t)((bg_hi << 8) | pt_hi);
        at_lo = (uint16_t)((at_lo << 8) | ((at_byte & 1) ? 0xFF : 0));
        at_hi = (uint16_t)((at_hi << 8) | ((at_byte & 2) ? 0xFF : 0));
        const uint16_t na = ppu_nt_addr(v);
        nt_byte = vram[nt_map[(na >> 10) & 3] + (na & 0x3FF)];
        if (visible && d <= SPRITE_EVAL_DOT && d + 7 >= SPRITE_EVAL_DOT) sprite_eval(p);
    }
    if (visible) overflow_at(p, first, last);
    p->v = v; p->bg_lo = bg_lo; p->bg_hi = bg_hi; p->at_lo = at_lo; p->at_hi = at_hi;
    p->nt_byte = nt_byte; p->at_byte = at_byte; p->pt_lo = pt_lo; p->pt_hi = pt_hi;
}


/* Dots 257-320 of a rendering line in one go: what render_dot does there, in the same order. */
static inline void hblank_span(nes_t *n, ppu_t *p, int visible, int hooked) {
    bg_step(n, p, 257);
    copy_hori(p);
    memset(p->spr_next, 0, sizeof(p->spr_next));
    if (!visible) copy_vert(p);
    p->oamaddr = 0;
    if (hooked) { /* the board sees the fetches at the clocks of their dots */
        uint64_t clock = p->clock;
        for (int slot = 0; slot < 8; slot++) {
            p->clock = clock + 16 + 32 * (uint64_t)slot;
            sprite_fetch(n, p, slot, 0);
            p->clock += 8;
            sprite_fetch(n, p, slot, 1);
        }
        p->clock = clock;
        return;
    }
    /* on a visible line the empty slots (tile $FF) follow the used ones and change only
     * pt_lo/pt_hi, which the next fetch overwrites: the last one's stay */
    const int used = visible ? p->sec_count : 8;
    for (int slot = 0; slot < used; slot++) {
        sprite_fetch(n, p, slot, 0);
        sprite_fetch(n, p, slot, 1);
    }
    if (used < 8) {
        sprite_fetch(n, p, 7, 0);
        sprite_fetch(n, p, 7, 1);
    }
}

/* Whole groups, of the `groups` from dot d of a visible line, before the first with a pixel of
 * sprite 0: those that cannot set sprite 0 hit (ppu_run_to_hit runs the others dot by dot). */
static inline int groups_before_sprite0(const ppu_t *p, int d, int groups) {
    const uint8_t *spr = p->spr_line + d - 1;
    const int pixels = d == 250 ? 7 : 8; /* the tail group (pixels 249-255) */
    for (int g = 0; g < groups; g++)
        for (int i = 0; i < pixels; i++)
            if (spr[8 * g + i] & SPR_ZERO) return g;
    return groups;
}

/* `hooked`: the board watches the PPU address bus; `hit`: stop right after the dot that sets
 * sprite 0 hit (ppu_run_to_hit). Constants: one copy of the loop each. */
static inline __attribute__((always_inline)) void run_to(nes_t *n, uint64_t target, int hooked, int hit) {
    ppu_t *p = &n->ppu;
    const int bulk = !n->ppu_lockstep && !n->cart.ops->ppu_fetch; /* a fetching board: dot by dot */
    do {
        if (bulk && p->rendering == ((p->mask & PPUMASK_RENDERING) != 0) && !(p->data_fill | p->addr_delay)) {
            int sl = p->scanline, d = p->dot + 1;
            uint64_t avail = (target - p->clock) >> 2;
            if (p->rendering && (sl < 240 || sl == PRERENDER)) {
                int visible = sl < 240;
                /* while a sprite 0 hit is looked for, the groups that may set it go dot by dot */
                const int spr0 = hit && visible && p->spr0_line && !(p->status & PPUSTATUS_SPRITE0_HIT);
                if (d >= 2 && d <= 242 && ((d - 1) & 7) == 1 && avail >= 8) {
                    /* as many whole groups as the span holds, up to dot 249 */
                    int groups = (int)((avail >> 3) < (uint64_t)((249 - d) / 8 + 1) ? (avail >> 3) : (uint64_t)((249 - d) / 8 + 1));
                    if (spr0) groups = groups_before_sprite0(p, d, groups);
                    if (groups == 0) goto dot;
                    if (visible) bg_run(n, p, d, groups, 1, hooked, 0); /* a copy each: the checks fold */
                    else bg_run(n, p, d, groups, 0, hooked, 0);
                    d += 8 * groups;
                    p->clock += 32 * (uint64_t)groups;
                    p->dot = (int16_t)(d - 1);
                    continue;
                }
                if ((d == 322 || d == 330) && avail >= 8) {
                    bg_run(n, p, d, 1, 0, hooked, 0);
                    p->dot = (int16_t)(d + 7);
                    p->clock += 32;
                    continue;
                }
                if (d == 250 && avail >= 7 && !(spr0 && groups_before_sprite0(p, d, 1) == 0)) {
                    bg_run(n, p, d, 1, visible, hooked, 1);
                    if (visible) line_end(p, sl, n->no_picture);
                    p->dot = 256;
                    p->clock += 28;
                    continue;
                }
                if (d == 257 && avail >= 64) {
                    hblank_span(n, p, visible, hooked);
                    p->dot = 320;
                    p->clock += 256;
                    if (avail >= 65) { /* and dot 321: shift, reload, nametable fetch */
                        bg_step(n, p, 321);
                        p->dot = 321;
                        p->clock += 4;
                    }
                    continue;
                }
                if (d == 338 && avail >= 5 && (sl < 239 || sl == PRERENDER) && !p->corrupt_row) {
                    /* dots 338-340 (the nametable fetch of 339; an odd frame's pre-render line
                     * skips 340) and the next visible line's dots 0 and 1 */
                    p->nt_byte = nt_fetch(n, ppu_nt_addr(p->v));
                    uint64_t dots = 5;
                    if (sl == PRERENDER) {
                        if (p->odd_frame) dots = 4;
                        p->scanline = 0;
                        p->odd_frame ^= 1;
                    } else p->scanline = (int16_t)(sl + 1);
                    p->dot = 1;
                    p->clock += 4 * dots;
                    line_begin(n, p, p->scanline);
                    render_dot(n, p, 1, 1);
                    continue;
                }
            } else if (!p->rendering && sl < 240 && d >= 1 && d <= 255) {
                /* rendering off: a run of backdrop pixels (v, hence the colour, cannot change) */
                uint64_t k = avail < (uint64_t)(256 - d) ? avail : (uint64_t)(256 - d);
                if (d == 1) line_begin(n, p, sl);
                if (!n->no_picture) memset(p->fb + sl * NES_WIDTH + d - 1, backdrop_colour(p), (size_t)k);
                p->dot = (int16_t)(p->dot + k);
                p->clock += 4 * k;
                continue;
            } else if (!p->rendering && ((sl < 240 && d >= 257 && d <= 340) || (sl == PRERENDER && d >= 2 && d <= 340))) {
                /* rendering off, outside the picture: nothing happens until the line ends */
                uint64_t k = avail < (uint64_t)(341 - d) ? avail : (uint64_t)(341 - d);
                p->dot = (int16_t)(p->dot + k);
                p->clock += 4 * k;
                continue;
            } else if ((sl == 240 && d <= 340) || (sl == VBLANK_LINE && d > VBLANK_DOT) || (sl > VBLANK_LINE && sl < PRERENDER)) {
                /* post-render and vblank dots do nothing: skip to the pre-render line */
                uint64_t left = (uint64_t)(PRERENDER - 1 - sl) * 341 + (uint64_t)(340 - p->dot);
                if (sl == 240) left = (uint64_t)(340 - p->dot) + VBLANK_DOT; /* stop before vblank is set */
                uint64_t k = avail < left ? avail : left;
                if (k > 1) {
                    int lin = sl * 341 + p->dot + (int)k;
                    p->scanline = (int16_t)(lin / 341);
                    p->dot = (int16_t)(lin % 341);
                    p->clock += 4 * k;
                    continue;
                }
            }
        }
    dot:
        ppu_tick(n);
        p->clock += 4;
    } while (p->clock + 4 <= target && !(hit && (p->status & PPUSTATUS_SPRITE0_HIT)));
    if (!n->ppu_lockstep) ppu_schedule(n);
}

static __attribute__((noinline)) void run_to_hooked(nes_t *n, uint64_t target) { run_to(n, target, 1, 0); }

void ppu_run_to(nes_t *n, uint64_t target) {
    if (n->ppu.clock + 4 > target) return;
    if (n->cart.ops->ppu_addr) run_to_hooked(n, target);
    else run_to(n, target, 0, 0);
}

static __attribute__((noinline)) void run_to_hit(nes_t *n, uint64_t target) { run_to(n, target, 0, 1); }
static __attribute__((noinline)) void run_to_hit_hooked(nes_t *n, uint64_t target) { run_to(n, target, 1, 1); }

void ppu_run_to_hit(nes_t *n, uint64_t target) {
    if (n->ppu.clock + 4 > target || (n->ppu.status & PPUSTATUS_SPRITE0_HIT)) return;
    if (n->cart.ops->ppu_addr) run_to_hit_hooked(n, target);
    else run_to_hit(n, target);
}

/* ---- CPU-facing registers $2000-$2007 ---- */
static __attribute__((noinline)) void ppu_reschedule(nes_t *n) { ppu_schedule(n); }

/* An OAMDATA read on a rendering visible line sees the OAM buffer as this dot leaves it
 * (AccuracyCoin's $2004 Stress Test): $FF while secondary OAM is cleared (dots 1-64), the
 * evaluation's reads and secondary OAM's during evaluation (65-256), during the sprite fetches
 * (257-320) secondary OAM's Y, tile, attribute bytes of each slot, then its X byte five times,
 * and secondary OAM's first byte until the next line's dot 1. */
static uint8_t oam_eval_read(const ppu_t *p) {
    int d = p->dot;
    if (d >= 1 && d < SPRITE_EVAL_DOT) return 0xFF;
    if (d >= SPRITE_EVAL_DOT && d <= LAST_BG_DOT) {
        spr_eval_t e;
        eval_begin(p, &e);
        eval_run(p, &e, d, 0);
        return e.buf;
    }
    if (d > LAST_BG_DOT && d <= 320) {
        int ph = (d - 257) & 7;
        return p->sec_oam[((d - 257) >> 3) * 4 + (ph < 3 ? ph : 3)];
    }
    return p->sec_oam[0];
}

/* After an OAM DMA's plain OAMDATA writes (cpu.c oam_write_plain): the I/O latch holds the
 * last byte written, as the writes leave it. */
void ppu_oam_dma_done(nes_t *n, uint8_t last) { latch_drive(&n->ppu, 0xFF, last); }

/* What a PPUSTATUS read would return now, without its side effects (cpu.c's poll_rounds);
 * the read's timing corner at the pre-render line's start is not modelled. */
uint8_t ppu_status_peek(const nes_t *n) { return status_value(&n->ppu, latch_decayed(&n->ppu)); }

uint8_t ppu_read_reg(nes_t *n, uint16_t addr) {
    ppu_t *p = &n->ppu;
    switch (addr & 7) {
    case 2: { /* PPUSTATUS */
        uint8_t v = status_value(p, latch_value(p));
        /* Vblank is latched as the read starts (M2 rising), sprite 0 hit and overflow as it ends,
         * 7.5 master clocks later: a pre-render dot 1 (which clears them) run by then shows
         * them clear (AccuracyCoin $2002 Flag Timing). The PPU is at most 3 clocks behind. */
        if ((v & (PPUSTATUS_SPRITE0_HIT | PPUSTATUS_OVERFLOW)) && ((p->scanline == PRERENDER && p->dot == 0)
                           || (p->scanline == PRERENDER - 1 && p->dot == 340
                               && p->clock + 8 <= n->cpu.master_clock - PPU_OFFSET + 7)))
            v &= (uint8_t)~(PPUSTATUS_SPRITE0_HIT | PPUSTATUS_OVERFLOW);
        /* a read one dot before vblank is set sees it clear and stops it being set this frame */
        if (p->scanline == VBLANK_LINE && p->dot == VBLANK_DOT - 1) p->suppress_vbl = 1;
        p->status &= (uint8_t)~PPUSTATUS_VBLANK;
        n->cpu.int_active = 1;
        p->w = 0;
        latch_drive(p, PPUSTATUS_FLAGS, v);
        return v;
    }
    case 4: { /* OAMDATA */
        uint8_t v = (p->rendering && p->scanline < 240) ? oam_eval_read(p) : oam_byte(p, p->oamaddr);
        latch_drive(p, 0xFF, v);
        return v;
    }
    case 7: { /* PPUDATA */
        uint16_t a = p->v & PPU_ADDR_MASK;
        int render = ppu_on_rendering_line(p);
        uint8_t v;
        if (a >= PPU_PALETTE) { /* bits 6-7 are open bus */
            uint8_t c = shown_colour(p->mask, p->palette[pal_index(a)]);
            v = (uint8_t)((latch_value(p) & ~PALETTE_COLOUR_MASK) | c);
            latch_drive(p, PALETTE_COLOUR_MASK, v);
        } else {
            v = p->read_buffer;
            latch_drive(p, 0xFF, v);
        }
        if (render) { /* the fill, then the increment, come later from the PPU's bus (data_fill) */
            p->data_fill = DATA_FILL_DOTS;
            p->data_addr = a;
            if (!n->ppu_lockstep) ppu_reschedule(n);
            return v;
        }
        p->read_buffer = bus_peek(n, a);
        data_step(n, p);
        if (n->cart.ops->irq_clock) ppu_reschedule(n); /* A12 may have moved */
        return v;
    }
    default:
        return latch_value(p);
    }
}

void ppu_write_reg(nes_t *n, uint16_t addr, uint8_t v) {
    ppu_t *p = &n->ppu;
    latch_drive(p, 0xFF, v);
    switch (addr & 7) {
    case 0: /* PPUCTRL */
        p->ctrl = v;
        n->cpu.int_active = 1;
        p->t = (uint16_t)((p->t & ~LOOPY_NAMETABLE) | ((v & PPUCTRL_NAMETABLE) << LOOPY_NAMETABLE_SHIFT));
        break;
    case 1: /* PPUMASK */
        p->mask = v;
        break;
    case 3: /* OAMADDR */
        p->oamaddr = v;
        break;
    case 4: /* OAMDATA */
        if (ppu_on_rendering_line(p)) {
            /* while rendering the write is lost and OAMADDR takes the glitchy step of 4 */
            p->oamaddr = (uint8_t)((p->oamaddr + 4) & 0xFC);
        } else {
            p->oam[p->oamaddr++] = v;
        }
        break;
    case 5: /* PPUSCROLL */
        if (!p->w) {
            p->t = (uint16_t)((p->t & ~LOOPY_COARSE_X) | (v >> 3));
            p->x = v & 7;
        } else { /* fine Y to bits 12-14, coarse Y to bits 5-9 */
            p->t = (uint16_t)((p->t & ~(LOOPY_FINE_Y | LOOPY_COARSE_Y)) | ((v & 7) << LOOPY_FINE_Y_SHIFT) | ((v & 0xF8) << 2));
        }
        p->w ^= 1;
        break;
    case 6: /* PPUADDR */
        if (!p->w) {
            p->t = (uint16_t)((p->t & 0x00FF) | ((v & 0x3F) << 8)); /* bit 14 cleared */
        } else {
            p->t = (uint16_t)((p->t & 0xFF00) | v);
            p->addr_delay = ADDR_COPY_DOTS;
            p->addr_next = p->t;
            if (!n->ppu_lockstep) ppu_reschedule(n);
        }
        p->w ^= 1;
        break;
    case 7: /* PPUDATA */
        ppu_bus_write(n, p->v, v);
        data_step(n, p);
        break;
    }
    /* PPUCTRL, PPUMASK, OAM and A12 itself decide when the board's IRQ may come */
    if (n->cart.ops->irq_clock) ppu_reschedule(n);
}

void ppu_power(nes_t *n) {
    ppu_t *p = &n->ppu;
    memset(p, 0, sizeof(*p));
    memcpy(p->palette, POWER_PALETTE, sizeof(p->palette));
    p->overflow_dot = -1;
    p->screen = SCREEN_VALID;
}

void ppu_reset(nes_t *n) {
    ppu_t *p = &n->ppu;
    p->ctrl = p->mask = 0;
    n->cpu.int_active = 1;
    p->w = 0;
    p->t = 0;
    p->x = 0;
    p->read_buffer = 0;
    p->odd_frame = 0;
}

void ppu_state(state_t *st, nes_t *n) {
    ppu_t *p = &n->ppu;
    st_begin(st, "PPU3");
    ST_RUN(st, ppu_t, p, scanline, dot, odd_frame, frame_ready);
    ST_FIELD(st, p->rendering);
    ST_RUN(st, ppu_t, p, ctrl, mask, status, oamaddr, v, t, x, w, read_buffer);
    ST_RUN(st, ppu_t, p, io_latch, suppress_vbl);
    ST_RUN(st, ppu_t, p, data_fill, data_addr, addr_delay);
    ST_FIELD(st, p->addr_next);
    ST_RUN(st, ppu_t, p, latch_stamp, bg_lo, bg_hi, at_lo, at_hi, nt_byte, at_byte, pt_lo, pt_hi,
           sec_oam, sec_count, spr0_next, eval_addr, corrupt_row, spr0_line);
    ST_FIELD(st, p->overflow_dot);
    ST_ARRAY(st, p->spr_line); ST_ARRAY(st, p->spr_next);
    ST_ARRAY(st, p->oam); ST_ARRAY(st, p->palette);
    ST_FIELD(st, p->frames); ST_FIELD(st, p->clock);
    st_end(st);
    if (st->mode == ST_LOAD) {
        /* keep indices in range whatever the blob held */
        if (p->sec_count > 8) p->sec_count = 8;
        p->corrupt_row &= 31;
        if (p->scanline < 0 || p->scanline > PRERENDER) p->scanline = 0;
        if (p->dot < 0 || p->dot > 340) p->dot = 0;
        p->x &= 7; p->v &= LOOPY_MASK; p->t &= LOOPY_MASK;
        if (p->data_fill > DATA_FILL_DOTS) p->data_fill = DATA_FILL_DOTS;
        if (p->addr_delay > ADDR_COPY_DOTS) p->addr_delay = ADDR_COPY_DOTS;
        p->data_addr &= PPU_ADDR_MASK; p->addr_next &= LOOPY_MASK;
        for (int i = 0; i < 32; i++) p->palette[i] &= PALETTE_COLOUR_MASK;
        /* until a screen section says otherwise, fb is stale; it is whole again at the first
         * vblank that follows a full picture drawn after this point */
        int after_vblank = p->scanline > VBLANK_LINE || (p->scanline == VBLANK_LINE && p->dot >= VBLANK_DOT);
        p->screen = after_vblank ? SCREEN_PENDING : SCREEN_STALE;
        if (p->scanline < 240) { /* mid-picture: lines from here on now, the rest next frame */
            p->screen = SCREEN_MIDFRAME;
            p->stale_frames = p->frames;
            p->stale_line = p->scanline;
            p->stale_dot = p->dot;
        }
    }
}

/* The picture (fb, per-line emphasis): an optional section, so that states used for search
 * and resets stay small; see nes_state_save. */
void ppu_screen_state(state_t *st, nes_t *n) {
    ppu_t *p = &n->ppu;
    st_begin(st, "SCRN");
    /* a picture still partly stale after a mid-picture load is saved as stale */
    uint8_t screen = p->screen == SCREEN_MIDFRAME || p->undrawn_lines ? SCREEN_STALE : p->screen;
    ST_FIELD(st, screen);
    ST_ARRAY(st, p->emph);
    size_t line_v_pos = st->pos;
    ST_ARRAY(st, p->line_v);
    ST_ARRAY(st, p->line_x);
    size_t fb_pos = st->pos;
    ST_ARRAY(st, p->fb);
    /* the check skips bulk arrays, but the picture's bytes are colour indices and the line
     * scrolls 15-bit addresses, not memory: other values cannot have been saved (the load
     * would mask them, and save other bytes) */
    if (st->mode == ST_LOAD && st->check && !st->err) {
        uint8_t high_or = 0; /* bit 15 of each little-endian line address */
        for (size_t i = 1; i < sizeof(p->line_v); i += 2) high_or |= st->buf[line_v_pos + i];
        if (high_or & 0x80) {
            st->err = 1; st->msg = "a line's scroll address is not 15 bits";
        }
    }
    if (st->mode == ST_LOAD && st->check && !st->err) {
        uint64_t any = 0; /* the OR of all bytes, eight at a time (no early exit: vectorised) */
        for (size_t i = 0; i < sizeof(p->fb); i += 8) {
            uint64_t w;
            memcpy(&w, st->buf + fb_pos + i, 8);
            any |= w;
        }
        if (any & 0xC0C0C0C0C0C0C0C0ULL) {
            st->err = 1; st->msg = "a picture byte is not a colour index ($00-$3F)";
        }
    }
    st_end(st);
    if (st->mode == ST_LOAD) {
        p->screen = screen > SCREEN_VALID ? SCREEN_STALE : screen;
        memset(p->line_undrawn, 0, sizeof(p->line_undrawn)); /* a whole fb, or one marked stale */
        p->undrawn_lines = 0;
        for (int i = 0; i < NES_HEIGHT * NES_WIDTH; i++) p->fb[i] &= PALETTE_COLOUR_MASK;
        for (int i = 0; i < NES_HEIGHT; i++) p->emph[i] &= 7;
        for (int i = 0; i < NES_HEIGHT; i++) p->line_v[i] &= LOOPY_MASK;
        for (int i = 0; i < NES_HEIGHT; i++) p->line_x[i] &= 0x1F; /* fine X, PPUMASK_RENDERING */
    }
}
