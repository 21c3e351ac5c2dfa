/*
 * QMP command registry and dispatch (the QAPI runtime).
 *
 * The generator emits, for every schema command, a marshaller
 *     void qmp_marshal_<name>(JsonObject *args, JsonNode **ret, Error **errp)
 * that visits @args into C types, calls the handwritten
 *     <ret-type> qmp_<name>(<members>..., Error **errp)
 * and converts the result, plus qmp_init_marshal() registering them all.
 */
#ifndef QAPI_QMP_DISPATCH_H
#define QAPI_QMP_DISPATCH_H

#include "qemu/osdep.h"
#include "qemu/qdict.h"

typedef struct Error Error;

/* @args: the "arguments" object (never NULL; empty when absent); *ret: the
 * "return" value (new reference; an empty object when the command returns
 * nothing). */
typedef void QmpCommandFunc(JsonObject *args, JsonNode **ret, Error **errp);

typedef enum QmpCommandOptions {
    QCO_NO_OPTIONS        = 0x0,
    QCO_ALLOW_PRECONFIG   = 0x4,
    QCO_COROUTINE         = 0x10, /* may yield: run in a coroutine */
} QmpCommandOptions;

typedef struct QmpCommand {
    const char *name;
    QmpCommandFunc *fn;
    unsigned options;
    bool enabled;
} QmpCommand;

typedef struct QmpCommandList QmpCommandList;

QmpCommandList *qmp_command_list_new(void);
void qmp_command_list_free(QmpCommandList *cmds);
void qmp_register_command(QmpCommandList *cmds, const char *name,
                          QmpCommandFunc *fn, unsigned options);
const QmpCommand *qmp_find_command(const QmpCommandList *cmds,
                                   const char *name);
/* Iterate in registration order. */
void qmp_for_each_command(const QmpCommandList *cmds,
                          void (*fn)(const QmpCommand *cmd, void *opaque),
                          void *opaque);

/* The generated registration of every schema command. */
void qmp_init_marshal(QmpCommandList *cmds);

/*
 * Execute one request (a parsed JSON value from a QMP client) and return
 * the response object: {"return": ...} or {"error": {"class", "desc"}},
 * with the request's "id" copied. Errors in the request itself use QMP's
 * texts ("QMP input must be a JSON object", "QMP input lacks member
 * 'execute'", "QMP input member 'execute' must be a string",
 * "QMP input member 'arguments' must be an object",
 * "QMP input member '%s' is unexpected", "The command %s has not been
 * found"). @cap_negotiation: only qmp_capabilities is allowed (others get
 * CommandNotFound "Expecting capabilities negotiation with
 * 'qmp_capabilities'"); outside it, qmp_capabilities gets CommandNotFound
 * "Capabilities negotiation is already complete, command ignored".
 * May yield (when called in a coroutine, QCO_COROUTINE commands run
 * there); commands without QCO_COROUTINE never yield.
 */
JsonObject *coroutine_fn qmp_dispatch(const QmpCommandList *cmds,
                                      JsonNode *request,
                                      bool cap_negotiation);

/* Build {"error": {"class": ..., "desc": ...}} from @err (not freed). */
JsonObject *qmp_error_response(const Error *err);

#endif /* QAPI_QMP_DISPATCH_H */
