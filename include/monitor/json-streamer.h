/*
 * Streaming JSON splitter for QMP input.
 *
 * QMP input is a byte stream of JSON values with no framing. The streamer
 * finds where each top-level value ends (tracking strings, escapes and
 * nesting) and hands the complete text to json-glib. Single-quoted strings
 * (a QEMU extension that many scripts use: {'execute': 'quit'}) are turned
 * into double-quoted ones before parsing.
 *
 * A value that is malformed, deeper than the depth limit or larger than the
 * size limit produces one error and the stream goes on with the next value:
 * an oversized or too deep value is skipped up to its end.
 */
#ifndef MONITOR_JSON_STREAMER_H
#define MONITOR_JSON_STREAMER_H

#include "qemu/osdep.h"
#include <json-glib/json-glib.h>

typedef struct Error Error;
typedef struct JsonStreamer JsonStreamer;

#define JSON_STREAMER_MAX_SIZE   (64 * 1024 * 1024)  /* bytes per value */
#define JSON_STREAMER_MAX_DEPTH  1024                /* nested { and [ */

/*
 * Called once per top-level value, in input order: either @value (a new
 * reference the callee takes over) or @err (the callee frees it; its text
 * is "JSON parse error, ...", "JSON nesting depth limit exceeded" or
 * "JSON object size limit exceeded"). It may call json_streamer_feed() on
 * another streamer but not on this one.
 */
typedef void JsonStreamerEmit(void *opaque, JsonNode *value, Error *err);

/* A new streamer with the default limits. Never fails. */
JsonStreamer *json_streamer_new(JsonStreamerEmit *emit, void *opaque);
/* Change the limits (for tests); takes effect with the next value. */
void json_streamer_set_limits(JsonStreamer *js, size_t max_size,
                              unsigned max_depth);
/* Consume @len bytes; emits every value that they complete. */
void json_streamer_feed(JsonStreamer *js, const char *buf, size_t len);
/*
 * End of input: a pending unterminated value is emitted as an error (or
 * as a value, for a bare scalar such as "123" that only lacked a
 * delimiter). The streamer is then ready for a new stream.
 */
void json_streamer_flush(JsonStreamer *js);
void json_streamer_free(JsonStreamer *js);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(JsonStreamer, json_streamer_free)

#endif /* MONITOR_JSON_STREAMER_H */
