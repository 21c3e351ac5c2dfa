/*
 * QAPI runtime helpers: enum tables and keyval number parsing.
 */
#include "qemu/osdep.h"
#include "qemu/error.h"
#include "qapi/util.h"

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

bool qapi_parse_bool(const char *s, bool *out)
{
    if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true")) {
        *out = true;
        return true;
    }
    if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false")) {
        *out = false;
        return true;
    }
    return false;
}

/* Digits of @s in base 10 or (with 0x) 16, all of @s, no sign. */
static int parse_digits(const char *s, uint64_t *out)
{
    int base = 10;
    char *end;
    uint64_t val;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!g_ascii_isxdigit(*s)) {
            return -EINVAL;
        }
    } else if (!g_ascii_isdigit(*s)) {
        return -EINVAL;
    }
    errno = 0;
    val = strtoull(s, &end, base);
    if (*end) {
        return -EINVAL;
    }
    if (errno == ERANGE) {
        return -ERANGE;
    }
    *out = val;
    return 0;
}

int qapi_parse_uint64(const char *s, uint64_t *out)
{
    return parse_digits(s, out);
}

int qapi_parse_int64(const char *s, int64_t *out)
{
    bool neg = s[0] == '-';
    uint64_t mag;
    int ret = parse_digits(neg ? s + 1 : s, &mag);

    if (ret < 0) {
        return ret;
    }
    if (neg) {
        if (mag > (uint64_t)INT64_MAX + 1) {
            return -ERANGE;
        }
        *out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > INT64_MAX) {
            return -ERANGE;
        }
        *out = mag;
    }
    return 0;
}

int qapi_parse_size(const char *s, uint64_t *out)
{
    static const char suffixes[] = "BKMGTPE";
    uint64_t whole, mult = 1;
    const char *p = s;
    const char *sfx;
    char *end;
    double frac = 0;

    if (parse_digits(s, &whole) == 0) {
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
