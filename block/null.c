/*
 * The null drivers: a node of a given size that ignores writes. Reads
 * leave the buffer alone unless read-zeroes=on (as in QEMU). "null-co"
 * completes requests at once; "null-aio" completes them at the next
 * iteration of the submitting context's event loop, like an asynchronous
 * backend would.
 *
 * Options: "size" (default 1 GiB), "latency-ns" (default 0),
 * "read-zeroes" (default false).
 */
#include "qemu/osdep.h"
#include "block/block_int.h"

#define NULL_DEFAULT_SIZE (1ULL << 30)

typedef struct BDRVNullState {
    int64_t length;
    int64_t latency_ns;
    bool read_zeroes;
    bool aio;                   /* null-aio: complete via the event loop */
} BDRVNullState;

static int null_open(BlockDriverState *bs, JsonObject *options, int flags,
                     Error **errp)
{
    BDRVNullState *s = bs->opaque;
    uint64_t size = NULL_DEFAULT_SIZE;
    uint64_t latency = 0;
    bool read_zeroes = false;

    if (!qdict_take_size(options, "size", &size, NULL, errp) ||
        !qdict_take_uint(options, "latency-ns", &latency, NULL, errp) ||
        !qdict_take_bool(options, "read-zeroes", &read_zeroes, NULL, errp)) {
        return -EINVAL;
    }
    if (size > INT64_MAX) {
        error_setg(errp, "Parameter 'size' expects a size below 2^63");
        return -EINVAL;
    }
    if (latency > INT64_MAX) {
        error_setg(errp, "latency-ns is invalid");
        return -EINVAL;
    }
    s->length = size;
    s->latency_ns = latency;
    s->read_zeroes = read_zeroes;
    s->aio = bs->drv == &bdrv_null_aio;
    return 0;
}

/* Delay and completion common to all requests. May yield. */
static void coroutine_fn null_co_complete(BlockDriverState *bs)
{
    BDRVNullState *s = bs->opaque;

    if (s->latency_ns) {
        qemu_co_sleep_ns(s->latency_ns);
    } else if (s->aio) {
        /* Resume in a later poll of our context, like a BH completion. */
        aio_co_schedule(qemu_get_current_aio_context(),
                        qemu_coroutine_self());
        qemu_coroutine_yield();
    }
}

static int coroutine_fn null_co_preadv(BlockDriverState *bs, int64_t offset,
                                       int64_t bytes, QEMUIOVector *qiov,
                                       BdrvRequestFlags flags)
{
    BDRVNullState *s = bs->opaque;

    if (s->read_zeroes) {
        qemu_iovec_memset(qiov, 0, 0, bytes);
    }
    null_co_complete(bs);
    return 0;
}

static int coroutine_fn null_co_pwritev(BlockDriverState *bs, int64_t offset,
                                        int64_t bytes, QEMUIOVector *qiov,
                                        BdrvRequestFlags flags)
{
    null_co_complete(bs);
    return 0;
}

static int coroutine_fn null_co_pwrite_zeroes(BlockDriverState *bs,
                                              int64_t offset, int64_t bytes,
                                              BdrvRequestFlags flags)
{
    null_co_complete(bs);
    return 0;
}

static int coroutine_fn null_co_pdiscard(BlockDriverState *bs,
                                         int64_t offset, int64_t bytes)
{
    null_co_complete(bs);
    return 0;
}

static int coroutine_fn null_co_flush(BlockDriverState *bs)
{
    null_co_complete(bs);
    return 0;
}

static int coroutine_fn null_co_block_status(BlockDriverState *bs,
                                             int64_t offset, int64_t bytes,
                                             int64_t *pnum)
{
    BDRVNullState *s = bs->opaque;

    *pnum = bytes;
    return s->read_zeroes ? BDRV_BLOCK_ZERO : BDRV_BLOCK_DATA;
}

static int64_t null_getlength(BlockDriverState *bs)
{
    BDRVNullState *s = bs->opaque;

    return s->length;
}

static int64_t null_get_allocated_file_size(BlockDriverState *bs)
{
    return 0;
}

/*
 * The two drivers share every callback and differ only in their name;
 * null_open() tells them apart by bs->drv to choose how requests
 * complete.
 */
#define NULL_DRIVER_OPS \
    .instance_size              = sizeof(BDRVNullState), \
    .bdrv_open                  = null_open, \
    .bdrv_co_preadv             = null_co_preadv, \
    .bdrv_co_pwritev            = null_co_pwritev, \
    .bdrv_co_pwrite_zeroes      = null_co_pwrite_zeroes, \
    .bdrv_co_pdiscard           = null_co_pdiscard, \
    .bdrv_co_flush              = null_co_flush, \
    .bdrv_co_block_status       = null_co_block_status, \
    .bdrv_getlength             = null_getlength, \
    .bdrv_get_allocated_file_size = null_get_allocated_file_size

const BlockDriver bdrv_null_co = {
    .format_name                = "null-co",
    NULL_DRIVER_OPS,
};

const BlockDriver bdrv_null_aio = {
    .format_name                = "null-aio",
    NULL_DRIVER_OPS,
};
