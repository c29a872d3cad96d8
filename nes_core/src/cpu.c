/* cpu.c - the 2A03's 6502 core (no decimal mode), https://www.nesdev.org/wiki/CPU
 * Every bus access is one CPU cycle, dummy reads and writes included; in each cycle the PPU
 * runs to the master clock in two halves around the access (a read sees the PPU 5/12 into the
 * cycle, a write 7/12), the APU and the board's M2 hook tick, and the NMI/IRQ lines are sampled
 * at the end of the cycle, so "the second-to-last cycle decides" falls out of the sequencing.
 * https://www.nesdev.org/wiki/CPU_interrupts, https://www.nesdev.org/wiki/DMA */
#include "core.h"

#ifdef NES_SANITIZE
/* sanitizer builds: forcing every bus access inline into the opcode switch makes gcc and
 * clang take many minutes once the accesses are instrumented */
#define HOT static inline
#else
#define HOT static inline __attribute__((always_inline))
#endif

#define CPU_START_READ 5
#define CPU_END_READ 7
#define CPU_START_WRITE 7
#define CPU_END_WRITE 5

HOT void cycle_start(nes_t *n, int mc) {
    cpu_t *c = &n->cpu;
    c->master_clock += mc;
    if (__builtin_expect(n->slow_cycle, 0)) {
        if (n->ppu_lockstep) ppu_sync(n);
        apu_tick(n);
        if (n->cart.ops->cpu_clock) n->cart.ops->cpu_clock(n);
    } else {
        apu_tick(n);
    }
}

/* IRQ sources that I does not mask: while I is set, an asserted line changes nothing until
 * CLI/PLP/RTI clears I, and the cycle after that samples it. */
HOT uint8_t irq_unmasked(const nes_t *n) { return (n->cpu.p & FLAG_I) ? 0 : n->irq_lines; }

/* The end-of-cycle sampling of the NMI and IRQ lines (out of line: most cycles skip it). */
static __attribute__((noinline)) void sample_lines(nes_t *n) {
    cpu_t *c = &n->cpu;
    /* one byte for what the previous cycle saw, so that the instruction's final check is a
     * single byte load (a wider load over several byte stores stalls store forwarding) */
    c->poll = (uint8_t)(c->need_nmi | (c->run_irq << 1));
    /* NMI: edge-detected during phi2; the internal signal is seen one cycle later. */
    uint8_t line = n->ppu.status & n->ppu.ctrl & 0x80;
    if (line != c->prev_nmi_line) {
        if (line) c->need_nmi = 1;
        c->prev_nmi_line = line;
    }
    /* IRQ: level-sensitive, masked by I as it stands at the end of this cycle. */
    c->run_irq = n->irq_lines && !(c->p & FLAG_I);
    c->int_active = c->poll | c->need_nmi | c->run_irq;
}

/* What ends every cycle once the master clock reads `mc`: the PPU catches up when an event is
 * due (in lockstep ppu_event stays 0: every cycle), then the interrupt lines are sampled. */
HOT void cycle_close(nes_t *n, uint64_t mc) {
    if (mc - PPU_OFFSET >= n->ppu_event) ppu_sync(n);
    if (__builtin_expect(irq_unmasked(n) | n->cpu.int_active, 0)) sample_lines(n);
}

HOT void cycle_end(nes_t *n, int mc) {
    n->cpu.master_clock += mc;
    cycle_close(n, n->cpu.master_clock);
}

static void dma_run(nes_t *n, uint16_t addr) __attribute__((noinline));

HOT uint8_t rd(nes_t *n, uint16_t a) {
    if (__builtin_expect(n->cpu.need_halt, 0)) dma_run(n, a);
    uint8_t v;
    if (__builtin_expect(!n->slow_cycle, 1) && (a >= 0x8000 || a < 0x2000)) {
        /* PRG ROM and internal RAM, inline. Nothing in the cycle's first half (the APU tick)
         * sees them or the PPU, so the clock advances by a whole cycle in one step: one
         * store-to-load chain through master_clock per cycle instead of two. */
        cpu_t *c = &n->cpu;
        v = a >= 0x8000 ? n->cart.prg[n->cart.prg_map[(a >> 13) & 3] + (a & 0x1FFF)] : n->ram[a & 0x7FF];
        uint64_t mc = c->master_clock + CPU_START_READ + CPU_END_READ;
        c->master_clock = mc;
        apu_tick(n);
        cycle_close(n, mc);
        c->open_bus = v;
        return v;
    }
    cycle_start(n, CPU_START_READ);
    /* everything else through the bus decoder */
    if (a >= 0x8000) v = n->cpu.open_bus = n->cart.prg[n->cart.prg_map[(a >> 13) & 3] + (a & 0x1FFF)];
    else if (a < 0x2000) v = n->cpu.open_bus = n->ram[a & 0x7FF];
    else v = bus_read(n, a);
    cycle_end(n, CPU_END_READ);
    return v;
}

HOT void wr(nes_t *n, uint16_t a, uint8_t v) {
    cycle_start(n, CPU_START_WRITE);
    bus_write(n, a, v);
    cycle_end(n, CPU_END_WRITE);
}

/* One DMA cycle: the halt and dummy cycles the DMC needs can be shared with OAM DMA cycles. */
static inline void dma_cycle_begin(nes_t *n) {
    cpu_t *c = &n->cpu;
    if (c->dmc_abort) { /* stopped by the DMC in the previous cycle: this one is its last */
        c->dmc_abort = c->dmc_dma = c->need_halt = c->need_dummy_read = 0;
    } else if (c->need_halt) c->need_halt = 0;
    else if (c->need_dummy_read) c->need_dummy_read = 0;
    cycle_start(n, CPU_START_READ);
}

/* OAM DMA ($4014) and DMC DMA take over a read cycle of the CPU: the halted read is repeated
 * (as dummy reads) until the transfer ends. OAM DMA takes 513 or 514 cycles depending on the
 * get/put alignment; a DMC fetch steals 1-4 cycles. https://www.nesdev.org/wiki/DMA */
static void dma_run(nes_t *n, uint16_t addr) {
    cpu_t *c = &n->cpu;
    c->in_dma = 1;
    cycle_start(n, CPU_START_READ);
    bus_read(n, addr);
    cycle_end(n, CPU_END_READ);
    c->need_halt = 0;
    /* a DMC fetch stopped during its halt cycle ends with it (AccuracyCoin DMA aborts) */
    if (c->dmc_abort) c->dmc_abort = c->dmc_dma = c->need_dummy_read = 0;
    /* the 6502's internal data bus: DMA reads drive only the external one (see the end) */
    uint8_t internal = c->open_bus;

    uint16_t spr_count = 0;
    uint8_t spr_addr = 0, val = 0;
    /* Reads of the controller ports are not repeated: a repeated read would clock the shift
     * register (the DMC/controller conflict happens on a real console, but only for $4016/7
     * reads that the DMA cycle itself performs). */
    int skip_dummy = (addr == 0x4016 || addr == 0x4017);

    while (c->dmc_dma || c->oam_dma) {
        int get = (cpu_cycles(n) & 1) == 0;
        if (get) {
            if (c->dmc_dma && !c->need_halt && !c->need_dummy_read) {
                dma_cycle_begin(n);
                val = bus_read_dma(n, apu_dmc_read_addr(n), addr);
                cycle_end(n, CPU_END_READ);
                apu_dmc_fill(n, val);
                c->dmc_dma = 0;
            } else if (c->oam_dma) {
                dma_cycle_begin(n);
                val = bus_read_dma(n, (uint16_t)(c->oam_dma_page << 8 | spr_addr), addr);
                cycle_end(n, CPU_END_READ);
                spr_addr++;
                spr_count++;
            } else {
                dma_cycle_begin(n);
                if (!skip_dummy) bus_read(n, addr);
                cycle_end(n, CPU_END_READ);
            }
        } else {
            if (c->oam_dma && (spr_count & 1)) {
                dma_cycle_begin(n);
                bus_write(n, 0x2004, val);
                cycle_end(n, CPU_END_READ);
                if (++spr_count == 0x200) c->oam_dma = 0;
            } else {
                dma_cycle_begin(n);
                if (!skip_dummy) bus_read(n, addr);
                cycle_end(n, CPU_END_READ);
            }
        }
    }
    /* A $4015 read takes bit 5 from the internal bus, which the DMA did not drive (AccuracyCoin
     * Internal Data Bus). Approximation: open_bus stands for both buses, so the external bus
     * loses the DMA's bit 5 here; only an open-bus read right after a halted dummy read of
     * $4015 (abs,X crossing from $40xx) could tell. */
    if (addr == 0x4015) c->open_bus = (uint8_t)((c->open_bus & ~0x20) | (internal & 0x20));
    c->in_dma = c->dmc_abort = 0;
}

void cpu_start_dmc_dma(nes_t *n) {
    n->cpu.dmc_dma = 1;
    n->cpu.need_dummy_read = 1;
    n->cpu.need_halt = 1;
}

/* The DMC stopped its sample (a $4015 disable taking effect) while its fetch is pending: a
 * fetch whose halt cycle has not begun is dropped (an OAM DMA keeps its own halt); one under
 * way ends after the current cycle, having cost the cycles spent so far (the 2A03G; Mesen2
 * models it the same way). AccuracyCoin Explicit/Implicit DMA Abort. */
void cpu_stop_dmc_dma(nes_t *n) {
    cpu_t *c = &n->cpu;
    if (!c->dmc_dma) return;
    if (c->in_dma) {
        c->dmc_abort = 1;
    } else {
        c->dmc_dma = c->need_dummy_read = 0;
        if (!c->oam_dma) c->need_halt = 0;
    }
}

/* ---- flags and ALU ---- */
#define SET_NZ(c, v) ((c)->p = (uint8_t)(((c)->p & ~(FLAG_N | FLAG_Z)) | ((v) & 0x80) | (((v) & 0xFF) ? 0 : FLAG_Z)))

static inline void op_adc(cpu_t *c, uint8_t v) {
    unsigned s = c->a + v + (c->p & FLAG_C);
    uint8_t vf = (~(c->a ^ v) & (c->a ^ s) & 0x80) ? FLAG_V : 0;
    c->p = (uint8_t)((c->p & ~(FLAG_C | FLAG_V)) | (s > 0xFF ? FLAG_C : 0) | vf);
    c->a = (uint8_t)s;
    SET_NZ(c, c->a);
}
static inline void op_sbc(cpu_t *c, uint8_t v) { op_adc(c, (uint8_t)~v); }
static inline void op_cmp(cpu_t *c, uint8_t r, uint8_t v) {
    c->p = (uint8_t)((c->p & ~FLAG_C) | (r >= v ? FLAG_C : 0));
    SET_NZ(c, (uint8_t)(r - v));
}
static inline void op_bit(cpu_t *c, uint8_t v) {
    c->p = (uint8_t)((c->p & ~(FLAG_N | FLAG_V | FLAG_Z)) | (v & 0xC0) | ((c->a & v) ? 0 : FLAG_Z));
}
static inline uint8_t op_asl(cpu_t *c, uint8_t v) {
    c->p = (uint8_t)((c->p & ~FLAG_C) | (v >> 7));
    v <<= 1; SET_NZ(c, v); return v;
}
static inline uint8_t op_lsr(cpu_t *c, uint8_t v) {
    c->p = (uint8_t)((c->p & ~FLAG_C) | (v & 1));
    v >>= 1; SET_NZ(c, v); return v;
}
static inline uint8_t op_rol(cpu_t *c, uint8_t v) {
    uint8_t r = (uint8_t)(v << 1 | (c->p & FLAG_C));
    c->p = (uint8_t)((c->p & ~FLAG_C) | (v >> 7));
    SET_NZ(c, r); return r;
}
static inline uint8_t op_ror(cpu_t *c, uint8_t v) {
    uint8_t r = (uint8_t)(v >> 1 | (c->p & FLAG_C) << 7);
    c->p = (uint8_t)((c->p & ~FLAG_C) | (v & 1));
    SET_NZ(c, r); return r;
}
static inline uint8_t op_inc(cpu_t *c, uint8_t v) { v++; SET_NZ(c, v); return v; }
static inline uint8_t op_dec(cpu_t *c, uint8_t v) { v--; SET_NZ(c, v); return v; }
/* unofficial read-modify-write combinations */
static inline uint8_t op_slo(cpu_t *c, uint8_t v) { v = op_asl(c, v); c->a |= v; SET_NZ(c, c->a); return v; }
static inline uint8_t op_rla(cpu_t *c, uint8_t v) { v = op_rol(c, v); c->a &= v; SET_NZ(c, c->a); return v; }
static inline uint8_t op_sre(cpu_t *c, uint8_t v) { v = op_lsr(c, v); c->a ^= v; SET_NZ(c, c->a); return v; }
static inline uint8_t op_rra(cpu_t *c, uint8_t v) { v = op_ror(c, v); op_adc(c, v); return v; }
static inline uint8_t op_dcp(cpu_t *c, uint8_t v) { v--; op_cmp(c, c->a, v); return v; }
static inline uint8_t op_isc(cpu_t *c, uint8_t v) { v++; op_sbc(c, v); return v; }

/* ---- addressing modes, as bus sequences ---- */
HOT uint16_t am_zp(nes_t *n) { return rd(n, n->cpu.pc++); }
HOT uint16_t am_zpi(nes_t *n, uint8_t i) {
    uint8_t b = rd(n, n->cpu.pc++);
    rd(n, b); /* dummy read while adding the index */
    return (uint8_t)(b + i);
}
HOT uint16_t am_abs(nes_t *n) {
    uint16_t lo = rd(n, n->cpu.pc++);
    return (uint16_t)(lo | rd(n, n->cpu.pc++) << 8);
}
/* abs,X / abs,Y: the read before the high byte is fixed happens on a page cross, or always for
 * writes and read-modify-writes. */
HOT uint16_t am_absi(nes_t *n, uint8_t i, int always) {
    uint16_t base = am_abs(n);
    uint16_t a = (uint16_t)(base + i);
    if (always || ((a ^ base) & 0x100)) rd(n, (uint16_t)((base & 0xFF00) | (a & 0xFF)));
    return a;
}
HOT uint16_t am_indx(nes_t *n) {
    uint8_t p = rd(n, n->cpu.pc++);
    rd(n, p);
    p = (uint8_t)(p + n->cpu.x);
    uint16_t lo = rd(n, p);
    return (uint16_t)(lo | rd(n, (uint8_t)(p + 1)) << 8);
}
HOT uint16_t am_indy(nes_t *n, int always) {
    uint8_t p = rd(n, n->cpu.pc++);
    uint16_t lo = rd(n, p);
    uint16_t base = (uint16_t)(lo | rd(n, (uint8_t)(p + 1)) << 8);
    uint16_t a = (uint16_t)(base + n->cpu.y);
    if (always || ((a ^ base) & 0x100)) rd(n, (uint16_t)((base & 0xFF00) | (a & 0xFF)));
    return a;
}

HOT void push(nes_t *n, uint8_t v) { wr(n, 0x100 | n->cpu.s, v); n->cpu.s--; }
HOT uint8_t pull(nes_t *n) { n->cpu.s++; return rd(n, 0x100 | n->cpu.s); }

/* SHA/SHX/SHY/TAS: the value is ANDed with the base address's high byte + 1; when the index
 * crosses a page, that value also replaces the high byte of the address.
 * https://www.nesdev.org/wiki/CPU_unofficial_opcodes */
static inline void op_sh(nes_t *n, uint16_t base, uint8_t idx, uint8_t reg) {
    uint16_t a = (uint16_t)(base + idx);
    uint64_t before = n->cpu.master_clock;
    rd(n, (uint16_t)((base & 0xFF00) | (a & 0xFF)));
    /* A DMA that halts the CPU on this read (RDY low in the cycle before the write) drops the
     * & H from the value; the address is still corrupted on a page cross. */
    uint8_t h = n->cpu.master_clock - before > CPU_START_READ + CPU_END_READ ? 0xFF : (uint8_t)((base >> 8) + 1);
    if ((a ^ base) & 0x100) a = (uint16_t)(((reg & ((base >> 8) + 1)) << 8) | (a & 0xFF));
    wr(n, a, (uint8_t)(reg & h));
}

static void interrupt(nes_t *n) {
    cpu_t *c = &n->cpu;
    rd(n, c->pc);
    rd(n, c->pc);
    push(n, (uint8_t)(c->pc >> 8));
    push(n, (uint8_t)c->pc);
    /* An NMI that arrives while the IRQ sequence runs hijacks it (it decides at the P push). */
    uint16_t vec = 0xFFFE;
    if (c->need_nmi) { c->need_nmi = 0; vec = 0xFFFA; }
    push(n, (uint8_t)(c->p | FLAG_U));
    c->p |= FLAG_I;
    uint16_t lo = rd(n, vec);
    c->pc = (uint16_t)(lo | rd(n, (uint16_t)(vec + 1)) << 8);
}

#define RD(a) rd(n, (a))
#define WR(a, v) wr(n, (a), (v))
#define IMM() rd(n, c->pc++)
#define DUMMY_PC() rd(n, c->pc)
#define RMW(ea_expr, F) do { uint16_t ea_ = (ea_expr); uint8_t v_ = rd(n, ea_); wr(n, ea_, v_); v_ = F(c, v_); wr(n, ea_, v_); } while (0)
#define BRANCH(cond) do { \
        int8_t off_ = (int8_t)IMM(); \
        if (cond) { \
            /* a taken branch polls interrupts before cycle 2, not before cycle 3 (its last \
             * cycle without a page cross) */ \
            uint8_t first_ = c->poll; \
            if (c->run_irq && !(first_ & POLL_IRQ)) c->run_irq = 0; \
            DUMMY_PC(); \
            uint16_t np_ = (uint16_t)(c->pc + off_); \
            if ((np_ ^ c->pc) & 0xFF00) { \
                rd(n, (uint16_t)((c->pc & 0xFF00) | (np_ & 0xFF))); \
                /* and again before cycle 4: an IRQ the first poll saw is taken even if its \
                 * source was acknowledged since */ \
                c->poll |= (uint8_t)(first_ & POLL_IRQ); \
                c->int_active |= c->poll; \
            } \
            c->pc = np_; \
        } \
    } while (0)

/* The eight addressing modes of the "cc=01" column, for a read instruction OP(c, value). */
#define READ_GROUP(base, STMT)                                   \
    case (base) + 0x01: { uint8_t v = RD(am_indx(n)); STMT; } break;     \
    case (base) + 0x05: { uint8_t v = RD(am_zp(n)); STMT; } break;       \
    case (base) + 0x09: { uint8_t v = IMM(); STMT; } break;              \
    case (base) + 0x0D: { uint8_t v = RD(am_abs(n)); STMT; } break;      \
    case (base) + 0x11: { uint8_t v = RD(am_indy(n, 0)); STMT; } break;  \
    case (base) + 0x15: { uint8_t v = RD(am_zpi(n, c->x)); STMT; } break; \
    case (base) + 0x19: { uint8_t v = RD(am_absi(n, c->y, 0)); STMT; } break; \
    case (base) + 0x1D: { uint8_t v = RD(am_absi(n, c->x, 0)); STMT; } break;

/* Unofficial RMW combos (SLO RLA SRE RRA DCP ISC) share the "cc=11" column's modes. */
#define RMW_GROUP_U(base, F)                                    \
    case (base) + 0x03: RMW(am_indx(n), F); break;              \
    case (base) + 0x07: RMW(am_zp(n), F); break;                \
    case (base) + 0x0F: RMW(am_abs(n), F); break;               \
    case (base) + 0x13: RMW(am_indy(n, 1), F); break;           \
    case (base) + 0x17: RMW(am_zpi(n, c->x), F); break;         \
    case (base) + 0x1B: RMW(am_absi(n, c->y, 1), F); break;     \
    case (base) + 0x1F: RMW(am_absi(n, c->x, 1), F); break;

/* Official shifts (ASL ROL LSR ROR) and INC/DEC: zp, abs, zp,X, abs,X. */
#define RMW_GROUP(base, F)                                      \
    case (base) + 0x06: RMW(am_zp(n), F); break;                \
    case (base) + 0x0E: RMW(am_abs(n), F); break;               \
    case (base) + 0x16: RMW(am_zpi(n, c->x), F); break;         \
    case (base) + 0x1E: RMW(am_absi(n, c->x, 1), F); break;

HOT void execute(nes_t *n) {
    cpu_t *c = &n->cpu;
    if (c->jammed) return;
    uint8_t op = rd(n, c->pc++);
    switch (op) {
    READ_GROUP(0x00, c->a |= v; SET_NZ(c, c->a))
    READ_GROUP(0x20, c->a &= v; SET_NZ(c, c->a))
    READ_GROUP(0x40, c->a ^= v; SET_NZ(c, c->a))
    READ_GROUP(0x60, op_adc(c, v))
    READ_GROUP(0xA0, c->a = v; SET_NZ(c, c->a))
    READ_GROUP(0xC0, op_cmp(c, c->a, v))
    READ_GROUP(0xE0, op_sbc(c, v))
    case 0xEB: op_sbc(c, IMM()); break; /* unofficial SBC #imm */

    /* STA */
    case 0x81: WR(am_indx(n), c->a); break;
    case 0x85: WR(am_zp(n), c->a); break;
    case 0x8D: WR(am_abs(n), c->a); break;
    case 0x91: WR(am_indy(n, 1), c->a); break;
    case 0x95: WR(am_zpi(n, c->x), c->a); break;
    case 0x99: WR(am_absi(n, c->y, 1), c->a); break;
    case 0x9D: WR(am_absi(n, c->x, 1), c->a); break;
    /* STX / STY */
    case 0x86: WR(am_zp(n), c->x); break;
    case 0x8E: WR(am_abs(n), c->x); break;
    case 0x96: WR(am_zpi(n, c->y), c->x); break;
    case 0x84: WR(am_zp(n), c->y); break;
    case 0x8C: WR(am_abs(n), c->y); break;
    case 0x94: WR(am_zpi(n, c->x), c->y); break;
    /* LDX / LDY */
    case 0xA2: c->x = IMM(); SET_NZ(c, c->x); break;
    case 0xA6: c->x = RD(am_zp(n)); SET_NZ(c, c->x); break;
    case 0xAE: c->x = RD(am_abs(n)); SET_NZ(c, c->x); break;
    case 0xB6: c->x = RD(am_zpi(n, c->y)); SET_NZ(c, c->x); break;
    case 0xBE: c->x = RD(am_absi(n, c->y, 0)); SET_NZ(c, c->x); break;
    case 0xA0: c->y = IMM(); SET_NZ(c, c->y); break;
    case 0xA4: c->y = RD(am_zp(n)); SET_NZ(c, c->y); break;
    case 0xAC: c->y = RD(am_abs(n)); SET_NZ(c, c->y); break;
    case 0xB4: c->y = RD(am_zpi(n, c->x)); SET_NZ(c, c->y); break;
    case 0xBC: c->y = RD(am_absi(n, c->x, 0)); SET_NZ(c, c->y); break;
    /* CPX / CPY / BIT */
    case 0xE0: op_cmp(c, c->x, IMM()); break;
    case 0xE4: op_cmp(c, c->x, RD(am_zp(n))); break;
    case 0xEC: op_cmp(c, c->x, RD(am_abs(n))); break;
    case 0xC0: op_cmp(c, c->y, IMM()); break;
    case 0xC4: op_cmp(c, c->y, RD(am_zp(n))); break;
    case 0xCC: op_cmp(c, c->y, RD(am_abs(n))); break;
    case 0x24: op_bit(c, RD(am_zp(n))); break;
    case 0x2C: op_bit(c, RD(am_abs(n))); break;

    /* shifts and INC/DEC */
    RMW_GROUP(0x00, op_asl)
    RMW_GROUP(0x20, op_rol)
    RMW_GROUP(0x40, op_lsr)
    RMW_GROUP(0x60, op_ror)
    RMW_GROUP(0xC0, op_dec)
    RMW_GROUP(0xE0, op_inc)
    case 0x0A: DUMMY_PC(); c->a = op_asl(c, c->a); break;
    case 0x2A: DUMMY_PC(); c->a = op_rol(c, c->a); break;
    case 0x4A: DUMMY_PC(); c->a = op_lsr(c, c->a); break;
    case 0x6A: DUMMY_PC(); c->a = op_ror(c, c->a); break;

    /* implied */
    case 0x18: DUMMY_PC(); c->p &= ~FLAG_C; break;
    case 0x38: DUMMY_PC(); c->p |= FLAG_C; break;
    case 0x58: DUMMY_PC(); c->p &= ~FLAG_I; break;
    case 0x78: DUMMY_PC(); c->p |= FLAG_I; break;
    case 0xB8: DUMMY_PC(); c->p &= ~FLAG_V; break;
    case 0xD8: DUMMY_PC(); c->p &= ~FLAG_D; break;
    case 0xF8: DUMMY_PC(); c->p |= FLAG_D; break;
    case 0xAA: DUMMY_PC(); c->x = c->a; SET_NZ(c, c->x); break;
    case 0x8A: DUMMY_PC(); c->a = c->x; SET_NZ(c, c->a); break;
    case 0xA8: DUMMY_PC(); c->y = c->a; SET_NZ(c, c->y); break;
    case 0x98: DUMMY_PC(); c->a = c->y; SET_NZ(c, c->a); break;
    case 0xBA: DUMMY_PC(); c->x = c->s; SET_NZ(c, c->x); break;
    case 0x9A: DUMMY_PC(); c->s = c->x; break;
    case 0xE8: DUMMY_PC(); c->x++; SET_NZ(c, c->x); break;
    case 0xCA: DUMMY_PC(); c->x--; SET_NZ(c, c->x); break;
    case 0xC8: DUMMY_PC(); c->y++; SET_NZ(c, c->y); break;
    case 0x88: DUMMY_PC(); c->y--; SET_NZ(c, c->y); break;
    case 0xEA: case 0x1A: case 0x3A: case 0x5A: case 0x7A: case 0xDA: case 0xFA:
        DUMMY_PC(); break;

    /* stack */
    case 0x48: DUMMY_PC(); push(n, c->a); break;
    case 0x08: DUMMY_PC(); push(n, (uint8_t)(c->p | FLAG_B | FLAG_U)); break;
    case 0x68: DUMMY_PC(); RD(0x100 | c->s); c->a = pull(n); SET_NZ(c, c->a); break;
    case 0x28: DUMMY_PC(); RD(0x100 | c->s); c->p = (uint8_t)((pull(n) & ~FLAG_B) | FLAG_U); break;

    /* jumps and subroutines */
    case 0x4C: c->pc = am_abs(n); break;
    case 0x6C: {
        uint16_t ptr = am_abs(n);
        uint16_t lo = RD(ptr);
        /* the pointer's high byte is fetched without carry into the page */
        c->pc = (uint16_t)(lo | RD((uint16_t)((ptr & 0xFF00) | ((ptr + 1) & 0xFF))) << 8);
    } break;
    case 0x20: {
        uint16_t lo = IMM();
        RD(0x100 | c->s);
        push(n, (uint8_t)(c->pc >> 8));
        push(n, (uint8_t)c->pc);
        c->pc = (uint16_t)(lo | RD(c->pc) << 8);
    } break;
    case 0x60: {
        DUMMY_PC();
        RD(0x100 | c->s);
        uint16_t lo = pull(n);
        c->pc = (uint16_t)(lo | pull(n) << 8);
        DUMMY_PC();
        c->pc++;
    } break;
    case 0x40: {
        DUMMY_PC();
        RD(0x100 | c->s);
        c->p = (uint8_t)((pull(n) & ~FLAG_B) | FLAG_U);
        uint16_t lo = pull(n);
        c->pc = (uint16_t)(lo | pull(n) << 8);
    } break;
    case 0x00: {
        DUMMY_PC();
        c->pc++;
        push(n, (uint8_t)(c->pc >> 8));
        push(n, (uint8_t)c->pc);
        uint16_t vec = 0xFFFE;
        if (c->need_nmi) { c->need_nmi = 0; vec = 0xFFFA; }
        push(n, (uint8_t)(c->p | FLAG_B | FLAG_U));
        c->p |= FLAG_I;
        uint16_t lo = RD(vec);
        c->pc = (uint16_t)(lo | RD((uint16_t)(vec + 1)) << 8);
        /* the handler's first instruction runs before a pending NMI is taken */
        c->poll &= (uint8_t)~POLL_NMI;
    } break;

    /* branches */
    case 0x10: BRANCH(!(c->p & FLAG_N)); break;
    case 0x30: BRANCH(c->p & FLAG_N); break;
    case 0x50: BRANCH(!(c->p & FLAG_V)); break;
    case 0x70: BRANCH(c->p & FLAG_V); break;
    case 0x90: BRANCH(!(c->p & FLAG_C)); break;
    case 0xB0: BRANCH(c->p & FLAG_C); break;
    case 0xD0: BRANCH(!(c->p & FLAG_Z)); break;
    case 0xF0: BRANCH(c->p & FLAG_Z); break;

    /* ---- unofficial opcodes (https://www.nesdev.org/wiki/CPU_unofficial_opcodes) ---- */
    RMW_GROUP_U(0x00, op_slo)
    RMW_GROUP_U(0x20, op_rla)
    RMW_GROUP_U(0x40, op_sre)
    RMW_GROUP_U(0x60, op_rra)
    RMW_GROUP_U(0xC0, op_dcp)
    RMW_GROUP_U(0xE0, op_isc)
    /* SAX */
    case 0x83: WR(am_indx(n), c->a & c->x); break;
    case 0x87: WR(am_zp(n), c->a & c->x); break;
    case 0x8F: WR(am_abs(n), c->a & c->x); break;
    case 0x97: WR(am_zpi(n, c->y), c->a & c->x); break;
    /* LAX */
    case 0xA3: c->a = c->x = RD(am_indx(n)); SET_NZ(c, c->a); break;
    case 0xA7: c->a = c->x = RD(am_zp(n)); SET_NZ(c, c->a); break;
    case 0xAF: c->a = c->x = RD(am_abs(n)); SET_NZ(c, c->a); break;
    case 0xB3: c->a = c->x = RD(am_indy(n, 0)); SET_NZ(c, c->a); break;
    case 0xB7: c->a = c->x = RD(am_zpi(n, c->y)); SET_NZ(c, c->a); break;
    case 0xBF: c->a = c->x = RD(am_absi(n, c->y, 0)); SET_NZ(c, c->a); break;
    case 0xAB: c->a = c->x = IMM(); SET_NZ(c, c->a); break; /* LXA: magic constant taken as $FF */
    /* immediate combos */
    case 0x0B: case 0x2B: /* ANC */
        c->a &= IMM(); SET_NZ(c, c->a);
        c->p = (uint8_t)((c->p & ~FLAG_C) | (c->a >> 7));
        break;
    case 0x4B: c->a &= IMM(); c->a = op_lsr(c, c->a); break; /* ALR */
    case 0x6B: { /* ARR */
        c->a &= IMM();
        c->a = (uint8_t)(c->a >> 1 | (c->p & FLAG_C) << 7);
        SET_NZ(c, c->a);
        uint8_t b6 = (c->a >> 6) & 1, b5 = (c->a >> 5) & 1;
        c->p = (uint8_t)((c->p & ~(FLAG_C | FLAG_V)) | b6 | ((b6 ^ b5) ? FLAG_V : 0));
    } break;
    case 0x8B: c->a = (uint8_t)((c->a | 0xEE) & c->x & IMM()); SET_NZ(c, c->a); break; /* XAA (unstable) */
    case 0xCB: { /* AXS / SBX */
        uint8_t v = IMM(), ax = c->a & c->x;
        c->x = (uint8_t)(ax - v);
        c->p = (uint8_t)((c->p & ~FLAG_C) | (ax >= v ? FLAG_C : 0));
        SET_NZ(c, c->x);
    } break;
    case 0xBB: { /* LAS */
        uint8_t v = RD(am_absi(n, c->y, 0)) & c->s;
        c->a = c->x = c->s = v; SET_NZ(c, v);
    } break;
    /* SHA / SHX / SHY / TAS */
    case 0x93: {
        uint8_t p = IMM();
        uint16_t lo = RD(p);
        uint16_t base = (uint16_t)(lo | RD((uint8_t)(p + 1)) << 8);
        op_sh(n, base, c->y, c->a & c->x);
    } break;
    case 0x9F: op_sh(n, am_abs(n), c->y, c->a & c->x); break;
    case 0x9E: op_sh(n, am_abs(n), c->y, c->x); break;
    case 0x9C: op_sh(n, am_abs(n), c->x, c->y); break;
    case 0x9B: c->s = c->a & c->x; op_sh(n, am_abs(n), c->y, c->s); break;
    /* NOPs that read */
    case 0x80: case 0x82: case 0x89: case 0xC2: case 0xE2: IMM(); break;
    case 0x04: case 0x44: case 0x64: RD(am_zp(n)); break;
    case 0x14: case 0x34: case 0x54: case 0x74: case 0xD4: case 0xF4: RD(am_zpi(n, c->x)); break;
    case 0x0C: RD(am_abs(n)); break;
    case 0x1C: case 0x3C: case 0x5C: case 0x7C: case 0xDC: case 0xFC: RD(am_absi(n, c->x, 0)); break;
    /* JAM / KIL: the CPU stops fetching until reset */
    default:
        c->jammed = 1;
        c->pc--;
        return;
    }
    if (c->poll) interrupt(n);
}

void cpu_step(nes_t *n) { execute(n); }

/* Instructions until the PPU reports a finished frame or the CPU jams: the loop around the
 * inlined instruction body saves a call per instruction. */
void cpu_run_frame(nes_t *n, uint64_t limit) {
    while (!n->ppu.frame_ready && !n->cpu.jammed && n->cpu.master_clock < limit) execute(n);
}

/* Instructions until cpu_cycles() reaches `target` (or the CPU jams). The comparison is made
 * on the master clock, so the loop pays no division per instruction. */
void cpu_run_until(nes_t *n, uint64_t target) {
    int64_t cycles = (int64_t)target + 2 - (int64_t)n->cpu.cycle_offset;
    if (cycles <= 0) return;
    uint64_t clock = 12u * (uint64_t)cycles - 11u; /* cpu_cycles() >= target from here on */
    while (n->cpu.master_clock < clock && !n->cpu.jammed) execute(n);
}

/* Power-on and RESET: the CPU spends 8 cycles (bus reads of no consequence, S decremented by
 * 3 with writes suppressed) before it fetches from the reset vector. */
static void reset_sequence(nes_t *n) {
    cpu_t *c = &n->cpu;
    c->pc = (uint16_t)(bus_read(n, 0xFFFC) | bus_read(n, 0xFFFD) << 8);
    for (int i = 0; i < 8; i++) {
        cycle_start(n, CPU_START_READ);
        cycle_end(n, CPU_END_READ);
    }
}

void cpu_power(nes_t *n) {
    cpu_t *c = &n->cpu;
    memset(c, 0, sizeof(*c));
    c->s = 0xFD;
    c->p = FLAG_I | FLAG_U;
    c->master_clock = 12; /* cpu_cycles() -1: the reset sequence's first cycle is cycle 0 */
    c->int_active = 1;
    reset_sequence(n);
}

void cpu_reset(nes_t *n) {
    cpu_t *c = &n->cpu;
    c->p |= FLAG_I;
    c->s = (uint8_t)(c->s - 3);
    c->jammed = 0;
    c->need_nmi = 0;
    c->poll &= (uint8_t)~POLL_NMI;
    c->int_active = 1;
    c->need_halt = c->need_dummy_read = c->oam_dma = c->dmc_dma = 0;
    c->in_dma = c->dmc_abort = 0;
    reset_sequence(n);
}

void cpu_state(state_t *st, nes_t *n) {
    cpu_t *c = &n->cpu;
    st_begin(st, "CPU1");
    ST_FIELD(st, c->pc); ST_FIELD(st, c->a); ST_FIELD(st, c->x); ST_FIELD(st, c->y);
    ST_FIELD(st, c->s); ST_FIELD(st, c->p); ST_FIELD(st, c->jammed);
    ST_FIELD(st, c->master_clock); ST_FIELD(st, c->cycle_offset);
    ST_FIELD(st, c->prev_nmi_line); ST_FIELD(st, c->need_nmi); ST_FIELD(st, c->run_irq);
    ST_FIELD(st, c->poll);
    if (st->mode == ST_LOAD) c->int_active = 1; /* sample the lines at the next cycle's end */
    ST_FIELD(st, c->need_halt); ST_FIELD(st, c->need_dummy_read);
    ST_FIELD(st, c->oam_dma); ST_FIELD(st, c->dmc_dma); ST_FIELD(st, c->oam_dma_page);
    ST_FIELD(st, c->open_bus);
    st_end(st);
}
