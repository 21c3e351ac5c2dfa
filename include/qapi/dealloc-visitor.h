/*
 * Visitor that frees a QAPI object (used by qapi_free_<Type>()).
 */
#ifndef QAPI_DEALLOC_VISITOR_H
#define QAPI_DEALLOC_VISITOR_H

#include "qapi/visitor.h"

/* A new dealloc visitor; free it with visit_free(). */
Visitor *qapi_dealloc_visitor_new(void);

#endif /* QAPI_DEALLOC_VISITOR_H */
