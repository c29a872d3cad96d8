/* state.h - the save-state visitor: one function per unit walks its fields once, and the mode
 * decides whether that walk measures, saves or loads, so save and load cannot drift apart. */
#ifndef NES_STATE_H
#define NES_STATE_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ST_VERIFY walks like ST_SAVE but compares each field with the buffer instead of writing
 * it (nes_state_load's check that a loaded payload is a fixed point of load + save). */
enum { ST_MEASURE = 0, ST_SAVE = 1, ST_LOAD = 2, ST_VERIFY = 3 };

/* With state_t.check set, arrays of at least this many bytes are skipped: they hold memory
 * contents (RAM, VRAM, OAM, sprite line buffers, the picture), where every value is valid,
 * and skipping them keeps the check cheap. */
#define ST_BULK 256

/* The section layout a build writes for one console (tags and lengths): measured once per
 * console and kept, since it depends only on the cartridge. */
typedef struct state_layout {
    int nsec;
    char sec_tag[16][4];
    uint32_t sec_len[16];
    size_t payload;
} state_layout_t;

typedef struct state {
    int mode;
    uint8_t *buf;     /* ST_SAVE target / ST_LOAD source (cast) */
    size_t pos, cap;
    int err;          /* set on overrun, a section mismatch, or (ST_VERIFY) a difference */
    int check;        /* skip arrays of ST_BULK bytes or more (see ST_BULK) */
    size_t err_pos;   /* ST_VERIFY: payload offset of the first field that differs */
    size_t sec_start; /* offset of the current section's length field */
    const char *msg;
    state_layout_t layout; /* filled by a measuring pass */
} state_t;

static inline void st_bytes(state_t *st, void *p, size_t n) {
    if (st->err) return;
    if (st->mode != ST_MEASURE) {
        if (st->pos + n > st->cap) { st->err = 1; st->msg = "state data ends early"; return; }
        if (st->check && n >= ST_BULK) { st->pos += n; return; }
        if (st->mode == ST_SAVE) memcpy(st->buf + st->pos, p, n);
        else if (st->mode == ST_LOAD) memcpy(p, st->buf + st->pos, n);
        else if (memcmp(p, st->buf + st->pos, n) != 0) {
            st->err = 1; st->msg = "value out of range"; st->err_pos = st->pos; return;
        }
    }
    st->pos += n;
}
#define ST_FIELD(st, f) st_bytes((st), &(f), sizeof(f))
#define ST_ARRAY(st, a) st_bytes((st), (a), sizeof(a))

/* A section is a 4-character tag and a 32-bit length; loading checks both. */
void st_begin(state_t *st, const char tag[4]);
void st_end(state_t *st);
#endif
