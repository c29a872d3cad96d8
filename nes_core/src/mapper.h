/* mapper.h - the cartridge board interface. A board is one file in mappers/ and one row in
 * mappers/registry.c. Boards map memory by setting the page tables in cart_t (offsets, so save
 * states hold numbers, not pointers); the hooks below are optional and NULL costs nothing.
 * https://www.nesdev.org/wiki/Mapper */
#ifndef NES_MAPPER_H
#define NES_MAPPER_H
#include <stdint.h>

struct nes;
struct state;

typedef struct mapper_ops {
    int number;           /* iNES mapper number */
    const char *board;    /* board name, e.g. "NROM" */
    /* The sizes the board can address, checked by cart_load (the one place size rules live)
     * before init: PRG ROM and CHR ROM/RAM must be whole banks of the board's smallest
     * switchable unit (bytes), and PRG ROM at most prg_max bytes (0: no limit). Other sizes
     * are refused with RomError; the page tables then never point past a memory's end. */
    struct { uint32_t prg_bank, chr_bank, prg_max; } sizes;
    /* Set the power-on banks (sizes are checked already); return 0, or -1 with a message. */
    int (*init)(struct nes *nes, char *errbuf, unsigned errlen);
    void (*reset)(struct nes *nes);                       /* RESET button; may be NULL */
    /* CPU $4020-$FFFF writes (reads go through the page tables; $6000-$7FFF RAM is generic). */
    void (*cpu_write)(struct nes *nes, uint16_t addr, uint8_t v);
    /* Optional: CPU reads of $4020-$5FFF, and of $6000-$7FFF while no RAM is mapped there
     * (wram_map < 0; FME-7 maps ROM at $6000). Without it those reads are open bus. */
    uint8_t (*cpu_read_low)(struct nes *nes, uint16_t addr, uint8_t open_bus);
    /* Optional: every PPU pattern-table or register-driven address put on the PPU bus
     * (MMC3 watches A12 rises here, MMC2/MMC4 latch tiles). The PPU runs behind the CPU, so
     * this may change nothing the CPU sees before it syncs the PPU, except an IRQ announced
     * through irq_clock. */
    void (*ppu_addr)(struct nes *nes, uint16_t addr);
    /* Optional: once per CPU cycle (M2), for cycle-counting IRQs. */
    void (*cpu_clock)(struct nes *nes);
    /* Optional: the board's own registers in save states (banks are in cart_t already). */
    void (*state)(struct state *st, struct nes *nes);
    /* Optional, for an IRQ the board raises from what the PPU does (MMC3: rises of PPU A12,
     * seen through ppu_addr): the master clock by which the PPU must have run for the CPU to
     * see the IRQ in time, or UINT64_MAX if none can come; early is safe (the PPU just syncs).
     * Asked again after every PPU register write and board write. ppu.h offers the fetch
     * timing a prediction needs. */
    uint64_t (*irq_clock)(struct nes *nes);
    /* Optional (MMC5): the board answers every fetch the rendering PPU makes, nametable,
     * attribute and pattern, from its own memories: the fetch's kind and tile follow from
     * ppu.dot (nametable at dots with (dot - 1) % 8 == 0 and 337/339, attribute at
     * (dot - 1) % 8 == 2, sprite patterns at 257-320, background patterns otherwise). A board
     * with it is rendered dot by dot (no bulk spans). CPU-side PPU accesses ($2007) still go
     * through the page tables. */
    uint8_t (*ppu_fetch)(struct nes *nes, uint16_t addr);
    /* Optional, with ppu_fetch: the scanline (1-239) at whose start (dot 339 of the line
     * before) the board may pull /IRQ low, or -1; the PPU catches up with the CPU by then. */
    int (*irq_scanline)(struct nes *nes);
} mapper_ops_t;

const mapper_ops_t *mapper_find(int number);
const char *mapper_board_name(int number); /* known board name for messages, or "unknown board" */
int mapper_supported_list(char *out, unsigned len);
#endif
