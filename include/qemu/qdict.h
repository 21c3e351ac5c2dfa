/*
 * Option dictionaries: JsonObject trees as produced by the JSON parser
 * (typed scalars) or by keyval_parse() (every scalar a string). The
 * qdict_take_*() getters accept both forms ("on"/"off"/"true"/"false" for
 * bools; "512", "1G" for sizes when the value is a string), remove the
 * member they read, and leave unknown members behind, so that a caller can
 * finish with qdict_check_empty() to reject them.
 *
 * Error texts follow QMP's:
 *   Parameter '%s' is missing
 *   Parameter '%s' is unexpected
 *   Invalid parameter type for '%s', expected: %s
 *   Parameter '%s' does not accept value '%s'
 */
#ifndef QEMU_QDICT_H
#define QEMU_QDICT_H

#include "qemu/osdep.h"
#include <json-glib/json-glib.h>
#include "qemu/json-writer.h"   /* qobject_to_json() */

typedef struct Error Error;

/*
 * Each getter: returns false and sets errp on a type or value error.
 * If @key is absent, *out is left unchanged (pre-set the default) and
 * *present (if non-NULL) is false; that is not an error.
 */
bool qdict_take_str(JsonObject *d, const char *key, char **out,
                    bool *present, Error **errp);
bool qdict_take_bool(JsonObject *d, const char *key, bool *out,
                     bool *present, Error **errp);
bool qdict_take_int(JsonObject *d, const char *key, int64_t *out,
                    bool *present, Error **errp);
bool qdict_take_uint(JsonObject *d, const char *key, uint64_t *out,
                     bool *present, Error **errp);
/* Like qdict_take_uint, strings may carry a k/M/G/T/P/E suffix (powers of 1024). */
bool qdict_take_size(JsonObject *d, const char *key, uint64_t *out,
                     bool *present, Error **errp);
/* @names is NULL-terminated; *out is the index of the matching name. */
bool qdict_take_enum(JsonObject *d, const char *key,
                     const char *const *names, int *out,
                     bool *present, Error **errp);
/* Like qdict_take_str but a missing member is an error. */
bool qdict_take_required_str(JsonObject *d, const char *key, char **out,
                             Error **errp);

/*
 * Remove @key and return it as an object (new reference, caller unrefs).
 * NULL with *present false when absent; NULL with errp set if not an object.
 */
JsonObject *qdict_take_object(JsonObject *d, const char *key,
                              bool *present, Error **errp);
/* Remove @key and return it as a node (new reference), or NULL if absent. */
JsonNode *qdict_take_node(JsonObject *d, const char *key);

/* Error "Parameter '<prefix><first leftover key>' is unexpected" if @d is not empty. */
bool qdict_check_empty(JsonObject *d, const char *prefix, Error **errp);

/* Deep copy. */
JsonObject *qdict_clone(JsonObject *d);

/*
 * Parse @str as one JSON object (for "--blockdev '{...}'" and QMP).
 * Errors are json-glib's parser messages.
 */
JsonObject *qdict_from_json(const char *str, Error **errp);

/*
 * Parse @str as one JSON value of any type. Returns a new node (unref it)
 * or NULL with errp set to json-glib's parser message. Text without a
 * value (empty or only white space) gives a JSON null node. Integers
 * outside int64's range are read as floating-point values (see below).
 */
JsonNode *qobject_from_json(const char *str, Error **errp);

/*
 * json-glib reads an integer literal outside int64's range as a wrapped
 * int64 (2^64 - 1 as -1). QEMU reads it as a floating-point value, which
 * integer parameters refuse. Returns a copy of the JSON text @text (@len
 * bytes) with ".0" appended to every such literal outside strings, or
 * NULL if there is none. Parse the copy instead.
 */
GString *json_widen_big_integers(const char *text, size_t len);

/* g_autoptr(JsonObject) and g_autoptr(JsonNode) come from json-glib itself. */

#endif /* QEMU_QDICT_H */
