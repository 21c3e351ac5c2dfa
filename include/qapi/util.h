/*
 * QAPI runtime helpers shared by generated code and visitors.
 */
#ifndef QAPI_UTIL_H
#define QAPI_UTIL_H

#include "qemu/osdep.h"

typedef struct Error Error;

/* Table of an enum's wire names, indexed by the C value. */
typedef struct QEnumLookup {
    const char *const *array;
    int size;
} QEnumLookup;

/*
 * JSON type of a value, as QEMU's QType: alternates record which branch
 * they hold in a QType member named "type".
 */
typedef enum QType {
    QTYPE_NONE,
    QTYPE_QNULL,
    QTYPE_QNUM,
    QTYPE_QSTRING,
    QTYPE_QDICT,
    QTYPE_QLIST,
    QTYPE_QBOOL,
    QTYPE__MAX,
} QType;

/* "none", "qnull", "qnum", ... */
extern const QEnumLookup QType_lookup;

/*
 * Every generated list type (FooList) starts like GenericList, and every
 * alternate like GenericAlternate, so that visitors can walk them without
 * knowing the element type.
 */
typedef struct GenericList {
    struct GenericList *next;
    char padding[];
} GenericList;

typedef struct GenericAlternate {
    QType type;
    char padding[];
} GenericAlternate;

/* The wire name of @val, or "<invalid>" if out of range. Never NULL. */
const char *qapi_enum_lookup(const QEnumLookup *lookup, int val);

/*
 * The C value of wire name @buf. Returns @def if @buf is NULL; returns
 * @def and sets errp ("Invalid parameter '%s'") when @buf is not a
 * value of the enum.
 */
int qapi_enum_parse(const QEnumLookup *lookup, const char *buf, int def,
                    Error **errp);

/*
 * Number parsing of keyval strings (unsigned numbers and bools: see
 * qemu_parse_uint64() and qemu_parse_bool() in qemu/cutils.h). Each
 * returns 0, -EINVAL (not a number: junk, empty, whitespace) or -ERANGE
 * (out of range).
 * qapi_parse_int64: optional '-' (no '+'), decimal or 0x hexadecimal.
 * qapi_parse_size: like qemu_parse_uint64, or a decimal number with an
 * optional fraction and a suffix B/k/K/M/G/T/P/E (powers of 1024).
 */
int qapi_parse_int64(const char *s, int64_t *out);
int qapi_parse_size(const char *s, uint64_t *out);

#endif /* QAPI_UTIL_H */
