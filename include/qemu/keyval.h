/*
 * key=value,... syntax of the command line (QEMU's keyval).
 *
 *   a=1,b.c=2,b.d=x,,y,l.0=p,l.1=q
 *   -> {"a": "1", "b": {"c": "2", "d": "x,y"}, "l": ["p", "q"]}
 *
 * ",," is a literal comma. Dotted keys build nested objects; keys that are
 * all-digit indices (0, 1, ...) build lists. Every scalar is a string;
 * qdict_take_*() converts according to what the caller expects.
 */
#ifndef QEMU_KEYVAL_H
#define QEMU_KEYVAL_H

#include "qemu/qdict.h"

/*
 * Parse @params. If the first element has no '=' and @implied_key is not
 * NULL, it is the value of @implied_key (e.g. "iothread,id=x" with implied
 * key "qom-type"). If @help is not NULL, a "help" or "?" element sets
 * *help = true instead of being an error.
 *
 * Errors: "Invalid parameter '%s'", "Expected '=' after parameter '%s'",
 * "Parameter '%s' is missing" ... (see keyval.c). Returns a new object.
 */
JsonObject *keyval_parse(const char *params, const char *implied_key,
                         bool *help, Error **errp);

#endif /* QEMU_KEYVAL_H */
