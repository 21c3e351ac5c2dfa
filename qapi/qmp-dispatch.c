/*
 * QMP request dispatch: validate a request, run its command, build the
 * response.
 */
#include "qemu/osdep.h"
#include "qemu/error.h"
#include "qemu/aio.h"
#include "qemu/coroutine.h"
#include "block/aio-wait.h"
#include "qapi/qmp/dispatch.h"

JsonObject *qmp_error_response(const Error *err)
{
    JsonObject *rsp = json_object_new();
    JsonObject *desc = json_object_new();

    json_object_set_string_member(desc, "class",
                                  error_class_name(error_get_class(err)));
    json_object_set_string_member(desc, "desc", error_get_pretty(err));
    json_object_set_object_member(rsp, "error", desc);
    return rsp;
}

/*
 * Check the members of request @dict. On success *name is the command
 * name and *args the arguments (NULL if absent), both borrowed.
 */
static bool qmp_check_request(JsonObject *dict, const char **name,
                              JsonObject **args, Error **errp)
{
    g_autoptr(GList) members = json_object_get_members(dict);

    *name = NULL;
    *args = NULL;
    for (GList *l = members; l; l = l->next) {
        const char *key = l->data;
        JsonNode *node = json_object_get_member(dict, key);

        if (!strcmp(key, "execute")) {
            if (!JSON_NODE_HOLDS_VALUE(node) ||
                json_node_get_value_type(node) != G_TYPE_STRING) {
                error_setg(errp, "QMP input member 'execute' must be a "
                           "string");
                return false;
            }
            *name = json_node_get_string(node);
        } else if (!strcmp(key, "arguments")) {
            if (!JSON_NODE_HOLDS_OBJECT(node)) {
                error_setg(errp, "QMP input member 'arguments' must be an "
                           "object");
                return false;
            }
            *args = json_node_get_object(node);
        } else if (strcmp(key, "id")) {
            error_setg(errp, "QMP input member '%s' is unexpected", key);
            return false;
        }
    }
    if (!*name) {
        error_setg(errp, "QMP input lacks member 'execute'");
        return false;
    }
    return true;
}

typedef struct QmpCall {
    const QmpCommand *cmd;
    JsonObject *args;
    JsonNode *ret;
    Error *err;
    Coroutine *caller;      /* coroutine waiting for a BH-run command */
    bool done;
} QmpCall;

static void qmp_call_run(QmpCall *call)
{
    call->cmd->fn(call->args, &call->ret, &call->err);
    call->done = true;
}

static void coroutine_fn qmp_call_co_entry(void *opaque)
{
    qmp_call_run(opaque);
}

/* Runs a command without QCO_COROUTINE outside coroutine context (it may
 * poll, e.g. to drain), then resumes the dispatching coroutine. */
static void qmp_call_bh(void *opaque)
{
    QmpCall *call = opaque;

    qmp_call_run(call);
    aio_co_wake(call->caller);
}

static void coroutine_fn qmp_call_command(QmpCall *call)
{
    bool want_co = call->cmd->options & QCO_COROUTINE;

    if (qemu_in_coroutine()) {
        if (want_co) {
            qmp_call_run(call);
        } else {
            call->caller = qemu_coroutine_self();
            aio_bh_schedule_oneshot(qemu_get_aio_context(), qmp_call_bh,
                                    call);
            qemu_coroutine_yield();
        }
        return;
    }
    if (want_co) {
        Coroutine *co = qemu_coroutine_create(qmp_call_co_entry, call);

        aio_co_enter(qemu_get_aio_context(), co);
        AIO_WAIT_WHILE(!call->done);
    } else {
        qmp_call_run(call);
    }
}

JsonObject *coroutine_fn qmp_dispatch(const QmpCommandList *cmds,
                                      JsonNode *request,
                                      bool cap_negotiation)
{
    Error *err = NULL;
    JsonObject *dict = NULL;
    JsonObject *args = NULL;
    JsonNode *id = NULL;
    const char *name;
    const QmpCommand *cmd;
    QmpCall call = { 0 };
    JsonObject *rsp;

    if (!request || !JSON_NODE_HOLDS_OBJECT(request)) {
        error_setg(&err, "QMP input must be a JSON object");
        goto out;
    }
    dict = json_node_get_object(request);
    id = json_object_get_member(dict, "id");
    if (!qmp_check_request(dict, &name, &args, &err)) {
        goto out;
    }
    if (cap_negotiation && strcmp(name, "qmp_capabilities")) {
        error_set(&err, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "Expecting capabilities negotiation with "
                  "'qmp_capabilities'");
        goto out;
    }
    if (!cap_negotiation && !strcmp(name, "qmp_capabilities")) {
        error_set(&err, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "Capabilities negotiation is already complete, command "
                  "ignored");
        goto out;
    }
    cmd = qmp_find_command(cmds, name);
    if (!cmd || !cmd->enabled) {
        error_set(&err, ERROR_CLASS_COMMAND_NOT_FOUND,
                  "The command %s has not been found", name);
        goto out;
    }

    call.cmd = cmd;
    call.args = args ? json_object_ref(args) : json_object_new();
    qmp_call_command(&call);
    json_object_unref(call.args);
    err = call.err;
    if (!err && !call.ret) {
        /* A handler must set *ret; treat a missing one as {}. */
        call.ret = json_node_new(JSON_NODE_OBJECT);
        json_node_take_object(call.ret, json_object_new());
    }

out:
    if (err) {
        rsp = qmp_error_response(err);
        error_free(err);
        if (call.ret) {
            json_node_unref(call.ret);
        }
    } else {
        rsp = json_object_new();
        json_object_set_member(rsp, "return", call.ret);
    }
    if (id) {
        json_object_set_member(rsp, "id", json_node_copy(id));
    }
    return rsp;
}
