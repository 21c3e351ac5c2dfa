/*
 * JSON text for QMP output, formatted like QEMU's monitor: compact form
 * {"a": 1, "b": [true, null]}, pretty form with 4-space indentation (an
 * empty object or array spans two lines, as in QEMU), and every non-ASCII
 * or control character escaped as \uXXXX (uppercase hex; surrogate pairs
 * above U+FFFF; invalid UTF-8 becomes \uFFFD).
 */
#ifndef MONITOR_JSON_WRITER_H
#define MONITOR_JSON_WRITER_H

#include "qemu/osdep.h"
#include <json-glib/json-glib.h>

/* Text of @node (not consumed); pretty lines end with "\n", no final
 * newline. g_free() the result. */
char *qmp_json_format(JsonNode *node, bool pretty);

#endif /* MONITOR_JSON_WRITER_H */
