/*
 * The block graph: opening and closing nodes, node names, references,
 * permissions, drain and AioContext changes.
 *
 * Graph changes happen in the main thread only. The request path (io.c,
 * block-backend.c) touches only the atomic counters of a node
 * (in_flight, quiesce_counter, total_bytes) and the coroutine locks.
 */
#include "qemu/osdep.h"
#include "block/block_int.h"
#include "qemu/cutils.h"
#include "qemu/error.h"
#include "trace/trace-block.h"

/*
 * Every open node, in creation order, whether named by the user or with a
 * generated "#blockNNN" name. Only accessed from the main thread.
 */
static GList *all_nodes;

/* Counter for generated node names. Only accessed from the main thread. */
static unsigned next_generated_name;

/* See block_int.h: main-thread pollers that bdrv_wakeup() must kick. */
unsigned bdrv_poll_waiters;

void bdrv_wakeup(void)
{
    /* Pairs with the increment in BDRV_POLL_WHILE: either the poller sees
     * our counter change or we see the poller. */
    smp_mb();
    if (qatomic_read(&bdrv_poll_waiters)) {
        aio_wait_kick();
    }
}

void bdrv_inc_in_flight(BlockDriverState *bs)
{
    qatomic_inc(&bs->in_flight);
}

void bdrv_dec_in_flight(BlockDriverState *bs)
{
    qatomic_dec(&bs->in_flight);
    bdrv_wakeup();
}

/* ------------------------------------------------------------------ */
/* Node names */

BlockDriverState *bdrv_find_node(const char *node_name)
{
    assert(qemu_in_main_thread());
    for (GList *l = all_nodes; l; l = l->next) {
        BlockDriverState *bs = l->data;
        if (!strcmp(bs->node_name, node_name)) {
            return bs;
        }
    }
    return NULL;
}

BlockDriverState *bdrv_lookup_bs(const char *device, const char *node_name,
                                 Error **errp)
{
    BlockDriverState *bs = NULL;

    /* There are no named devices (BlockBackends) here, only nodes. */
    if (node_name) {
        bs = bdrv_find_node(node_name);
    }
    if (!bs) {
        error_setg(errp, "Cannot find device=%s nor node-name=%s",
                   device ? device : "", node_name ? node_name : "");
    }
    return bs;
}

BlockDriverState *bdrv_next_node(BlockDriverState *bs)
{
    GList *l;

    assert(qemu_in_main_thread());
    if (!bs) {
        return all_nodes ? all_nodes->data : NULL;
    }
    l = g_list_find(all_nodes, bs);
    return l && l->next ? l->next->data : NULL;
}

/* ------------------------------------------------------------------ */
/* Permissions */

static const char *bdrv_perm_name(uint64_t perm)
{
    if (perm & BLK_PERM_CONSISTENT_READ) {
        return "consistent read";
    } else if (perm & BLK_PERM_WRITE) {
        return "write";
    } else if (perm & BLK_PERM_WRITE_UNCHANGED) {
        return "write unchanged";
    } else if (perm & BLK_PERM_RESIZE) {
        return "resize";
    }
    return "unknown";
}

/* "node 'raw0'" or "a block device" (a BlockBackend has no name). */
static char *bdrv_child_user_desc(BdrvChild *c)
{
    if (c->parent) {
        return g_strdup_printf("node '%s'", c->parent->node_name);
    }
    return g_strdup("a block device");
}

/*
 * What all parents of @bs take (union) and share (intersection), with the
 * values of @sub replaced by @sub_perm/@sub_shared.
 */
static void bdrv_get_cumulative_perm(BlockDriverState *bs, BdrvChild *sub,
                                     uint64_t sub_perm, uint64_t sub_shared,
                                     uint64_t *perm, uint64_t *shared)
{
    *perm = 0;
    *shared = BLK_PERM_ALL;
    for (GSList *l = bs->parents; l; l = l->next) {
        BdrvChild *c = l->data;
        *perm |= c == sub ? sub_perm : c->perm;
        *shared &= c == sub ? sub_shared : c->shared_perm;
    }
}

/*
 * The permissions @bs takes on its children: what its parents need passes
 * through (raw and blkdebug are pass-through nodes without metadata), so
 * a node nobody uses takes nothing below it, as in QEMU (this matters for
 * the image locks that other processes see).
 */
static void bdrv_child_perm(BlockDriverState *bs, uint64_t cum_perm,
                            uint64_t cum_shared, uint64_t *nperm,
                            uint64_t *nshared)
{
    *nperm = cum_perm;
    *nshared = bs->force_share ? BLK_PERM_ALL : cum_shared;
}

/*
 * Would @c (a parent of @bs) taking @perm and sharing @shared be
 * compatible with everybody else, down the whole subtree? Nodes whose
 * driver accepted (and possibly reserved) the change are prepended to
 * *tran: the caller commits them with bdrv_set_perm() or undoes them with
 * bdrv_abort_perm_updates().
 */
static bool bdrv_check_perm(BlockDriverState *bs, BdrvChild *c,
                            uint64_t perm, uint64_t shared, GSList **tran,
                            Error **errp)
{
    uint64_t cum_perm, cum_shared, nperm, nshared;

    if ((perm & (BLK_PERM_WRITE | BLK_PERM_WRITE_UNCHANGED)) &&
        bs->read_only) {
        error_setg(errp, "Block node is read-only");
        return false;
    }
    for (GSList *l = bs->parents; l; l = l->next) {
        BdrvChild *other = l->data;
        g_autofree char *desc = NULL;

        if (other == c) {
            continue;
        }
        if (perm & ~other->shared_perm) {
            desc = bdrv_child_user_desc(other);
            error_setg(errp, "Conflicts with use by %s as '%s', which does "
                       "not allow '%s' on %s", desc, other->name,
                       bdrv_perm_name(perm & ~other->shared_perm),
                       bs->node_name);
            return false;
        }
        if (other->perm & ~shared) {
            desc = bdrv_child_user_desc(other);
            error_setg(errp, "Conflicts with use by %s as '%s', which uses "
                       "'%s' on %s", desc, other->name,
                       bdrv_perm_name(other->perm & ~shared), bs->node_name);
            return false;
        }
    }

    bdrv_get_cumulative_perm(bs, c, perm, shared, &cum_perm, &cum_shared);
    if (bs->drv && bs->drv->bdrv_check_perm) {
        if (bs->drv->bdrv_check_perm(bs, cum_perm, cum_shared, errp) < 0) {
            return false;
        }
        *tran = g_slist_prepend(*tran, bs);
    }
    bdrv_child_perm(bs, cum_perm, cum_shared, &nperm, &nshared);
    for (GSList *l = bs->children; l; l = l->next) {
        BdrvChild *child = l->data;
        if (!bdrv_check_perm(child->bs, child, nperm, nshared, tran, errp)) {
            return false;
        }
    }
    return true;
}

/* Undo the drivers' reservations of a failed bdrv_check_perm(). */
static void bdrv_abort_perm_updates(GSList *tran)
{
    for (GSList *l = tran; l; l = l->next) {
        BlockDriverState *bs = l->data;
        bs->drv->bdrv_abort_perm_update(bs);
    }
}

/* Apply what bdrv_check_perm() accepted. */
static void bdrv_set_perm(BlockDriverState *bs, BdrvChild *c,
                          uint64_t perm, uint64_t shared)
{
    uint64_t cum_perm, cum_shared, nperm, nshared;

    c->perm = perm;
    c->shared_perm = shared;
    bdrv_get_cumulative_perm(bs, NULL, 0, 0, &cum_perm, &cum_shared);
    if (bs->drv && bs->drv->bdrv_set_perm) {
        bs->drv->bdrv_set_perm(bs, cum_perm, cum_shared);
    }
    bdrv_child_perm(bs, cum_perm, cum_shared, &nperm, &nshared);
    for (GSList *l = bs->children; l; l = l->next) {
        BdrvChild *child = l->data;
        bdrv_set_perm(child->bs, child, nperm, nshared);
    }
}

bool bdrv_child_try_set_perm(BdrvChild *c, uint64_t perm, uint64_t shared,
                             Error **errp)
{
    g_autoptr(GSList) tran = NULL;

    assert(qemu_in_main_thread());
    if (!bdrv_check_perm(c->bs, c, perm, shared, &tran, errp)) {
        bdrv_abort_perm_updates(tran);
        return false;
    }
    bdrv_set_perm(c->bs, c, perm, shared);
    return true;
}

/* ------------------------------------------------------------------ */
/* Children */

/*
 * Make @child_bs a child of @parent (NULL: a BlockBackend root with
 * @opaque). On success the caller's reference on @child_bs now belongs to
 * the BdrvChild; on failure the caller keeps it.
 */
static BdrvChild *bdrv_attach_child_common(BlockDriverState *child_bs,
                                           BlockDriverState *parent,
                                           const char *name, uint64_t perm,
                                           uint64_t shared, void *opaque,
                                           Error **errp)
{
    BdrvChild *c = g_new0(BdrvChild, 1);

    c->bs = child_bs;
    c->parent = parent;
    c->name = g_strdup(name);
    c->opaque = opaque;
    /* Start with no claims (cannot conflict), then ask for @perm. */
    c->perm = 0;
    c->shared_perm = BLK_PERM_ALL;
    child_bs->parents = g_slist_append(child_bs->parents, c);
    if (!bdrv_child_try_set_perm(c, perm, shared, errp)) {
        child_bs->parents = g_slist_remove(child_bs->parents, c);
        g_free(c->name);
        g_free(c);
        return NULL;
    }
    if (parent) {
        parent->children = g_slist_append(parent->children, c);
    }
    return c;
}

/* Undo bdrv_attach_child_common() and drop the child's reference. */
static void bdrv_detach_child(BdrvChild *c)
{
    BlockDriverState *child_bs = c->bs;

    /* Giving up permissions cannot conflict with anyone. */
    bdrv_set_perm(child_bs, c, 0, BLK_PERM_ALL);
    child_bs->parents = g_slist_remove(child_bs->parents, c);
    if (c->parent) {
        c->parent->children = g_slist_remove(c->parent->children, c);
        if (c->parent->file == c) {
            c->parent->file = NULL;
        }
    }
    g_free(c->name);
    g_free(c);
    bdrv_unref(child_bs);
}

BdrvChild *bdrv_root_attach_child(BlockDriverState *bs, const char *name,
                                  uint64_t perm, uint64_t shared,
                                  void *opaque, Error **errp)
{
    BdrvChild *c;

    assert(qemu_in_main_thread());
    bdrv_ref(bs);
    c = bdrv_attach_child_common(bs, NULL, name, perm, shared, opaque, errp);
    if (!c) {
        bdrv_unref(bs);
    }
    return c;
}

void bdrv_root_unref_child(BdrvChild *c)
{
    assert(qemu_in_main_thread());
    bdrv_detach_child(c);
}

/* ------------------------------------------------------------------ */
/* Open and close */

static BlockDriverState *bdrv_new(void)
{
    BlockDriverState *bs = g_new0(BlockDriverState, 1);

    bs->refcnt = 1;
    bs->aio_context = qemu_get_aio_context();
    bs->bl.request_alignment = 1;
    bs->bl.min_mem_alignment = 1;
    bs->bl.opt_mem_alignment = 1;
    qemu_co_mutex_init(&bs->drain_lock);
    qemu_co_queue_init(&bs->drain_queue);
    qemu_co_mutex_init(&bs->reqs_lock);
    qemu_co_queue_init(&bs->reqs_queue);
    return bs;
}

/*
 * Free @bs. @opened: the driver's open succeeded (so it gets its close).
 * Tolerates a partly built node (no driver, not in the node list).
 */
static void bdrv_delete(BlockDriverState *bs, bool opened)
{
    assert(!bs->parents);
    if (!qemu_in_coroutine()) {
        BDRV_POLL_WHILE(qatomic_read(&bs->in_flight) > 0);
    }
    if (opened) {
        trace_bdrv_close(bs, bs->node_name);
    }
    if (opened && bs->drv->bdrv_close) {
        bs->drv->bdrv_close(bs);
    }
    while (bs->children) {
        bdrv_detach_child(bs->children->data);
    }
    all_nodes = g_list_remove(all_nodes, bs);
    qemu_co_queue_destroy(&bs->drain_queue);
    qemu_co_mutex_destroy(&bs->drain_lock);
    qemu_co_queue_destroy(&bs->reqs_queue);
    qemu_co_mutex_destroy(&bs->reqs_lock);
    g_free(bs->opaque);
    g_free(bs);
}

void bdrv_ref(BlockDriverState *bs)
{
    assert(qemu_in_main_thread());
    bs->refcnt++;
}

void bdrv_unref(BlockDriverState *bs)
{
    assert(qemu_in_main_thread());
    assert(bs->refcnt > 0);
    if (--bs->refcnt == 0) {
        bdrv_delete(bs, true);
    }
}

static const char *const discard_names[] = { "ignore", "unmap", NULL };
static const char *const detect_zeroes_names[] = { "off", "on", "unmap", NULL };

/*
 * Take the generic members out of @options into @bs and *flags. Defaults
 * come from @inherit (the parent when opening a child), else read-write.
 */
static bool bdrv_take_generic_options(BlockDriverState *bs,
                                      JsonObject *options,
                                      const BlockDriverState *inherit,
                                      int *flags, Error **errp)
{
    g_autoptr(JsonObject) cache = NULL;
    bool present;
    bool read_only = inherit ? inherit->read_only : false;
    bool auto_ro = inherit ? inherit->open_flags & BDRV_O_AUTO_RDONLY : false;
    bool force_share = false;
    bool direct = inherit ? inherit->open_flags & BDRV_O_NOCACHE : false;
    bool no_flush = inherit ? inherit->open_flags & BDRV_O_NO_FLUSH : false;
    int discard = inherit && (inherit->open_flags & BDRV_O_UNMAP) ? 1 : 0;
    int detect_zeroes = BDRV_DETECT_ZEROES_OFF;

    if (!qdict_take_bool(options, "read-only", &read_only, NULL, errp) ||
        !qdict_take_bool(options, "auto-read-only", &auto_ro, NULL, errp) ||
        !qdict_take_bool(options, "force-share", &force_share, NULL, errp)) {
        return false;
    }
    cache = qdict_take_object(options, "cache", &present, errp);
    if (!cache && present) {
        return false;
    }
    if (cache) {
        if (!qdict_take_bool(cache, "direct", &direct, NULL, errp) ||
            !qdict_take_bool(cache, "no-flush", &no_flush, NULL, errp) ||
            !qdict_check_empty(cache, "cache.", errp)) {
            return false;
        }
    }
    if (!qdict_take_enum(options, "discard", discard_names, &discard, NULL,
                         errp) ||
        !qdict_take_enum(options, "detect-zeroes", detect_zeroes_names,
                         &detect_zeroes, NULL, errp)) {
        return false;
    }
    if (detect_zeroes == BDRV_DETECT_ZEROES_UNMAP && discard != 1) {
        error_setg(errp, "setting detect-zeroes to unmap is not allowed "
                   "without setting discard operation to unmap");
        return false;
    }
    if (force_share && !read_only) {
        error_setg(errp, "force-share=on can only be used with read-only "
                   "images");
        return false;
    }

    bs->read_only = read_only;
    bs->force_share = force_share;
    bs->detect_zeroes = detect_zeroes;
    *flags = (read_only ? 0 : BDRV_O_RDWR) |
             (auto_ro ? BDRV_O_AUTO_RDONLY : 0) |
             (direct ? BDRV_O_NOCACHE : 0) |
             (no_flush ? BDRV_O_NO_FLUSH : 0) |
             (discard == 1 ? BDRV_O_UNMAP : 0);
    return true;
}

/*
 * Open one node from @options (members are removed as they are used;
 * leftovers are errors named with @prefix). @inherit: the parent whose
 * flags are the defaults, or NULL. Returns a node with one reference, in
 * the node list, or NULL with errp set.
 */
static BlockDriverState *bdrv_open_common(JsonObject *options,
                                          const BlockDriverState *inherit,
                                          const char *prefix, Error **errp)
{
    g_autofree char *driver = NULL;
    g_autofree char *node_name = NULL;
    const BlockDriver *drv;
    BlockDriverState *bs;
    Error *local_err = NULL;
    int flags = 0;
    int64_t len;
    int ret;

    assert(qemu_in_main_thread());
    if (!qdict_take_required_str(options, "driver", &driver, errp)) {
        return NULL;
    }
    drv = bdrv_find_driver(driver);
    if (!drv) {
        error_setg(errp, "Parameter 'driver' does not accept value '%s'",
                   driver);
        return NULL;
    }
    if (!qdict_take_str(options, "node-name", &node_name, NULL, errp)) {
        return NULL;
    }
    if (node_name) {
        if (!id_wellformed(node_name)) {
            error_setg(errp, "Invalid node-name: '%s'", node_name);
            return NULL;
        }
        if (bdrv_find_node(node_name)) {
            error_setg(errp, "Duplicate nodes with node-name='%s'", node_name);
            return NULL;
        }
        if (strlen(node_name) >= sizeof(bs->node_name)) {
            error_setg(errp, "Node name too long");
            return NULL;
        }
    }

    bs = bdrv_new();
    if (!bdrv_take_generic_options(bs, options, inherit, &flags, errp)) {
        bdrv_delete(bs, false);
        return NULL;
    }
    if (node_name) {
        g_strlcpy(bs->node_name, node_name, sizeof(bs->node_name));
    } else {
        /* '#' cannot start a user's name, so these never collide. */
        snprintf(bs->node_name, sizeof(bs->node_name), "#block%03u",
                 next_generated_name++);
    }
    if (inherit) {
        bs->aio_context = inherit->aio_context;
    }
    bs->drv = drv;
    bs->open_flags = flags;
    bs->opaque = g_malloc0(drv->instance_size);

    ret = drv->bdrv_open(bs, options, flags, errp);
    if (ret < 0) {
        bdrv_delete(bs, false);
        return NULL;
    }
    /* The driver may have fallen back to read-only (auto-read-only). */
    if (bs->read_only) {
        bs->open_flags &= ~BDRV_O_RDWR;
    }
    if (!qdict_check_empty(options, prefix, errp)) {
        bdrv_delete(bs, true);
        return NULL;
    }
    if (drv->bdrv_refresh_limits) {
        drv->bdrv_refresh_limits(bs, &local_err);
        if (local_err) {
            error_propagate(errp, local_err);
            bdrv_delete(bs, true);
            return NULL;
        }
    }
    assert(bs->bl.request_alignment >= 1 &&
           !(bs->bl.request_alignment & (bs->bl.request_alignment - 1)));
    if (bs->bl.min_mem_alignment < 1) {
        bs->bl.min_mem_alignment = 1;
    }
    if (bs->bl.opt_mem_alignment < bs->bl.min_mem_alignment) {
        bs->bl.opt_mem_alignment = bs->bl.min_mem_alignment;
    }
    len = drv->bdrv_getlength ? drv->bdrv_getlength(bs) : -ENOTSUP;
    if (len < 0) {
        error_setg_errno(errp, (int)-len, "Could not refresh total sector "
                         "count");
        bdrv_delete(bs, true);
        return NULL;
    }
    qatomic_set(&bs->total_bytes, len);
    all_nodes = g_list_append(all_nodes, bs);
    trace_bdrv_open(bs, bs->node_name, drv->format_name, bs->open_flags);
    return bs;
}

BlockDriverState *bdrv_open_blockdev(JsonObject *options, Error **errp)
{
    g_autoptr(JsonObject) opts = options;
    BlockDriverState *bs;

    bs = bdrv_open_common(opts, NULL, "", errp);
    if (bs) {
        bs->monitor_owned = true;
    }
    return bs;
}

BdrvChild *bdrv_open_child(BlockDriverState *parent, JsonObject *options,
                           const char *child_name, Error **errp)
{
    g_autoptr(JsonNode) node = qdict_take_node(options, child_name);
    BlockDriverState *child_bs;
    BdrvChild *c;
    uint64_t cum_perm, cum_shared, nperm, nshared;

    assert(qemu_in_main_thread());
    if (!node || JSON_NODE_HOLDS_NULL(node)) {
        error_setg(errp, "A block device must be specified for \"%s\"",
                   child_name);
        return NULL;
    }
    if (JSON_NODE_HOLDS_VALUE(node) &&
        json_node_get_value_type(node) == G_TYPE_STRING) {
        const char *ref = json_node_get_string(node);

        child_bs = bdrv_lookup_bs(ref, ref, errp);
        if (!child_bs) {
            return NULL;
        }
        bdrv_ref(child_bs);
    } else if (JSON_NODE_HOLDS_OBJECT(node)) {
        g_autofree char *prefix = g_strdup_printf("%s.", child_name);

        child_bs = bdrv_open_common(json_node_get_object(node), parent,
                                    prefix, errp);
        if (!child_bs) {
            return NULL;
        }
    } else {
        error_setg(errp, "Invalid parameter type for '%s', expected: "
                   "BlockdevRef", child_name);
        return NULL;
    }

    bdrv_get_cumulative_perm(parent, NULL, 0, 0, &cum_perm, &cum_shared);
    bdrv_child_perm(parent, cum_perm, cum_shared, &nperm, &nshared);
    c = bdrv_attach_child_common(child_bs, parent, child_name, nperm, nshared,
                                 NULL, errp);
    if (!c) {
        bdrv_unref(child_bs);
    }
    return c;
}

static bool bdrv_drain_restarts_wait(BlockDriverState *bs);

bool bdrv_delete_named(const char *node_name, Error **errp)
{
    BlockDriverState *bs;
    BdrvChild *node_parent = NULL;

    assert(qemu_in_main_thread());
    bs = bdrv_find_node(node_name);
    /* A drained section that just ended may still be restarting parked
     * requests of @bs: they hold a reference, not a use by anyone. The
     * event loop runs while we wait, so look the node up again. */
    if (bs && !bdrv_drain_restarts_wait(bs)) {
        bs = bdrv_find_node(node_name);
    }
    if (!bs) {
        error_setg(errp, "Failed to find node with node-name='%s'",
                   node_name);
        return false;
    }
    /* QEMU's checks and texts, in QEMU's order. */
    for (GSList *l = bs->parents; l; l = l->next) {
        BdrvChild *c = l->data;

        if (!c->parent) {
            error_setg(errp, "Node %s is in use", node_name);
            return false;
        }
        node_parent = c;
    }
    if (node_parent) {
        g_autofree char *desc = bdrv_child_user_desc(node_parent);

        error_setg(errp, "Node '%s' is busy: node is used as '%s' by %s",
                   node_name, node_parent->name, desc);
        return false;
    }
    if (!bs->monitor_owned) {
        error_setg(errp, "Node %s is not owned by the monitor", node_name);
        return false;
    }
    if (bs->refcnt > 1) {
        error_setg(errp, "Block device %s is in use", node_name);
        return false;
    }
    bs->monitor_owned = false;
    bdrv_unref(bs);
    return true;
}

void bdrv_close_all(void)
{
    g_autoptr(GList) owned = NULL;

    assert(qemu_in_main_thread());
    /* Their references would keep nodes open past the monitor's. */
    bdrv_drain_restarts_wait(NULL);
    for (GList *l = all_nodes; l; l = l->next) {
        BlockDriverState *bs = l->data;
        if (bs->monitor_owned) {
            owned = g_list_prepend(owned, bs);
        }
    }
    /* Newest first, so that users are released before what they use. */
    for (GList *l = owned; l; l = l->next) {
        BlockDriverState *bs = l->data;
        bs->monitor_owned = false;
        bdrv_unref(bs);
    }
}

/* ------------------------------------------------------------------ */
/* Accessors */

const char *bdrv_get_node_name(const BlockDriverState *bs)
{
    return bs->node_name;
}

const char *bdrv_get_format_name(const BlockDriverState *bs)
{
    return bs->drv ? bs->drv->format_name : NULL;
}

bool bdrv_is_read_only(const BlockDriverState *bs)
{
    return bs->read_only;
}

AioContext *bdrv_get_aio_context(BlockDriverState *bs)
{
    return qatomic_read(&bs->aio_context);
}

uint32_t bdrv_get_request_alignment(BlockDriverState *bs)
{
    return bs->bl.request_alignment;
}

int64_t bdrv_getlength(BlockDriverState *bs)
{
    if (!bs->drv) {
        return -ENOMEDIUM;
    }
    /* Format drivers derive their length from a child that may have been
     * resized through another parent; protocols have the cached value. */
    if (bs->drv->is_format && bs->drv->bdrv_getlength) {
        return bs->drv->bdrv_getlength(bs);
    }
    return qatomic_read(&bs->total_bytes);
}

int64_t bdrv_get_allocated_file_size(BlockDriverState *bs)
{
    if (!bs->drv) {
        return -ENOMEDIUM;
    }
    if (bs->drv->bdrv_get_allocated_file_size) {
        return bs->drv->bdrv_get_allocated_file_size(bs);
    }
    if (bs->file) {
        return bdrv_get_allocated_file_size(bs->file->bs);
    }
    return -ENOTSUP;
}

/* ------------------------------------------------------------------ */
/* Drain */

/* Add @delta to the quiesce counter of @bs and all its ancestors (whose
 * requests end up in @bs). Nodes that reach 0 are added to *woken. */
static void bdrv_quiesce_ancestors(BlockDriverState *bs, int delta,
                                   GSList **woken)
{
    int old = qatomic_fetch_add(&bs->quiesce_counter, delta);

    assert(old + delta >= 0);
    if (old + delta == 0 && woken) {
        *woken = g_slist_prepend(*woken, bs);
    }
    for (GSList *l = bs->parents; l; l = l->next) {
        BdrvChild *c = l->data;
        if (c->parent) {
            bdrv_quiesce_ancestors(c->parent, delta, woken);
        }
    }
}

/* Requests in flight on @bs or on a node above it. */
static bool bdrv_drain_poll(BlockDriverState *bs)
{
    if (qatomic_read(&bs->in_flight)) {
        return true;
    }
    for (GSList *l = bs->parents; l; l = l->next) {
        BdrvChild *c = l->data;
        if (c->parent && bdrv_drain_poll(c->parent)) {
            return true;
        }
    }
    return false;
}

void bdrv_drained_begin(BlockDriverState *bs)
{
    assert(qemu_in_main_thread());
    /* seq_cst increment, paired with bdrv_co_enter_request(): a request
     * either sees the counter or is counted in in_flight when we poll. */
    bdrv_quiesce_ancestors(bs, 1, NULL);
    smp_mb();
    BDRV_POLL_WHILE(bdrv_drain_poll(bs));
}

/* The restart of the parked requests of one node (bdrv_drained_end()). */
typedef struct DrainRestart {
    BlockDriverState *bs;
    /* bdrv_drained_end() is still on the stack: it drops the reference
     * itself when @done; else the coroutine hands it to a BH. */
    bool in_drained_end;
    bool done;
} DrainRestart;

/* Drop a finished restart's reference. Main loop, outside coroutines, so
 * that the last reference may close the node. */
static void bdrv_drain_restart_release(BlockDriverState *bs)
{
    assert(bs->drain_restarts > 0);
    bs->drain_restarts--;
    bdrv_unref(bs);
}

static void bdrv_drain_restart_release_bh(void *opaque)
{
    bdrv_drain_restart_release(opaque);
}

/*
 * Restart requests parked in bdrv_co_enter_request(). Taking drain_lock
 * makes sure that a request that saw the counter > 0 is already queued.
 * Runs in the main context (so single-threaded with drained_end and the
 * BH): usually to completion inside bdrv_drained_end(), later if the
 * lock is contended or drained_end was called in a coroutine.
 */
static void coroutine_fn bdrv_co_restart_parked(void *opaque)
{
    DrainRestart *r = opaque;
    BlockDriverState *bs = r->bs;

    qemu_co_mutex_lock(&bs->drain_lock);
    qemu_co_queue_restart_all(&bs->drain_queue);
    qemu_co_mutex_unlock(&bs->drain_lock);
    if (r->in_drained_end) {
        r->done = true;
        return;
    }
    g_free(r);
    /* Not in the coroutine: the last reference may close the node. */
    aio_bh_schedule_oneshot(qemu_get_aio_context(),
                            bdrv_drain_restart_release_bh, bs);
}

/*
 * The restarts hold a reference on their node until they finished; one
 * that finished before we return (the usual case) is released here, so
 * that a blockdev-del right after the drained section does not find the
 * node in use. Later ones are waited for by bdrv_drain_restarts_wait().
 */
void bdrv_drained_end(BlockDriverState *bs)
{
    g_autoptr(GSList) woken = NULL;
    g_autoptr(GSList) finished = NULL;

    assert(qemu_in_main_thread());
    bdrv_quiesce_ancestors(bs, -1, &woken);
    /* Pairs with the barrier in bdrv_co_enter_request(): either the
     * request sees the counter at 0, or we see it parked. */
    smp_mb();
    for (GSList *l = woken; l; l = l->next) {
        BlockDriverState *w = l->data;
        DrainRestart *r;
        Coroutine *co;

        if (!qatomic_read(&w->parked)) {
            continue;
        }
        r = g_new0(DrainRestart, 1);
        r->bs = w;
        r->in_drained_end = true;
        bdrv_ref(w);
        w->drain_restarts++;
        co = qemu_coroutine_create(bdrv_co_restart_parked, r);
        aio_co_enter(qemu_get_aio_context(), co);
        r->in_drained_end = false;
        if (r->done) {
            finished = g_slist_prepend(finished, w);
            g_free(r);
        }
    }
    /* After the loop: @woken must stay valid while we iterate it. Only
     * outside coroutines does a restart finish in aio_co_enter(). */
    for (GSList *l = finished; l; l = l->next) {
        bdrv_drain_restart_release(l->data);
    }
}

/* True if a restart of parked requests still holds a node. */
static bool bdrv_drain_restarts_pending(BlockDriverState *only)
{
    if (only) {
        return only->drain_restarts > 0;
    }
    for (GList *l = all_nodes; l; l = l->next) {
        if (((BlockDriverState *)l->data)->drain_restarts > 0) {
            return true;
        }
    }
    return false;
}

/*
 * Wait until the restarts of parked requests on @bs (NULL: on every
 * node) started by bdrv_drained_end() finished and dropped their
 * references. Main thread; does nothing in a coroutine (it cannot poll;
 * the references are then dropped by the event loop as before). @bs is
 * kept alive while polling; it may have been deleted by someone else
 * when this returns false.
 */
static bool bdrv_drain_restarts_wait(BlockDriverState *bs)
{
    if (qemu_in_coroutine() || !bdrv_drain_restarts_pending(bs)) {
        return true;
    }
    if (bs) {
        bdrv_ref(bs);
    }
    AIO_WAIT_WHILE(bdrv_drain_restarts_pending(bs));
    if (bs) {
        bool alive = bs->refcnt > 1;

        bdrv_unref(bs);
        return alive;
    }
    return true;
}

void coroutine_fn bdrv_co_enter_request(BlockDriverState *bs)
{
    for (;;) {
        bdrv_inc_in_flight(bs);
        smp_mb();
        if (!qatomic_read(&bs->quiesce_counter)) {
            return;
        }
        bdrv_dec_in_flight(bs);
        qemu_co_mutex_lock(&bs->drain_lock);
        qatomic_inc(&bs->parked);
        smp_mb();
        while (qatomic_read(&bs->quiesce_counter) > 0) {
            qemu_co_queue_wait(&bs->drain_queue, &bs->drain_lock);
        }
        qatomic_dec(&bs->parked);
        qemu_co_mutex_unlock(&bs->drain_lock);
    }
}

void bdrv_drain(BlockDriverState *bs)
{
    bdrv_drained_begin(bs);
    bdrv_drained_end(bs);
}

/* ------------------------------------------------------------------ */
/* AioContext */

/* Collect the nodes connected to @bs through parent and child links. */
static void bdrv_collect_component(BlockDriverState *bs, GSList **nodes)
{
    if (g_slist_find(*nodes, bs)) {
        return;
    }
    *nodes = g_slist_prepend(*nodes, bs);
    for (GSList *l = bs->children; l; l = l->next) {
        BdrvChild *c = l->data;
        bdrv_collect_component(c->bs, nodes);
    }
    for (GSList *l = bs->parents; l; l = l->next) {
        BdrvChild *c = l->data;
        if (c->parent) {
            bdrv_collect_component(c->parent, nodes);
        }
    }
}

int bdrv_try_change_aio_context(BlockDriverState *bs, AioContext *ctx,
                                Error **errp)
{
    g_autoptr(GSList) nodes = NULL;

    assert(qemu_in_main_thread());
    if (bdrv_get_aio_context(bs) == ctx) {
        return 0;
    }
    /*
     * The whole connected graph moves together, like in QEMU. Nothing can
     * refuse: BlockBackends follow their root (multi-queue backends do not
     * care where their node lives).
     */
    bdrv_collect_component(bs, &nodes);
    for (GSList *l = nodes; l; l = l->next) {
        bdrv_drained_begin(l->data);
    }
    for (GSList *l = nodes; l; l = l->next) {
        BlockDriverState *n = l->data;

        if (n->drv->bdrv_detach_aio_context) {
            n->drv->bdrv_detach_aio_context(n);
        }
        qatomic_set(&n->aio_context, ctx);
        if (n->drv->bdrv_attach_aio_context) {
            n->drv->bdrv_attach_aio_context(n, ctx);
        }
        for (GSList *p = n->parents; p; p = p->next) {
            BdrvChild *c = p->data;
            if (!c->parent) {
                blk_root_set_aio_context(c, ctx);
            }
        }
    }
    for (GSList *l = nodes; l; l = l->next) {
        bdrv_drained_end(l->data);
    }
    return 0;
}
