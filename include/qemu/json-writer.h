/*
 * The one JSON writer: QMP output, test helpers and diagnostics all use
 * it. Formatted like QEMU's monitor: compact form
 * {"a": 1, "b": [true, null]}, pretty form with 4-space indentation (an
 * empty object or array spans two lines, as in QEMU), and every non-ASCII
 * or control character escaped as \uXXXX (uppercase hex; surrogate pairs
 * above U+FFFF; invalid UTF-8 becomes \uFFFD).
 */
#ifndef QEMU_JSON_WRITER_H
#define QEMU_JSON_WRITER_H

#include "qemu/osdep.h"
#include <json-glib/json-glib.h>

/* Text of @node (not consumed); pretty lines end with "\n", no final
 * newline. g_free() the result. */
char *qobject_to_json(JsonNode *node, bool pretty);

#endif /* MONITOR_JSON_WRITER_H */
