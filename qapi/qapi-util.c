/*
 * QAPI runtime helpers: enum tables and keyval number parsing.
 */
#include "qemu/osdep.h"
#include "qemu/error.h"
#include "qapi/util.h"
#include "qemu/cutils.h"

static const char *const qtype_names[] = {
    [QTYPE_NONE] = "none",
    [QTYPE_QNULL] = "qnull",
    [QTYPE_QNUM] = "qnum",
    [QTYPE_QSTRING] = "qstring",
    [QTYPE_QDICT] = "qdict",
    [QTYPE_QLIST] = "qlist",
    [QTYPE_QBOOL] = "qbool",
};

const QEnumLookup QType_lookup = {
    .array = qtype_names,
    .size = QTYPE__MAX,
};

const char *qapi_enum_lookup(const QEnumLookup *lookup, int val)
{
    if (val < 0 || val >= lookup->size) {
        return "<invalid>";
    }
    return lookup->array[val];
}

int qapi_enum_parse(const QEnumLookup *lookup, const char *buf, int def,
                    Error **errp)
{
    if (!buf) {
        return def;
    }
    for (int i = 0; i < lookup->size; i++) {
        if (!strcmp(buf, lookup->array[i])) {
            return i;
        }
    }
    error_setg(errp, "Invalid parameter '%s'", buf);
    return def;
}

int qapi_parse_int64(const char *s, int64_t *out)
{
    /* keyval integers take a '-' but, unlike qdict_take_int(), no '+' */
    if (s[0] == '+') {
        return -EINVAL;
    }
    return qemu_parse_int64(s, out);
}

int qapi_parse_size(const char *s, uint64_t *out)
{
    static const char suffixes[] = "BKMGTPE";
    uint64_t whole, mult = 1;
    const char *p = s;
    const char *sfx;
    char *end;
    double frac = 0;

    if (qemu_parse_uint64(s, &whole) == 0) {
        *out = whole;
        return 0;
    }
    if (!g_ascii_isdigit(*p)) {
        return -EINVAL;
    }
    errno = 0;
    whole = strtoull(p, &end, 10);
    if (errno == ERANGE) {
        return -ERANGE;
    }
    p = end;
    if (*p == '.') {
        const char *fs = p;

        p++;
        if (!g_ascii_isdigit(*p)) {
            return -EINVAL;
        }
        while (g_ascii_isdigit(*p)) {
            p++;
        }
        frac = g_ascii_strtod(fs, NULL);
    }
    if (!*p) {
        /* Only reached with a fraction: bytes cannot be fractional. */
        return -EINVAL;
    }
    sfx = strchr(suffixes, g_ascii_toupper(*p));
    if (!sfx || p[1]) {
        return -EINVAL;
    }
    for (const char *q = suffixes; q < sfx; q++) {
        mult *= 1024;
    }
    if (frac != 0 && mult == 1) {
        return -EINVAL;
    }
    if (whole > UINT64_MAX / mult) {
        return -ERANGE;
    }
    whole *= mult;
    if (frac != 0) {
        /* frac < 1 and mult <= 2^60, so this fits; rounds down. */
        uint64_t add = (uint64_t)(frac * (double)mult);

        if (whole > UINT64_MAX - add) {
            return -ERANGE;
        }
        whole += add;
    }
    *out = whole;
    return 0;
}
