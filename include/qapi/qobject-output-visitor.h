/*
 * Output visitor producing a JsonNode tree.
 */
#ifndef QAPI_QOBJECT_OUTPUT_VISITOR_H
#define QAPI_QOBJECT_OUTPUT_VISITOR_H

#include "qapi/visitor.h"

/*
 * A visitor that converts a C object into JSON values: typed scalars,
 * objects without absent optional members, enums as strings. Call
 * visit_complete(v, &node) after the top-level visit to get the result
 * (JsonNode *, a new reference).
 */
Visitor *qobject_output_visitor_new(void);

#endif /* QAPI_QOBJECT_OUTPUT_VISITOR_H */
