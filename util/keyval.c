/*
 * key=value,... parsing (QEMU's keyval syntax) into a JsonObject tree.
 *
 * Grammar, as users know it from QEMU:
 *   params   = [ element { ',' element } ] [ ',' ]
 *   element  = key '=' value | "help" | "?" | implied-value (first only)
 *   key      = fragment { '.' fragment }, fragment = [A-Za-z0-9_-]+
 *   value    = any text; ",," stands for one literal ','
 *
 * Parsing runs in two passes: the first builds nested objects from dotted
 * keys; the second turns every nested object whose keys are all list
 * indices ("0", "1", ... without leading zeros) into an array, which must
 * then be dense.
 */
#include "qemu/osdep.h"
#include "qemu/keyval.h"
#include "qemu/error.h"

static bool is_fragment_char(char c)
{
    return g_ascii_isalnum(c) || c == '-' || c == '_';
}

/* "help" and "?" ask for help, as in QEMU. */
static bool is_help(const char *s, size_t len)
{
    return (len == 4 && !strncmp(s, "help", 4)) || (len == 1 && s[0] == '?');
}

/* A key fragment that is a list index: "0" or no leading zero. */
static bool fragment_to_index(const char *s, guint *out)
{
    guint64 v;

    if (!g_ascii_isdigit(s[0]) || (s[0] == '0' && s[1])) {
        return false;
    }
    for (const char *p = s; *p; p++) {
        if (!g_ascii_isdigit(*p)) {
            return false;
        }
    }
    v = g_ascii_strtoull(s, NULL, 10);
    if (v > G_MAXINT) {
        return false;
    }
    *out = v;
    return true;
}

/*
 * Read a value starting at @s up to an unescaped ',' or the end. Returns the
 * unescaped text; *end points at the terminating ',' or NUL.
 */
static char *parse_value(const char *s, const char **end)
{
    GString *val = g_string_new(NULL);

    while (*s) {
        if (*s == ',') {
            if (s[1] != ',') {
                break;
            }
            s++;
        }
        g_string_append_c(val, *s++);
    }
    *end = s;
    return g_string_free(val, false);
}

/* Key syntax check: non-empty fragments of the allowed characters. */
static bool key_is_valid(const char *key)
{
    const char *p = key;

    for (;;) {
        if (!is_fragment_char(*p)) {
            return false;
        }
        while (is_fragment_char(*p)) {
            p++;
        }
        if (!*p) {
            return true;
        }
        if (*p != '.') {
            return false;
        }
        p++;
    }
}

/*
 * Store @value (taken) under dotted @key in @root, creating intermediate
 * objects. A scalar where an object is needed, or the reverse, is an error.
 */
static bool keyval_assign(JsonObject *root, const char *key, char *value,
                          Error **errp)
{
    g_autofree char *val = value;
    g_auto(GStrv) frags = g_strsplit(key, ".", -1);
    JsonObject *cur = root;
    size_t prefix_len = 0;
    int i;

    for (i = 0; frags[i + 1]; i++) {
        JsonNode *next = json_object_get_member(cur, frags[i]);

        prefix_len += strlen(frags[i]) + (i ? 1 : 0);
        if (!next) {
            JsonObject *obj = json_object_new();

            json_object_set_object_member(cur, frags[i], obj);
            cur = obj;
        } else if (JSON_NODE_HOLDS_OBJECT(next)) {
            cur = json_node_get_object(next);
        } else {
            error_setg(errp, "Parameters '%.*s.*' used inconsistently",
                       (int)prefix_len, key);
            return false;
        }
    }
    {
        JsonNode *old = json_object_get_member(cur, frags[i]);

        if (old && JSON_NODE_HOLDS_OBJECT(old)) {
            error_setg(errp, "Parameters '%s.*' used inconsistently", key);
            return false;
        }
    }
    /* A repeated key: the last value wins, as in QEMU. */
    json_object_set_string_member(cur, frags[i], val);
    return true;
}

static bool listify_object(JsonObject *obj, const char *path, Error **errp);

/*
 * Member @name of @parent: if it is an object with only index keys,
 * replace it by an array. Recurses into the member first. @path is the
 * member's dotted name, for errors.
 */
static bool listify_member(JsonObject *parent, const char *name,
                           const char *path, Error **errp)
{
    JsonNode *node = json_object_get_member(parent, name);
    JsonObject *obj;
    g_autoptr(GList) members = NULL;
    g_autofree JsonNode **slots = NULL;
    guint n, n_index = 0, idx;
    JsonArray *arr;

    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        return true;
    }
    obj = json_node_get_object(node);
    if (!listify_object(obj, path, errp)) {
        return false;
    }
    members = json_object_get_members(obj);
    n = g_list_length(members);
    for (GList *l = members; l; l = l->next) {
        if (fragment_to_index(l->data, &idx)) {
            n_index++;
        }
    }
    if (n_index == 0) {
        return true;
    }
    if (n_index != n) {
        error_setg(errp, "Parameters '%s.*' used inconsistently", path);
        return false;
    }
    slots = g_new0(JsonNode *, n);
    for (GList *l = members; l; l = l->next) {
        fragment_to_index(l->data, &idx);
        if (idx < n) {
            slots[idx] = json_object_get_member(obj, l->data);
        }
    }
    for (idx = 0; idx < n; idx++) {
        if (!slots[idx]) {
            error_setg(errp, "Parameter '%s.%u' is missing", path, idx);
            return false;
        }
    }
    arr = json_array_sized_new(n);
    for (idx = 0; idx < n; idx++) {
        json_array_add_element(arr, json_node_ref(slots[idx]));
    }
    /* Replacing the member frees the object; the array holds its own refs. */
    json_object_set_array_member(parent, name, arr);
    return true;
}

static bool listify_object(JsonObject *obj, const char *prefix, Error **errp)
{
    g_autoptr(GList) members = json_object_get_members(obj);

    for (GList *l = members; l; l = l->next) {
        const char *name = l->data;
        g_autofree char *path =
            prefix ? g_strdup_printf("%s.%s", prefix, name) : g_strdup(name);

        if (!listify_member(obj, name, path, errp)) {
            return false;
        }
    }
    return true;
}

JsonObject *keyval_parse(const char *params, const char *implied_key,
                         bool *help, Error **errp)
{
    g_autoptr(JsonObject) root = json_object_new();
    const char *s = params;
    bool first = true;

    if (help) {
        *help = false;
    }
    while (*s) {
        size_t klen = strcspn(s, "=,");
        g_autofree char *key = g_strndup(s, klen);
        const char *end;

        if (s[klen] != '=') {
            if (help && is_help(s, klen)) {
                *help = true;
                end = s + klen;
            } else if (first && implied_key && klen > 0) {
                if (!keyval_assign(root, implied_key, parse_value(s, &end),
                                   errp)) {
                    return NULL;
                }
            } else if (klen == 0) {
                /* ",x" or ",,": an element with no key at all */
                error_setg(errp, "Invalid parameter ''");
                return NULL;
            } else {
                error_setg(errp, "Expected '=' after parameter '%s'", key);
                return NULL;
            }
        } else {
            if (!key_is_valid(key)) {
                error_setg(errp, "Invalid parameter '%s'", key);
                return NULL;
            }
            if (!keyval_assign(root, key, parse_value(s + klen + 1, &end),
                               errp)) {
                return NULL;
            }
        }
        first = false;
        s = *end ? end + 1 : end;   /* skip the separating ',' */
    }
    if (!listify_object(root, NULL, errp)) {
        return NULL;
    }
    return g_steal_pointer(&root);
}
