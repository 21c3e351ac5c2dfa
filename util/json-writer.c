/*
 * JSON text of a json-glib tree (see qemu/json-writer.h).
 */
#include "qemu/osdep.h"
#include "qemu/json-writer.h"

#include <math.h>

static void append_u16(GString *out, unsigned v)
{
    g_string_append_printf(out, "\\u%04X", v);
}

static void append_quoted(GString *out, const char *s)
{
    const char *p = s;

    g_string_append_c(out, '"');
    while (*p) {
        gunichar cp = g_utf8_get_char_validated(p, -1);

        if (cp == (gunichar)-1 || cp == (gunichar)-2) {
            append_u16(out, 0xFFFD);
            p++;
            continue;
        }
        p = g_utf8_next_char(p);
        switch (cp) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\b':
            g_string_append(out, "\\b");
            break;
        case '\f':
            g_string_append(out, "\\f");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (cp >= 0x20 && cp < 0x7F) {
                g_string_append_c(out, (char)cp);
            } else if (cp > 0xFFFF) {
                cp -= 0x10000;
                append_u16(out, 0xD800 | (cp >> 10));
                append_u16(out, 0xDC00 | (cp & 0x3FF));
            } else {
                append_u16(out, cp);
            }
        }
    }
    g_string_append_c(out, '"');
}

static void newline(GString *out, bool pretty, int depth)
{
    if (pretty) {
        g_string_append_printf(out, "\n%*s", depth * 4, "");
    }
}

static void append_node(GString *out, JsonNode *node, bool pretty, int depth);

static void append_object(GString *out, JsonObject *obj, bool pretty,
                          int depth)
{
    JsonObjectIter iter;
    const char *name;
    JsonNode *member;
    bool first = true;

    g_string_append_c(out, '{');
    json_object_iter_init_ordered(&iter, obj);
    while (json_object_iter_next_ordered(&iter, &name, &member)) {
        if (!first) {
            g_string_append_c(out, ',');
            if (!pretty) {
                g_string_append_c(out, ' ');
            }
        }
        first = false;
        newline(out, pretty, depth + 1);
        append_quoted(out, name);
        g_string_append(out, ": ");
        append_node(out, member, pretty, depth + 1);
    }
    /* QEMU puts the closing brace on its own line even when empty. */
    newline(out, pretty, depth);
    g_string_append_c(out, '}');
}

static void append_array(GString *out, JsonArray *arr, bool pretty, int depth)
{
    guint n = json_array_get_length(arr);

    g_string_append_c(out, '[');
    for (guint i = 0; i < n; i++) {
        if (i) {
            g_string_append_c(out, ',');
            if (!pretty) {
                g_string_append_c(out, ' ');
            }
        }
        newline(out, pretty, depth + 1);
        append_node(out, json_array_get_element(arr, i), pretty, depth + 1);
    }
    newline(out, pretty, depth);
    g_string_append_c(out, ']');
}

static void append_value(GString *out, JsonNode *node)
{
    switch (json_node_get_value_type(node)) {
    case G_TYPE_INT64:
        g_string_append_printf(out, "%" PRId64, json_node_get_int(node));
        break;
    case G_TYPE_DOUBLE: {
        double d = json_node_get_double(node);

        if (isfinite(d)) {
            g_string_append_printf(out, "%.17g", d);
        } else {
            g_string_append(out, "null");   /* JSON has no inf/nan */
        }
        break;
    }
    case G_TYPE_BOOLEAN:
        g_string_append(out, json_node_get_boolean(node) ? "true" : "false");
        break;
    case G_TYPE_STRING:
        append_quoted(out, json_node_get_string(node));
        break;
    default:
        g_string_append(out, "null");
    }
}

static void append_node(GString *out, JsonNode *node, bool pretty, int depth)
{
    switch (JSON_NODE_TYPE(node)) {
    case JSON_NODE_OBJECT:
        append_object(out, json_node_get_object(node), pretty, depth);
        break;
    case JSON_NODE_ARRAY:
        append_array(out, json_node_get_array(node), pretty, depth);
        break;
    case JSON_NODE_VALUE:
        append_value(out, node);
        break;
    case JSON_NODE_NULL:
        g_string_append(out, "null");
        break;
    }
}

char *qobject_to_json(JsonNode *node, bool pretty)
{
    GString *out = g_string_new(NULL);

    append_node(out, node, pretty, 0);
    return g_string_free(out, false);
}
