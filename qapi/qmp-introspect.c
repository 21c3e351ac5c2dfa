/*
 * query-qmp-schema: the schema's introspection data ('gen': false, so
 * this is the QMP handler itself rather than a typed qmp_* function).
 */
#include "qemu/osdep.h"
#include "qemu/error.h"
#include "qapi/qapi-commands.h"
#include "qapi/qapi-introspect.h"

void qmp_query_qmp_schema(JsonObject *args, JsonNode **ret, Error **errp)
{
    g_autoptr(GList) members = json_object_get_members(args);

    if (members) {
        error_setg(errp, "Parameter '%s' is unexpected",
                   (const char *)members->data);
        return;
    }
    *ret = qmp_schema_introspection();
}
