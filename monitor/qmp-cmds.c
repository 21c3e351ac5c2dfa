/*
 * QMP handlers of the control commands: qmp_capabilities, query-version,
 * query-commands, quit, object-add, object-del.
 * (query-qmp-schema lives with the generated introspection in qapi/.)
 */
#include "qemu/osdep.h"
#include "qemu/error.h"
#include "qemu/iothread.h"
#include "block/block.h"
#include "block/export.h"
#include "qapi/qapi-commands.h"
#include "system/runstate.h"
#include "monitor_int.h"

/*
 * Called only while the session negotiates (dispatch refuses it
 * afterwards); the session leaves negotiation when this succeeds. No
 * capability is offered in the greeting, so none can be enabled.
 */
void qmp_qmp_capabilities(QMPCapabilityList *enable, Error **errp)
{
    for (QMPCapabilityList *l = enable; l; l = l->next) {
        error_setg(errp, "Capability '%s' not available",
                   QMPCapability_str(l->value));
        return;
    }
}

/* {"qemu": {"major", "minor", "micro"}, "package": ""}; never fails. */
VersionInfo *qmp_query_version(Error **errp)
{
    VersionInfo *info = g_new0(VersionInfo, 1);

    info->qemu = g_new0(VersionTriple, 1);
    monitor_version_triple(&info->qemu->major, &info->qemu->minor,
                           &info->qemu->micro);
    info->package = g_strdup("");
    return info;
}

typedef struct CommandListBuilder {
    CommandInfoList *head;
    CommandInfoList **tail;
} CommandListBuilder;

static void add_command_info(const QmpCommand *cmd, void *opaque)
{
    CommandListBuilder *b = opaque;
    CommandInfoList *elem;

    if (!cmd->enabled) {
        return;
    }
    elem = g_new0(CommandInfoList, 1);
    elem->value = g_new0(CommandInfo, 1);
    elem->value->name = g_strdup(cmd->name);
    *b->tail = elem;
    b->tail = &elem->next;
}

/* Every enabled command, in registration (schema) order. */
CommandInfoList *qmp_query_commands(Error **errp)
{
    CommandListBuilder b = { .head = NULL, .tail = &b.head };

    qmp_for_each_command(monitor_qmp_commands(), add_command_info, &b);
    return b.head;
}

/*
 * Only requests the shutdown: the reply goes out when this returns, and
 * the main loop then sends SHUTDOWN and tears everything down.
 */
void qmp_quit(Error **errp)
{
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
}

/*
 * object-add qom-type=iothread. aio-max-batch and the adaptive
 * busy-polling knobs (poll-max-ns, poll-grow, poll-shrink; see
 * aio_set_fd_poll()) are applied to the IOThread's context.
 */
void qmp_object_add(ObjectOptions *arg, Error **errp)
{
    IothreadProperties *p;
    IOThreadOptions opts = { 0 };

    if (arg->qom_type != OBJECT_TYPE_IOTHREAD) {
        error_setg(errp, "Invalid parameter 'qom-type'");
        return;
    }
    p = &arg->u.iothread;
    opts.has_poll_max_ns = p->has_poll_max_ns;
    opts.poll_max_ns = p->poll_max_ns;
    opts.has_poll_grow = p->has_poll_grow;
    opts.poll_grow = p->poll_grow;
    opts.has_poll_shrink = p->has_poll_shrink;
    opts.poll_shrink = p->poll_shrink;
    if (p->has_aio_max_batch) {
        opts.aio_max_batch = p->aio_max_batch;
    }
    iothread_create_with_options(arg->id, &opts, errp);
}

/*
 * Prepare @iothread for deletion: refuse while an export runs in it, and
 * move the nodes it still hosts (left there by a deleted export) back to
 * the main loop. Limitation: the extra queues of a multi-queue export
 * are not visible through the export API, so an IOThread serving only
 * such a queue is not detected.
 */
static bool iothread_release(IOThread *iothread)
{
    AioContext *ctx = iothread_get_aio_context(iothread);

    for (BlockExport *exp = blk_exp_next(NULL); exp; exp = blk_exp_next(exp)) {
        if (exp->ctx == ctx) {
            return false;
        }
    }
    for (BlockDriverState *bs = bdrv_next_node(NULL); bs;
         bs = bdrv_next_node(bs)) {
        if (bdrv_get_aio_context(bs) == ctx &&
            bdrv_try_change_aio_context(bs, qemu_get_aio_context(), NULL) < 0) {
            return false;
        }
    }
    return true;
}

/* Runs outside coroutine context (may drain while moving nodes). */
void qmp_object_del(const char *id, Error **errp)
{
    IOThread *iothread = iothread_find(id);

    if (!iothread) {
        error_setg(errp, "object '%s' not found", id);
        return;
    }
    if (!iothread_release(iothread)) {
        error_setg(errp, "object '%s' is in use, can not be deleted", id);
        return;
    }
    iothread_destroy(iothread);
}
