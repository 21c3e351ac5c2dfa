/*
 * Option dictionaries over json-glib's JsonObject.
 *
 * Two producers feed these getters: the JSON parser (QMP, "--blockdev
 * '{...}'"), whose scalars are typed, and keyval_parse(), whose scalars are
 * all strings. Every getter accepts both forms and removes the member it
 * read, whether or not conversion succeeded, so that the caller can end
 * with qdict_check_empty().
 */
#include "qemu/osdep.h"
#include "qemu/qdict.h"
#include "qemu/cutils.h"
#include "qemu/error.h"

/* Remove @key from @d and return its node (new reference), or NULL. */
JsonNode *qdict_take_node(JsonObject *d, const char *key)
{
    JsonNode *node = json_object_get_member(d, key);

    if (!node) {
        return NULL;
    }
    node = json_node_ref(node);
    json_object_remove_member(d, key);
    return node;
}

static void set_present(bool *present, bool value)
{
    if (present) {
        *present = value;
    }
}

static bool node_is_value_type(JsonNode *node, GType type)
{
    return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == type;
}

static void error_type(Error **errp, const char *key, const char *expected)
{
    error_setg(errp, "Invalid parameter type for '%s', expected: %s",
               key, expected);
}

bool qdict_take_str(JsonObject *d, const char *key, char **out,
                    bool *present, Error **errp)
{
    g_autoptr(JsonNode) node = qdict_take_node(d, key);

    set_present(present, node != NULL);
    if (!node) {
        return true;
    }
    if (!node_is_value_type(node, G_TYPE_STRING)) {
        error_type(errp, key, "string");
        return false;
    }
    g_free(*out);
    *out = g_strdup(json_node_get_string(node));
    return true;
}

bool qdict_take_required_str(JsonObject *d, const char *key, char **out,
                             Error **errp)
{
    bool present;

    if (!qdict_take_str(d, key, out, &present, errp)) {
        return false;
    }
    if (!present) {
        error_setg(errp, "Parameter '%s' is missing", key);
        return false;
    }
    return true;
}

/* The spellings QEMU's keyval accepts for a boolean; false if none. */
bool qdict_take_bool(JsonObject *d, const char *key, bool *out,
                     bool *present, Error **errp)
{
    g_autoptr(JsonNode) node = qdict_take_node(d, key);

    set_present(present, node != NULL);
    if (!node) {
        return true;
    }
    if (node_is_value_type(node, G_TYPE_BOOLEAN)) {
        *out = json_node_get_boolean(node);
        return true;
    }
    if (node_is_value_type(node, G_TYPE_STRING)) {
        if (!qemu_parse_bool(json_node_get_string(node), out)) {
            error_setg(errp, "Parameter '%s' expects 'on' or 'off'", key);
            return false;
        }
        return true;
    }
    error_type(errp, key, "boolean");
    return false;
}

bool qdict_take_int(JsonObject *d, const char *key, int64_t *out,
                    bool *present, Error **errp)
{
    g_autoptr(JsonNode) node = qdict_take_node(d, key);
    int ret;

    set_present(present, node != NULL);
    if (!node) {
        return true;
    }
    if (node_is_value_type(node, G_TYPE_INT64)) {
        *out = json_node_get_int(node);
        return true;
    }
    if (!node_is_value_type(node, G_TYPE_STRING)) {
        error_type(errp, key, "integer");
        return false;
    }
    ret = qemu_parse_int64(json_node_get_string(node), out);
    if (ret == -ERANGE) {
        error_setg(errp, "Parameter '%s' expects an integer between %" PRId64
                   " and %" PRId64, key, INT64_MIN, INT64_MAX);
        return false;
    } else if (ret < 0) {
        error_setg(errp, "Parameter '%s' expects integer", key);
        return false;
    }
    return true;
}

/*
 * A JSON number as uint64: a non-negative integer, or a double holding an
 * integral value below 2^64 (json-glib stores integers past INT64_MAX as
 * doubles). Returns false if it is neither.
 */
static bool json_number_to_uint64(JsonNode *node, uint64_t *out)
{
    if (node_is_value_type(node, G_TYPE_INT64)) {
        int64_t v = json_node_get_int(node);

        if (v < 0) {
            return false;
        }
        *out = v;
        return true;
    }
    if (node_is_value_type(node, G_TYPE_DOUBLE)) {
        double v = json_node_get_double(node);

        if (v < 0 || v >= 18446744073709551616.0 || v != (double)(uint64_t)v) {
            return false;
        }
        *out = (uint64_t)v;
        return true;
    }
    return false;
}

bool qdict_take_uint(JsonObject *d, const char *key, uint64_t *out,
                     bool *present, Error **errp)
{
    g_autoptr(JsonNode) node = qdict_take_node(d, key);
    int ret;

    set_present(present, node != NULL);
    if (!node) {
        return true;
    }
    if (node_is_value_type(node, G_TYPE_STRING)) {
        ret = qemu_parse_uint64(json_node_get_string(node), out);
        if (ret == -ERANGE) {
            error_setg(errp, "Parameter '%s' expects an integer below 2^64",
                       key);
            return false;
        } else if (ret < 0) {
            error_setg(errp, "Parameter '%s' expects a non-negative integer",
                       key);
            return false;
        }
        return true;
    }
    if (node_is_value_type(node, G_TYPE_INT64) ||
        node_is_value_type(node, G_TYPE_DOUBLE)) {
        if (!json_number_to_uint64(node, out)) {
            error_setg(errp, "Parameter '%s' expects a non-negative integer",
                       key);
            return false;
        }
        return true;
    }
    error_type(errp, key, "integer");
    return false;
}

/*
 * "<number>[suffix]": decimal digits, optionally a fraction (only with a
 * suffix, as in "1.5G"), and one of B/k/M/G/T/P/E (case-insensitive,
 * powers of 1024). Returns 0, -EINVAL or -ERANGE.
 */
static int parse_size(const char *s, uint64_t *out)
{
    static const char suffixes[] = "BKMGTPE";
    uint64_t whole, frac_num = 0, frac_den = 1, mult = 1;
    const char *p = s, *sfx;
    char *end;

    if (!g_ascii_isdigit(*p)) {
        return -EINVAL;
    }
    errno = 0;
    whole = strtoull(p, &end, 10);
    if (errno == ERANGE) {
        return -ERANGE;
    }
    p = end;
    if (*p == '.') {
        p++;
        if (!g_ascii_isdigit(*p)) {
            return -EINVAL;
        }
        /* Keep up to 18 fraction digits: enough, and no overflow. */
        for (int n = 0; g_ascii_isdigit(*p); p++, n++) {
            if (n < 18) {
                frac_num = frac_num * 10 + (*p - '0');
                frac_den *= 10;
            }
        }
    }
    if (*p) {
        sfx = strchr(suffixes, g_ascii_toupper(*p));
        if (!sfx || p[1]) {
            return -EINVAL;
        }
        for (int i = 0; i < sfx - suffixes; i++) {
            mult *= 1024;
        }
    }
    if (frac_den > 1 && mult == 1) {
        return -EINVAL;     /* "1.5" or "1.5B": a fraction of a byte */
    }
    if (whole > UINT64_MAX / mult) {
        return -ERANGE;
    }
    whole *= mult;
    if (frac_num) {
        /* mult <= 2^60 and frac_num/frac_den < 1: compute without overflow */
        uint64_t add = (uint64_t)((long double)frac_num * mult / frac_den);

        if (whole > UINT64_MAX - add) {
            return -ERANGE;
        }
        whole += add;
    }
    *out = whole;
    return 0;
}

bool qdict_take_size(JsonObject *d, const char *key, uint64_t *out,
                     bool *present, Error **errp)
{
    ERRP_GUARD();   /* the hint must reach &error_fatal callers too */
    g_autoptr(JsonNode) node = qdict_take_node(d, key);

    set_present(present, node != NULL);
    if (!node) {
        return true;
    }
    if (node_is_value_type(node, G_TYPE_STRING)) {
        if (parse_size(json_node_get_string(node), out) < 0) {
            error_setg(errp, "Parameter '%s' expects a non-negative number "
                       "below 2^64", key);
            error_append_hint(errp, "Optional suffix k, M, G, T, P or E means "
                              "kilo-, mega-, giga-, tera-, peta-\n"
                              "and exabytes, respectively.\n");
            return false;
        }
        return true;
    }
    if (node_is_value_type(node, G_TYPE_INT64) ||
        node_is_value_type(node, G_TYPE_DOUBLE)) {
        if (!json_number_to_uint64(node, out)) {
            error_setg(errp, "Parameter '%s' expects a non-negative number "
                       "below 2^64", key);
            return false;
        }
        return true;
    }
    error_type(errp, key, "size");
    return false;
}

bool qdict_take_enum(JsonObject *d, const char *key,
                     const char *const *names, int *out,
                     bool *present, Error **errp)
{
    g_autoptr(JsonNode) node = qdict_take_node(d, key);
    const char *s;

    set_present(present, node != NULL);
    if (!node) {
        return true;
    }
    if (!node_is_value_type(node, G_TYPE_STRING)) {
        error_type(errp, key, "string");
        return false;
    }
    s = json_node_get_string(node);
    for (int i = 0; names[i]; i++) {
        if (!strcmp(s, names[i])) {
            *out = i;
            return true;
        }
    }
    error_setg(errp, "Parameter '%s' does not accept value '%s'", key, s);
    return false;
}

JsonObject *qdict_take_object(JsonObject *d, const char *key,
                              bool *present, Error **errp)
{
    g_autoptr(JsonNode) node = qdict_take_node(d, key);

    set_present(present, node != NULL);
    if (!node) {
        return NULL;
    }
    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        error_type(errp, key, "object");
        return NULL;
    }
    return json_object_ref(json_node_get_object(node));
}

bool qdict_check_empty(JsonObject *d, const char *prefix, Error **errp)
{
    g_autoptr(GList) members = json_object_get_members(d);

    if (!members) {
        return true;
    }
    /* Report the first member in insertion order, like QEMU. */
    error_setg(errp, "Parameter '%s%s' is unexpected",
               prefix ? prefix : "", (const char *)members->data);
    return false;
}

static JsonNode *node_deep_copy(JsonNode *node);

static JsonObject *object_deep_copy(JsonObject *obj)
{
    JsonObject *copy = json_object_new();
    JsonObjectIter iter;
    const char *name;
    JsonNode *member;

    json_object_iter_init_ordered(&iter, obj);
    while (json_object_iter_next_ordered(&iter, &name, &member)) {
        json_object_set_member(copy, name, node_deep_copy(member));
    }
    return copy;
}

static JsonNode *node_deep_copy(JsonNode *node)
{
    JsonNode *copy;

    switch (JSON_NODE_TYPE(node)) {
    case JSON_NODE_OBJECT:
        copy = json_node_new(JSON_NODE_OBJECT);
        json_node_take_object(copy, object_deep_copy(json_node_get_object(node)));
        return copy;
    case JSON_NODE_ARRAY: {
        JsonArray *src = json_node_get_array(node);
        JsonArray *dst = json_array_sized_new(json_array_get_length(src));

        for (guint i = 0; i < json_array_get_length(src); i++) {
            json_array_add_element(dst,
                node_deep_copy(json_array_get_element(src, i)));
        }
        copy = json_node_new(JSON_NODE_ARRAY);
        json_node_take_array(copy, dst);
        return copy;
    }
    default:
        /* Scalars and null carry no shared children. */
        return json_node_copy(node);
    }
}

JsonObject *qdict_clone(JsonObject *d)
{
    return object_deep_copy(d);
}

/* See qdict.h. */
GString *json_widen_big_integers(const char *text, size_t len)
{
    GString *out = NULL;
    char quote = 0;                         /* in a string: its quote */
    size_t copied = 0;

    for (size_t i = 0; i < len; i++) {
        const char *tok = text + i;
        size_t n = 0;
        char next;

        if (quote) {
            if (*tok == '\\' && quote == '"') {
                i++;                        /* skip the escaped char */
            } else if (*tok == quote) {     /* '...' has no escapes */
                quote = 0;
            }
            continue;
        }
        if (*tok == '"' || *tok == '\'') {  /* json-glib takes both */
            quote = *tok;
            continue;
        }
        if (!g_ascii_isdigit(*tok) && *tok != '-') {
            continue;
        }
        if (i > 0 && (g_ascii_isalnum(tok[-1]) || tok[-1] == '.' ||
                      tok[-1] == '-' || tok[-1] == '+')) {
            continue;                       /* inside another token */
        }
        n = *tok == '-';
        while (i + n < len && g_ascii_isdigit(tok[n])) {
            n++;
        }
        next = i + n < len ? tok[n] : '\0';
        if (next == '.' || next == 'e' || next == 'E' ||
            n == (size_t)(*tok == '-')) {
            i += n ? n - 1 : 0;
            continue;                       /* a float, or a lone '-' */
        }
        errno = 0;
        g_ascii_strtoll(tok, NULL, 10);     /* stops at the token's end */
        if (errno == ERANGE) {
            if (!out) {
                out = g_string_sized_new(len + 8);
            }
            g_string_append_len(out, text + copied, i + n - copied);
            g_string_append(out, ".0");
            copied = i + n;
        }
        i += n - 1;
    }
    if (out) {
        g_string_append_len(out, text + copied, len - copied);
    }
    return out;
}

JsonNode *qobject_from_json(const char *str, Error **errp)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) gerr = NULL;
    g_autoptr(GString) widened = json_widen_big_integers(str, strlen(str));
    JsonNode *root;

    if (widened) {
        str = widened->str;
    }
    if (!json_parser_load_from_data(parser, str, -1, &gerr)) {
        error_setg(errp, "%s", gerr->message);
        return NULL;
    }
    root = json_parser_get_root(parser);
    return root ? json_node_copy(root) : json_node_new(JSON_NODE_NULL);
}

JsonObject *qdict_from_json(const char *str, Error **errp)
{
    g_autoptr(JsonNode) root = qobject_from_json(str, errp);

    if (!root) {
        return NULL;
    }
    if (!JSON_NODE_HOLDS_OBJECT(root)) {
        error_setg(errp, "Expected a JSON object");
        return NULL;
    }
    return json_object_ref(json_node_get_object(root));
}
