/* rules.h - a game's rules as a table: reward, termination, info and frame-skipping rules
 * evaluated on a console's CPU RAM after each frame (games/spec.py compiles a game spec to it).
 * Not part of the console: it reads and writes the 2 KiB CPU RAM and, for skip rules, asks the
 * caller (or nes_rules_skip_run) to run frames with no input. A table is read-only once built:
 * any number of threads evaluate it at once, each console with its own nes_rules_state_t. */
#ifndef NES_RULES_H
#define NES_RULES_H
#include <stddef.h>
#include <stdint.h>

#include "nes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Expressions are stack programs: a program is an index into ops, ending at NES_RULE_END with
 * one value on the stack. Conditions are values (0 false, 1 true). */
enum nes_rule_opcode {
    NES_RULE_END = 0,
    NES_RULE_CONST,  /* push b */
    NES_RULE_RAM,    /* push the value at RAM address a, type b (NES_RULE_TYPE) */
    NES_RULE_ADD,    /* pop y, x; push x + y (likewise below) */
    NES_RULE_SUB,
    NES_RULE_MUL,
    NES_RULE_EQ,
    NES_RULE_NE,
    NES_RULE_LT,
    NES_RULE_GT,
    NES_RULE_LE,
    NES_RULE_GE,
    NES_RULE_IN,     /* pop x; push 1 if x is one of the b constants from consts[a] */
    NES_RULE_AND,
    NES_RULE_OR,
    NES_RULE_NOT,    /* pop x; push !x */
    NES_RULE_SELECT, /* pop else, then, cond; push cond ? then : else */
    NES_RULE_REG,    /* push the console's register a (nes_rules_state_t.regs) */
    NES_RULE_ABS,    /* pop x; push |x| */
    NES_RULE_MIN,    /* pop y, x; push min(x, y) */
    NES_RULE_MAX,    /* pop y, x; push max(x, y) */
    NES_RULE_DIV,    /* pop y, x; push x // y (floor, as Python; 0 when y is 0) */
    NES_RULE_MOD,    /* pop y, x; push x % y (sign of y, as Python; 0 when y is 0) */
    NES_RULE_OPCODES
};

/* RAM value types (stable-retro's type strings): width in bytes (1-8), representation, byte
 * order. Unsigned and signed (two's complement) integers; packed BCD (two decimal digits per
 * byte, "d"); one decimal digit per byte in the low nibble ("n"); one decimal number per byte
 * joined as text ("t": bytes 1, 10, 3 read 1103, as readers that join str(byte) do). */
enum nes_rule_repr {
    NES_RULE_UNSIGNED = 0, NES_RULE_SIGNED = 1, NES_RULE_BCD = 2, NES_RULE_LN_BCD = 3, NES_RULE_TEXT = 4
};
#define NES_RULE_TYPE(width, repr, big_endian) ((int64_t)(width) | (int64_t)(repr) << 8 | (int64_t)(big_endian) << 16)

typedef struct nes_rule_op {
    int32_t op;
    int32_t a;
    int64_t b;
} nes_rule_op_t;

enum nes_reward_kind {
    NES_REWARD_DELTA = 0, /* weight * (value - value after the last frame) / divisor, 0 outside
                           * [low, high] or while cond (if >= 0) does not hold; last always kept */
    NES_REWARD_WHILE = 1, /* weight while cond holds */
    NES_REWARD_VALUE = 2  /* weight * value / divisor */
};

typedef struct nes_reward_term {
    int32_t kind;
    int32_t value; /* program (DELTA, VALUE) */
    int32_t cond;  /* program (WHILE; DELTA: -1 or the condition it counts under) */
    int32_t slot;  /* DELTA: index into nes_rules_state_t.last */
    double weight;
    int64_t low, high;
    double divisor;    /* DELTA, VALUE: != 0 */
    int32_t component; /* index into nes_rules_state_t.components, or -1 */
} nes_reward_term_t;

/* Register updates: if `when` (a program, or -1: always) holds, the values of assignments
 * [first, first + n) are computed, then stored (all read the registers as they were). Phase
 * 0 runs after each frame's reward and flags, before the info; phase 1 after a frame that did
 * not end the episode, before the skip rules (nes_rules_skip_begin). */
typedef struct nes_rule_assign {
    int32_t reg;
    int32_t value; /* program */
} nes_rule_assign_t;

typedef struct nes_rule_update {
    int32_t phase;
    int32_t when;
    int32_t first, n; /* into the table's assigns */
} nes_rule_update_t;

typedef struct nes_ram_write {
    int32_t address;
    int32_t value; /* 0-255 */
} nes_ram_write_t;

/* A skip rule, run between agent steps of an episode that goes on: if `when` holds, remember
 * `until` (when >= 0), then repeat { apply its writes; stop if max_frames is 0; run a frame with
 * no input; update the stall counter } while fewer than max_frames (-1: no bound, the table's
 * frame_limit raises) frames ran, `cont` holds (when cont < 0: `when` holds) and `until` kept
 * its value. Stall counter: after each frame, if stall_when holds and stall_value did not change
 * over the frame, count; at stall_frames apply the stall writes; else restart at 0. */
typedef struct nes_skip_rule {
    int32_t when, cont, until;
    int32_t writes, nwrites; /* into the table's writes */
    int32_t max_frames;
    int32_t stall_value, stall_when, stall_frames; /* stall_value < 0: no stall counter */
    int32_t stall_writes, stall_nwrites;
} nes_skip_rule_t;

#define NES_RULES_MAX_DELTAS 16
#define NES_RULES_MAX_REGS 32
#define NES_RULES_MAX_COMPONENTS 16
#define NES_RULES_STACK 32

typedef struct nes_rules {
    const nes_rule_op_t *ops;
    int32_t nops;
    const int64_t *consts;
    int32_t nconsts;
    const nes_reward_term_t *rewards;
    int32_t nrewards;
    int32_t terminated, truncated; /* programs, or -1: never */
    const int32_t *info;           /* programs, one per info value */
    int32_t ninfo;
    const nes_skip_rule_t *skips;
    int32_t nskips;
    const nes_ram_write_t *writes;
    int32_t nwrites;
    int32_t frame_limit; /* frames an unbounded skip rule may run before it fails */
    const int32_t *reg_reset; /* per register: its program at an episode's start (in order) */
    int32_t nregs;
    const nes_rule_update_t *updates;
    int32_t nupdates;
    const nes_rule_assign_t *assigns;
    int32_t nassigns;
    int32_t ncomponents;
} nes_rules_t;

/* A console's counters: the DELTA terms' last values, the registers, the last frame's reward
 * and its parts per component, and the skip rules' progress. */
typedef struct nes_rules_state {
    int64_t last[NES_RULES_MAX_DELTAS];
    int32_t rule, running, frames, stall;
    int64_t ref, stall_last;
    int64_t regs[NES_RULES_MAX_REGS];
    double reward;
    double components[NES_RULES_MAX_COMPONENTS];
} nes_rules_state_t;

/* Check a table (program bounds and stack use, opcodes, addresses, types, writes); NES_OK or -1
 * with a message in errbuf. The ops must be whole programs one after the other; a program
 * index is 0 or follows an NES_RULE_END. Every other function assumes a checked table. */
int nes_rules_check(const nes_rules_t *r, char *errbuf, size_t errlen);
/* A program's value; registers read from s (NULL: they read 0). */
int64_t nes_rules_eval(const nes_rules_t *r, const nes_rules_state_t *s, int32_t program,
                       const uint8_t *ram);
/* Start an episode: every DELTA term's last value and every register from `ram`; the
 * reward and its components 0. */
void nes_rules_reset(const nes_rules_t *r, nes_rules_state_t *s, const uint8_t *ram);
/* Account for one frame: return the reward; *flags gets bit 0 terminated, bit 1 truncated. */
double nes_rules_step(const nes_rules_t *r, nes_rules_state_t *s, const uint8_t *ram, int *flags);
/* out[k * stride] = info value k. */
void nes_rules_info(const nes_rules_t *r, const nes_rules_state_t *s, const uint8_t *ram,
                    int64_t *out, ptrdiff_t stride);
/* Skip rules, one frame at a time for callers that run frames themselves: begin (nothing runs
 * when `terminated`; else the phase-1 register updates first), then call next until it returns
 * 0 (done), running one frame with no input after each 1. -1: a rule ran frame_limit frames
 * (s->rule names it). */
void nes_rules_skip_begin(const nes_rules_t *r, nes_rules_state_t *s, const uint8_t *ram,
                          int terminated);
int nes_rules_skip_next(const nes_rules_t *r, nes_rules_state_t *s, uint8_t *ram);
/* Both on a console: returns the frames run, -1 (limit, as above) or -2 (emulation watchdog). */
int nes_rules_skip_run(const nes_rules_t *r, nes_rules_state_t *s, nes_t *nes, int terminated);

#ifdef __cplusplus
}
#endif
#endif
