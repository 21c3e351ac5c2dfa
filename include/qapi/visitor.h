/*
 * The QAPI visitor interface.
 *
 * Generated visit_type_<Type>() functions walk a C object of a schema
 * type and call the visitor for each struct, list, alternate and scalar
 * on the way. Three kinds of visitor exist:
 *  - input (qobject-input-visitor.h): builds the C object from a JsonNode;
 *    on failure the partial object is freed and *obj is NULL;
 *  - output (qobject-output-visitor.h): builds a JsonNode from the object;
 *  - dealloc (dealloc-visitor.h): frees the object (qapi_free_<Type>()).
 *
 * Every visit_* function returning bool returns false with errp set on
 * failure (input visitors only: output and dealloc visits cannot fail).
 * @name is the member name within the enclosing struct, or NULL for the
 * top level and list elements. Error messages name members by their path
 * from the root: "file.filename", "list[1]" (JSON) or "list.1" (keyval).
 */
#ifndef QAPI_VISITOR_H
#define QAPI_VISITOR_H

#include "qapi/util.h"
#include <json-glib/json-glib.h>

typedef struct Visitor Visitor;

typedef enum VisitorType {
    VISITOR_INPUT = 1,
    VISITOR_OUTPUT = 2,
    VISITOR_DEALLOC = 4,
} VisitorType;

/*
 * Start visiting a struct. Input: *obj is set to a new zeroed allocation
 * of @size bytes (unless @obj is NULL: then the members are visited
 * without allocation, as for command arguments). Output/dealloc: *obj is
 * the struct (may be NULL for dealloc of a partial object). Must be
 * paired with visit_end_struct(), also after a failure of anything in
 * between, but not after a failure of visit_start_struct() itself.
 */
bool visit_start_struct(Visitor *v, const char *name, void **obj,
                        size_t size, Error **errp);
/* Input: fail with "Parameter '%s' is unexpected" if the input object
 * has a member that was not visited. Others: true. */
bool visit_check_struct(Visitor *v, Error **errp);
/* Finish the struct. Dealloc: frees *obj. */
void visit_end_struct(Visitor *v, void **obj);

/*
 * Lists. Input: *list is set to the first element (allocated with @size
 * bytes, zeroed) or NULL for an empty list; visit_next_list() allocates
 * and returns the following element or NULL at the end. Output/dealloc:
 * walk the existing elements (dealloc frees each @tail).
 */
bool visit_start_list(Visitor *v, const char *name, GenericList **list,
                      size_t size, Error **errp);
GenericList *visit_next_list(Visitor *v, GenericList *tail, size_t size);
bool visit_check_list(Visitor *v, Error **errp);
void visit_end_list(Visitor *v, void **list);

/*
 * Alternates. Input: *obj is allocated with @size bytes and (*obj)->type
 * is set to the QType of the input value, which the caller then visits
 * with the same @name as the branch of that type. Dealloc: frees *obj in
 * visit_end_alternate().
 */
bool visit_start_alternate(Visitor *v, const char *name,
                           GenericAlternate **obj, size_t size,
                           Error **errp);
void visit_end_alternate(Visitor *v, void **obj);

/*
 * Optional members. Input: sets *present to whether @name exists in the
 * current input object. Output/dealloc: *present is the caller's
 * has_<name> flag (or whether the pointer is non-NULL) and is left
 * alone. Returns *present: the caller visits the member only if true.
 */
bool visit_optional(Visitor *v, const char *name, bool *present);

/* Enums: a string on the wire. Input errors: "Parameter '%s' does not
 * accept value '%s'". */
bool visit_type_enum(Visitor *v, const char *name, int *obj,
                     const QEnumLookup *lookup, Error **errp);

/* Integers. Input: out-of-range values fail with "Parameter '%s' expects
 * <C type>" (e.g. "uint8_t"). */
bool visit_type_int(Visitor *v, const char *name, int64_t *obj,
                    Error **errp);
bool visit_type_int8(Visitor *v, const char *name, int8_t *obj,
                     Error **errp);
bool visit_type_int16(Visitor *v, const char *name, int16_t *obj,
                      Error **errp);
bool visit_type_int32(Visitor *v, const char *name, int32_t *obj,
                      Error **errp);
bool visit_type_int64(Visitor *v, const char *name, int64_t *obj,
                      Error **errp);
bool visit_type_uint8(Visitor *v, const char *name, uint8_t *obj,
                      Error **errp);
bool visit_type_uint16(Visitor *v, const char *name, uint16_t *obj,
                       Error **errp);
bool visit_type_uint32(Visitor *v, const char *name, uint32_t *obj,
                       Error **errp);
bool visit_type_uint64(Visitor *v, const char *name, uint64_t *obj,
                       Error **errp);
/* Like uint64; keyval input also accepts suffixes ("1G", "512k"). */
bool visit_type_size(Visitor *v, const char *name, uint64_t *obj,
                     Error **errp);
bool visit_type_bool(Visitor *v, const char *name, bool *obj,
                     Error **errp);
/* Input: *obj is a new string (g_free). Output: *obj must not be NULL. */
bool visit_type_str(Visitor *v, const char *name, char **obj,
                    Error **errp);
bool visit_type_number(Visitor *v, const char *name, double *obj,
                       Error **errp);
/* Any JSON value. Input: *obj is a new reference (a deep copy). */
bool visit_type_any(Visitor *v, const char *name, JsonNode **obj,
                    Error **errp);

/*
 * Set errp to "Invalid parameter type for '<path of @name>', expected:
 * @expected" (used by generated alternate visitors for an input value of
 * a JSON type that no branch accepts).
 */
void visit_error_invalid_type(Visitor *v, const char *name,
                              const char *expected, Error **errp);

/*
 * The kind of @v, for generated code that must act differently when it
 * fills objects (input) or frees them (dealloc). Never fail.
 */
bool visit_is_input(Visitor *v);
bool visit_is_dealloc(Visitor *v);

/*
 * Output visitors: store the result in *@opaque (for the QObject output
 * visitor, a JsonNode ** receiving a new reference). May be called once,
 * after the top-level visit.
 */
void visit_complete(Visitor *v, void *opaque);
/* Free the visitor (not the visited object); NULL is accepted. */
void visit_free(Visitor *v);

#endif /* QAPI_VISITOR_H */
