/* cart.c - iNES and NES 2.0 headers (the only header parser) and the page tables boards use.
 * https://www.nesdev.org/wiki/INES, https://www.nesdev.org/wiki/NES_2.0 */
#include <stdio.h>
#include <stdlib.h>

#include "core.h"

#define KIB 1024u
#define MAX_ROM_SIZE (64u * 1024u * 1024u)

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 0x100000001B3ULL; }
    return h;
}

/* NES 2.0 ROM size: a 12-bit bank count, or exponent-multiplier form when the MSB nibble is $F. */
static uint64_t nes2_rom_size(uint8_t lsb, uint8_t msb_nibble, uint32_t unit) {
    if (msb_nibble == 0xF) {
        unsigned e = lsb >> 2, m = lsb & 3;
        if (e > 40) return UINT64_MAX;
        return ((uint64_t)1 << e) * (m * 2 + 1);
    }
    return (uint64_t)((msb_nibble << 8) | lsb) * unit;
}

static uint32_t shift_size(uint8_t shift) { return shift ? (64u << shift) : 0; }

/* The size rules of every board, in one place: the page tables address whole banks of the
 * board's smallest unit (mapper_ops_t.sizes), so each memory must be made of whole banks;
 * NES 2.0's exponent form and CHR-RAM shift counts can declare any size (128 bytes, 3 KiB...).
 * Cartridge RAM at $6000 needs no rule: its window is masked to its size. */
static int check_sizes(const cart_t *c, char *err, size_t errlen) {
    const mapper_ops_t *b = c->ops;
    if (c->prg_size < b->sizes.prg_bank || c->prg_size % b->sizes.prg_bank ||
        (b->sizes.prg_max && c->prg_size > b->sizes.prg_max)) {
        if (b->sizes.prg_max)
            snprintf(err, errlen, "%s takes %u to %u KiB of PRG ROM in %u KiB banks, the header gives %u bytes",
                     b->board, b->sizes.prg_bank / KIB, b->sizes.prg_max / KIB, b->sizes.prg_bank / KIB, c->prg_size);
        else
            snprintf(err, errlen, "%s takes PRG ROM in %u KiB banks, the header gives %u bytes", b->board,
                     b->sizes.prg_bank / KIB, c->prg_size);
        return -1;
    }
    if (c->chr_size < b->sizes.chr_bank || c->chr_size % b->sizes.chr_bank) {
        snprintf(err, errlen, "%s takes CHR %s in %u KiB banks, the header gives %u bytes", b->board,
                 c->chr_is_ram ? "RAM" : "ROM", b->sizes.chr_bank / KIB, c->chr_size);
        return -1;
    }
    return 0;
}

int nes_parse_header(const uint8_t *rom, size_t len, nes_header_t *h, char *err, size_t errlen) {
    memset(h, 0, sizeof *h);
    if (len == 0) {
        snprintf(err, errlen, "not an iNES ROM: the file is empty");
        return NES_ERR_ROM;
    }
    if (memcmp(rom, "NES\x1A", len < 4 ? len : 4) != 0) {
        snprintf(err, errlen, "not an iNES ROM: the file does not start with 'NES' $1A");
        return NES_ERR_ROM;
    }
    if (len < 16) {
        snprintf(err, errlen, "truncated iNES header: %zu of 16 bytes", len);
        return NES_ERR_ROM;
    }
    uint8_t f6 = rom[6], f7 = rom[7];
    h->nes2 = (f7 & 0x0C) == 0x08;
    if (h->nes2) {
        h->mapper = (f6 >> 4) | (f7 & 0xF0) | ((rom[8] & 0x0F) << 8);
        h->submapper = rom[8] >> 4;
        h->prg_rom_size = nes2_rom_size(rom[4], rom[9] & 0x0F, 16 * KIB);
        h->chr_rom_size = nes2_rom_size(rom[5], rom[9] >> 4, 8 * KIB);
        h->prg_ram_size = shift_size(rom[10] & 0x0F);
        h->prg_nvram_size = shift_size(rom[10] >> 4);
        h->chr_ram_size = shift_size(rom[11] & 0x0F);
        h->chr_nvram_size = shift_size(rom[11] >> 4);
        h->console_type = f7 & 3;
        h->vs_unisystem = h->console_type == 1;
        h->playchoice10 = h->console_type == 2;
        h->timing = rom[12] & 3;
    } else {
        /* Old dumpers wrote text into bytes 7-15 ("DiskDude!"): then byte 7 is garbage too. */
        h->dirty = rom[12] || rom[13] || rom[14] || rom[15];
        h->mapper = (f6 >> 4) | (h->dirty ? 0 : (f7 & 0xF0));
        h->prg_rom_size = (uint64_t)rom[4] * 16 * KIB;
        h->chr_rom_size = (uint64_t)rom[5] * 8 * KIB;
        /* iNES 1.0 has no RAM sizes: 8 KiB of PRG RAM is the common convention (blargg's
         * tests rely on it), 8 KiB of CHR RAM when there is no CHR ROM. */
        h->prg_ram_size = 8 * KIB;
        h->chr_ram_size = h->chr_rom_size ? 0 : 8 * KIB;
        if (!h->dirty) {
            h->vs_unisystem = f7 & 1;
            h->playchoice10 = (f7 >> 1) & 1;
            h->console_type = h->vs_unisystem ? 1 : h->playchoice10 ? 2 : 0;
            h->timing = rom[9] & 1;
        }
    }
    h->battery = (f6 >> 1) & 1;
    h->trainer = (f6 >> 2) & 1;
    h->mirroring = (f6 & 0x08) ? MIRROR_FOUR : (f6 & 1);
    if (!h->nes2 && h->battery) { h->prg_nvram_size = h->prg_ram_size; h->prg_ram_size = 0; }

    if (h->prg_rom_size == 0) {
        snprintf(err, errlen, "invalid iNES header: PRG ROM size is 0");
        return NES_ERR_ROM;
    }
    if (h->prg_rom_size > MAX_ROM_SIZE || h->chr_rom_size > MAX_ROM_SIZE) {
        snprintf(err, errlen, "invalid iNES header: impossible sizes (PRG %llu bytes, CHR %llu bytes)",
                 (unsigned long long)h->prg_rom_size, (unsigned long long)h->chr_rom_size);
        return NES_ERR_ROM;
    }
    h->image_size = 16 + (h->trainer ? 512 : 0) + h->prg_rom_size + h->chr_rom_size;
    if (len < h->image_size) {
        snprintf(err, errlen, "truncated iNES file: header declares %llu bytes (PRG %llu KiB, CHR %llu KiB%s), file has %zu",
                 (unsigned long long)h->image_size, (unsigned long long)(h->prg_rom_size / KIB),
                 (unsigned long long)(h->chr_rom_size / KIB), h->trainer ? ", trainer" : "", len);
        return NES_ERR_ROM;
    }
    return NES_OK;
}

/* The header's facts about the cartridge, and its board; -1 with a message for a board this
 * build does not have. */
static int cart_from_header(cart_t *c, const nes_header_t *h, char *err, size_t errlen) {
    c->nes2 = h->nes2;
    c->mapper = h->mapper;
    c->submapper = h->submapper;
    c->prg_ram_size = h->prg_ram_size;
    c->prg_nvram_size = h->prg_nvram_size;
    c->chr_ram_size = h->chr_ram_size + h->chr_nvram_size;
    c->battery = h->battery;
    c->has_trainer = h->trainer;
    c->four_screen = h->mirroring == MIRROR_FOUR;
    c->mirroring = h->mirroring;
    c->prg_size = (uint32_t)h->prg_rom_size;
    c->chr_rom_size = (uint32_t)h->chr_rom_size;
    c->chr_is_ram = h->chr_rom_size == 0;
    c->chr_size = c->chr_is_ram ? (c->chr_ram_size ? c->chr_ram_size : 8 * KIB) : (uint32_t)h->chr_rom_size;
    if (c->chr_is_ram) c->chr_ram_size = c->chr_size;
    c->ops = mapper_find(c->mapper);
    if (!c->ops) {
        char list[256];
        mapper_supported_list(list, sizeof(list));
        snprintf(err, errlen, "unsupported mapper %d (%s); supported: %s", c->mapper,
                 mapper_board_name(c->mapper), list);
        return -1;
    }
    return 0;
}

/* PRG ROM, CHR ROM or RAM and PRG RAM allocated and filled from the image's data (which
 * follows the header and trainer); the ROM hash over PRG + CHR ROM. -2 when out of memory. */
static int cart_load_memories(cart_t *c, const uint8_t *data, char *err, size_t errlen) {
    c->prg = malloc(c->prg_size);
    c->chr = calloc(1, c->chr_size);
    uint32_t ram_total = c->prg_ram_size + c->prg_nvram_size;
    c->prg_ram = ram_total ? calloc(1, ram_total) : NULL;
    if (!c->prg || !c->chr || (ram_total && !c->prg_ram)) {
        snprintf(err, errlen, "out of memory");
        return -2;
    }
    memcpy(c->prg, data, c->prg_size);
    if (!c->chr_is_ram) memcpy(c->chr, data + c->prg_size, c->chr_size);
    c->rom_hash = fnv1a(0xCBF29CE484222325ULL, data, (size_t)c->prg_size + c->chr_rom_size);
    return 0;
}

/* The generic power-on mapping (first banks, PRG RAM at $6000, the header's mirroring), which
 * the board's init then refines. */
static void cart_map_power_on(nes_t *n) {
    cart_t *c = &n->cart;
    uint32_t ram_total = c->prg_ram_size + c->prg_nvram_size;
    cart_map_prg32(n, 0);
    cart_map_chr8(n, 0);
    c->wram_map = ram_total ? 0 : -1;
    c->wram_mask = (ram_total < 0x2000 ? ram_total : 0x2000) - 1;
    c->wram_writable = 1;
    cart_set_mirroring(n, c->mirroring);
}

int cart_load(nes_t *n, const uint8_t *rom, size_t len, char *err, size_t errlen) {
    cart_t *c = &n->cart;
    nes_header_t h;
    if (nes_parse_header(rom, len, &h, err, errlen) != NES_OK) return -1;
    if (cart_from_header(c, &h, err, errlen) != 0) return -1;
    const uint8_t *data = rom + 16;
    if (c->has_trainer) { memcpy(c->trainer, data, 512); data += 512; }
    if (check_sizes(c, err, errlen) != 0) return -1;
    int r = cart_load_memories(c, data, err, errlen);
    if (r != 0) return r;
    cart_map_power_on(n);
    if (c->ops->init && c->ops->init(n, err, (unsigned)errlen) != 0) return -1;
    return 0;
}

void cart_free(nes_t *n) {
    free(n->cart.prg);
    free(n->cart.chr);
    free(n->cart.prg_ram);
    n->cart.prg = n->cart.chr = n->cart.prg_ram = NULL;
}

void cart_set_mirroring(nes_t *n, int mode) {
    uint16_t *m = n->cart.nt_map;
    switch (mode) {
    case MIRROR_HORIZONTAL: m[0] = 0; m[1] = 0; m[2] = 0x400; m[3] = 0x400; break;
    case MIRROR_VERTICAL: m[0] = 0; m[1] = 0x400; m[2] = 0; m[3] = 0x400; break;
    case MIRROR_FOUR: m[0] = 0; m[1] = 0x400; m[2] = 0x800; m[3] = 0xC00; break;
    case MIRROR_SINGLE0: m[0] = m[1] = m[2] = m[3] = 0; break;
    case MIRROR_SINGLE1: m[0] = m[1] = m[2] = m[3] = 0x400; break;
    }
}

/* Bank numbers wrap modulo the ROM size, as boards with fewer address lines than register bits do. */
static inline uint32_t wrap(uint32_t off, uint32_t size) { return size ? off % size : 0; }

void cart_map_prg8(nes_t *n, int slot, int bank) {
    n->cart.prg_map[slot & 3] = wrap((uint32_t)bank * 0x2000u, n->cart.prg_size);
}
void cart_map_prg16(nes_t *n, int slot, int bank) {
    cart_map_prg8(n, slot * 2, bank * 2);
    cart_map_prg8(n, slot * 2 + 1, bank * 2 + 1);
}
void cart_map_prg32(nes_t *n, int bank) {
    for (int i = 0; i < 4; i++) cart_map_prg8(n, i, bank * 4 + i);
}
void cart_map_chr1(nes_t *n, int slot, int bank) {
    n->cart.chr_map[slot & 7] = wrap((uint32_t)bank * 0x400u, n->cart.chr_size);
}
void cart_map_chr4(nes_t *n, int slot, int bank) {
    for (int i = 0; i < 4; i++) cart_map_chr1(n, slot * 4 + i, bank * 4 + i);
}
void cart_map_chr8(nes_t *n, int bank) {
    for (int i = 0; i < 8; i++) cart_map_chr1(n, i, bank * 8 + i);
}

void cart_state(state_t *st, nes_t *n) {
    cart_t *c = &n->cart;
    st_begin(st, "CART");
    uint32_t ram_total = c->prg_ram_size + c->prg_nvram_size;
    if (ram_total) st_bytes(st, c->prg_ram, ram_total);
    if (c->chr_is_ram) st_bytes(st, c->chr, c->chr_size);
    ST_RUN(st, cart_t, c, prg_map, wram_map);
    ST_FIELD(st, c->wram_writable);
    ST_RUN(st, cart_t, c, chr_map, nt_map, regs);
    if (c->ops->state) c->ops->state(st, n);
    st_end(st);
    if (st->mode == ST_LOAD) {
        /* a corrupted blob must not point outside the cartridge's memories */
        for (int i = 0; i < 4; i++) c->prg_map[i] = wrap(c->prg_map[i] & ~0x1FFFu, c->prg_size);
        for (int i = 0; i < 8; i++) c->chr_map[i] = wrap(c->chr_map[i] & ~0x3FFu, c->chr_size);
        for (int i = 0; i < 4; i++) c->nt_map[i] &= 0xC00;
        if (c->wram_map >= 0 && (!ram_total || (uint32_t)c->wram_map + c->wram_mask >= ram_total))
            c->wram_map = ram_total ? 0 : -1;
    c->wram_mask = (ram_total < 0x2000 ? ram_total : 0x2000) - 1;
    }
}
