/* cpu.c - the 2A03's 6502 core (no decimal mode), https://www.nesdev.org/wiki/CPU
 * Every bus access is one CPU cycle, dummy reads and writes included; in each cycle the PPU
 * runs to the master clock in two halves around the access (a read sees the PPU 5/12 into the
 * cycle, a write 7/12), the APU and the board's M2 hook tick, and the NMI/IRQ lines are sampled
 * at the end of the cycle, so "the second-to-last cycle decides" falls out of the sequencing.
 * https://www.nesdev.org/wiki/CPU_interrupts, https://www.nesdev.org/wiki/DMA */
#include "core.h"
#include "ppu.h" /* PPUSTATUS bits, for the poll loops */

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
/* Whether an OAM DMA write now is a plain OAMDATA write that needs no PPU catch-up: the PPU
 * is in the post-render or vblank lines (or does not render) and reaches no scheduled event
 * before the write (a margin short of it: just before the pre-render line a write would see
 * it). The PPU syncs at the next access instead. No lockstep, no M2 hook. */
static inline int oam_write_plain(const nes_t *n) {
    const ppu_t *p = &n->ppu;
    return !n->slow_cycle && n->cpu.master_clock + 4 * 4 <= n->ppu_event
           && p->rendering == ((p->mask & PPUMASK_RENDERING) != 0)
           && !ppu_on_rendering_line(p);
}

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
    int latch_due = 0; /* plain OAMDATA writes leave the PPU's I/O latch to the end */
    uint8_t latch_byte = 0;

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
                if (oam_write_plain(n)) {
                    n->ppu.oam[n->ppu.oamaddr++] = val;
                    c->open_bus = latch_byte = val;
                    latch_due = 1;
                } else {
                    bus_write(n, 0x2004, val);
                    latch_due = 0;
                }
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
    if (latch_due) ppu_oam_dma_done(n, latch_byte);
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

/* ---- the instruction executor ----
 * execute() is fetch, decode, execute, poll: it reads the opcode, run_opcode() (the decode
 * table) calls the opcode's instruction family with the operation and addressing mode as
 * constants, the family runs the instruction's bus sequence, and the interrupt poll its
 * second-to-last cycle made decides whether the NMI/IRQ sequence follows. Every part is
 * inlined with its constants, so the compiled decode is still one jump per instruction.
 * https://www.nesdev.org/wiki/CPU_addressing_modes, https://www.nesdev.org/wiki/6502_cycle_times */

/* addressing modes; AM_ACC (the accumulator) only for read-modify-writes */
enum { AM_IMM, AM_ZP, AM_ZPX, AM_ZPY, AM_ABS, AM_ABSX, AM_ABSY, AM_INDX, AM_INDY, AM_ACC };

/* The effective address of `mode`. `store`: a write or read-modify-write, whose indexed modes
 * make the read before the high byte is fixed even without a page cross. */
HOT uint16_t effective_address(nes_t *n, int mode, int store) {
    cpu_t *c = &n->cpu;
    switch (mode) {
    case AM_ZP: return am_zp(n);
    case AM_ZPX: return am_zpi(n, c->x);
    case AM_ZPY: return am_zpi(n, c->y);
    case AM_ABS: return am_abs(n);
    case AM_ABSX: return am_absi(n, c->x, store);
    case AM_ABSY: return am_absi(n, c->y, store);
    case AM_INDX: return am_indx(n);
    default: return am_indy(n, store);
    }
}

/* A read instruction's operand: the byte after the opcode, or the byte at its address. */
HOT uint8_t operand(nes_t *n, int mode) {
    return mode == AM_IMM ? rd(n, n->cpu.pc++) : rd(n, effective_address(n, mode, 0));
}

/* ---- read instructions: the operand into a register, the ALU or nowhere (NOPs) ---- */
enum { R_ORA, R_AND, R_EOR, R_ADC, R_LDA, R_CMP, R_SBC, R_LDX, R_LDY, R_CPX, R_CPY, R_BIT,
       R_NOP, /* unofficial: */ R_LAX, R_LAS, R_ANC, R_ALR, R_ARR, R_XAA, R_AXS };

HOT void exec_read(nes_t *n, int operation, int mode) {
    cpu_t *c = &n->cpu;
    uint8_t v = operand(n, mode);
    switch (operation) {
    case R_ORA: c->a |= v; SET_NZ(c, c->a); break;
    case R_AND: c->a &= v; SET_NZ(c, c->a); break;
    case R_EOR: c->a ^= v; SET_NZ(c, c->a); break;
    case R_ADC: op_adc(c, v); break;
    case R_LDA: c->a = v; SET_NZ(c, c->a); break;
    case R_CMP: op_cmp(c, c->a, v); break;
    case R_SBC: op_sbc(c, v); break;
    case R_LDX: c->x = v; SET_NZ(c, c->x); break;
    case R_LDY: c->y = v; SET_NZ(c, c->y); break;
    case R_CPX: op_cmp(c, c->x, v); break;
    case R_CPY: op_cmp(c, c->y, v); break;
    case R_BIT: op_bit(c, v); break;
    case R_NOP: break;
    case R_LAX: c->a = c->x = v; SET_NZ(c, c->a); break; /* #imm is LXA, magic constant $FF */
    case R_LAS: v &= c->s; c->a = c->x = c->s = v; SET_NZ(c, v); break;
    case R_ANC:
        c->a &= v; SET_NZ(c, c->a);
        c->p = (uint8_t)((c->p & ~FLAG_C) | (c->a >> 7));
        break;
    case R_ALR: c->a &= v; c->a = op_lsr(c, c->a); break;
    case R_ARR: {
        c->a &= v;
        c->a = (uint8_t)(c->a >> 1 | (c->p & FLAG_C) << 7);
        SET_NZ(c, c->a);
        uint8_t b6 = (c->a >> 6) & 1, b5 = (c->a >> 5) & 1;
        c->p = (uint8_t)((c->p & ~(FLAG_C | FLAG_V)) | b6 | ((b6 ^ b5) ? FLAG_V : 0));
    } break;
    case R_XAA: c->a = (uint8_t)((c->a | 0xEE) & c->x & v); SET_NZ(c, c->a); break; /* unstable */
    case R_AXS: { /* SBX */
        uint8_t ax = c->a & c->x;
        c->x = (uint8_t)(ax - v);
        c->p = (uint8_t)((c->p & ~FLAG_C) | (ax >= v ? FLAG_C : 0));
        SET_NZ(c, c->x);
    } break;
    }
}

/* ---- store instructions ---- */
enum { W_STA, W_STX, W_STY, W_SAX };

HOT void exec_store(nes_t *n, int operation, int mode) {
    cpu_t *c = &n->cpu;
    uint16_t a = effective_address(n, mode, 1);
    uint8_t v = operation == W_STA ? c->a : operation == W_STX ? c->x : operation == W_STY ? c->y
                                                                                      : (uint8_t)(c->a & c->x);
    wr(n, a, v);
}

/* ---- read-modify-write instructions: read, write back the same byte (the 6502's dummy
 * write), write the result; on the accumulator a dummy read of the next byte instead ---- */
enum { M_ASL, M_ROL, M_LSR, M_ROR, M_DEC, M_INC,
       /* unofficial: */ M_SLO, M_RLA, M_SRE, M_RRA, M_DCP, M_ISC };

HOT uint8_t modify(cpu_t *c, int operation, uint8_t v) {
    switch (operation) {
    case M_ASL: return op_asl(c, v);
    case M_ROL: return op_rol(c, v);
    case M_LSR: return op_lsr(c, v);
    case M_ROR: return op_ror(c, v);
    case M_DEC: return op_dec(c, v);
    case M_INC: return op_inc(c, v);
    case M_SLO: return op_slo(c, v);
    case M_RLA: return op_rla(c, v);
    case M_SRE: return op_sre(c, v);
    case M_RRA: return op_rra(c, v);
    case M_DCP: return op_dcp(c, v);
    default: return op_isc(c, v);
    }
}

HOT void exec_rmw(nes_t *n, int operation, int mode) {
    cpu_t *c = &n->cpu;
    if (mode == AM_ACC) {
        rd(n, c->pc);
        c->a = modify(c, operation, c->a);
        return;
    }
    uint16_t a = effective_address(n, mode, 1);
    uint8_t v = rd(n, a);
    wr(n, a, v);
    wr(n, a, modify(c, operation, v));
}

/* ---- one-byte instructions: a dummy read of the next byte, then a register operation ---- */
HOT void exec_implied(nes_t *n, uint8_t op) {
    cpu_t *c = &n->cpu;
    rd(n, c->pc);
    switch (op) {
    case 0x18: c->p &= ~FLAG_C; break; /* CLC */
    case 0x38: c->p |= FLAG_C; break;  /* SEC */
    case 0x58: c->p &= ~FLAG_I; break; /* CLI */
    case 0x78: c->p |= FLAG_I; break;  /* SEI */
    case 0xB8: c->p &= ~FLAG_V; break; /* CLV */
    case 0xD8: c->p &= ~FLAG_D; break; /* CLD */
    case 0xF8: c->p |= FLAG_D; break;  /* SED */
    case 0xAA: c->x = c->a; SET_NZ(c, c->x); break; /* TAX */
    case 0x8A: c->a = c->x; SET_NZ(c, c->a); break; /* TXA */
    case 0xA8: c->y = c->a; SET_NZ(c, c->y); break; /* TAY */
    case 0x98: c->a = c->y; SET_NZ(c, c->a); break; /* TYA */
    case 0xBA: c->x = c->s; SET_NZ(c, c->x); break; /* TSX */
    case 0x9A: c->s = c->x; break;                  /* TXS */
    case 0xE8: c->x++; SET_NZ(c, c->x); break;      /* INX */
    case 0xCA: c->x--; SET_NZ(c, c->x); break;      /* DEX */
    case 0xC8: c->y++; SET_NZ(c, c->y); break;      /* INY */
    case 0x88: c->y--; SET_NZ(c, c->y); break;      /* DEY */
    default: break;                                 /* NOP and its unofficial copies */
    }
}

/* ---- stack, jumps, subroutines, interrupts by instruction ---- */
HOT void exec_push(nes_t *n, uint8_t v) { rd(n, n->cpu.pc); push(n, v); } /* PHA, PHP */

/* PLA / PLP: the dummy read of the next byte, then of the stack before S moves */
HOT uint8_t exec_pull(nes_t *n) {
    cpu_t *c = &n->cpu;
    rd(n, c->pc);
    rd(n, 0x100 | c->s);
    return pull(n);
}

/* Further rounds of a JMP to itself, the loop many games idle in until the NMI (Super Mario
 * Bros. spends about 45% of its cycles there). A round is three reads of PRG ROM or RAM
 * (opcode, address low, high) that change nothing but the clocks, so while nothing else can
 * act the rounds are counted in bulk: the ones that start before `limit` (the run's end),
 * end before the cycle whose end syncs the PPU (ppu_event: vblank, a board's IRQ) and before
 * the APU's next event (which may raise an IRQ or start a DMC DMA). The caller checked that
 * no interrupt line needs sampling and no DMA is due; the rounds after these run one by one
 * as before. */
static __attribute__((noinline)) void idle_rounds(nes_t *n, uint64_t limit) {
    cpu_t *c = &n->cpu;
    const uint64_t mc = c->master_clock, round = 3 * (CPU_START_READ + CPU_END_READ);
    if (limit <= mc || n->ppu_event <= mc || n->apu.wait <= 3) return;
    uint64_t k = (limit - mc) / round;
    uint64_t k_ppu = (n->ppu_event - mc) / round;    /* last cycle end - PPU_OFFSET < ppu_event */
    uint64_t k_apu = (n->apu.wait - 1) / 3;           /* the countdown stays >= 1 */
    if (k_ppu < k) k = k_ppu;
    if (k_apu < k) k = k_apu;
    c->master_clock = mc + k * round;
    n->apu.wait -= (uint32_t)(3 * k);
}

/* JMP abs; `limit`: see idle_rounds (0: one instruction only); `frame_end`: the run also
 * stops at a finished frame (ppu.frame_ready), which the PPU may have set in this JMP */
HOT void exec_jmp(nes_t *n, uint64_t limit, int frame_end) {
    cpu_t *c = &n->cpu;
    const uint16_t at = (uint16_t)(c->pc - 1);
    c->pc = am_abs(n);
    /* the loop's reads take rd's inline path only in PRG ROM and internal RAM */
    if (__builtin_expect(c->pc == at, 0) && !(c->int_active | irq_unmasked(n) | c->need_halt | n->slow_cycle)
        && !(frame_end && n->ppu.frame_ready) && (at >= 0x8000 ? at <= 0xFFFD : at <= 0x1FFD))
        idle_rounds(n, limit);
}

/* A byte of the program at `a`, read without side effects: PRG ROM or internal RAM only. */
static inline int code_byte(const nes_t *n, uint16_t a) {
    if (a >= 0x8000) return n->cart.prg[n->cart.prg_map[(a >> 13) & 3] + (a & 0x1FFF)];
    return a < 0x2000 ? n->ram[a & 0x7FF] : -1;
}

/* Further rounds of a loop that polls PPUSTATUS, as Super Mario Bros. waits for sprite 0 hit
 * (a fifth of its instructions), `at` its first byte, reached by its branch:
 *     LDA $2002 / AND #m / BEQ|BNE at     9 cycles a round (10 when the branch crosses a page)
 *     BIT $2002 / BPL|BMI|BVC|BVS at      7 (8)
 * A round changes nothing but the clocks while its PPUSTATUS read returns what the last one
 * did: the read cleared vblank, which is set again only at ppu_event, and the flag bits that
 * decide the round (the AND's; BIT's N, V and Z) stay as they are up to that event unless
 * sprite 0 hit or sprite overflow is set. So the PPU runs ahead, stopping at a sprite 0 hit
 * that matters (ppu_run_to_hit), and the rounds whose reads come before it are counted in
 * bulk, bounded as idle_rounds' are; a loop that an overflow could end runs as before. The
 * round after them runs normally and its read sees the PPU where it stopped, which is at or
 * before that read's own target. The caller checked what exec_jmp checks for idle_rounds. */
static __attribute__((noinline)) void poll_rounds(nes_t *n, uint64_t limit, uint16_t at) {
    cpu_t *c = &n->cpu;
    int b[7];
    for (int i = 0; i < 7; i++) b[i] = code_byte(n, (uint16_t)(at + i));
    if (b[1] != 0x02 || b[2] != 0x20) return;
    /* The next read returns `v` unless the PPU sets a flag before it. The PPU may have moved
     * since the last read (a scheduled event in the round's last cycles): the rounds are
     * alike only if `v` leaves A and P as the last read did and clears nothing. */
    const uint8_t v = ppu_status_peek(n);
    if (v & PPUSTATUS_VBLANK) return;
    int cycles, decides; /* the PPUSTATUS bits a round's A and P depend on */
    uint16_t next; /* the address after the branch */
    if (b[0] == 0xAD && b[3] == 0x29 && (b[5] == 0xF0 || b[5] == 0xD0) && b[6] == 0xF9) {
        if ((v & b[4]) != c->a) return;
        cycles = 9; decides = b[4]; next = (uint16_t)(at + 7);
    } else if (b[0] == 0x2C && (b[3] & 0x1F) == 0x10 && !(b[3] & 0x80) && b[4] == 0xFB) {
        const uint8_t nvz = (uint8_t)((v & (FLAG_N | FLAG_V)) | ((c->a & v) ? 0 : FLAG_Z));
        if ((c->p & (FLAG_N | FLAG_V | FLAG_Z)) != nvz) return;
        cycles = 7; decides = 0xC0 | c->a; next = (uint16_t)(at + 5);
    } else return;
    if ((next ^ at) & 0xFF00) cycles++;
    const uint8_t may_set = (uint8_t)(decides & (PPUSTATUS_SPRITE0_HIT | PPUSTATUS_OVERFLOW) & ~v);
    if (may_set & PPUSTATUS_OVERFLOW) return;
    const uint64_t mc = c->master_clock, round = (uint64_t)cycles * (CPU_START_READ + CPU_END_READ);
    if (limit <= mc || n->ppu_event <= mc || n->apu.wait <= (uint32_t)cycles) return;
    uint64_t k = (limit - mc) / round;
    uint64_t k_ppu = (n->ppu_event - mc) / round;
    uint64_t k_apu = (n->apu.wait - 1) / (uint32_t)cycles;
    if (k_ppu < k) k = k_ppu;
    if (k_apu < k) k = k_apu;
    if (k == 0) return;
    /* the PPU target of round i's read: three cycles in, then the read's first part */
    const uint64_t read0 = mc + 3 * (CPU_START_READ + CPU_END_READ) + CPU_START_READ - PPU_OFFSET;
    if (may_set) {
        ppu_run_to_hit(n, read0 + (k - 1) * round);
        if (n->ppu.status & PPUSTATUS_SPRITE0_HIT) /* the first read at or past ppu.clock sees it */
            k = n->ppu.clock <= read0 ? 0 : (n->ppu.clock - read0 + round - 1) / round;
    }
    c->master_clock = mc + k * round;
    n->apu.wait -= (uint32_t)(cycles * k);
}

HOT void exec_jmp_indirect(nes_t *n) {
    uint16_t ptr = am_abs(n);
    uint16_t lo = rd(n, ptr);
    /* the pointer's high byte is fetched without carry into the page */
    n->cpu.pc = (uint16_t)(lo | rd(n, (uint16_t)((ptr & 0xFF00) | ((ptr + 1) & 0xFF))) << 8);
}

HOT void exec_jsr(nes_t *n) {
    cpu_t *c = &n->cpu;
    uint16_t lo = rd(n, c->pc++);
    rd(n, 0x100 | c->s);
    push(n, (uint8_t)(c->pc >> 8));
    push(n, (uint8_t)c->pc);
    c->pc = (uint16_t)(lo | rd(n, c->pc) << 8);
}

HOT void exec_rts(nes_t *n) {
    cpu_t *c = &n->cpu;
    rd(n, c->pc);
    rd(n, 0x100 | c->s);
    uint16_t lo = pull(n);
    c->pc = (uint16_t)(lo | pull(n) << 8);
    rd(n, c->pc);
    c->pc++;
}

HOT void exec_rti(nes_t *n) {
    cpu_t *c = &n->cpu;
    rd(n, c->pc);
    rd(n, 0x100 | c->s);
    c->p = (uint8_t)((pull(n) & ~FLAG_B) | FLAG_U);
    uint16_t lo = pull(n);
    c->pc = (uint16_t)(lo | pull(n) << 8);
}

HOT void exec_brk(nes_t *n) {
    cpu_t *c = &n->cpu;
    rd(n, c->pc);
    c->pc++;
    push(n, (uint8_t)(c->pc >> 8));
    push(n, (uint8_t)c->pc);
    /* an NMI that arrives before the P push hijacks it, as for an IRQ */
    uint16_t vec = 0xFFFE;
    if (c->need_nmi) { c->need_nmi = 0; vec = 0xFFFA; }
    push(n, (uint8_t)(c->p | FLAG_B | FLAG_U));
    c->p |= FLAG_I;
    uint16_t lo = rd(n, vec);
    c->pc = (uint16_t)(lo | rd(n, (uint16_t)(vec + 1)) << 8);
    /* the handler's first instruction runs before a pending NMI is taken */
    c->poll &= (uint8_t)~POLL_NMI;
}

/* Bxx: taken when P's `flag` is `set`. `limit`, `frame_end`: see exec_jmp (a PPUSTATUS poll
 * loop may run in bulk: poll_rounds). */
HOT void exec_branch(nes_t *n, uint8_t flag, int set, uint64_t limit, int frame_end) {
    cpu_t *c = &n->cpu;
    int8_t off = (int8_t)rd(n, c->pc++);
    if (((c->p & flag) != 0) != set) return;
    /* a taken branch polls interrupts before cycle 2, not before cycle 3 (its last cycle
     * without a page cross) */
    uint8_t first = c->poll;
    if (c->run_irq && !(first & POLL_IRQ)) c->run_irq = 0;
    rd(n, c->pc);
    uint16_t np = (uint16_t)(c->pc + off);
    if ((np ^ c->pc) & 0xFF00) {
        rd(n, (uint16_t)((c->pc & 0xFF00) | (np & 0xFF)));
        /* and again before cycle 4: an IRQ the first poll saw is taken even if its source
         * was acknowledged since */
        c->poll |= (uint8_t)(first & POLL_IRQ);
        c->int_active |= c->poll;
    }
    c->pc = np;
    if (__builtin_expect(off == -7 || off == -5, 0) && !(c->int_active | irq_unmasked(n) | c->need_halt | n->slow_cycle)
        && !(frame_end && n->ppu.frame_ready))
        poll_rounds(n, limit, np);
}

/* SHA (zp),Y and abs,Y / SHX abs,Y / SHY abs,X / TAS abs,Y (see op_sh) */
HOT void exec_sh(nes_t *n, uint8_t op) {
    cpu_t *c = &n->cpu;
    switch (op) {
    case 0x93: {
        uint8_t p = rd(n, c->pc++);
        uint16_t lo = rd(n, p);
        uint16_t base = (uint16_t)(lo | rd(n, (uint8_t)(p + 1)) << 8);
        op_sh(n, base, c->y, c->a & c->x);
    } break;
    case 0x9F: op_sh(n, am_abs(n), c->y, c->a & c->x); break;
    case 0x9E: op_sh(n, am_abs(n), c->y, c->x); break;
    case 0x9C: op_sh(n, am_abs(n), c->x, c->y); break;
    default: c->s = c->a & c->x; op_sh(n, am_abs(n), c->y, c->s); break; /* 0x9B TAS */
    }
}

/* ---- decode: the opcode matrix ---- */
#define READ(op, R, M) case op: exec_read(n, R, M); break;
#define STORE(op, W, M) case op: exec_store(n, W, M); break;
#define RMW(op, F, M) case op: exec_rmw(n, F, M); break;
/* the eight modes of the "cc=01" column (ORA AND EOR ADC LDA CMP SBC) */
#define READ_GROUP(base, R)                                                           \
    READ((base) + 0x01, R, AM_INDX) READ((base) + 0x05, R, AM_ZP) READ((base) + 0x09, R, AM_IMM) \
    READ((base) + 0x0D, R, AM_ABS) READ((base) + 0x11, R, AM_INDY) READ((base) + 0x15, R, AM_ZPX) \
    READ((base) + 0x19, R, AM_ABSY) READ((base) + 0x1D, R, AM_ABSX)
/* official shifts and INC/DEC: zp, abs, zp,X, abs,X */
#define RMW_GROUP(base, F) \
    RMW((base) + 0x06, F, AM_ZP) RMW((base) + 0x0E, F, AM_ABS) RMW((base) + 0x16, F, AM_ZPX) RMW((base) + 0x1E, F, AM_ABSX)
/* the unofficial read-modify-write combinations share the "cc=11" column's modes */
#define RMW_GROUP_U(base, F)                                                                   \
    RMW((base) + 0x03, F, AM_INDX) RMW((base) + 0x07, F, AM_ZP) RMW((base) + 0x0F, F, AM_ABS) \
    RMW((base) + 0x13, F, AM_INDY) RMW((base) + 0x17, F, AM_ZPX) RMW((base) + 0x1B, F, AM_ABSY) \
    RMW((base) + 0x1F, F, AM_ABSX)

/* Runs the instruction `op` after its opcode fetch; 0 for the JAM opcodes. */
HOT int run_opcode(nes_t *n, uint8_t op, uint64_t limit, int frame_end) {
    cpu_t *c = &n->cpu;
    switch (op) {
    READ_GROUP(0x00, R_ORA) READ_GROUP(0x20, R_AND) READ_GROUP(0x40, R_EOR) READ_GROUP(0x60, R_ADC)
    READ_GROUP(0xA0, R_LDA) READ_GROUP(0xC0, R_CMP) READ_GROUP(0xE0, R_SBC)
    READ(0xEB, R_SBC, AM_IMM) /* unofficial copy */
    READ(0xA2, R_LDX, AM_IMM) READ(0xA6, R_LDX, AM_ZP) READ(0xAE, R_LDX, AM_ABS)
    READ(0xB6, R_LDX, AM_ZPY) READ(0xBE, R_LDX, AM_ABSY)
    READ(0xA0, R_LDY, AM_IMM) READ(0xA4, R_LDY, AM_ZP) READ(0xAC, R_LDY, AM_ABS)
    READ(0xB4, R_LDY, AM_ZPX) READ(0xBC, R_LDY, AM_ABSX)
    READ(0xE0, R_CPX, AM_IMM) READ(0xE4, R_CPX, AM_ZP) READ(0xEC, R_CPX, AM_ABS)
    READ(0xC0, R_CPY, AM_IMM) READ(0xC4, R_CPY, AM_ZP) READ(0xCC, R_CPY, AM_ABS)
    READ(0x24, R_BIT, AM_ZP) READ(0x2C, R_BIT, AM_ABS)

    STORE(0x81, W_STA, AM_INDX) STORE(0x85, W_STA, AM_ZP) STORE(0x8D, W_STA, AM_ABS)
    STORE(0x91, W_STA, AM_INDY) STORE(0x95, W_STA, AM_ZPX) STORE(0x99, W_STA, AM_ABSY)
    STORE(0x9D, W_STA, AM_ABSX)
    STORE(0x86, W_STX, AM_ZP) STORE(0x8E, W_STX, AM_ABS) STORE(0x96, W_STX, AM_ZPY)
    STORE(0x84, W_STY, AM_ZP) STORE(0x8C, W_STY, AM_ABS) STORE(0x94, W_STY, AM_ZPX)

    RMW_GROUP(0x00, M_ASL) RMW_GROUP(0x20, M_ROL) RMW_GROUP(0x40, M_LSR) RMW_GROUP(0x60, M_ROR)
    RMW_GROUP(0xC0, M_DEC) RMW_GROUP(0xE0, M_INC)
    RMW(0x0A, M_ASL, AM_ACC) RMW(0x2A, M_ROL, AM_ACC) RMW(0x4A, M_LSR, AM_ACC) RMW(0x6A, M_ROR, AM_ACC)

    case 0x18: case 0x38: case 0x58: case 0x78: case 0xB8: case 0xD8: case 0xF8:
    case 0xAA: case 0x8A: case 0xA8: case 0x98: case 0xBA: case 0x9A:
    case 0xE8: case 0xCA: case 0xC8: case 0x88:
    case 0xEA: case 0x1A: case 0x3A: case 0x5A: case 0x7A: case 0xDA: case 0xFA:
        exec_implied(n, op); break;

    case 0x48: exec_push(n, c->a); break;                                    /* PHA */
    case 0x08: exec_push(n, (uint8_t)(c->p | FLAG_B | FLAG_U)); break;       /* PHP */
    case 0x68: c->a = exec_pull(n); SET_NZ(c, c->a); break;                  /* PLA */
    case 0x28: c->p = (uint8_t)((exec_pull(n) & ~FLAG_B) | FLAG_U); break;   /* PLP */
    case 0x4C: exec_jmp(n, limit, frame_end); break;
    case 0x6C: exec_jmp_indirect(n); break;
    case 0x20: exec_jsr(n); break;
    case 0x60: exec_rts(n); break;
    case 0x40: exec_rti(n); break;
    case 0x00: exec_brk(n); break;

    case 0x10: exec_branch(n, FLAG_N, 0, limit, frame_end); break; /* BPL */
    case 0x30: exec_branch(n, FLAG_N, 1, limit, frame_end); break; /* BMI */
    case 0x50: exec_branch(n, FLAG_V, 0, limit, frame_end); break; /* BVC */
    case 0x70: exec_branch(n, FLAG_V, 1, limit, frame_end); break; /* BVS */
    case 0x90: exec_branch(n, FLAG_C, 0, limit, frame_end); break; /* BCC */
    case 0xB0: exec_branch(n, FLAG_C, 1, limit, frame_end); break; /* BCS */
    case 0xD0: exec_branch(n, FLAG_Z, 0, limit, frame_end); break; /* BNE */
    case 0xF0: exec_branch(n, FLAG_Z, 1, limit, frame_end); break; /* BEQ */

    /* ---- unofficial opcodes (https://www.nesdev.org/wiki/CPU_unofficial_opcodes) ---- */
    RMW_GROUP_U(0x00, M_SLO) RMW_GROUP_U(0x20, M_RLA) RMW_GROUP_U(0x40, M_SRE)
    RMW_GROUP_U(0x60, M_RRA) RMW_GROUP_U(0xC0, M_DCP) RMW_GROUP_U(0xE0, M_ISC)
    STORE(0x83, W_SAX, AM_INDX) STORE(0x87, W_SAX, AM_ZP) STORE(0x8F, W_SAX, AM_ABS)
    STORE(0x97, W_SAX, AM_ZPY)
    READ(0xA3, R_LAX, AM_INDX) READ(0xA7, R_LAX, AM_ZP) READ(0xAF, R_LAX, AM_ABS)
    READ(0xB3, R_LAX, AM_INDY) READ(0xB7, R_LAX, AM_ZPY) READ(0xBF, R_LAX, AM_ABSY)
    READ(0xAB, R_LAX, AM_IMM) READ(0xBB, R_LAS, AM_ABSY)
    READ(0x0B, R_ANC, AM_IMM) READ(0x2B, R_ANC, AM_IMM) READ(0x4B, R_ALR, AM_IMM)
    READ(0x6B, R_ARR, AM_IMM) READ(0x8B, R_XAA, AM_IMM) READ(0xCB, R_AXS, AM_IMM)
    case 0x93: case 0x9F: case 0x9E: case 0x9C: case 0x9B: exec_sh(n, op); break;
    /* NOPs that read */
    READ(0x80, R_NOP, AM_IMM) READ(0x82, R_NOP, AM_IMM) READ(0x89, R_NOP, AM_IMM)
    READ(0xC2, R_NOP, AM_IMM) READ(0xE2, R_NOP, AM_IMM)
    READ(0x04, R_NOP, AM_ZP) READ(0x44, R_NOP, AM_ZP) READ(0x64, R_NOP, AM_ZP)
    READ(0x14, R_NOP, AM_ZPX) READ(0x34, R_NOP, AM_ZPX) READ(0x54, R_NOP, AM_ZPX)
    READ(0x74, R_NOP, AM_ZPX) READ(0xD4, R_NOP, AM_ZPX) READ(0xF4, R_NOP, AM_ZPX)
    READ(0x0C, R_NOP, AM_ABS)
    READ(0x1C, R_NOP, AM_ABSX) READ(0x3C, R_NOP, AM_ABSX) READ(0x5C, R_NOP, AM_ABSX)
    READ(0x7C, R_NOP, AM_ABSX) READ(0xDC, R_NOP, AM_ABSX) READ(0xFC, R_NOP, AM_ABSX)
    default: return 0; /* JAM / KIL */
    }
    return 1;
}

/* One instruction: fetch, decode and execute, then the interrupt its poll saw. A JAM opcode
 * stops the CPU fetching until reset. `limit`: the master clock the run stops at, up to
 * which an idle loop may run in bulk (exec_jmp), 0 for exactly one instruction; `frame_end`:
 * the run also stops at a finished frame. */
HOT void execute(nes_t *n, uint64_t limit, int frame_end) {
    cpu_t *c = &n->cpu;
    if (c->jammed) return;
    uint8_t op = rd(n, c->pc++);
    if (!run_opcode(n, op, limit, frame_end)) {
        c->jammed = 1;
        c->pc--;
        return;
    }
    if (c->poll) interrupt(n);
}

void cpu_step(nes_t *n) { execute(n, 0, 0); }

/* Instructions until the PPU reports a finished frame or the CPU jams: the loop around the
 * inlined instruction body saves a call per instruction. */
void cpu_run_frame(nes_t *n, uint64_t limit) {
    while (!n->ppu.frame_ready && !n->cpu.jammed && n->cpu.master_clock < limit) execute(n, limit, 1);
}

/* Instructions until cpu_cycles() reaches `target` (or the CPU jams). The comparison is made
 * on the master clock, so the loop pays no division per instruction. */
void cpu_run_until(nes_t *n, uint64_t target) {
    int64_t cycles = (int64_t)target + 2 - (int64_t)n->cpu.cycle_offset;
    if (cycles <= 0) return;
    uint64_t clock = 12u * (uint64_t)cycles - 11u; /* cpu_cycles() >= target from here on */
    while (n->cpu.master_clock < clock && !n->cpu.jammed) execute(n, clock, 0);
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
    ST_RUN(st, cpu_t, c, pc, a, x, y, s, p, jammed, master_clock, cycle_offset,
           prev_nmi_line, need_nmi, run_irq, poll);
    if (st->mode == ST_LOAD) c->int_active = 1; /* sample the lines at the next cycle's end */
    ST_RUN(st, cpu_t, c, need_halt, need_dummy_read, oam_dma, dmc_dma, oam_dma_page, open_bus);
    st_end(st);
}
