/* state.h - the save-state visitor: one function per unit walks its fields once, and the mode
 * decides whether that walk measures, saves or loads, so save and load cannot drift apart. */
#ifndef NES_STATE_H
#define NES_STATE_H
#include <stddef.h> /* offsetof */
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
            size_t i = 0; /* a run holds several fields: report the first byte that differs */
            while (((const uint8_t *)p)[i] == st->buf[st->pos + i]) i++;
            st->err = 1; st->msg = "value out of range"; st->err_pos = st->pos + i; return;
        }
    }
    st->pos += n;
}
#define ST_FIELD(st, f) st_bytes((st), &(f), sizeof(f))
#define ST_ARRAY(st, a) st_bytes((st), (a), sizeof(a))

/* ST_RUN(st, T, p, f1, ..., fn): fields f1..fn of *p (a T), saved as one run of bytes, the same
 * bytes as ST_FIELD on each in turn: one bounds check and copy instead of n (the walk's cost is
 * per call, and save, load and the check walk it four times in all). The build fails unless
 * each field directly follows the one before it in T (no padding, no other field between),
 * and the run is shorter than ST_BULK (the check must not skip it). Up to 32 fields. */
#define ST_RUN(st, T, p, ...) do {                                                                 \
        ST_ADJ_(ST_NARGS_(__VA_ARGS__))(T, __VA_ARGS__)                                          \
        _Static_assert((ST_SIZE_(ST_NARGS_(__VA_ARGS__))(T, __VA_ARGS__)) < ST_BULK,              \
                       "ST_RUN of " #T " reaches ST_BULK");                                       \
        st_bytes((st), &(p)->ST_FIRST_(__VA_ARGS__, _), ST_SIZE_(ST_NARGS_(__VA_ARGS__))(T, __VA_ARGS__)); \
    } while (0)
#define ST_FIRST_(a, ...) a
#define ST_CAT_(a, b) a##b
#define ST_ADJ_(n) ST_CAT_(ST_ADJ, n)
#define ST_SIZE_(n) ST_CAT_(ST_SIZE, n)
#define ST_SIZEOF_(T, f) sizeof(((T *)0)->f)
#define ST_ADJ_PAIR_(T, a, b) _Static_assert(offsetof(T, b) == offsetof(T, a) + ST_SIZEOF_(T, a),   \
                                             "ST_RUN: " #b " does not directly follow " #a " in " #T);
#define ST_NARGS_(...) ST_NARGS_N_(__VA_ARGS__, 32,31,30,29,28,27,26,25,24,23,22,21,20,19,18,17,16,15,14,13,12,11,10,9,8,7,6,5,4,3,2,1, 0)
#define ST_NARGS_N_(_1,_2,_3,_4,_5,_6,_7,_8,_9,_10,_11,_12,_13,_14,_15,_16,_17,_18,_19,_20,_21,_22,_23,_24,_25,_26,_27,_28,_29,_30,_31,_32, n, ...) n
#define ST_ADJ1(T, a)
#define ST_SIZE1(T, a) ST_SIZEOF_(T, a)
#define ST_ADJ2(T, a, b) ST_ADJ_PAIR_(T, a, b)
#define ST_ADJ3(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ2(T, b, __VA_ARGS__)
#define ST_ADJ4(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ3(T, b, __VA_ARGS__)
#define ST_ADJ5(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ4(T, b, __VA_ARGS__)
#define ST_ADJ6(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ5(T, b, __VA_ARGS__)
#define ST_ADJ7(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ6(T, b, __VA_ARGS__)
#define ST_ADJ8(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ7(T, b, __VA_ARGS__)
#define ST_ADJ9(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ8(T, b, __VA_ARGS__)
#define ST_ADJ10(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ9(T, b, __VA_ARGS__)
#define ST_ADJ11(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ10(T, b, __VA_ARGS__)
#define ST_ADJ12(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ11(T, b, __VA_ARGS__)
#define ST_ADJ13(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ12(T, b, __VA_ARGS__)
#define ST_ADJ14(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ13(T, b, __VA_ARGS__)
#define ST_ADJ15(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ14(T, b, __VA_ARGS__)
#define ST_ADJ16(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ15(T, b, __VA_ARGS__)
#define ST_ADJ17(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ16(T, b, __VA_ARGS__)
#define ST_ADJ18(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ17(T, b, __VA_ARGS__)
#define ST_ADJ19(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ18(T, b, __VA_ARGS__)
#define ST_ADJ20(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ19(T, b, __VA_ARGS__)
#define ST_ADJ21(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ20(T, b, __VA_ARGS__)
#define ST_ADJ22(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ21(T, b, __VA_ARGS__)
#define ST_ADJ23(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ22(T, b, __VA_ARGS__)
#define ST_ADJ24(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ23(T, b, __VA_ARGS__)
#define ST_ADJ25(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ24(T, b, __VA_ARGS__)
#define ST_ADJ26(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ25(T, b, __VA_ARGS__)
#define ST_ADJ27(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ26(T, b, __VA_ARGS__)
#define ST_ADJ28(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ27(T, b, __VA_ARGS__)
#define ST_ADJ29(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ28(T, b, __VA_ARGS__)
#define ST_ADJ30(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ29(T, b, __VA_ARGS__)
#define ST_ADJ31(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ30(T, b, __VA_ARGS__)
#define ST_ADJ32(T, a, b, ...) ST_ADJ_PAIR_(T, a, b) ST_ADJ31(T, b, __VA_ARGS__)
#define ST_SIZE2(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE1(T, __VA_ARGS__)
#define ST_SIZE3(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE2(T, __VA_ARGS__)
#define ST_SIZE4(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE3(T, __VA_ARGS__)
#define ST_SIZE5(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE4(T, __VA_ARGS__)
#define ST_SIZE6(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE5(T, __VA_ARGS__)
#define ST_SIZE7(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE6(T, __VA_ARGS__)
#define ST_SIZE8(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE7(T, __VA_ARGS__)
#define ST_SIZE9(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE8(T, __VA_ARGS__)
#define ST_SIZE10(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE9(T, __VA_ARGS__)
#define ST_SIZE11(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE10(T, __VA_ARGS__)
#define ST_SIZE12(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE11(T, __VA_ARGS__)
#define ST_SIZE13(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE12(T, __VA_ARGS__)
#define ST_SIZE14(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE13(T, __VA_ARGS__)
#define ST_SIZE15(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE14(T, __VA_ARGS__)
#define ST_SIZE16(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE15(T, __VA_ARGS__)
#define ST_SIZE17(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE16(T, __VA_ARGS__)
#define ST_SIZE18(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE17(T, __VA_ARGS__)
#define ST_SIZE19(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE18(T, __VA_ARGS__)
#define ST_SIZE20(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE19(T, __VA_ARGS__)
#define ST_SIZE21(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE20(T, __VA_ARGS__)
#define ST_SIZE22(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE21(T, __VA_ARGS__)
#define ST_SIZE23(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE22(T, __VA_ARGS__)
#define ST_SIZE24(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE23(T, __VA_ARGS__)
#define ST_SIZE25(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE24(T, __VA_ARGS__)
#define ST_SIZE26(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE25(T, __VA_ARGS__)
#define ST_SIZE27(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE26(T, __VA_ARGS__)
#define ST_SIZE28(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE27(T, __VA_ARGS__)
#define ST_SIZE29(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE28(T, __VA_ARGS__)
#define ST_SIZE30(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE29(T, __VA_ARGS__)
#define ST_SIZE31(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE30(T, __VA_ARGS__)
#define ST_SIZE32(T, a, ...) ST_SIZEOF_(T, a) + ST_SIZE31(T, __VA_ARGS__)

/* A section is a 4-character tag and a 32-bit length; loading checks both. */
void st_begin(state_t *st, const char tag[4]);
void st_end(state_t *st);
#endif
