/*
 * Identifier check and number parsers (see qemu/cutils.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"

bool id_wellformed(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.' && *p != '_') {
            return false;
        }
    }
    return true;
}

bool qemu_parse_bool(const char *s, bool *out)
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

int qemu_parse_uint64(const char *s, uint64_t *out)
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

int qemu_parse_int64(const char *s, int64_t *out)
{
    bool neg = false;
    uint64_t mag;
    int ret;

    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
    }
    ret = qemu_parse_uint64(s, &mag);
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
