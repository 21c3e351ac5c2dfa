/*
 * Small string checks and number parsers shared by the option parsers
 * (util/qdict.c, keyval strings in the QAPI input visitor) and by every
 * object that takes a user-chosen id (iothreads, chardevs, block nodes,
 * block exports).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QEMU_CUTILS_H
#define QEMU_CUTILS_H

#include "qemu/osdep.h"

/*
 * True if @id is a well-formed identifier: a letter, then letters, digits,
 * '-', '.' or '_' (QEMU's rule for ids and node names). @id must not be
 * NULL; the empty string is not well-formed. Never fails otherwise.
 */
bool id_wellformed(const char *id);

/*
 * "on", "yes", "true" -> true; "off", "no", "false" -> false. Returns
 * false for anything else and leaves *out unchanged.
 */
bool qemu_parse_bool(const char *s, bool *out);

/*
 * An unsigned decimal or 0x-prefixed hexadecimal number that fills all of
 * @s. Returns 0 and sets *out; -EINVAL on junk (empty, whitespace, a sign,
 * trailing characters; *out untouched) or -ERANGE on overflow.
 */
int qemu_parse_uint64(const char *s, uint64_t *out);

/*
 * Like qemu_parse_uint64() with an optional leading '-' or '+', within
 * INT64_MIN..INT64_MAX (-ERANGE outside). Callers that must refuse '+'
 * check for it first.
 */
int qemu_parse_int64(const char *s, int64_t *out);

#endif /* QEMU_CUTILS_H */
