/*
 * Streaming JSON splitter for QMP input (see monitor/json-streamer.h).
 *
 * The splitter only knows enough JSON to find where a value ends: string
 * boundaries (with backslash escapes) and the counts of open braces and
 * brackets. Like QEMU, it counts braces and brackets separately and calls
 * a value complete when both counts are back to zero or one of them went
 * negative (a stray closer); mismatched pairs are left for the parser to
 * reject. Everything else -- grammar, numbers, escapes, UTF-8 -- is
 * json-glib's job.
 */
#include "qemu/osdep.h"
#include "qemu/error.h"
#include "qemu/qdict.h"
#include "monitor/json-streamer.h"

typedef enum StreamState {
    ST_IDLE,        /* between values: skip white space */
    ST_STRUCT,      /* inside an object or array, outside strings */
    ST_STRING,      /* inside a string (quote char in js->quote) */
    ST_ESCAPE,      /* after a backslash inside a string */
    ST_SCALAR,      /* a bare top-level token: number, keyword, garbage */
} StreamState;

struct JsonStreamer {
    JsonStreamerEmit *emit;
    void *opaque;
    size_t max_size;
    unsigned max_depth;

    StreamState state;
    char quote;             /* '"' or '\'' while in ST_STRING/ST_ESCAPE */
    int braces;             /* open { minus } in the current value */
    int brackets;           /* open [ minus ] in the current value */
    bool skipping;          /* limit exceeded: drop the rest of this value */
    GString *text;          /* the current value, re-quoted for json-glib */
};

JsonStreamer *json_streamer_new(JsonStreamerEmit *emit, void *opaque)
{
    JsonStreamer *js = g_new0(JsonStreamer, 1);

    js->emit = emit;
    js->opaque = opaque;
    js->max_size = JSON_STREAMER_MAX_SIZE;
    js->max_depth = JSON_STREAMER_MAX_DEPTH;
    js->state = ST_IDLE;
    js->text = g_string_new(NULL);
    return js;
}

void json_streamer_set_limits(JsonStreamer *js, size_t max_size,
                              unsigned max_depth)
{
    js->max_size = max_size;
    js->max_depth = max_depth;
}

void json_streamer_free(JsonStreamer *js)
{
    if (!js) {
        return;
    }
    g_string_free(js->text, true);
    g_free(js);
}

static void reset_value(JsonStreamer *js)
{
    js->state = ST_IDLE;
    js->braces = 0;
    js->brackets = 0;
    js->skipping = false;
    /* Don't keep a 64 MiB buffer around after one huge request. */
    if (js->text->allocated_len > 64 * 1024) {
        g_string_free(js->text, true);
        js->text = g_string_new(NULL);
    } else {
        g_string_truncate(js->text, 0);
    }
}

/*
 * json-glib's messages start with "<data>:LINE:COLUMN: Parse error: ";
 * keep only the explanation, QMP style.
 */
static const char *strip_parser_prefix(const char *msg)
{
    const char *p = strstr(msg, "Parse error: ");

    if (p) {
        return p + strlen("Parse error: ");
    }
    if (g_str_has_prefix(msg, "<data>:")) {
        p = strstr(msg, ": ");
        if (p) {
            return p + 2;
        }
    }
    return msg;
}

/* Parse the collected text and hand the result to the callback. */
static void emit_value(JsonStreamer *js)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) gerr = NULL;
    GString *widened;
    Error *err = NULL;
    JsonNode *root;

    if (js->skipping) {
        reset_value(js);
        return;
    }
    widened = json_widen_big_integers(js->text->str, js->text->len);
    if (widened) {
        g_string_free(js->text, true);
        js->text = widened;
    }
    if (!json_parser_load_from_data(parser, js->text->str, js->text->len,
                                    &gerr)) {
        error_setg(&err, "JSON parse error, %s",
                   strip_parser_prefix(gerr->message));
        reset_value(js);
        js->emit(js->opaque, NULL, err);
        return;
    }
    root = json_parser_get_root(parser);
    if (!root) {
        /* Only white space: nothing was really sent. */
        reset_value(js);
        return;
    }
    root = json_node_ref(root);
    reset_value(js);
    js->emit(js->opaque, root, NULL);
}

/* A limit was exceeded: report now, then drop input up to the value's end. */
static void start_skipping(JsonStreamer *js, const char *what)
{
    Error *err = NULL;

    error_setg(&err, "JSON %s limit exceeded", what);
    js->skipping = true;
    g_string_truncate(js->text, 0);
    js->emit(js->opaque, NULL, err);
}

static void append_char(JsonStreamer *js, char c)
{
    if (js->skipping) {
        return;
    }
    g_string_append_c(js->text, c);
    if (js->text->len > js->max_size) {
        start_skipping(js, "object size");
    }
}

static void append_str(JsonStreamer *js, const char *s)
{
    for (; *s; s++) {
        append_char(js, *s);
    }
}

static bool value_open(const JsonStreamer *js)
{
    return js->braces >= 0 && js->brackets >= 0 &&
           (js->braces > 0 || js->brackets > 0);
}

static void feed_string_char(JsonStreamer *js, char c)
{
    if (js->state == ST_ESCAPE) {
        /*
         * \' is only an escape in single-quoted strings; in the double-
         * quoted text json-glib sees, the quote needs none. Every other
         * escape is copied for json-glib to check.
         */
        if (c == '\'' && js->quote == '\'') {
            append_char(js, '\'');
        } else {
            append_char(js, '\\');
            append_char(js, c);
        }
        js->state = ST_STRING;
        return;
    }
    if (c == '\\') {
        js->state = ST_ESCAPE;
    } else if (c == js->quote) {
        append_char(js, '"');
        if (value_open(js)) {
            js->state = ST_STRUCT;
        } else {
            emit_value(js);     /* a top-level string */
        }
    } else if (c == '"') {
        append_str(js, "\\\"");  /* a double quote in a single-quoted string */
    } else {
        append_char(js, c);
    }
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_delimiter(char c)
{
    return is_space(c) || c == '{' || c == '}' || c == '[' || c == ']' ||
           c == '"' || c == '\'' || c == ',' || c == ':';
}

/* Outside strings, in ST_IDLE or ST_STRUCT. */
static void feed_struct_char(JsonStreamer *js, char c)
{
    switch (c) {
    case '"':
    case '\'':
        js->quote = c;
        js->state = ST_STRING;
        append_char(js, '"');
        return;
    case '{':
    case '[':
        if (c == '{') {
            js->braces++;
        } else {
            js->brackets++;
        }
        js->state = ST_STRUCT;
        append_char(js, c);
        if (!js->skipping &&
            (unsigned)(js->braces + js->brackets) > js->max_depth) {
            start_skipping(js, "nesting depth");
        }
        return;
    case '}':
    case ']':
        if (c == '}') {
            js->braces--;
        } else {
            js->brackets--;
        }
        append_char(js, c);
        if (!value_open(js)) {
            emit_value(js);
        }
        return;
    default:
        if (js->state == ST_IDLE) {
            if (is_space(c)) {
                return;
            }
            js->state = ST_SCALAR;
        }
        append_char(js, c);
    }
}

void json_streamer_feed(JsonStreamer *js, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];

        switch (js->state) {
        case ST_STRING:
        case ST_ESCAPE:
            feed_string_char(js, c);
            break;
        case ST_SCALAR:
            if (is_delimiter(c)) {
                /* The token ends here; the delimiter starts what follows. */
                emit_value(js);
                feed_struct_char(js, c);
            } else {
                append_char(js, c);
            }
            break;
        case ST_IDLE:
        case ST_STRUCT:
            feed_struct_char(js, c);
            break;
        }
    }
}

void json_streamer_flush(JsonStreamer *js)
{
    if (js->state == ST_IDLE) {
        return;
    }
    if (js->state == ST_ESCAPE) {
        append_char(js, '\\');
    }
    emit_value(js);
}
