/*
 * QMP handlers of the block and export commands. They convert the typed
 * arguments back to option dictionaries (with the output visitor, as
 * QEMU does) and call the same entry points as the command line.
 */
#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/coroutine.h"
#include "qemu/error.h"
#include "block/block.h"
#include "block/block_int.h"
#include "block/export.h"
#include "system/block-backend.h"
#include "qapi/qapi-commands.h"
#include "qapi/qapi-visit.h"
#include "qapi/qobject-output-visitor.h"
#include "monitor_int.h"

/*
 * The "file" that query-named-block-nodes reports, recorded when a node
 * is added (the block layer keeps no filename). Keyed by node name; the
 * node pointer tells a recorded entry from a stale one of a deleted node
 * whose name was reused. Main thread only.
 */
typedef struct NodeFilename {
    BlockDriverState *bs;
    char *filename;
} NodeFilename;

static GHashTable *node_filenames;

static void node_filename_free(gpointer p)
{
    NodeFilename *nf = p;

    g_free(nf->filename);
    g_free(nf);
}

static const char *recorded_filename(BlockDriverState *bs)
{
    NodeFilename *nf;

    if (!node_filenames) {
        return NULL;
    }
    nf = g_hash_table_lookup(node_filenames, bdrv_get_node_name(bs));
    return nf && nf->bs == bs ? nf->filename : NULL;
}

/* QEMU's filename of a node created from @opts (before they are consumed). */
static char *options_filename(JsonObject *opts)
{
    const char *driver = json_object_get_string_member_with_default(
        opts, "driver", "");
    JsonNode *file;

    if (!strcmp(driver, "file")) {
        return g_strdup(json_object_get_string_member_with_default(
            opts, "filename", ""));
    }
    if (!strcmp(driver, "null-co") || !strcmp(driver, "null-aio")) {
        return g_strdup_printf("%s://", driver);
    }
    /* Format drivers show their data child's filename. */
    file = json_object_get_member(opts, "file");
    if (file && JSON_NODE_HOLDS_OBJECT(file)) {
        return options_filename(json_node_get_object(file));
    }
    if (file && JSON_NODE_HOLDS_VALUE(file) &&
        json_node_get_value_type(file) == G_TYPE_STRING) {
        BlockDriverState *child = bdrv_find_node(json_node_get_string(file));
        const char *name = child ? recorded_filename(child) : NULL;

        return g_strdup(name ? name : "");
    }
    return g_strdup("");
}

/* Take the object out of the output visitor @v (freed) after a visit. */
static JsonObject *output_visitor_finish(Visitor *v)
{
    JsonNode *node = NULL;
    JsonObject *obj;

    visit_complete(v, &node);
    visit_free(v);
    obj = json_object_ref(json_node_get_object(node));
    json_node_unref(node);
    return obj;
}

/* Option dictionary of @arg (a new reference); output visits can't fail. */
static JsonObject *blockdev_options_to_json(BlockdevOptions *arg)
{
    Visitor *v = qobject_output_visitor_new();

    visit_type_BlockdevOptions(v, NULL, &arg, &error_abort);
    return output_visitor_finish(v);
}

static JsonObject *export_options_to_json(BlockExportOptions *arg)
{
    Visitor *v = qobject_output_visitor_new();

    visit_type_BlockExportOptions(v, NULL, &arg, &error_abort);
    return output_visitor_finish(v);
}

/*
 * blockdev-add. Like QEMU, the root node must be named; nested nodes get
 * generated names from the block layer.
 */
void qmp_blockdev_add(BlockdevOptions *arg, Error **errp)
{
    g_autoptr(JsonObject) opts = blockdev_options_to_json(arg);
    g_autofree char *filename = NULL;
    BlockDriverState *bs;
    NodeFilename *nf;

    if (!json_object_has_member(opts, "node-name")) {
        error_setg(errp, "'node-name' must be specified for the root node");
        return;
    }
    filename = options_filename(opts);
    bs = bdrv_open_blockdev(json_object_ref(opts), errp);
    if (!bs) {
        return;
    }
    if (!node_filenames) {
        node_filenames = g_hash_table_new_full(g_str_hash, g_str_equal,
                                               g_free, node_filename_free);
    }
    nf = g_new0(NodeFilename, 1);
    nf->bs = bs;
    nf->filename = g_steal_pointer(&filename);
    g_hash_table_replace(node_filenames, g_strdup(bdrv_get_node_name(bs)), nf);
}

void qmp_blockdev_del(const char *node_name, Error **errp)
{
    if (!bdrv_delete_named(node_name, errp)) {
        return;
    }
    if (node_filenames) {
        g_hash_table_remove(node_filenames, node_name);
    }
}

static BlockdevDetectZeroesOptions detect_zeroes_option(BdrvDetectZeroes dz)
{
    switch (dz) {
    case BDRV_DETECT_ZEROES_ON:
        return BLOCKDEV_DETECT_ZEROES_OPTIONS_ON;
    case BDRV_DETECT_ZEROES_UNMAP:
        return BLOCKDEV_DETECT_ZEROES_OPTIONS_UNMAP;
    default:
        return BLOCKDEV_DETECT_ZEROES_OPTIONS_OFF;
    }
}

static BlockDeviceInfo *node_info(BlockDriverState *bs)
{
    BlockDeviceInfo *info = g_new0(BlockDeviceInfo, 1);
    const char *filename = recorded_filename(bs);
    int64_t len = bdrv_getlength(bs);
    int64_t allocated = bdrv_get_allocated_file_size(bs);

    info->file = g_strdup(filename ? filename : "");
    info->node_name = g_strdup(bdrv_get_node_name(bs));
    info->ro = bdrv_is_read_only(bs);
    info->drv = g_strdup(bdrv_get_format_name(bs));
    info->encrypted = false;
    info->detect_zeroes = detect_zeroes_option(bs->detect_zeroes);

    info->image = g_new0(ImageInfo, 1);
    info->image->filename = g_strdup(info->file);
    info->image->format = g_strdup(info->drv);
    info->image->virtual_size = MAX(len, 0);
    if (allocated >= 0) {
        info->image->has_actual_size = true;
        info->image->actual_size = allocated;
    }

    info->cache = g_new0(BlockdevCacheInfo, 1);
    /* Nodes have no write cache setting of their own (QEMU reports true). */
    info->cache->writeback = true;
    info->cache->direct = !!(bs->open_flags & BDRV_O_NOCACHE);
    info->cache->no_flush = !!(bs->open_flags & BDRV_O_NO_FLUSH);
    return info;
}

/* @flat is accepted and has no effect: there are no backing chains. */
BlockDeviceInfoList *qmp_query_named_block_nodes(bool has_flat, bool flat,
                                                 Error **errp)
{
    BlockDeviceInfoList *head = NULL, **tail = &head;

    for (BlockDriverState *bs = bdrv_next_node(NULL); bs;
         bs = bdrv_next_node(bs)) {
        BlockDeviceInfoList *elem = g_new0(BlockDeviceInfoList, 1);

        elem->value = node_info(bs);
        *tail = elem;
        tail = &elem->next;
    }
    return head;
}

typedef struct MainLoopCall {
    void (*fn)(void *opaque);
    void *opaque;
    Coroutine *co;
} MainLoopCall;

static void main_loop_call_bh(void *opaque)
{
    MainLoopCall *call = opaque;

    call->fn(call->opaque);
    aio_co_wake(call->co);
}

/*
 * Run @fn outside coroutine context in the main loop and wait for it:
 * for graph changes that may poll (blk_unref drains).
 */
static void coroutine_fn co_run_in_main_loop(void (*fn)(void *opaque),
                                             void *opaque)
{
    MainLoopCall call = { .fn = fn, .opaque = opaque,
                          .co = qemu_coroutine_self() };

    aio_bh_schedule_oneshot(qemu_get_aio_context(), main_loop_call_bh, &call);
    qemu_coroutine_yield();
}

typedef struct ResizeState {
    BlockDriverState *bs;
    BlockBackend *blk;          /* set while the node is drained */
    Error **errp;
} ResizeState;

/*
 * Drain the node for the resize, as QEMU does: requests in flight finish
 * at the old size, new ones (an export's) wait until the size changed.
 * Otherwise a write past the new end that started before a shrink would
 * extend the file again afterwards.
 */
static void resize_attach(void *opaque)
{
    ResizeState *rs = opaque;
    BlockBackend *blk = blk_new(bdrv_get_aio_context(rs->bs),
                                BLK_PERM_RESIZE, BLK_PERM_ALL);

    if (!blk_insert_bs(blk, rs->bs, rs->errp)) {
        blk_unref(blk);
        return;
    }
    blk_set_disable_request_queuing(blk, true);
    bdrv_drained_begin(rs->bs);
    rs->blk = blk;
}

static void resize_detach(void *opaque)
{
    ResizeState *rs = opaque;

    if (rs->blk) {
        bdrv_drained_end(rs->bs);
    }
    blk_unref(rs->blk);
    bdrv_unref(rs->bs);     /* may close the node if it was deleted meanwhile */
}

/*
 * block_resize: truncate through a temporary BlockBackend that takes the
 * RESIZE permission (refused while another user forbids resizing). The
 * truncate runs in the node's AioContext; the lookup and the graph
 * changes in the main loop.
 */
void coroutine_fn qmp_block_resize(const char *device, const char *node_name,
                                   int64_t size, Error **errp)
{
    /* The daemon has no devices: @device names a node too. */
    const char *name = node_name ? node_name : device;
    ResizeState rs = { .errp = errp };

    rs.bs = name ? bdrv_find_node(name) : NULL;
    if (!rs.bs) {
        error_setg(errp, "Cannot find device=%s nor node-name=%s",
                   device ? device : "", node_name ? node_name : "");
        return;
    }
    if (size < 0) {
        error_setg(errp, "Parameter 'size' expects a >0 size");
        return;
    }
    /* The reference keeps the node alive while we are away from the loop. */
    bdrv_ref(rs.bs);
    co_run_in_main_loop(resize_attach, &rs);
    if (rs.blk) {
        aio_co_reschedule_self(blk_get_aio_context(rs.blk));
        blk_co_truncate(rs.blk, size, false, PREALLOC_MODE_OFF, errp);
        aio_co_reschedule_self(qemu_get_aio_context());
    }
    co_run_in_main_loop(resize_detach, &rs);
}

void qmp_block_export_add(BlockExportOptions *arg, Error **errp)
{
    /* The export starts with one reference, the user's (block-export-del). */
    blk_exp_add(export_options_to_json(arg), errp);
}

void qmp_block_export_del(const char *id, bool has_mode,
                          BlockExportRemoveMode mode, Error **errp)
{
    bool hard = has_mode && mode == BLOCK_EXPORT_REMOVE_MODE_HARD;

    blk_exp_del(id, hard, errp);
}

BlockExportInfoList *qmp_query_block_exports(Error **errp)
{
    BlockExportInfoList *head = NULL, **tail = &head;

    for (BlockExport *exp = blk_exp_next(NULL); exp; exp = blk_exp_next(exp)) {
        BlockExportInfoList *elem = g_new0(BlockExportInfoList, 1);
        BlockExportInfo *info = g_new0(BlockExportInfo, 1);

        info->id = g_strdup(exp->id);
        info->type = qapi_enum_parse(&BlockExportType_lookup, exp->drv->type,
                                     BLOCK_EXPORT_TYPE_FUSE, NULL);
        info->node_name = g_strdup(exp->node_name);
        info->shutting_down = exp->shutting_down;
        elem->value = info;
        *tail = elem;
        tail = &elem->next;
    }
    return head;
}
