/*
 * BlockBackend: a user's handle on a node. It holds the user's
 * permissions (as the BdrvChild "root"), checks request ranges, counts
 * requests in flight and parks new requests while the node is drained.
 *
 * Requests may come from any thread at once (multi-queue exports): the
 * request path only reads blk->root/perm (changed by the main thread
 * while no request is in flight) and uses atomic counters. No lock.
 */
#include "qemu/osdep.h"
#include "block/block_int.h"
#include "system/block-backend.h"
#include "trace/trace-block.h"

struct BlockBackend {
    AioContext *ctx;            /* qatomic; written by the main thread */
    BdrvChild *root;            /* NULL until blk_insert_bs() */
    uint64_t perm;              /* main thread writes, requests read */
    uint64_t shared_perm;
    unsigned in_flight;         /* qatomic */
    bool multiqueue;
    bool disable_request_queuing;
};

BlockBackend *blk_new(AioContext *ctx, uint64_t perm, uint64_t shared_perm)
{
    BlockBackend *blk = g_new0(BlockBackend, 1);

    assert(qemu_in_main_thread());
    blk->ctx = ctx ? ctx : qemu_get_aio_context();
    blk->perm = perm;
    blk->shared_perm = shared_perm;
    return blk;
}

bool blk_insert_bs(BlockBackend *blk, BlockDriverState *bs, Error **errp)
{
    AioContext *ctx = blk_get_aio_context(blk);

    assert(qemu_in_main_thread());
    if (blk->root) {
        error_setg(errp, "The block backend already has a node");
        return false;
    }
    /*
     * A single-queue backend wants its node in its own context. Only move
     * a node nobody else uses; otherwise the node stays where it is
     * (requests complete in the submitting context either way).
     */
    if (!blk->multiqueue && bdrv_get_aio_context(bs) != ctx && !bs->parents &&
        bdrv_try_change_aio_context(bs, ctx, errp) < 0) {
        return false;
    }
    blk->root = bdrv_root_attach_child(bs, "root", blk->perm,
                                       blk->shared_perm, blk, errp);
    return blk->root != NULL;
}

void blk_unref(BlockBackend *blk)
{
    if (!blk) {
        return;
    }
    assert(qemu_in_main_thread());
    if (blk->root) {
        blk_drain(blk);
        bdrv_root_unref_child(blk->root);
        blk->root = NULL;
    }
    g_free(blk);
}

BlockDriverState *blk_bs(BlockBackend *blk)
{
    return blk->root ? blk->root->bs : NULL;
}

AioContext *blk_get_aio_context(BlockBackend *blk)
{
    return qatomic_read(&blk->ctx);
}

void blk_root_set_aio_context(BdrvChild *c, AioContext *ctx)
{
    BlockBackend *blk = c->opaque;

    qatomic_set(&blk->ctx, ctx);
}

bool blk_set_perm(BlockBackend *blk, uint64_t perm, uint64_t shared_perm,
                  Error **errp)
{
    assert(qemu_in_main_thread());
    if (blk->root &&
        !bdrv_child_try_set_perm(blk->root, perm, shared_perm, errp)) {
        return false;
    }
    blk->perm = perm;
    blk->shared_perm = shared_perm;
    return true;
}

void blk_get_perm(BlockBackend *blk, uint64_t *perm, uint64_t *shared_perm)
{
    *perm = blk->perm;
    *shared_perm = blk->shared_perm;
}

bool blk_is_writable(BlockBackend *blk)
{
    return blk->perm & BLK_PERM_WRITE;
}

void blk_set_multiqueue(BlockBackend *blk, bool enable)
{
    blk->multiqueue = enable;
}

void blk_set_disable_request_queuing(BlockBackend *blk, bool disable)
{
    assert(qemu_in_main_thread());
    blk->disable_request_queuing = disable;
}

int64_t blk_getlength(BlockBackend *blk)
{
    if (!blk->root) {
        return -ENOMEDIUM;
    }
    return bdrv_getlength(blk->root->bs);
}

unsigned blk_in_flight(BlockBackend *blk)
{
    return qatomic_read(&blk->in_flight);
}

void blk_drain(BlockBackend *blk)
{
    assert(qemu_in_main_thread());
    if (blk->root) {
        BlockDriverState *bs = blk->root->bs;

        bdrv_ref(bs);
        bdrv_drained_begin(bs);
        BDRV_POLL_WHILE(qatomic_read(&blk->in_flight) > 0);
        bdrv_drained_end(bs);
        bdrv_unref(bs);
    } else {
        BDRV_POLL_WHILE(qatomic_read(&blk->in_flight) > 0);
    }
}

bool blk_set_aio_context(BlockBackend *blk, AioContext *ctx, Error **errp)
{
    assert(qemu_in_main_thread());
    if (blk->root && bdrv_try_change_aio_context(blk->root->bs, ctx,
                                                 errp) < 0) {
        return false;
    }
    qatomic_set(&blk->ctx, ctx);
    return true;
}

/* ------------------------------------------------------------------ */
/* Requests */

/*
 * Start a request: wait while the node is drained (unless queuing is
 * disabled), then count it. The backend's counter is taken after the
 * node's and dropped before it, so the node's counter covers it for
 * bdrv_drained_begin(). May yield.
 */
static int coroutine_fn blk_co_enter(BlockBackend *blk)
{
    if (!blk->root) {
        return -ENOMEDIUM;
    }
    if (blk->disable_request_queuing) {
        bdrv_inc_in_flight(blk->root->bs);
    } else {
        bdrv_co_enter_request(blk->root->bs);
    }
    qatomic_inc(&blk->in_flight);
    return 0;
}

static void blk_leave(BlockBackend *blk)
{
    qatomic_dec(&blk->in_flight);
    bdrv_dec_in_flight(blk->root->bs);
}

/* -EIO unless [offset, offset + bytes) lies inside the node. */
static int blk_check_range(BlockBackend *blk, int64_t offset, int64_t bytes)
{
    int64_t len;

    if (offset < 0 || bytes < 0) {
        return -EIO;
    }
    len = bdrv_getlength(blk->root->bs);
    if (len < 0) {
        return (int)len;
    }
    if (offset > len || bytes > len - offset) {
        return -EIO;
    }
    return 0;
}

/* -EPERM unless the backend holds write permission, else as
 * blk_check_range(). */
static int blk_check_write(BlockBackend *blk, int64_t offset, int64_t bytes)
{
    if (!(blk->perm & BLK_PERM_WRITE)) {
        return -EPERM;
    }
    return blk_check_range(blk, offset, bytes);
}

int coroutine_fn blk_co_preadv(BlockBackend *blk, int64_t offset,
                               int64_t bytes, QEMUIOVector *qiov,
                               BdrvRequestFlags flags)
{
    int ret = blk_co_enter(blk);

    trace_blk_co_preadv(blk, offset, bytes, flags);
    if (ret < 0) {
        return ret;
    }
    ret = blk_check_range(blk, offset, bytes);
    if (ret == 0) {
        ret = bdrv_co_preadv(blk->root, offset, bytes, qiov, flags);
    }
    trace_blk_co_preadv_done(blk, offset, bytes, ret);
    blk_leave(blk);
    return ret;
}

int coroutine_fn blk_co_pwritev(BlockBackend *blk, int64_t offset,
                                int64_t bytes, QEMUIOVector *qiov,
                                BdrvRequestFlags flags)
{
    int ret = blk_co_enter(blk);

    trace_blk_co_pwritev(blk, offset, bytes, flags);
    if (ret < 0) {
        return ret;
    }
    ret = blk_check_write(blk, offset, bytes);
    if (ret == 0) {
        ret = bdrv_co_pwritev(blk->root, offset, bytes, qiov, flags);
    }
    trace_blk_co_pwritev_done(blk, offset, bytes, ret);
    blk_leave(blk);
    return ret;
}

int coroutine_fn blk_co_pread(BlockBackend *blk, int64_t offset,
                              int64_t bytes, void *buf,
                              BdrvRequestFlags flags)
{
    QEMUIOVector qiov;

    if (bytes < 0) {
        return -EIO;
    }
    qemu_iovec_init_buf(&qiov, buf, bytes);
    return blk_co_preadv(blk, offset, bytes, &qiov, flags);
}

int coroutine_fn blk_co_pwrite(BlockBackend *blk, int64_t offset,
                               int64_t bytes, const void *buf,
                               BdrvRequestFlags flags)
{
    QEMUIOVector qiov;

    if (bytes < 0) {
        return -EIO;
    }
    /* The vector is only read from for a write. */
    qemu_iovec_init_buf(&qiov, (void *)buf, bytes);
    return blk_co_pwritev(blk, offset, bytes, &qiov, flags);
}

int coroutine_fn blk_co_pwrite_zeroes(BlockBackend *blk, int64_t offset,
                                      int64_t bytes, BdrvRequestFlags flags)
{
    int ret = blk_co_enter(blk);

    if (ret < 0) {
        return ret;
    }
    ret = blk_check_write(blk, offset, bytes);
    if (ret == 0) {
        ret = bdrv_co_pwrite_zeroes(blk->root, offset, bytes, flags);
    }
    trace_blk_co_pwrite_zeroes_done(blk, offset, bytes, flags, ret);
    blk_leave(blk);
    return ret;
}

int coroutine_fn blk_co_pdiscard(BlockBackend *blk, int64_t offset,
                                 int64_t bytes)
{
    int ret = blk_co_enter(blk);

    if (ret < 0) {
        return ret;
    }
    ret = blk_check_write(blk, offset, bytes);
    if (ret == 0) {
        ret = bdrv_co_pdiscard(blk->root, offset, bytes);
    }
    trace_blk_co_pdiscard_done(blk, offset, bytes, ret);
    blk_leave(blk);
    return ret;
}

int coroutine_fn blk_co_flush(BlockBackend *blk)
{
    int ret = blk_co_enter(blk);

    if (ret < 0) {
        return ret;
    }
    ret = bdrv_co_flush(blk->root->bs);
    trace_blk_co_flush_done(blk, ret);
    blk_leave(blk);
    return ret;
}

int coroutine_fn blk_co_truncate(BlockBackend *blk, int64_t offset,
                                 bool exact, PreallocMode prealloc,
                                 Error **errp)
{
    int ret = blk_co_enter(blk);

    if (ret < 0) {
        error_setg(errp, "No medium inserted");
        return ret;
    }
    ret = bdrv_co_truncate(blk->root, offset, exact, prealloc, errp);
    blk_leave(blk);
    return ret;
}

int coroutine_fn blk_co_block_status(BlockBackend *blk, int64_t offset,
                                     int64_t bytes, int64_t *pnum)
{
    int ret = blk_co_enter(blk);

    *pnum = 0;
    if (ret < 0) {
        return ret;
    }
    if (offset < 0 || bytes < 0) {
        ret = -EIO;
    } else {
        ret = bdrv_co_block_status(blk->root->bs, offset, bytes, pnum);
    }
    blk_leave(blk);
    return ret;
}

/* ------------------------------------------------------------------ */
/* Synchronous wrappers */

typedef struct BlkSyncCo BlkSyncCo;
struct BlkSyncCo {
    BlockBackend *blk;
    int coroutine_fn (*fn)(BlkSyncCo *s);
    int64_t offset;
    int64_t bytes;
    void *buf;
    BdrvRequestFlags flags;
    bool exact;
    PreallocMode prealloc;
    int64_t *pnum;
    Error **errp;
    int ret;
    bool done;                  /* qatomic: set by the coroutine */
};

static void coroutine_fn blk_sync_co_entry(void *opaque)
{
    BlkSyncCo *s = opaque;

    s->ret = s->fn(s);
    qatomic_store_release(&s->done, true);
    bdrv_wakeup();
}

/* Run s->fn in a coroutine in the backend's context and wait for it. */
static int blk_run_sync(BlkSyncCo *s)
{
    Coroutine *co;

    if (qemu_in_coroutine()) {
        return s->fn(s);
    }
    co = qemu_coroutine_create(blk_sync_co_entry, s);
    aio_co_enter(blk_get_aio_context(s->blk), co);
    BDRV_POLL_WHILE(!qatomic_load_acquire(&s->done));
    return s->ret;
}

static int coroutine_fn blk_sync_pread(BlkSyncCo *s)
{
    return blk_co_pread(s->blk, s->offset, s->bytes, s->buf, s->flags);
}

static int coroutine_fn blk_sync_pwrite(BlkSyncCo *s)
{
    return blk_co_pwrite(s->blk, s->offset, s->bytes, s->buf, s->flags);
}

static int coroutine_fn blk_sync_flush(BlkSyncCo *s)
{
    return blk_co_flush(s->blk);
}

static int coroutine_fn blk_sync_truncate(BlkSyncCo *s)
{
    return blk_co_truncate(s->blk, s->offset, s->exact, s->prealloc,
                           s->errp);
}

static int coroutine_fn blk_sync_block_status(BlkSyncCo *s)
{
    return blk_co_block_status(s->blk, s->offset, s->bytes, s->pnum);
}

int blk_pread(BlockBackend *blk, int64_t offset, int64_t bytes, void *buf,
              BdrvRequestFlags flags)
{
    BlkSyncCo s = { .blk = blk, .fn = blk_sync_pread, .offset = offset,
                    .bytes = bytes, .buf = buf, .flags = flags };
    return blk_run_sync(&s);
}

int blk_pwrite(BlockBackend *blk, int64_t offset, int64_t bytes,
               const void *buf, BdrvRequestFlags flags)
{
    BlkSyncCo s = { .blk = blk, .fn = blk_sync_pwrite, .offset = offset,
                    .bytes = bytes, .buf = (void *)buf, .flags = flags };
    return blk_run_sync(&s);
}

int blk_flush(BlockBackend *blk)
{
    BlkSyncCo s = { .blk = blk, .fn = blk_sync_flush };
    return blk_run_sync(&s);
}

int blk_truncate(BlockBackend *blk, int64_t offset, bool exact,
                 PreallocMode prealloc, Error **errp)
{
    BlkSyncCo s = { .blk = blk, .fn = blk_sync_truncate, .offset = offset,
                    .exact = exact, .prealloc = prealloc, .errp = errp };
    return blk_run_sync(&s);
}

int blk_block_status(BlockBackend *blk, int64_t offset, int64_t bytes,
                     int64_t *pnum)
{
    BlkSyncCo s = { .blk = blk, .fn = blk_sync_block_status,
                    .offset = offset, .bytes = bytes, .pnum = pnum };
    return blk_run_sync(&s);
}
