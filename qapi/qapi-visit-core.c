/*
 * Visitor core: dispatch to the visitor implementation, plus what all
 * visitors share (enum names, integer range checks).
 */
#include "qemu/osdep.h"
#include "qemu/error.h"
#include "qapi/visitor.h"
#include "visitor-impl.h"

static char *path_of(Visitor *v, const char *name)
{
    if (v->path) {
        return v->path(v, name);
    }
    return g_strdup(name ? name : "null");
}

void visit_error_invalid_type(Visitor *v, const char *name,
                              const char *expected, Error **errp)
{
    g_autofree char *path = path_of(v, name);

    error_setg(errp, "Invalid parameter type for '%s', expected: %s",
               path, expected);
}

bool visit_start_struct(Visitor *v, const char *name, void **obj,
                        size_t size, Error **errp)
{
    return v->start_struct(v, name, obj, size, errp);
}

bool visit_check_struct(Visitor *v, Error **errp)
{
    return v->check_struct ? v->check_struct(v, errp) : true;
}

void visit_end_struct(Visitor *v, void **obj)
{
    v->end_struct(v, obj);
}

bool visit_start_list(Visitor *v, const char *name, GenericList **list,
                      size_t size, Error **errp)
{
    return v->start_list(v, name, list, size, errp);
}

GenericList *visit_next_list(Visitor *v, GenericList *tail, size_t size)
{
    return v->next_list(v, tail, size);
}

bool visit_check_list(Visitor *v, Error **errp)
{
    return v->check_list ? v->check_list(v, errp) : true;
}

void visit_end_list(Visitor *v, void **list)
{
    v->end_list(v, list);
}

bool visit_start_alternate(Visitor *v, const char *name,
                           GenericAlternate **obj, size_t size,
                           Error **errp)
{
    return v->start_alternate(v, name, obj, size, errp);
}

void visit_end_alternate(Visitor *v, void **obj)
{
    if (v->end_alternate) {
        v->end_alternate(v, obj);
    }
}

bool visit_optional(Visitor *v, const char *name, bool *present)
{
    if (v->optional) {
        v->optional(v, name, present);
    }
    return *present;
}

bool visit_is_input(Visitor *v)
{
    return v->type == VISITOR_INPUT;
}

bool visit_is_dealloc(Visitor *v)
{
    return v->type == VISITOR_DEALLOC;
}

void visit_complete(Visitor *v, void *opaque)
{
    if (v->complete) {
        v->complete(v, opaque);
    }
}

void visit_free(Visitor *v)
{
    if (v) {
        v->free(v);
    }
}

bool visit_type_enum(Visitor *v, const char *name, int *obj,
                     const QEnumLookup *lookup, Error **errp)
{
    g_autofree char *str = NULL;

    switch (v->type) {
    case VISITOR_INPUT:
        if (!v->type_str(v, name, &str, errp)) {
            return false;
        }
        for (int i = 0; i < lookup->size; i++) {
            if (!strcmp(lookup->array[i], str)) {
                *obj = i;
                return true;
            }
        }
        {
            g_autofree char *path = path_of(v, name);

            error_setg(errp, "Parameter '%s' does not accept value '%s'",
                       path, str);
        }
        return false;
    case VISITOR_OUTPUT:
        /* The C object is ours: an out-of-range value is a bug. */
        assert(*obj >= 0 && *obj < lookup->size);
        str = g_strdup(lookup->array[*obj]);
        return v->type_str(v, name, &str, errp);
    case VISITOR_DEALLOC:
        return true;
    }
    g_assert_not_reached();
}

bool visit_type_int(Visitor *v, const char *name, int64_t *obj,
                    Error **errp)
{
    return v->type_int64(v, name, obj, errp);
}

bool visit_type_int64(Visitor *v, const char *name, int64_t *obj,
                      Error **errp)
{
    return v->type_int64(v, name, obj, errp);
}

bool visit_type_uint64(Visitor *v, const char *name, uint64_t *obj,
                       Error **errp)
{
    return v->type_uint64(v, name, obj, errp);
}

bool visit_type_size(Visitor *v, const char *name, uint64_t *obj,
                     Error **errp)
{
    return v->type_size(v, name, obj, errp);
}

bool visit_type_bool(Visitor *v, const char *name, bool *obj, Error **errp)
{
    return v->type_bool(v, name, obj, errp);
}

bool visit_type_str(Visitor *v, const char *name, char **obj, Error **errp)
{
    return v->type_str(v, name, obj, errp);
}

bool visit_type_number(Visitor *v, const char *name, double *obj,
                       Error **errp)
{
    return v->type_number(v, name, obj, errp);
}

bool visit_type_any(Visitor *v, const char *name, JsonNode **obj,
                    Error **errp)
{
    return v->type_any(v, name, obj, errp);
}

/* Visit a signed value through int64 and check it fits [min, max]. */
static bool visit_type_intN(Visitor *v, const char *name, int64_t *value,
                            int64_t min, int64_t max, const char *type,
                            Error **errp)
{
    if (!v->type_int64(v, name, value, errp)) {
        return false;
    }
    if (v->type == VISITOR_INPUT && (*value < min || *value > max)) {
        g_autofree char *path = path_of(v, name);

        error_setg(errp, "Parameter '%s' expects %s", path, type);
        return false;
    }
    return true;
}

static bool visit_type_uintN(Visitor *v, const char *name, uint64_t *value,
                             uint64_t max, const char *type, Error **errp)
{
    if (!v->type_uint64(v, name, value, errp)) {
        return false;
    }
    if (v->type == VISITOR_INPUT && *value > max) {
        g_autofree char *path = path_of(v, name);

        error_setg(errp, "Parameter '%s' expects %s", path, type);
        return false;
    }
    return true;
}

#define DEFINE_VISIT_INT(bits)                                              \
bool visit_type_int##bits(Visitor *v, const char *name, int##bits##_t *obj, \
                          Error **errp)                                     \
{                                                                           \
    int64_t value = *obj;                                                   \
    bool ok = visit_type_intN(v, name, &value, INT##bits##_MIN,             \
                              INT##bits##_MAX, "int" #bits "_t", errp);     \
    if (ok) {                                                               \
        *obj = value;                                                       \
    }                                                                       \
    return ok;                                                              \
}                                                                           \
bool visit_type_uint##bits(Visitor *v, const char *name,                    \
                           uint##bits##_t *obj, Error **errp)               \
{                                                                           \
    uint64_t value = *obj;                                                  \
    bool ok = visit_type_uintN(v, name, &value, UINT##bits##_MAX,           \
                               "uint" #bits "_t", errp);                    \
    if (ok) {                                                               \
        *obj = value;                                                       \
    }                                                                       \
    return ok;                                                              \
}

DEFINE_VISIT_INT(8)
DEFINE_VISIT_INT(16)
DEFINE_VISIT_INT(32)
