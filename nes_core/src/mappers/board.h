/* board.h - small helpers shared by the board files in mappers/ (not part of the mapper
 * interface in mapper.h). A board keeps its registers in cart_t.regs, which cart_state saves
 * byte for byte; BOARD_STATE_FITS checks at compile time that the board's struct fits there
 * and that the struct needs no more than 4-byte alignment (regs sits at a 4-byte offset). */
#ifndef NES_MAPPERS_BOARD_H
#define NES_MAPPERS_BOARD_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core.h"
#include "../ppu.h"

#define BOARD_STATE_FITS(T)                                                                   \
    _Static_assert(sizeof(T) <= sizeof(((cart_t *)0)->regs), #T " does not fit cart_t.regs"); \
    _Static_assert(_Alignof(T) <= 4 && offsetof(cart_t, regs) % 4 == 0, #T " is misaligned in cart_t.regs")

#define BOARD(T, n) ((T *)(void *)(n)->cart.regs)

static inline uint32_t board_ram_total(const cart_t *c) { return c->prg_ram_size + c->prg_nvram_size; }

/* Resets the board's registers and the nametable layout the header asks for. */
static inline void board_power(nes_t *n) {
    memset(n->cart.regs, 0, sizeof(n->cart.regs));
    cart_set_mirroring(n, n->cart.mirroring);
}

/* $6000-$7FFF: 8 KiB page `bank` of the cartridge RAM, or open bus when disabled or absent.
 * RAM is laid out volatile first, then battery-backed (cart.c). */
static inline void board_map_wram(nes_t *n, int enabled, int writable, uint32_t bank) {
    cart_t *c = &n->cart;
    uint32_t total = board_ram_total(c);
    if (!enabled || !total) {
        c->wram_map = -1;
        return;
    }
    uint32_t pages = total > 0x2000 ? total / 0x2000 : 1;
    c->wram_map = (int32_t)((bank % pages) * 0x2000);
    c->wram_writable = (uint8_t)(writable != 0);
}

/* The ROM byte the CPU is writing over ($8000-$FFFF). */
static inline uint8_t board_prg_byte(const nes_t *n, uint16_t a) {
    return n->cart.prg[n->cart.prg_map[(a >> 13) & 3] + (a & 0x1FFF)];
}

/* Discrete boards whose latch sits on the data bus next to the ROM see the AND of both
 * drivers (https://www.nesdev.org/wiki/Bus_conflict). NES 2.0 submapper 2 of mappers 2, 3,
 * 7 and 34 (BNROM) declares it (callers are those boards only); submapper 1 and unspecified images are taken as conflict-free (games
 * avoid conflicts anyway, and some AxROM games are known to rely on their absence). */
static inline uint8_t board_latch_value(const nes_t *n, uint16_t a, uint8_t v) {
    const cart_t *c = &n->cart;
    if (c->nes2 && c->submapper == 2) v &= board_prg_byte(n, a);
    return v;
}

/* The last 8 KiB / 16 KiB bank numbers of PRG ROM. */
static inline int board_last_prg8(const cart_t *c) { return c->prg_size >= 0x2000 ? (int)(c->prg_size / 0x2000) - 1 : 0; }
static inline int board_last_prg16(const cart_t *c) { return c->prg_size >= 0x4000 ? (int)(c->prg_size / 0x4000) - 1 : 0; }

#endif
