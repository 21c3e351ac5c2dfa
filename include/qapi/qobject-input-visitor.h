/*
 * Input visitor over a JsonNode tree.
 */
#ifndef QAPI_QOBJECT_INPUT_VISITOR_H
#define QAPI_QOBJECT_INPUT_VISITOR_H

#include "qapi/visitor.h"

/*
 * A visitor that builds C objects from @root (a reference is taken), as
 * parsed from JSON: scalars must have the JSON type the schema expects
 * ("Invalid parameter type for '%s', expected: integer").
 */
Visitor *qobject_input_visitor_new(JsonNode *root);

/*
 * Like qobject_input_visitor_new(), for trees from keyval_parse(): every
 * scalar is a string converted by the expected type ("on"/"off" and
 * "yes"/"no"/"true"/"false" for bool, decimal or 0x integers, sizes with
 * k/M/G/T/P/E suffixes).
 */
Visitor *qobject_input_visitor_new_keyval(JsonNode *root);

/* Convenience: a visitor over the object @obj (a reference is taken). */
Visitor *qobject_input_visitor_new_object(JsonObject *obj, bool keyval);

#endif /* QAPI_QOBJECT_INPUT_VISITOR_H */
