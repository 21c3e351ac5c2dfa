/*
 * Input visitor: builds QAPI C objects from a JsonNode tree.
 *
 * Two modes share the walk: JSON (scalars must have the JSON type the
 * schema expects) and keyval (every scalar is a string, converted by the
 * expected type). Member names in errors are paths from the root,
 * "file.filename" or "iothread[1]" ("iothread.1" in keyval mode).
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/error.h"
#include "qapi/qobject-input-visitor.h"
#include "visitor-impl.h"

typedef struct InputFrame {
    JsonNode *node;         /* the object or array; owned by the tree */
    char *name;             /* member name it was entered by, or NULL */
    GHashTable *unvisited;  /* objects: member names not yet visited */
    guint index;            /* arrays: next element to visit */
} InputFrame;

typedef struct QObjectInputVisitor {
    Visitor visitor;
    JsonNode *root;         /* reference held */
    bool keyval;
    GPtrArray *stack;       /* of InputFrame *; top = last */
} QObjectInputVisitor;

static QObjectInputVisitor *to_qiv(Visitor *v)
{
    return container_of(v, QObjectInputVisitor, visitor);
}

static InputFrame *top_frame(QObjectInputVisitor *qiv)
{
    if (!qiv->stack->len) {
        return NULL;
    }
    return g_ptr_array_index(qiv->stack, qiv->stack->len - 1);
}

static bool frame_is_array(InputFrame *f)
{
    return JSON_NODE_HOLDS_ARRAY(f->node);
}

static void append_component(QObjectInputVisitor *qiv, GString *s,
                             InputFrame *parent, const char *name)
{
    if (parent && frame_is_array(parent)) {
        /* The element being visited is the one fetched last. */
        guint idx = parent->index ? parent->index - 1 : 0;

        if (qiv->keyval) {
            g_string_append_printf(s, "%s%u", s->len ? "." : "", idx);
        } else {
            g_string_append_printf(s, "[%u]", idx);
        }
        return;
    }
    if (name) {
        g_string_append_printf(s, "%s%s", s->len ? "." : "", name);
    }
}

static char *input_path(Visitor *v, const char *name)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    GString *s = g_string_new("");

    for (guint i = 1; i < qiv->stack->len; i++) {
        InputFrame *parent = g_ptr_array_index(qiv->stack, i - 1);
        InputFrame *f = g_ptr_array_index(qiv->stack, i);

        append_component(qiv, s, parent, f->name);
    }
    append_component(qiv, s, top_frame(qiv), name);
    if (!s->len) {
        g_string_append(s, name ? name : "null");
    }
    return g_string_free(s, false);
}

/*
 * The input value for member @name of the current struct (or the next
 * element of the current list, or the root). With @consume, the member
 * counts as visited. NULL if absent.
 */
static JsonNode *input_get(QObjectInputVisitor *qiv, const char *name,
                           bool consume)
{
    InputFrame *f = top_frame(qiv);

    if (!f) {
        return qiv->root;
    }
    if (frame_is_array(f)) {
        JsonArray *arr = json_node_get_array(f->node);

        if (f->index >= json_array_get_length(arr)) {
            return NULL;
        }
        return json_array_get_element(arr, consume ? f->index++ : f->index);
    }
    assert(name);
    {
        JsonNode *node = json_object_get_member(json_node_get_object(f->node),
                                                name);

        if (node && consume) {
            g_hash_table_remove(f->unvisited, name);
        }
        return node;
    }
}

/* Like input_get(), but a missing member is an error. */
static JsonNode *input_get_required(QObjectInputVisitor *qiv,
                                    const char *name, bool consume,
                                    Error **errp)
{
    JsonNode *node = input_get(qiv, name, consume);

    if (!node) {
        g_autofree char *path = input_path(&qiv->visitor, name);

        error_setg(errp, "Parameter '%s' is missing", path);
    }
    return node;
}

static void error_invalid_type(QObjectInputVisitor *qiv, const char *name,
                               const char *expected, Error **errp)
{
    visit_error_invalid_type(&qiv->visitor, name, expected, errp);
}

static void error_expects(QObjectInputVisitor *qiv, const char *name,
                          const char *what, Error **errp)
{
    g_autofree char *path = input_path(&qiv->visitor, name);

    error_setg(errp, "Parameter '%s' expects %s", path, what);
}

static bool holds_type(JsonNode *node, GType type)
{
    return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == type;
}

static void push_frame(QObjectInputVisitor *qiv, JsonNode *node,
                       const char *name)
{
    InputFrame *f = g_new0(InputFrame, 1);

    f->node = node;
    f->name = g_strdup(name);
    if (JSON_NODE_HOLDS_OBJECT(node)) {
        g_autoptr(GList) members =
            json_object_get_members(json_node_get_object(node));

        f->unvisited = g_hash_table_new(g_str_hash, g_str_equal);
        for (GList *l = members; l; l = l->next) {
            /* The keys are owned by the JsonObject, which outlives us. */
            g_hash_table_add(f->unvisited, l->data);
        }
    }
    g_ptr_array_add(qiv->stack, f);
}

static void free_frame(gpointer p)
{
    InputFrame *f = p;

    if (f->unvisited) {
        g_hash_table_destroy(f->unvisited);
    }
    g_free(f->name);
    g_free(f);
}

static void pop_frame(QObjectInputVisitor *qiv)
{
    assert(qiv->stack->len);
    g_ptr_array_remove_index(qiv->stack, qiv->stack->len - 1);
}

static bool input_start_struct(Visitor *v, const char *name, void **obj,
                               size_t size, Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    JsonNode *node = input_get_required(qiv, name, true, errp);

    if (obj) {
        *obj = NULL;
    }
    if (!node) {
        return false;
    }
    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        error_invalid_type(qiv, name, "object", errp);
        return false;
    }
    push_frame(qiv, node, name);
    if (obj) {
        *obj = g_malloc0(size);
    }
    return true;
}

static bool input_check_struct(Visitor *v, Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    InputFrame *f = top_frame(qiv);
    g_autoptr(GList) members = NULL;

    assert(f && !frame_is_array(f));
    if (!g_hash_table_size(f->unvisited)) {
        return true;
    }
    /* Report the first leftover in input order, for stable messages. */
    members = json_object_get_members(json_node_get_object(f->node));
    for (GList *l = members; l; l = l->next) {
        if (g_hash_table_contains(f->unvisited, l->data)) {
            g_autofree char *path = input_path(v, l->data);

            error_setg(errp, "Parameter '%s' is unexpected", path);
            return false;
        }
    }
    g_assert_not_reached();
}

static void input_end_struct(Visitor *v, void **obj)
{
    pop_frame(to_qiv(v));
}

static bool input_start_list(Visitor *v, const char *name,
                             GenericList **list, size_t size, Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    JsonNode *node = input_get_required(qiv, name, true, errp);

    if (list) {
        *list = NULL;
    }
    if (!node) {
        return false;
    }
    if (!JSON_NODE_HOLDS_ARRAY(node)) {
        error_invalid_type(qiv, name, "array", errp);
        return false;
    }
    push_frame(qiv, node, name);
    if (list && json_array_get_length(json_node_get_array(node))) {
        *list = g_malloc0(size);
    }
    return true;
}

static GenericList *input_next_list(Visitor *v, GenericList *tail,
                                    size_t size)
{
    InputFrame *f = top_frame(to_qiv(v));

    assert(f && frame_is_array(f));
    if (f->index >= json_array_get_length(json_node_get_array(f->node))) {
        return NULL;
    }
    tail->next = g_malloc0(size);
    return tail->next;
}

static bool input_check_list(Visitor *v, Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    InputFrame *f = top_frame(qiv);
    guint len = json_array_get_length(json_node_get_array(f->node));

    if (f->index < len) {
        g_autofree char *path = NULL;

        f->index++;     /* so that the path names the first extra one */
        path = input_path(v, NULL);
        error_setg(errp, "Parameter '%s' is unexpected", path);
        return false;
    }
    return true;
}

static void input_end_list(Visitor *v, void **obj)
{
    pop_frame(to_qiv(v));
}

static QType node_qtype(JsonNode *node)
{
    switch (JSON_NODE_TYPE(node)) {
    case JSON_NODE_OBJECT:
        return QTYPE_QDICT;
    case JSON_NODE_ARRAY:
        return QTYPE_QLIST;
    case JSON_NODE_NULL:
        return QTYPE_QNULL;
    case JSON_NODE_VALUE:
        break;
    }
    switch (json_node_get_value_type(node)) {
    case G_TYPE_STRING:
        return QTYPE_QSTRING;
    case G_TYPE_BOOLEAN:
        return QTYPE_QBOOL;
    default:
        return QTYPE_QNUM;
    }
}

static bool input_start_alternate(Visitor *v, const char *name,
                                  GenericAlternate **obj, size_t size,
                                  Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    JsonNode *node = input_get_required(qiv, name, false, errp);

    if (!node) {
        *obj = NULL;
        return false;
    }
    *obj = g_malloc0(size);
    (*obj)->type = node_qtype(node);
    return true;
}

/*
 * The member @name (consumed), if it is a scalar of @type; otherwise NULL
 * with errp set (missing, or "Invalid parameter type ..., expected:
 * @expected").
 */
static JsonNode *input_get_scalar(QObjectInputVisitor *qiv, const char *name,
                                  GType type, const char *expected,
                                  Error **errp)
{
    JsonNode *node = input_get_required(qiv, name, true, errp);

    if (!node) {
        return NULL;
    }
    if (!holds_type(node, type)) {
        error_invalid_type(qiv, name, expected, errp);
        return NULL;
    }
    return node;
}

/* The string of a keyval scalar, or NULL with errp set. */
static const char *input_keyval_str(QObjectInputVisitor *qiv,
                                    const char *name, Error **errp)
{
    JsonNode *node = input_get_scalar(qiv, name, G_TYPE_STRING, "string",
                                      errp);

    return node ? json_node_get_string(node) : NULL;
}

static bool input_type_int64(Visitor *v, const char *name, int64_t *obj,
                             Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    JsonNode *node;

    if (qiv->keyval) {
        const char *s = input_keyval_str(qiv, name, errp);

        if (!s) {
            return false;
        }
        if (qapi_parse_int64(s, obj) < 0) {
            error_expects(qiv, name, "integer", errp);
            return false;
        }
        return true;
    }
    node = input_get_scalar(qiv, name, G_TYPE_INT64, "integer", errp);
    if (!node) {
        return false;
    }
    *obj = json_node_get_int(node);
    return true;
}

static bool input_type_uint64(Visitor *v, const char *name, uint64_t *obj,
                              Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    JsonNode *node;

    if (qiv->keyval) {
        const char *s = input_keyval_str(qiv, name, errp);

        if (!s) {
            return false;
        }
        if (qemu_parse_uint64(s, obj) < 0) {
            error_expects(qiv, name, "integer", errp);
            return false;
        }
        return true;
    }
    node = input_get_scalar(qiv, name, G_TYPE_INT64, "integer", errp);
    if (!node) {
        return false;
    }
    if (json_node_get_int(node) < 0) {
        error_expects(qiv, name, "uint64", errp);
        return false;
    }
    *obj = json_node_get_int(node);
    return true;
}

static bool input_type_size(Visitor *v, const char *name, uint64_t *obj,
                            Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    const char *s;

    if (!qiv->keyval) {
        return input_type_uint64(v, name, obj, errp);
    }
    s = input_keyval_str(qiv, name, errp);
    if (!s) {
        return false;
    }
    if (qapi_parse_size(s, obj) < 0) {
        ERRP_GUARD();

        error_expects(qiv, name, "a non-negative number below 2^64", errp);
        error_append_hint(errp, "Optional suffix k, M, G, T, P or E means "
                          "kilo-, mega-, giga-, tera-, peta-\n"
                          "and exabytes, respectively.\n");
        return false;
    }
    return true;
}

static bool input_type_bool(Visitor *v, const char *name, bool *obj,
                            Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    JsonNode *node;

    if (qiv->keyval) {
        const char *s = input_keyval_str(qiv, name, errp);

        if (!s) {
            return false;
        }
        if (!qemu_parse_bool(s, obj)) {
            error_expects(qiv, name, "'on' or 'off'", errp);
            return false;
        }
        return true;
    }
    node = input_get_scalar(qiv, name, G_TYPE_BOOLEAN, "boolean", errp);
    if (!node) {
        return false;
    }
    *obj = json_node_get_boolean(node);
    return true;
}

static bool input_type_str(Visitor *v, const char *name, char **obj,
                           Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    JsonNode *node = input_get_scalar(qiv, name, G_TYPE_STRING, "string",
                                      errp);

    *obj = NULL;
    if (!node) {
        return false;
    }
    *obj = g_strdup(json_node_get_string(node));
    return true;
}

static bool input_type_number(Visitor *v, const char *name, double *obj,
                              Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    JsonNode *node;

    if (qiv->keyval) {
        const char *s = input_keyval_str(qiv, name, errp);
        char *end;

        if (!s) {
            return false;
        }
        errno = 0;
        *obj = g_ascii_strtod(s, &end);
        if (!*s || *end || errno) {
            error_expects(qiv, name, "number", errp);
            return false;
        }
        return true;
    }
    node = input_get_required(qiv, name, true, errp);
    if (!node) {
        return false;
    }
    if (holds_type(node, G_TYPE_DOUBLE)) {
        *obj = json_node_get_double(node);
        return true;
    }
    if (holds_type(node, G_TYPE_INT64)) {
        *obj = json_node_get_int(node);
        return true;
    }
    error_invalid_type(qiv, name, "number", errp);
    return false;
}

static bool input_type_any(Visitor *v, const char *name, JsonNode **obj,
                           Error **errp)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    JsonNode *node = input_get_required(qiv, name, true, errp);

    *obj = node ? json_node_copy(node) : NULL;
    return node != NULL;
}

static void input_optional(Visitor *v, const char *name, bool *present)
{
    QObjectInputVisitor *qiv = to_qiv(v);
    InputFrame *f = top_frame(qiv);

    if (!f || frame_is_array(f)) {
        *present = false;
        return;
    }
    *present = json_object_has_member(json_node_get_object(f->node), name);
}

static void input_free(Visitor *v)
{
    QObjectInputVisitor *qiv = to_qiv(v);

    g_ptr_array_free(qiv->stack, true);
    json_node_unref(qiv->root);
    g_free(qiv);
}

static Visitor *input_visitor_new(JsonNode *root, bool keyval)
{
    QObjectInputVisitor *qiv = g_new0(QObjectInputVisitor, 1);
    Visitor *v = &qiv->visitor;

    assert(root);
    qiv->root = json_node_ref(root);
    qiv->keyval = keyval;
    qiv->stack = g_ptr_array_new_with_free_func(free_frame);

    v->type = VISITOR_INPUT;
    v->start_struct = input_start_struct;
    v->check_struct = input_check_struct;
    v->end_struct = input_end_struct;
    v->start_list = input_start_list;
    v->next_list = input_next_list;
    v->check_list = input_check_list;
    v->end_list = input_end_list;
    v->start_alternate = input_start_alternate;
    v->type_int64 = input_type_int64;
    v->type_uint64 = input_type_uint64;
    v->type_size = input_type_size;
    v->type_bool = input_type_bool;
    v->type_str = input_type_str;
    v->type_number = input_type_number;
    v->type_any = input_type_any;
    v->optional = input_optional;
    v->path = input_path;
    v->free = input_free;
    return v;
}

Visitor *qobject_input_visitor_new(JsonNode *root)
{
    return input_visitor_new(root, false);
}

Visitor *qobject_input_visitor_new_keyval(JsonNode *root)
{
    return input_visitor_new(root, true);
}

Visitor *qobject_input_visitor_new_object(JsonObject *obj, bool keyval)
{
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);

    json_node_set_object(node, obj);
    return input_visitor_new(node, keyval);
}
