/*
 * Output visitor: converts QAPI C objects to a JsonNode tree.
 */
#include "qemu/osdep.h"
#include "qemu/error.h"
#include "qapi/qobject-output-visitor.h"
#include "visitor-impl.h"

typedef struct QObjectOutputVisitor {
    Visitor visitor;
    JsonNode *root;         /* the result; reference held */
    GPtrArray *stack;       /* open containers (JsonNode *, borrowed) */
} QObjectOutputVisitor;

static QObjectOutputVisitor *to_qov(Visitor *v)
{
    return container_of(v, QObjectOutputVisitor, visitor);
}

/* Store @value (reference taken over) as member @name of the open
 * container, or as the root. */
static void output_add(QObjectOutputVisitor *qov, const char *name,
                       JsonNode *value)
{
    JsonNode *top;

    if (!qov->stack->len) {
        /* Visiting two top-level values with one visitor is a bug. */
        assert(!qov->root);
        qov->root = value;
        return;
    }
    top = g_ptr_array_index(qov->stack, qov->stack->len - 1);
    if (JSON_NODE_HOLDS_OBJECT(top)) {
        assert(name);
        json_object_set_member(json_node_get_object(top), name, value);
    } else {
        json_array_add_element(json_node_get_array(top), value);
    }
}

static bool output_start_struct(Visitor *v, const char *name, void **obj,
                                size_t size, Error **errp)
{
    QObjectOutputVisitor *qov = to_qov(v);
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    json_node_take_object(node, json_object_new());
    output_add(qov, name, node);
    g_ptr_array_add(qov->stack, node);
    return true;
}

static void output_end_container(Visitor *v, void **obj)
{
    QObjectOutputVisitor *qov = to_qov(v);

    assert(qov->stack->len);
    g_ptr_array_remove_index(qov->stack, qov->stack->len - 1);
}

static bool output_start_list(Visitor *v, const char *name,
                              GenericList **list, size_t size, Error **errp)
{
    QObjectOutputVisitor *qov = to_qov(v);
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);

    json_node_take_array(node, json_array_new());
    output_add(qov, name, node);
    g_ptr_array_add(qov->stack, node);
    return true;
}

static GenericList *output_next_list(Visitor *v, GenericList *tail,
                                     size_t size)
{
    return tail->next;
}

static bool output_start_alternate(Visitor *v, const char *name,
                                   GenericAlternate **obj, size_t size,
                                   Error **errp)
{
    /* The branch is visited under the same name and adds the value. */
    assert(*obj);
    return true;
}

static bool output_type_int64(Visitor *v, const char *name, int64_t *obj,
                              Error **errp)
{
    JsonNode *node = json_node_new(JSON_NODE_VALUE);

    json_node_set_int(node, *obj);
    output_add(to_qov(v), name, node);
    return true;
}

static bool output_type_uint64(Visitor *v, const char *name, uint64_t *obj,
                               Error **errp)
{
    JsonNode *node = json_node_new(JSON_NODE_VALUE);

    /* json-glib integers are signed 64-bit; larger values do not occur
     * in practice (sizes are capped at INT64_MAX by the block layer). */
    json_node_set_int(node, (int64_t)*obj);
    output_add(to_qov(v), name, node);
    return true;
}

static bool output_type_bool(Visitor *v, const char *name, bool *obj,
                             Error **errp)
{
    JsonNode *node = json_node_new(JSON_NODE_VALUE);

    json_node_set_boolean(node, *obj);
    output_add(to_qov(v), name, node);
    return true;
}

static bool output_type_str(Visitor *v, const char *name, char **obj,
                            Error **errp)
{
    JsonNode *node = json_node_new(JSON_NODE_VALUE);

    json_node_set_string(node, *obj ? *obj : "");
    output_add(to_qov(v), name, node);
    return true;
}

static bool output_type_number(Visitor *v, const char *name, double *obj,
                               Error **errp)
{
    JsonNode *node = json_node_new(JSON_NODE_VALUE);

    json_node_set_double(node, *obj);
    output_add(to_qov(v), name, node);
    return true;
}

static bool output_type_any(Visitor *v, const char *name, JsonNode **obj,
                            Error **errp)
{
    output_add(to_qov(v), name,
               *obj ? json_node_copy(*obj) : json_node_new(JSON_NODE_NULL));
    return true;
}

static void output_complete(Visitor *v, void *opaque)
{
    QObjectOutputVisitor *qov = to_qov(v);
    JsonNode **result = opaque;

    assert(!qov->stack->len);
    *result = qov->root ? json_node_ref(qov->root) : NULL;
}

static void output_free(Visitor *v)
{
    QObjectOutputVisitor *qov = to_qov(v);

    g_ptr_array_free(qov->stack, true);
    if (qov->root) {
        json_node_unref(qov->root);
    }
    g_free(qov);
}

Visitor *qobject_output_visitor_new(void)
{
    QObjectOutputVisitor *qov = g_new0(QObjectOutputVisitor, 1);
    Visitor *v = &qov->visitor;

    qov->stack = g_ptr_array_new();
    v->type = VISITOR_OUTPUT;
    v->start_struct = output_start_struct;
    v->end_struct = output_end_container;
    v->start_list = output_start_list;
    v->next_list = output_next_list;
    v->end_list = output_end_container;
    v->start_alternate = output_start_alternate;
    v->type_int64 = output_type_int64;
    v->type_uint64 = output_type_uint64;
    v->type_size = output_type_uint64;
    v->type_bool = output_type_bool;
    v->type_str = output_type_str;
    v->type_number = output_type_number;
    v->type_any = output_type_any;
    v->complete = output_complete;
    v->free = output_free;
    return v;
}
