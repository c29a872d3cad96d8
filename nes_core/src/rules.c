/* rules.c - evaluate a game's rule table (rules.h) on a console's RAM. */
#include "rules.h"

#include <stdio.h>

static int64_t read_ram(const uint8_t *ram, int32_t address, int64_t type)
{
    const int width = (int)(type & 0xFF), repr = (int)(type >> 8 & 0xFF), big = (int)(type >> 16 & 1);
    int64_t v = 0;
    for (int k = 0; k < width; k++) {
        const uint8_t byte = ram[address + (big ? k : width - 1 - k)]; /* most significant first */
        switch (repr) {
        case NES_RULE_BCD:
            v = v * 100 + (byte >> 4) * 10 + (byte & 0x0F);
            break;
        case NES_RULE_LN_BCD:
            v = v * 10 + (byte & 0x0F);
            break;
        case NES_RULE_TEXT:
            v = v * (byte < 10 ? 10 : byte < 100 ? 100 : 1000) + byte;
            break;
        default:
            v = (int64_t)((uint64_t)v << 8 | byte);
        }
    }
    if (repr == NES_RULE_SIGNED && width < 8) {
        const int64_t sign = (int64_t)1 << (8 * width - 1);
        v = (v ^ sign) - sign;
    }
    return v;
}

int64_t nes_rules_eval(const nes_rules_t *r, const nes_rules_state_t *s, int32_t program,
                       const uint8_t *ram)
{
    int64_t stack[NES_RULES_STACK];
    int sp = 0;
    for (const nes_rule_op_t *op = r->ops + program;; op++) {
        int64_t x, y;
        switch (op->op) {
        case NES_RULE_END:
            return stack[sp - 1];
        case NES_RULE_CONST:
            stack[sp++] = op->b;
            continue;
        case NES_RULE_RAM:
            stack[sp++] = read_ram(ram, op->a, op->b);
            continue;
        case NES_RULE_REG:
            stack[sp++] = s != NULL ? s->regs[op->a] : 0;
            continue;
        case NES_RULE_NOT:
            stack[sp - 1] = !stack[sp - 1];
            continue;
        case NES_RULE_ABS: /* INT64_MIN stays itself, as unsigned negation gives */
            x = stack[sp - 1];
            stack[sp - 1] = x < 0 ? (int64_t)(0 - (uint64_t)x) : x;
            continue;
        case NES_RULE_IN:
            x = stack[sp - 1];
            y = 0;
            for (int64_t k = 0; k < op->b; k++)
                if (r->consts[op->a + k] == x) {
                    y = 1;
                    break;
                }
            stack[sp - 1] = y;
            continue;
        case NES_RULE_SELECT:
            sp -= 2;
            stack[sp - 1] = stack[sp - 1] ? stack[sp] : stack[sp + 1];
            continue;
        default:
            break;
        }
        y = stack[--sp];
        x = stack[sp - 1];
        switch (op->op) {
        case NES_RULE_ADD: x = (int64_t)((uint64_t)x + (uint64_t)y); break;
        case NES_RULE_SUB: x = (int64_t)((uint64_t)x - (uint64_t)y); break;
        case NES_RULE_MUL: x = (int64_t)((uint64_t)x * (uint64_t)y); break;
        case NES_RULE_EQ: x = x == y; break;
        case NES_RULE_NE: x = x != y; break;
        case NES_RULE_LT: x = x < y; break;
        case NES_RULE_GT: x = x > y; break;
        case NES_RULE_LE: x = x <= y; break;
        case NES_RULE_GE: x = x >= y; break;
        case NES_RULE_AND: x = x && y; break;
        case NES_RULE_MIN: x = x < y ? x : y; break;
        case NES_RULE_MAX: x = x > y ? x : y; break;
        case NES_RULE_DIV:
        case NES_RULE_MOD: {
            int64_t q = 0, m = 0;
            if (y == -1) { /* INT64_MIN / -1 overflows: wrap as unsigned negation does */
                q = (int64_t)(0 - (uint64_t)x);
            } else if (y != 0) {
                q = x / y;
                m = x % y;
                if (m != 0 && ((m < 0) != (y < 0))) { /* C truncates; Python floors */
                    q--;
                    m += y;
                }
            }
            x = op->op == NES_RULE_DIV ? q : m;
            break;
        }
        default: x = x || y; break; /* NES_RULE_OR: nes_rules_check allows no other opcode */
        }
        stack[sp - 1] = x;
    }
}

/* ---- checking a table ---- */
static int fail(char *errbuf, size_t errlen, const char *msg, long a, long b)
{
    if (errbuf != NULL && errlen)
        snprintf(errbuf, errlen, msg, a, b);
    return -1;
}

static int check_program(const nes_rules_t *r, int32_t p, char *errbuf, size_t errlen)
{
    if (p < 0 || p >= r->nops)
        return fail(errbuf, errlen, "program %ld outside the %ld ops", p, r->nops);
    int depth = 0;
    for (int32_t i = p; i < r->nops; i++) {
        const nes_rule_op_t *op = &r->ops[i];
        switch (op->op) {
        case NES_RULE_END:
            if (depth != 1)
                return fail(errbuf, errlen, "program %ld ends with %ld values on its stack", p, depth);
            return 0;
        case NES_RULE_CONST:
            depth++;
            break;
        case NES_RULE_RAM: {
            const int64_t width = op->b & 0xFF, repr = op->b >> 8 & 0xFF;
            if (width < 1 || width > 8 || repr > NES_RULE_TEXT || (op->b >> 17) != 0)
                return fail(errbuf, errlen, "op %ld: bad RAM type %ld", i, (long)op->b);
            if (op->a < 0 || op->a + width > 2048)
                return fail(errbuf, errlen, "op %ld: RAM address %ld outside $0000-$07FF", i, op->a);
            depth++;
            break;
        }
        case NES_RULE_REG:
            if (op->a < 0 || op->a >= r->nregs)
                return fail(errbuf, errlen, "op %ld: register %ld outside the table's", i, op->a);
            depth++;
            break;
        case NES_RULE_NOT:
        case NES_RULE_ABS:
            if (depth < 1)
                return fail(errbuf, errlen, "op %ld: stack underflow (%ld)", i, depth);
            break;
        case NES_RULE_IN:
            if (depth < 1 || op->a < 0 || op->b < 0 || op->a + op->b > r->nconsts)
                return fail(errbuf, errlen, "op %ld: bad set or stack underflow (%ld)", i, depth);
            break;
        case NES_RULE_SELECT:
            if (depth < 3)
                return fail(errbuf, errlen, "op %ld: stack underflow (%ld)", i, depth);
            depth -= 2;
            break;
        default:
            if (op->op < NES_RULE_ADD || op->op >= NES_RULE_OPCODES)
                return fail(errbuf, errlen, "op %ld: unknown opcode %ld", i, op->op);
            if (depth < 2)
                return fail(errbuf, errlen, "op %ld: stack underflow (%ld)", i, depth);
            depth--;
        }
        if (depth > NES_RULES_STACK)
            return fail(errbuf, errlen, "program %ld needs more than %ld stack entries", p,
                        NES_RULES_STACK);
    }
    return fail(errbuf, errlen, "program %ld has no end (%ld ops)", p, r->nops);
}

static int check_optional(const nes_rules_t *r, int32_t p, char *errbuf, size_t errlen)
{
    return p < 0 ? 0 : check_program(r, p, errbuf, errlen);
}

static int check_writes(const nes_rules_t *r, int32_t first, int32_t n, char *errbuf, size_t errlen)
{
    if (first < 0 || n < 0 || first + n > r->nwrites)
        return fail(errbuf, errlen, "RAM writes %ld+%ld outside the table", first, n);
    for (int32_t k = first; k < first + n; k++)
        if (r->writes[k].address < 0 || r->writes[k].address >= 2048 || r->writes[k].value < 0
            || r->writes[k].value > 255)
            return fail(errbuf, errlen, "RAM write to %ld of %ld: address or byte out of range",
                        r->writes[k].address, r->writes[k].value);
    return 0;
}

int nes_rules_check(const nes_rules_t *r, char *errbuf, size_t errlen)
{
    int slots = 0;
    if (r->nops < 0 || r->nconsts < 0 || r->nrewards < 0 || r->ninfo < 0 || r->nskips < 0
        || r->nwrites < 0 || r->frame_limit < 1 || r->nupdates < 0 || r->nassigns < 0)
        return fail(errbuf, errlen, "negative table size or frame limit < 1 (%ld)", r->frame_limit, 0);
    if (r->nregs < 0 || r->nregs > NES_RULES_MAX_REGS || r->ncomponents < 0
        || r->ncomponents > NES_RULES_MAX_COMPONENTS)
        return fail(errbuf, errlen, "%ld registers or %ld reward components: too many", r->nregs,
                    r->ncomponents);
    /* every program: the ops are programs one after the other, each ending at NES_RULE_END */
    for (int32_t p = 0; p < r->nops; p++) {
        if (check_program(r, p, errbuf, errlen))
            return -1;
        while (r->ops[p].op != NES_RULE_END)
            p++;
    }
    for (int32_t k = 0; k < r->nrewards; k++) {
        const nes_reward_term_t *t = &r->rewards[k];
        if (t->component < -1 || t->component >= r->ncomponents)
            return fail(errbuf, errlen, "reward term %ld: component %ld outside the table's", k,
                        t->component);
        if (t->kind == NES_REWARD_DELTA) {
            if (t->slot != slots++ || slots > NES_RULES_MAX_DELTAS)
                return fail(errbuf, errlen, "reward term %ld: delta slot %ld out of order or range", k, t->slot);
            if (check_program(r, t->value, errbuf, errlen) || check_optional(r, t->cond, errbuf, errlen))
                return -1;
        } else if (t->kind == NES_REWARD_WHILE) {
            if (check_program(r, t->cond, errbuf, errlen))
                return -1;
        } else if (t->kind == NES_REWARD_VALUE) {
            if (check_program(r, t->value, errbuf, errlen))
                return -1;
        } else {
            return fail(errbuf, errlen, "reward term %ld: unknown kind %ld", k, t->kind);
        }
        if (t->kind != NES_REWARD_WHILE && !(t->divisor != 0.0))
            return fail(errbuf, errlen, "reward term %ld: divisor 0 (%ld)", k, 0);
    }
    if (check_optional(r, r->terminated, errbuf, errlen) || check_optional(r, r->truncated, errbuf, errlen))
        return -1;
    for (int32_t k = 0; k < r->nregs; k++)
        if (check_program(r, r->reg_reset[k], errbuf, errlen))
            return -1;
    for (int32_t k = 0; k < r->nupdates; k++) {
        const nes_rule_update_t *u = &r->updates[k];
        if ((u->phase != 0 && u->phase != 1) || u->first < 0 || u->n < 0
            || u->n > NES_RULES_MAX_REGS || u->first + u->n > r->nassigns)
            return fail(errbuf, errlen, "update %ld: bad phase or assignments (%ld)", k, u->n);
        if (check_optional(r, u->when, errbuf, errlen))
            return -1;
    }
    for (int32_t k = 0; k < r->nassigns; k++) {
        if (r->assigns[k].reg < 0 || r->assigns[k].reg >= r->nregs)
            return fail(errbuf, errlen, "assignment %ld: register %ld outside the table's", k,
                        r->assigns[k].reg);
        if (check_program(r, r->assigns[k].value, errbuf, errlen))
            return -1;
    }
    for (int32_t k = 0; k < r->ninfo; k++)
        if (check_program(r, r->info[k], errbuf, errlen))
            return -1;
    for (int32_t k = 0; k < r->nskips; k++) {
        const nes_skip_rule_t *s = &r->skips[k];
        if (check_program(r, s->when, errbuf, errlen) || check_optional(r, s->cont, errbuf, errlen)
            || check_optional(r, s->until, errbuf, errlen)
            || check_writes(r, s->writes, s->nwrites, errbuf, errlen))
            return -1;
        if (s->max_frames < -1)
            return fail(errbuf, errlen, "skip rule %ld: max_frames %ld < -1", k, s->max_frames);
        if (s->stall_value >= 0) {
            if (check_program(r, s->stall_value, errbuf, errlen)
                || check_program(r, s->stall_when, errbuf, errlen)
                || check_writes(r, s->stall_writes, s->stall_nwrites, errbuf, errlen))
                return -1;
            if (s->stall_frames < 1)
                return fail(errbuf, errlen, "skip rule %ld: stall frames %ld < 1", k, s->stall_frames);
        }
    }
    return 0;
}

/* ---- per frame ---- */
static void run_updates(const nes_rules_t *r, nes_rules_state_t *s, const uint8_t *ram, int phase)
{
    int64_t values[NES_RULES_MAX_REGS];
    for (int32_t k = 0; k < r->nupdates; k++) {
        const nes_rule_update_t *u = &r->updates[k];
        if (u->phase != phase || (u->when >= 0 && !nes_rules_eval(r, s, u->when, ram)))
            continue;
        for (int32_t j = 0; j < u->n; j++) /* every value before any store */
            values[j] = nes_rules_eval(r, s, r->assigns[u->first + j].value, ram);
        for (int32_t j = 0; j < u->n; j++)
            s->regs[r->assigns[u->first + j].reg] = values[j];
    }
}

void nes_rules_reset(const nes_rules_t *r, nes_rules_state_t *s, const uint8_t *ram)
{
    for (int32_t k = 0; k < r->nregs; k++) /* in order: a register's start may read earlier ones */
        s->regs[k] = 0;
    for (int32_t k = 0; k < r->nregs; k++)
        s->regs[k] = nes_rules_eval(r, s, r->reg_reset[k], ram);
    for (int32_t k = 0; k < r->nrewards; k++)
        if (r->rewards[k].kind == NES_REWARD_DELTA)
            s->last[r->rewards[k].slot] = nes_rules_eval(r, s, r->rewards[k].value, ram);
    s->reward = 0.0;
    for (int32_t k = 0; k < NES_RULES_MAX_COMPONENTS; k++)
        s->components[k] = 0.0;
    s->rule = r->nskips;
    s->running = 0;
}

double nes_rules_step(const nes_rules_t *r, nes_rules_state_t *s, const uint8_t *ram, int *flags)
{
    double reward = 0.0;
    for (int32_t k = 0; k < r->ncomponents; k++)
        s->components[k] = 0.0;
    for (int32_t k = 0; k < r->nrewards; k++) {
        const nes_reward_term_t *t = &r->rewards[k];
        double term = 0.0;
        if (t->kind == NES_REWARD_DELTA) {
            const int64_t v = nes_rules_eval(r, s, t->value, ram);
            const int64_t d = v - s->last[t->slot];
            s->last[t->slot] = v;
            if (d >= t->low && d <= t->high && (t->cond < 0 || nes_rules_eval(r, s, t->cond, ram)))
                term = t->weight * (double)d / t->divisor;
        } else if (t->kind == NES_REWARD_VALUE) {
            term = t->weight * (double)nes_rules_eval(r, s, t->value, ram) / t->divisor;
        } else if (nes_rules_eval(r, s, t->cond, ram)) {
            term = t->weight;
        }
        reward += term;
        if (t->component >= 0)
            s->components[t->component] += term;
    }
    int f = 0;
    if (r->terminated >= 0 && nes_rules_eval(r, s, r->terminated, ram))
        f |= 1;
    if (r->truncated >= 0 && nes_rules_eval(r, s, r->truncated, ram))
        f |= 2;
    *flags = f;
    s->reward = reward;
    run_updates(r, s, ram, 0);
    return reward;
}

void nes_rules_info(const nes_rules_t *r, const nes_rules_state_t *s, const uint8_t *ram,
                    int64_t *out, ptrdiff_t stride)
{
    for (int32_t k = 0; k < r->ninfo; k++)
        out[k * stride] = nes_rules_eval(r, s, r->info[k], ram);
}

/* ---- skip rules ---- */
static void apply_writes(const nes_rules_t *r, int32_t first, int32_t n, uint8_t *ram)
{
    for (int32_t k = first; k < first + n; k++)
        ram[r->writes[k].address] = (uint8_t)r->writes[k].value;
}

void nes_rules_skip_begin(const nes_rules_t *r, nes_rules_state_t *s, const uint8_t *ram,
                          int terminated)
{
    if (!terminated)
        run_updates(r, s, ram, 1);
    s->rule = terminated ? r->nskips : 0;
    s->running = 0;
}

int nes_rules_skip_next(const nes_rules_t *r, nes_rules_state_t *s, uint8_t *ram)
{
    while (s->rule < r->nskips) {
        const nes_skip_rule_t *k = &r->skips[s->rule];
        if (!s->running) {
            if (!nes_rules_eval(r, s, k->when, ram)) {
                s->rule++;
                continue;
            }
            s->ref = k->until >= 0 ? nes_rules_eval(r, s, k->until, ram) : 0;
            s->frames = 0;
            s->stall = 0;
            s->stall_last = k->stall_value >= 0 ? nes_rules_eval(r, s, k->stall_value, ram) : 0;
            apply_writes(r, k->writes, k->nwrites, ram);
            if (k->max_frames == 0) {
                s->rule++;
                continue;
            }
            s->running = 1;
            return 1;
        }
        /* a frame ran */
        s->frames++;
        if (k->stall_value >= 0) {
            const int64_t v = nes_rules_eval(r, s, k->stall_value, ram);
            /* the first frame has no "before" to compare with: it never counts */
            if (s->frames > 1 && v == s->stall_last && nes_rules_eval(r, s, k->stall_when, ram)) {
                if (++s->stall >= k->stall_frames)
                    apply_writes(r, k->stall_writes, k->stall_nwrites, ram);
            } else {
                s->stall = 0;
            }
            s->stall_last = v;
        }
        const int more = (k->max_frames < 0 || s->frames < k->max_frames)
                         && nes_rules_eval(r, s, k->cont >= 0 ? k->cont : k->when, ram)
                         && (k->until < 0 || nes_rules_eval(r, s, k->until, ram) == s->ref);
        if (!more) {
            s->running = 0;
            s->rule++;
            continue;
        }
        if (k->max_frames < 0 && s->frames >= r->frame_limit)
            return -1;
        apply_writes(r, k->writes, k->nwrites, ram);
        return 1;
    }
    return 0;
}

int nes_rules_skip_run(const nes_rules_t *r, nes_rules_state_t *s, nes_t *nes, int terminated)
{
    int frames = 0, rc;
    uint8_t *ram = nes_ram(nes);
    nes_rules_skip_begin(r, s, ram, terminated);
    while ((rc = nes_rules_skip_next(r, s, ram)) == 1) {
        if (nes_run_frames(nes, 1, 0, 0) < 0)
            return -2;
        frames++;
    }
    return rc < 0 ? -1 : frames;
}
