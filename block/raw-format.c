/*
 * The raw format: the image is the child's data, optionally a window
 * [offset, offset + size) of it. Requests pass through with the offset
 * added. The node is read-only if its child is.
 *
 * Options: "file" (a node name or nested options, required), "offset"
 * (default 0), "size" (default: the rest of the child; fixed-size nodes
 * cannot be resized).
 */
#include "qemu/osdep.h"
#include "block/block_int.h"

typedef struct BDRVRawState {
    uint64_t offset;
    uint64_t size;              /* only meaningful with has_size */
    bool has_size;
} BDRVRawState;

static int raw_open(BlockDriverState *bs, JsonObject *options, int flags,
                    Error **errp)
{
    BDRVRawState *s = bs->opaque;
    uint64_t offset = 0, size = 0;
    bool has_size = false;
    int64_t real_size;

    if (!qdict_take_size(options, "offset", &offset, NULL, errp) ||
        !qdict_take_size(options, "size", &size, &has_size, errp)) {
        return -EINVAL;
    }
    bs->file = bdrv_open_child(bs, options, "file", errp);
    if (!bs->file) {
        return -EINVAL;
    }
    if (bdrv_is_read_only(bs->file->bs)) {
        bs->read_only = true;
    }

    real_size = bdrv_getlength(bs->file->bs);
    if (real_size < 0) {
        error_setg_errno(errp, (int)-real_size, "Could not get image size");
        return (int)real_size;
    }
    if (offset > INT64_MAX || size > INT64_MAX) {
        error_setg(errp, "offset and size must be below 2^63");
        return -EINVAL;
    }
    if (has_size && (offset > (uint64_t)real_size ||
                     size > (uint64_t)real_size - offset)) {
        error_setg(errp, "The sum of offset (%" PRIu64 ") and size (%"
                   PRIu64 ") has to be smaller or equal to the actual size "
                   "of the containing file (%" PRId64 ")", offset, size,
                   real_size);
        return -EINVAL;
    }
    if (!has_size && offset > (uint64_t)real_size) {
        error_setg(errp, "Offset (%" PRIu64 ") cannot be greater than size "
                   "of the containing file (%" PRId64 ")", offset, real_size);
        return -EINVAL;
    }
    s->offset = offset;
    s->size = size;
    s->has_size = has_size;
    return 0;
}

static void raw_refresh_limits(BlockDriverState *bs, Error **errp)
{
    /*
     * Byte granularity: the child pads and read-modify-writes what it
     * needs. Padding here instead could write outside an unaligned
     * offset/size window.
     */
    bs->bl.request_alignment = 1;
    bs->bl.min_mem_alignment = 1;
    bs->bl.opt_mem_alignment = bs->file->bs->bl.opt_mem_alignment;
}

static int coroutine_fn raw_co_preadv(BlockDriverState *bs, int64_t offset,
                                      int64_t bytes, QEMUIOVector *qiov,
                                      BdrvRequestFlags flags)
{
    BDRVRawState *s = bs->opaque;

    return bdrv_co_preadv(bs->file, offset + s->offset, bytes, qiov, flags);
}

static int coroutine_fn raw_co_pwritev(BlockDriverState *bs, int64_t offset,
                                       int64_t bytes, QEMUIOVector *qiov,
                                       BdrvRequestFlags flags)
{
    BDRVRawState *s = bs->opaque;

    if (s->has_size && (offset > (int64_t)s->size ||
                        bytes > (int64_t)s->size - offset)) {
        /* A fixed window never grows into the rest of the file. */
        return -ENOSPC;
    }
    return bdrv_co_pwritev(bs->file, offset + s->offset, bytes, qiov, flags);
}

static int coroutine_fn raw_co_pwrite_zeroes(BlockDriverState *bs,
                                             int64_t offset, int64_t bytes,
                                             BdrvRequestFlags flags)
{
    BDRVRawState *s = bs->opaque;

    if (s->has_size && (offset > (int64_t)s->size ||
                        bytes > (int64_t)s->size - offset)) {
        return -ENOSPC;
    }
    return bdrv_co_pwrite_zeroes(bs->file, offset + s->offset, bytes, flags);
}

static int coroutine_fn raw_co_pdiscard(BlockDriverState *bs, int64_t offset,
                                        int64_t bytes)
{
    BDRVRawState *s = bs->opaque;

    return bdrv_co_pdiscard(bs->file, offset + s->offset, bytes);
}

static int coroutine_fn raw_co_block_status(BlockDriverState *bs,
                                            int64_t offset, int64_t bytes,
                                            int64_t *pnum)
{
    BDRVRawState *s = bs->opaque;
    int ret;

    ret = bdrv_co_block_status(bs->file->bs, offset + s->offset, bytes,
                               pnum);
    if (ret >= 0 && *pnum == 0) {
        /* Past the child's end (cannot happen with a checked window):
         * reads return zeroes there. */
        *pnum = bytes;
        ret = BDRV_BLOCK_ZERO;
    }
    return ret;
}

static int coroutine_fn raw_co_truncate(BlockDriverState *bs, int64_t offset,
                                        bool exact, PreallocMode prealloc,
                                        Error **errp)
{
    BDRVRawState *s = bs->opaque;

    if (s->has_size) {
        error_setg(errp, "Cannot resize fixed-size raw disks");
        return -ENOTSUP;
    }
    if (offset > INT64_MAX - (int64_t)s->offset) {
        error_setg(errp, "Disk size too large for the chosen offset");
        return -EINVAL;
    }
    return bdrv_co_truncate(bs->file, offset + s->offset, exact, prealloc,
                            errp);
}

static int64_t raw_getlength(BlockDriverState *bs)
{
    BDRVRawState *s = bs->opaque;
    int64_t len;

    if (s->has_size) {
        return s->size;
    }
    len = bdrv_getlength(bs->file->bs);
    if (len < 0) {
        return len;
    }
    return MAX(len - (int64_t)s->offset, 0);
}

const BlockDriver bdrv_raw = {
    .format_name            = "raw",
    .instance_size          = sizeof(BDRVRawState),
    .is_format              = true,
    .bdrv_open              = raw_open,
    .bdrv_refresh_limits    = raw_refresh_limits,
    .bdrv_co_preadv         = raw_co_preadv,
    .bdrv_co_pwritev        = raw_co_pwritev,
    .bdrv_co_pwrite_zeroes  = raw_co_pwrite_zeroes,
    .bdrv_co_pdiscard       = raw_co_pdiscard,
    .bdrv_co_block_status   = raw_co_block_status,
    .bdrv_co_truncate       = raw_co_truncate,
    .bdrv_getlength         = raw_getlength,
};
