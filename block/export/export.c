/*
 * Block exports: the generic layer.
 *
 * Parses the options every export type shares, creates the BlockBackend
 * through which the driver reaches the node, keeps the registry of export
 * ids, counts references and deletes exports when the last one is gone.
 * The protocol lives in the drivers (fuse.c).
 *
 * Everything here runs in the main thread.
 */
#include "qemu/osdep.h"

#include "block/aio-wait.h"
#include "block/export.h"
#include "qemu/cutils.h"
#include "qemu/error.h"
#include "qemu/iothread.h"
#include "trace/trace-block_export.h"

/*
 * Every export from a successful blk_exp_add() until its deletion BH ran,
 * in creation order. Only accessed from the main thread.
 */
static GList *block_exports;

/* Called with the id of each deleted export. Main thread only. */
static void (*blk_exp_deleted_notifier)(const char *id);

static const BlockExportDriver *const blk_exp_drivers[] = {
#ifdef CONFIG_FUSE
    &blk_exp_fuse,
#endif
};

/* "type": one of the compiled-in drivers. */
static const BlockExportDriver *blk_exp_take_driver(JsonObject *opts,
                                                    Error **errp)
{
    const char *names[ARRAY_SIZE(blk_exp_drivers) + 1];
    int idx = -1;
    bool present;

    for (size_t i = 0; i < ARRAY_SIZE(blk_exp_drivers); i++) {
        names[i] = blk_exp_drivers[i]->type;
    }
    names[ARRAY_SIZE(blk_exp_drivers)] = NULL;

    if (!qdict_take_enum(opts, "type", names, &idx, &present, errp)) {
        return NULL;
    }
    if (!present) {
        error_setg(errp, "Parameter 'type' is missing");
        return NULL;
    }
    return blk_exp_drivers[idx];
}

static AioContext *blk_exp_iothread_ctx(const char *name, Error **errp)
{
    IOThread *iothread = iothread_find(name);

    if (!iothread) {
        error_setg(errp, "iothread \"%s\" not found", name);
        return NULL;
    }
    return iothread_get_aio_context(iothread);
}

/*
 * "iothread": absent, one IOThread id, or a list of ids (one queue each
 * for drivers that support multi-queue). Fills *ctxs (g_free it) with
 * the requested contexts; *n_ctxs == 0 when the member is absent.
 */
static bool blk_exp_take_iothreads(JsonObject *opts, AioContext ***ctxs,
                                   size_t *n_ctxs, Error **errp)
{
    g_autoptr(JsonNode) node = qdict_take_node(opts, "iothread");
    g_autofree AioContext **list = NULL;
    size_t n = 0;

    *ctxs = NULL;
    *n_ctxs = 0;
    if (!node) {
        return true;
    }

    if (JSON_NODE_HOLDS_VALUE(node) &&
        json_node_get_value_type(node) == G_TYPE_STRING) {
        list = g_new(AioContext *, 1);
        list[0] = blk_exp_iothread_ctx(json_node_get_string(node), errp);
        if (!list[0]) {
            return false;
        }
        n = 1;
    } else if (JSON_NODE_HOLDS_ARRAY(node)) {
        JsonArray *arr = json_node_get_array(node);
        guint len = json_array_get_length(arr);

        if (len == 0) {
            error_setg(errp, "Parameter 'iothread' expects a non-empty list");
            return false;
        }
        list = g_new(AioContext *, len);
        for (guint i = 0; i < len; i++) {
            JsonNode *elem = json_array_get_element(arr, i);

            if (!JSON_NODE_HOLDS_VALUE(elem) ||
                json_node_get_value_type(elem) != G_TYPE_STRING) {
                error_setg(errp, "Invalid parameter type for 'iothread[%u]', "
                           "expected: string", i);
                return false;
            }
            list[n] = blk_exp_iothread_ctx(json_node_get_string(elem), errp);
            if (!list[n]) {
                return false;
            }
            n++;
        }
    } else {
        error_setg(errp, "Invalid parameter type for 'iothread', "
                   "expected: string or array");
        return false;
    }

    *ctxs = g_steal_pointer(&list);
    *n_ctxs = n;
    return true;
}

/* Free an export that never became visible (creation failed). */
static void blk_exp_free(BlockExport *exp)
{
    if (exp->blk) {
        blk_unref(exp->blk);
    }
    g_free(exp->id);
    g_free(exp->node_name);
    g_free(exp);
}

/*
 * The deletion: runs in the main loop once the last reference is gone,
 * so that nobody is inside an export callback on the stack.
 */
static void blk_exp_delete_bh(void *opaque)
{
    BlockExport *exp = opaque;
    g_autofree char *id = NULL;

    assert(exp->refcount == 0);
    trace_block_export_delete(exp->id);
    exp->drv->delete(exp);
    block_exports = g_list_remove(block_exports, exp);

    id = g_steal_pointer(&exp->id);
    blk_exp_free(exp);

    if (blk_exp_deleted_notifier) {
        blk_exp_deleted_notifier(id);
    }
    /* blk_exp_close_all() may be waiting for the registry to empty. */
    aio_wait_kick();
}

/*
 * Common options, BlockBackend, driver creation. See export.h for the
 * contract and the error texts.
 */
BlockExport *blk_exp_add(JsonObject *opts, Error **errp)
{
    g_autoptr(JsonObject) o = opts;
    g_autofree char *id = NULL;
    g_autofree char *node_name = NULL;
    g_autofree AioContext **ctxs = NULL;
    const BlockExportDriver *drv;
    BlockDriverState *bs;
    BlockExport *exp;
    AioContext *node_ctx;
    size_t n_ctxs;
    bool writable = false, writethrough = false;
    bool fixed_iothread = false, allow_inactive = false;
    uint64_t perm;

    assert(qemu_in_main_thread());

    drv = blk_exp_take_driver(o, errp);
    if (!drv) {
        return NULL;
    }
    if (!qdict_take_required_str(o, "id", &id, errp) ||
        !qdict_take_required_str(o, "node-name", &node_name, errp) ||
        !qdict_take_bool(o, "writable", &writable, NULL, errp) ||
        !qdict_take_bool(o, "writethrough", &writethrough, NULL, errp) ||
        !qdict_take_bool(o, "fixed-iothread", &fixed_iothread, NULL, errp) ||
        !qdict_take_bool(o, "allow-inactive", &allow_inactive, NULL, errp)) {
        return NULL;
    }

    if (!id_wellformed(id)) {
        error_setg(errp, "Invalid block export id");
        return NULL;
    }
    if (blk_exp_find(id)) {
        error_setg(errp, "Block export id '%s' is already in use", id);
        return NULL;
    }

    bs = bdrv_lookup_bs(NULL, node_name, errp);
    if (!bs) {
        return NULL;
    }
    if (writable && bdrv_is_read_only(bs)) {
        error_setg(errp, "Cannot export read-only node as writable");
        return NULL;
    }

    if (!blk_exp_take_iothreads(o, &ctxs, &n_ctxs, errp)) {
        return NULL;
    }

    node_ctx = bdrv_get_aio_context(bs);
    perm = BLK_PERM_CONSISTENT_READ | (writable ? BLK_PERM_WRITE : 0);

    exp = g_malloc0(drv->instance_size);
    exp->drv = drv;
    exp->id = g_steal_pointer(&id);
    exp->node_name = g_steal_pointer(&node_name);
    exp->writable = writable;
    exp->writethrough = writethrough;
    exp->user_owned = true;
    exp->refcount = 1;
    exp->blk = blk_new(node_ctx, perm, BLK_PERM_ALL);
    if (n_ctxs > 1) {
        blk_set_multiqueue(exp->blk, true);
    }
    if (!blk_insert_bs(exp->blk, bs, errp)) {
        blk_exp_free(exp);
        return NULL;
    }

    /*
     * Move the node to the (first) requested IOThread. Without
     * fixed-iothread a node that cannot move keeps its context and the
     * export follows it.
     */
    exp->ctx = node_ctx;
    if (n_ctxs > 0 && ctxs[0] != node_ctx) {
        Error *local_err = NULL;

        if (blk_set_aio_context(exp->blk, ctxs[0], &local_err)) {
            exp->ctx = ctxs[0];
        } else if (fixed_iothread) {
            error_propagate(errp, local_err);
            blk_exp_free(exp);
            return NULL;
        } else {
            error_free(local_err);
            if (n_ctxs == 1) {
                ctxs[0] = node_ctx;
            }
        }
    } else if (n_ctxs > 0) {
        exp->ctx = ctxs[0];
    }
    if (n_ctxs == 0) {
        g_free(ctxs);
        ctxs = g_new(AioContext *, 1);
        ctxs[0] = exp->ctx;
        n_ctxs = 1;
    }

    if (drv->create(exp, o, (AioContext *const *)ctxs, n_ctxs, errp) < 0) {
        exp->drv->delete(exp);
        blk_exp_free(exp);
        return NULL;
    }
    block_exports = g_list_append(block_exports, exp);
    trace_block_export_add(exp->id, drv->type, exp->node_name, writable,
                           n_ctxs);

    /*
     * Drivers reject their own leftovers before they start serving; a
     * member left here means a driver that did not, and the export
     * already runs: undo it the normal (asynchronous) way.
     */
    if (!qdict_check_empty(o, "", errp)) {
        blk_exp_request_shutdown(exp);
        return NULL;
    }
    return exp;
}

/* Take a reference. Main thread. */
void blk_exp_ref(BlockExport *exp)
{
    assert(qemu_in_main_thread());
    assert(exp->refcount > 0);
    exp->refcount++;
}

/*
 * Drop a reference; the last one schedules the deletion in a main-loop
 * BH (drv->delete, blk_unref, notifier). Main thread.
 */
void blk_exp_unref(BlockExport *exp)
{
    assert(qemu_in_main_thread());
    assert(exp->refcount > 0);
    if (--exp->refcount == 0) {
        aio_bh_schedule_oneshot(qemu_get_aio_context(), blk_exp_delete_bh,
                                exp);
    }
}

/*
 * Ask the driver to stop and drop the user's reference. A second call
 * (the user's reference is already gone) does nothing. Main thread.
 */
void blk_exp_request_shutdown(BlockExport *exp)
{
    assert(qemu_in_main_thread());
    if (!exp->user_owned) {
        return;
    }
    trace_block_export_request_shutdown(exp->id);
    exp->shutting_down = true;
    exp->drv->request_shutdown(exp);

    exp->user_owned = false;
    blk_exp_unref(exp);
}

/* The export with @id, or NULL. Exports being deleted are still found. */
BlockExport *blk_exp_find(const char *id)
{
    for (GList *l = block_exports; l; l = l->next) {
        BlockExport *exp = l->data;

        if (!strcmp(exp->id, id)) {
            return exp;
        }
    }
    return NULL;
}

/* The export after @exp (the first for NULL), or NULL at the end. */
BlockExport *blk_exp_next(BlockExport *exp)
{
    GList *l;

    if (!exp) {
        return block_exports ? block_exports->data : NULL;
    }
    l = g_list_find(block_exports, exp);
    return l && l->next ? l->next->data : NULL;
}

/* block-export-del; see export.h. */
bool blk_exp_del(const char *id, bool hard, Error **errp)
{
    ERRP_GUARD();
    BlockExport *exp = blk_exp_find(id);

    assert(qemu_in_main_thread());
    if (!exp) {
        error_setg(errp, "Export '%s' is not found", id);
        return false;
    }
    if (!exp->user_owned) {
        error_setg(errp, "Export '%s' is already shutting down", id);
        return false;
    }
    if (!hard && exp->drv->in_use && exp->drv->in_use(exp)) {
        error_setg(errp, "export '%s' still in use", id);
        error_append_hint(errp, "Use mode='hard' to force client "
                          "disconnect\n");
        return false;
    }
    blk_exp_request_shutdown(exp);
    return true;
}

/*
 * Shut every export down and poll the main loop until all of them are
 * deleted. Drivers finish from other threads through BHs scheduled in
 * the main context, which wake AIO_WAIT_WHILE. Main thread.
 */
void blk_exp_close_all(void)
{
    GList *l = block_exports;

    assert(qemu_in_main_thread());
    /* Deletion happens in BHs only, so the list is stable here. */
    while (l) {
        GList *next = l->next;

        blk_exp_request_shutdown(l->data);
        l = next;
    }
    AIO_WAIT_WHILE(block_exports != NULL);
}

/* Set (or with NULL, unset) the deletion listener. Main thread. */
void blk_exp_set_deleted_notifier(void (*fn)(const char *id))
{
    blk_exp_deleted_notifier = fn;
}
