/*
 * The request path of a node: in-flight accounting, alignment (padding
 * and read-modify-write), bouncing of buffers that O_DIRECT cannot take,
 * splitting at max_transfer, write-zeroes fallback, flush and truncate.
 *
 * Any thread may run these (multi-queue BlockBackends); the only shared
 * state is atomic counters and, for nodes with request_alignment > 1, the
 * list of tracked write requests under bs->reqs_lock.
 */
#include "qemu/osdep.h"
#include "block/block_int.h"

/* Largest bounce buffer used at once for memory-misaligned or zero-fill
 * requests; longer requests go through it in pieces. */
#define BOUNCE_MAX (1024 * 1024)

/*
 * A write in progress on a node that needs alignment. Serialising
 * requests (read-modify-write, truncate) wait for every overlapping
 * request; the others wait only for overlapping serialising ones. So an
 * RMW never reads a block that another write is changing, and no write
 * lands in a block between an RMW's read and its write-back.
 */
typedef struct BdrvTrackedRequest {
    int64_t offset;     /* aligned to request_alignment */
    int64_t bytes;
    bool serialising;
} BdrvTrackedRequest;

static bool bdrv_tracking_needed(BlockDriverState *bs)
{
    return bs->bl.request_alignment > 1;
}

static bool tracked_request_conflicts(BlockDriverState *bs,
                                      BdrvTrackedRequest *req)
{
    for (GSList *l = bs->tracked_reqs; l; l = l->next) {
        BdrvTrackedRequest *r = l->data;

        if (!req->serialising && !r->serialising) {
            continue;
        }
        if (r->offset < req->offset + req->bytes &&
            req->offset < r->offset + r->bytes) {
            return true;
        }
    }
    return false;
}

/* Register @req over [offset, offset + bytes) widened to the alignment,
 * waiting for conflicting requests first. May yield. */
static void coroutine_fn tracked_request_begin(BlockDriverState *bs,
                                               BdrvTrackedRequest *req,
                                               int64_t offset, int64_t bytes,
                                               bool serialising)
{
    uint32_t align = bs->bl.request_alignment;
    int64_t end = bytes > INT64_MAX - offset - align ?
                  INT64_MAX : QEMU_ALIGN_UP(offset + bytes, (int64_t)align);

    req->offset = QEMU_ALIGN_DOWN(offset, (int64_t)align);
    req->bytes = end - req->offset;
    req->serialising = serialising;

    qemu_co_mutex_lock(&bs->reqs_lock);
    while (tracked_request_conflicts(bs, req)) {
        qemu_co_queue_wait(&bs->reqs_queue, &bs->reqs_lock);
    }
    bs->tracked_reqs = g_slist_prepend(bs->tracked_reqs, req);
    qemu_co_mutex_unlock(&bs->reqs_lock);
}

static void coroutine_fn tracked_request_end(BlockDriverState *bs,
                                             BdrvTrackedRequest *req)
{
    qemu_co_mutex_lock(&bs->reqs_lock);
    bs->tracked_reqs = g_slist_remove(bs->tracked_reqs, req);
    if (!qemu_co_queue_empty(&bs->reqs_queue)) {
        qemu_co_queue_restart_all(&bs->reqs_queue);
    }
    qemu_co_mutex_unlock(&bs->reqs_lock);
}

/* 0 or -EIO for a range that overflows or is negative. */
static int bdrv_check_range(int64_t offset, int64_t bytes)
{
    if (offset < 0 || bytes < 0 || offset > INT64_MAX - bytes) {
        return -EIO;
    }
    return 0;
}

/* Raise the cached length to at least @end (a write grew the node). */
static void bdrv_raise_total_bytes(BlockDriverState *bs, int64_t end)
{
    int64_t cur = qatomic_read(&bs->total_bytes);

    while (cur < end) {
        int64_t seen = qatomic_cmpxchg(&bs->total_bytes, cur, end);
        if (seen == cur) {
            break;
        }
        cur = seen;
    }
}

/* Can the driver take [qiov_off, qiov_off + bytes) of @qiov as it is? */
static bool bdrv_qiov_is_aligned(BlockDriverState *bs, QEMUIOVector *qiov,
                                 size_t qiov_off, int64_t bytes)
{
    size_t align = bs->bl.min_mem_alignment;
    size_t skip = qiov_off;
    int64_t left = bytes;

    if (align <= 1) {
        return true;
    }
    for (int i = 0; i < qiov->niov && left > 0; i++) {
        size_t len = qiov->iov[i].iov_len;
        uintptr_t base;

        if (skip >= len) {
            skip -= len;
            continue;
        }
        base = (uintptr_t)qiov->iov[i].iov_base + skip;
        len = MIN((int64_t)(len - skip), left);
        skip = 0;
        if (base % align || len % align) {
            return false;
        }
        left -= len;
    }
    return true;
}

static int64_t bdrv_max_transfer(BlockDriverState *bs)
{
    int64_t max = bs->bl.max_transfer ? bs->bl.max_transfer : INT_MAX;

    max = MIN(max, (int64_t)INT_MAX);
    max = QEMU_ALIGN_DOWN(max, (int64_t)bs->bl.request_alignment);
    return MAX(max, (int64_t)bs->bl.request_alignment);
}

typedef int coroutine_fn DriverRwFunc(BlockDriverState *bs, int64_t offset,
                                      int64_t bytes, QEMUIOVector *qiov,
                                      BdrvRequestFlags flags);

/*
 * Call the driver for an aligned range in pieces of at most max_transfer.
 * The data is [qiov_off, qiov_off + bytes) of @qiov. May yield.
 */
static int coroutine_fn bdrv_driver_rw_split(BlockDriverState *bs,
                                             DriverRwFunc *fn,
                                             int64_t offset, int64_t bytes,
                                             QEMUIOVector *qiov,
                                             size_t qiov_off,
                                             BdrvRequestFlags flags)
{
    int64_t max = bdrv_max_transfer(bs);
    int64_t done = 0;

    if (!fn) {
        return -ENOTSUP;
    }
    while (done < bytes) {
        int64_t n = MIN(bytes - done, max);
        int ret;

        if (qiov_off + done == 0 && (size_t)n == qiov->size) {
            ret = fn(bs, offset + done, n, qiov, flags);
        } else {
            QEMUIOVector sub;

            qemu_iovec_init(&sub, qiov->niov);
            qemu_iovec_concat(&sub, qiov, qiov_off + done, n);
            ret = fn(bs, offset + done, n, &sub, flags);
            qemu_iovec_destroy(&sub);
        }
        if (ret < 0) {
            return ret;
        }
        done += n;
    }
    return 0;
}

/*
 * Aligned read or write of [offset, offset + bytes) with the data in
 * @qiov from @qiov_off. Memory the driver cannot take (O_DIRECT) goes
 * through a bounce buffer. May yield.
 */
static int coroutine_fn bdrv_aligned_rw(BlockDriverState *bs, bool is_write,
                                        int64_t offset, int64_t bytes,
                                        QEMUIOVector *qiov, size_t qiov_off,
                                        BdrvRequestFlags flags)
{
    DriverRwFunc *fn = is_write ? bs->drv->bdrv_co_pwritev
                                : bs->drv->bdrv_co_preadv;
    int64_t chunk, done = 0;
    void *buf;
    int ret = 0;

    if (bdrv_qiov_is_aligned(bs, qiov, qiov_off, bytes)) {
        return bdrv_driver_rw_split(bs, fn, offset, bytes, qiov, qiov_off,
                                    flags);
    }

    chunk = MIN(bytes, MAX((int64_t)BOUNCE_MAX,
                           (int64_t)bs->bl.request_alignment));
    buf = qemu_try_memalign(bs->bl.opt_mem_alignment, chunk);
    if (!buf) {
        return -ENOMEM;
    }
    while (done < bytes) {
        int64_t n = MIN(bytes - done, chunk);
        QEMUIOVector bounce;

        qemu_iovec_init_buf(&bounce, buf, n);
        if (is_write) {
            qemu_iovec_to_buf(qiov, qiov_off + done, buf, n);
        }
        ret = bdrv_driver_rw_split(bs, fn, offset + done, n, &bounce, 0,
                                   flags);
        if (ret < 0) {
            break;
        }
        if (!is_write) {
            qemu_iovec_from_buf(qiov, qiov_off + done, buf, n);
        }
        done += n;
    }
    qemu_vfree(buf);
    return ret;
}

/*
 * Aligned read: the part past the (aligned-up) end of the node reads as
 * zeroes without asking the driver. May yield.
 */
static int coroutine_fn bdrv_aligned_preadv(BlockDriverState *bs,
                                            int64_t offset, int64_t bytes,
                                            QEMUIOVector *qiov,
                                            size_t qiov_off,
                                            BdrvRequestFlags flags)
{
    int64_t total = bdrv_getlength(bs);
    int64_t readable;
    int ret;

    if (total < 0) {
        return total;
    }
    total = QEMU_ALIGN_UP(total, (int64_t)bs->bl.request_alignment);
    readable = offset >= total ? 0 : MIN(bytes, total - offset);
    if (readable > 0) {
        ret = bdrv_aligned_rw(bs, false, offset, readable, qiov, qiov_off,
                              flags);
        if (ret < 0) {
            return ret;
        }
    }
    if (readable < bytes) {
        qemu_iovec_memset(qiov, qiov_off + readable, 0, bytes - readable);
    }
    return 0;
}

/*
 * Read-modify-write of the block at @block_off: put @n bytes at
 * @in_block into it, taken from @qiov at @qiov_off, or zeroes if @qiov is
 * NULL. The caller holds a serialising tracked request. May yield.
 */
static int coroutine_fn bdrv_rmw_block(BlockDriverState *bs,
                                       int64_t block_off, int64_t in_block,
                                       QEMUIOVector *qiov, size_t qiov_off,
                                       int64_t n, BdrvRequestFlags flags)
{
    uint32_t align = bs->bl.request_alignment;
    QEMUIOVector local;
    uint8_t *buf;
    int ret;

    buf = qemu_try_memalign(MAX(bs->bl.opt_mem_alignment, (size_t)align),
                            align);
    if (!buf) {
        return -ENOMEM;
    }
    qemu_iovec_init_buf(&local, buf, align);
    ret = bdrv_aligned_preadv(bs, block_off, align, &local, 0, 0);
    if (ret < 0) {
        goto out;
    }
    if (qiov) {
        qemu_iovec_to_buf(qiov, qiov_off, buf + in_block, n);
    } else {
        memset(buf + in_block, 0, n);
    }
    ret = bdrv_aligned_rw(bs, true, block_off, align, &local, 0, flags);
out:
    qemu_vfree(buf);
    return ret;
}

/*
 * Read @n bytes at @in_block of the block at @block_off into @qiov at
 * @qiov_off, through a block-sized bounce buffer. May yield.
 */
static int coroutine_fn bdrv_read_partial_block(BlockDriverState *bs,
                                                int64_t block_off,
                                                int64_t in_block,
                                                QEMUIOVector *qiov,
                                                size_t qiov_off, int64_t n,
                                                BdrvRequestFlags flags)
{
    uint32_t align = bs->bl.request_alignment;
    uint8_t *buf = qemu_try_memalign(bs->bl.opt_mem_alignment, align);
    QEMUIOVector local;
    int ret;

    if (!buf) {
        return -ENOMEM;
    }
    qemu_iovec_init_buf(&local, buf, align);
    ret = bdrv_aligned_preadv(bs, block_off, align, &local, 0, flags);
    if (ret == 0) {
        qemu_iovec_from_buf(qiov, qiov_off, buf + in_block, n);
    }
    qemu_vfree(buf);
    return ret;
}

/* Reads or writes an aligned range whose data is at @qiov_off in @qiov. */
typedef int coroutine_fn AlignedRangeFunc(BlockDriverState *bs,
                                          int64_t offset, int64_t bytes,
                                          QEMUIOVector *qiov,
                                          size_t qiov_off,
                                          BdrvRequestFlags flags);

/* Reads or writes @n bytes at @in_block of the block at @block_off, with
 * the data at @qiov_off in @qiov (bdrv_rmw_block, bdrv_read_partial_block). */
typedef int coroutine_fn PartialBlockFunc(BlockDriverState *bs,
                                          int64_t block_off,
                                          int64_t in_block,
                                          QEMUIOVector *qiov,
                                          size_t qiov_off, int64_t n,
                                          BdrvRequestFlags flags);

/*
 * Split [@offset, @offset + @bytes) at the request alignment: a partial
 * block at either end goes through @partial_fn, the aligned middle through
 * @aligned_fn. Stops at the first error. Returns 0 or -errno. May yield.
 */
static int coroutine_fn bdrv_split_aligned(BlockDriverState *bs,
                                           int64_t offset, int64_t bytes,
                                           QEMUIOVector *qiov,
                                           PartialBlockFunc *partial_fn,
                                           AlignedRangeFunc *aligned_fn,
                                           BdrvRequestFlags flags)
{
    int64_t align = bs->bl.request_alignment;
    int64_t head = offset % align;
    int64_t done = 0, mid;
    int ret;

    if (head) {
        int64_t n = MIN(bytes, align - head);

        ret = partial_fn(bs, offset - head, head, qiov, 0, n, flags);
        if (ret < 0) {
            return ret;
        }
        done = n;
    }
    mid = QEMU_ALIGN_DOWN(bytes - done, align);
    if (mid > 0) {
        ret = aligned_fn(bs, offset + done, mid, qiov, done, flags);
        if (ret < 0) {
            return ret;
        }
        done += mid;
    }
    if (done < bytes) {
        return partial_fn(bs, offset + done, 0, qiov, done, bytes - done,
                          flags);
    }
    return 0;
}

/*
 * Write @bytes at @offset with any alignment: the aligned middle through
 * @aligned_fn, partial blocks at either end read-modify-written from
 * @qiov (zeroes when @qiov is NULL) under a serialising tracked request.
 * Returns 0 or -errno. May yield.
 */
static int coroutine_fn bdrv_do_write(BlockDriverState *bs, int64_t offset,
                                      int64_t bytes, QEMUIOVector *qiov,
                                      AlignedRangeFunc *aligned_fn,
                                      BdrvRequestFlags flags)
{
    int64_t align = bs->bl.request_alignment;
    int64_t head = offset % align;
    int64_t tail = (offset + bytes) % align;
    bool track = bdrv_tracking_needed(bs);
    BdrvTrackedRequest req;
    int ret;

    if (track) {
        tracked_request_begin(bs, &req, offset, bytes, head || tail);
    }
    ret = bdrv_split_aligned(bs, offset, bytes, qiov, bdrv_rmw_block,
                             aligned_fn, flags);
    if (ret < 0) {
        goto out;
    }
    if (offset + bytes > qatomic_read(&bs->total_bytes)) {
        int64_t len = bs->drv->bdrv_getlength ? bs->drv->bdrv_getlength(bs)
                                              : offset + bytes;
        bdrv_raise_total_bytes(bs, MAX(len, offset + bytes));
    }
out:
    if (track) {
        tracked_request_end(bs, &req);
    }
    return ret;
}

/* The aligned middle of a data write. */
static int coroutine_fn bdrv_write_data_aligned(BlockDriverState *bs,
                                                int64_t offset,
                                                int64_t bytes,
                                                QEMUIOVector *qiov,
                                                size_t qiov_off,
                                                BdrvRequestFlags flags)
{
    return bdrv_aligned_rw(bs, true, offset, bytes, qiov, qiov_off, flags);
}

/* The aligned middle of a write-zeroes: the driver's own operation, or
 * buffers of zeroes when it has none (unless BDRV_REQ_NO_FALLBACK). */
static int coroutine_fn bdrv_write_zeroes_aligned(BlockDriverState *bs,
                                                  int64_t offset,
                                                  int64_t bytes,
                                                  QEMUIOVector *unused,
                                                  size_t unused_off,
                                                  BdrvRequestFlags flags)
{
    int64_t max = bs->bl.max_pwrite_zeroes ?
                  (int64_t)bs->bl.max_pwrite_zeroes : INT_MAX;
    int64_t done = 0, chunk;
    void *buf;
    int ret = -ENOTSUP;

    max = MAX(QEMU_ALIGN_DOWN(max, (int64_t)bs->bl.request_alignment),
              (int64_t)bs->bl.request_alignment);
    if (bs->drv->bdrv_co_pwrite_zeroes) {
        while (done < bytes) {
            int64_t n = MIN(bytes - done, max);

            ret = bs->drv->bdrv_co_pwrite_zeroes(bs, offset + done, n,
                                                 flags);
            if (ret < 0) {
                break;
            }
            done += n;
        }
        if (ret != -ENOTSUP) {
            return ret;
        }
    }
    if (flags & BDRV_REQ_NO_FALLBACK) {
        return -ENOTSUP;
    }

    /* The driver cannot: write buffers of zeroes. */
    chunk = MIN(bytes - done, MAX((int64_t)BOUNCE_MAX,
                                  (int64_t)bs->bl.request_alignment));
    buf = qemu_try_memalign(bs->bl.opt_mem_alignment, chunk);
    if (!buf) {
        return -ENOMEM;
    }
    memset(buf, 0, chunk);
    ret = 0;
    while (done < bytes) {
        int64_t n = MIN(bytes - done, chunk);
        QEMUIOVector qiov;

        qemu_iovec_init_buf(&qiov, buf, n);
        ret = bdrv_driver_rw_split(bs, bs->drv->bdrv_co_pwritev,
                                   offset + done, n, &qiov, 0,
                                   flags & BDRV_REQ_FUA);
        if (ret < 0) {
            break;
        }
        done += n;
    }
    qemu_vfree(buf);
    return ret;
}

/* Flush after a FUA write on a protocol node (format nodes pass FUA to
 * their child, which flushes). */
static int coroutine_fn bdrv_co_fua_flush(BlockDriverState *bs,
                                          BdrvRequestFlags flags)
{
    if (!(flags & BDRV_REQ_FUA) || bs->drv->is_format ||
        !bs->drv->bdrv_co_flush || (bs->open_flags & BDRV_O_NO_FLUSH)) {
        return 0;
    }
    return bs->drv->bdrv_co_flush(bs);
}

static int coroutine_fn bdrv_co_do_pwrite_zeroes(BlockDriverState *bs,
                                                 int64_t offset,
                                                 int64_t bytes,
                                                 BdrvRequestFlags flags)
{
    int64_t align = bs->bl.request_alignment;

    if (!(bs->open_flags & BDRV_O_UNMAP)) {
        flags &= ~BDRV_REQ_MAY_UNMAP;
    }
    if ((flags & BDRV_REQ_NO_FALLBACK) &&
        (offset % align || (offset + bytes) % align)) {
        return -ENOTSUP;
    }
    return bdrv_do_write(bs, offset, bytes, NULL, bdrv_write_zeroes_aligned,
                         flags);
}

int coroutine_fn bdrv_co_preadv(BdrvChild *child, int64_t offset,
                                int64_t bytes, QEMUIOVector *qiov,
                                BdrvRequestFlags flags)
{
    BlockDriverState *bs = child->bs;
    int ret;

    if (!bs->drv) {
        return -ENOMEDIUM;
    }
    ret = bdrv_check_range(offset, bytes);
    if (ret < 0) {
        return ret;
    }
    if ((int64_t)qiov->size < bytes) {
        return -EINVAL;
    }
    if (bytes == 0) {
        return 0;
    }

    bdrv_inc_in_flight(bs);
    ret = bdrv_split_aligned(bs, offset, bytes, qiov, bdrv_read_partial_block,
                             bdrv_aligned_preadv, flags);
    bdrv_dec_in_flight(bs);
    return ret;
}


/* Common checks of the write-type requests; 0 or -errno. */
static int bdrv_check_write(BdrvChild *child, int64_t offset, int64_t bytes)
{
    BlockDriverState *bs = child->bs;

    if (!bs->drv) {
        return -ENOMEDIUM;
    }
    if (!(child->perm & (BLK_PERM_WRITE | BLK_PERM_WRITE_UNCHANGED)) ||
        bs->read_only) {
        return -EPERM;
    }
    return bdrv_check_range(offset, bytes);
}

int coroutine_fn bdrv_co_pwritev(BdrvChild *child, int64_t offset,
                                 int64_t bytes, QEMUIOVector *qiov,
                                 BdrvRequestFlags flags)
{
    BlockDriverState *bs = child->bs;
    int ret;

    ret = bdrv_check_write(child, offset, bytes);
    if (ret < 0) {
        return ret;
    }
    if ((int64_t)qiov->size < bytes) {
        return -EINVAL;
    }
    if (bytes == 0) {
        return 0;
    }

    bdrv_inc_in_flight(bs);
    if (bs->detect_zeroes != BDRV_DETECT_ZEROES_OFF &&
        qemu_iovec_is_zero(qiov, 0, bytes)) {
        BdrvRequestFlags zflags = flags & BDRV_REQ_FUA;

        if (bs->detect_zeroes == BDRV_DETECT_ZEROES_UNMAP) {
            zflags |= BDRV_REQ_MAY_UNMAP;
        }
        ret = bdrv_co_do_pwrite_zeroes(bs, offset, bytes, zflags);
    } else {
        ret = bdrv_do_write(bs, offset, bytes, qiov, bdrv_write_data_aligned,
                            flags);
    }
    if (ret == 0) {
        ret = bdrv_co_fua_flush(bs, flags);
    }
    bdrv_dec_in_flight(bs);
    return ret;
}

int coroutine_fn bdrv_co_pwrite_zeroes(BdrvChild *child, int64_t offset,
                                       int64_t bytes, BdrvRequestFlags flags)
{
    BlockDriverState *bs = child->bs;
    int ret;

    ret = bdrv_check_write(child, offset, bytes);
    if (ret < 0 || bytes == 0) {
        return ret;
    }
    bdrv_inc_in_flight(bs);
    ret = bdrv_co_do_pwrite_zeroes(bs, offset, bytes, flags);
    if (ret == 0) {
        ret = bdrv_co_fua_flush(bs, flags);
    }
    bdrv_dec_in_flight(bs);
    return ret;
}

int coroutine_fn bdrv_co_pdiscard(BdrvChild *child, int64_t offset,
                                  int64_t bytes)
{
    BlockDriverState *bs = child->bs;
    int64_t align, start, end, max;
    BdrvTrackedRequest req;
    bool track;
    int ret;

    ret = bdrv_check_write(child, offset, bytes);
    if (ret < 0) {
        return ret;
    }
    /* discard=ignore, or nothing to do: discarding is only advice. */
    if (!(bs->open_flags & BDRV_O_UNMAP) || !bs->drv->bdrv_co_pdiscard) {
        return 0;
    }
    align = MAX(bs->bl.request_alignment, bs->bl.pdiscard_alignment);
    start = QEMU_ALIGN_UP(offset, align);
    end = QEMU_ALIGN_DOWN(offset + bytes, align);
    if (start >= end) {
        return 0;
    }

    bdrv_inc_in_flight(bs);
    track = bdrv_tracking_needed(bs);
    if (track) {
        tracked_request_begin(bs, &req, start, end - start, false);
    }
    max = QEMU_ALIGN_DOWN((int64_t)INT_MAX, align);
    while (start < end) {
        int64_t n = MIN(end - start, max);

        ret = bs->drv->bdrv_co_pdiscard(bs, start, n);
        if (ret == -ENOTSUP) {
            ret = 0;
            break;
        }
        if (ret < 0) {
            break;
        }
        start += n;
    }
    if (track) {
        tracked_request_end(bs, &req);
    }
    bdrv_dec_in_flight(bs);
    return ret;
}

int coroutine_fn bdrv_co_flush(BlockDriverState *bs)
{
    int ret = 0;

    if (!bs->drv) {
        return 0;
    }
    bdrv_inc_in_flight(bs);
    if (bs->drv->bdrv_co_flush && !(bs->open_flags & BDRV_O_NO_FLUSH)) {
        ret = bs->drv->bdrv_co_flush(bs);
    }
    /* bs->children is only changed in the main thread while drained. */
    for (GSList *l = bs->children; l; l = l->next) {
        BdrvChild *c = l->data;
        int r = bdrv_co_flush(c->bs);

        if (ret == 0) {
            ret = r;
        }
    }
    bdrv_dec_in_flight(bs);
    return ret;
}

int coroutine_fn bdrv_co_truncate(BdrvChild *child, int64_t offset,
                                  bool exact, PreallocMode prealloc,
                                  Error **errp)
{
    BlockDriverState *bs = child->bs;
    BdrvTrackedRequest req;
    bool track;
    int64_t old, len;
    int ret;

    if (!bs->drv) {
        error_setg(errp, "No medium inserted");
        return -ENOMEDIUM;
    }
    if (offset < 0) {
        error_setg(errp, "Image size cannot be negative");
        return -EINVAL;
    }
    if (bs->read_only) {
        error_setg(errp, "Image is read-only");
        return -EACCES;
    }
    if (!(child->perm & BLK_PERM_RESIZE)) {
        error_setg(errp, "Permission 'resize' is not granted on node '%s'",
                   bs->node_name);
        return -EPERM;
    }
    if (!bs->drv->bdrv_co_truncate) {
        error_setg(errp, "Image format driver does not support resize");
        return -ENOTSUP;
    }

    bdrv_inc_in_flight(bs);
    old = bdrv_getlength(bs);
    track = bdrv_tracking_needed(bs);
    if (track) {
        /* Nothing may write past the smaller end while the size changes. */
        int64_t from = MIN(MAX(old, 0), offset);
        tracked_request_begin(bs, &req, from, INT64_MAX - from, true);
    }
    ret = bs->drv->bdrv_co_truncate(bs, offset, exact, prealloc, errp);
    if (ret == 0) {
        len = bs->drv->bdrv_getlength ? bs->drv->bdrv_getlength(bs) : offset;
        qatomic_set(&bs->total_bytes, len >= 0 ? len : offset);
    }
    if (track) {
        tracked_request_end(bs, &req);
    }
    bdrv_dec_in_flight(bs);
    return ret;
}

int coroutine_fn bdrv_co_block_status(BlockDriverState *bs, int64_t offset,
                                      int64_t bytes, int64_t *pnum)
{
    int64_t total;
    int ret;

    *pnum = 0;
    if (!bs->drv) {
        return -ENOMEDIUM;
    }
    if (offset < 0 || bytes < 0) {
        return -EINVAL;
    }
    total = bdrv_getlength(bs);
    if (total < 0) {
        return total;
    }
    if (offset >= total || bytes == 0) {
        return 0;
    }
    bytes = MIN(bytes, total - offset);
    if (!bs->drv->bdrv_co_block_status) {
        *pnum = bytes;
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED;
    }

    bdrv_inc_in_flight(bs);
    ret = bs->drv->bdrv_co_block_status(bs, offset, bytes, pnum);
    bdrv_dec_in_flight(bs);
    if (ret < 0) {
        *pnum = 0;
        return ret;
    }
    if (*pnum <= 0 || *pnum > bytes) {
        /* A driver answer we cannot use: claim data, which is safe. */
        *pnum = bytes;
        ret = BDRV_BLOCK_DATA;
    }
    if (ret & (BDRV_BLOCK_DATA | BDRV_BLOCK_ZERO)) {
        ret |= BDRV_BLOCK_ALLOCATED;
    }
    return ret;
}
