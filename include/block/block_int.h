/*
 * Block driver interface. Only block/ includes this.
 */
#ifndef BLOCK_BLOCK_INT_H
#define BLOCK_BLOCK_INT_H

#include "block/block.h"
#include "qemu/coroutine.h"
#include "qemu/error.h"

typedef struct BlockLimits {
    /* Requests must be aligned to this (power of two, >= 1); the generic
     * layer does read-modify-write and padding for unaligned callers. */
    uint32_t request_alignment;
    /* Largest request the driver accepts in one call (0 = no limit);
     * larger requests are split by the generic layer. */
    uint64_t max_transfer;
    /* Alignment of buffers for O_DIRECT (memory), >= 1. */
    size_t min_mem_alignment;
    size_t opt_mem_alignment;
    uint64_t max_pwrite_zeroes;
    uint32_t pdiscard_alignment;
} BlockLimits;

struct BlockDriver {
    const char *format_name;
    size_t instance_size;        /* of bs->opaque, zeroed before open */
    bool is_format;              /* reads its data through bs->file */

    /*
     * Parse and consume the driver's options from @options (generic ones
     * are already removed; leftovers are rejected by the caller). @flags:
     * BDRV_O_* below. Returns 0 or -errno with errp set.
     */
    int (*bdrv_open)(BlockDriverState *bs, JsonObject *options, int flags,
                     Error **errp);
    void (*bdrv_close)(BlockDriverState *bs);
    /* Fill bs->bl. Called after open. */
    void (*bdrv_refresh_limits)(BlockDriverState *bs, Error **errp);

    /* Requests are aligned to bl.request_alignment and no longer than
     * bl.max_transfer; [offset, offset + bytes) lies inside the node
     * (except for growing writes by a format driver). Return 0 or -errno. */
    int coroutine_fn (*bdrv_co_preadv)(BlockDriverState *bs, int64_t offset,
                                       int64_t bytes, QEMUIOVector *qiov,
                                       BdrvRequestFlags flags);
    int coroutine_fn (*bdrv_co_pwritev)(BlockDriverState *bs, int64_t offset,
                                        int64_t bytes, QEMUIOVector *qiov,
                                        BdrvRequestFlags flags);
    int coroutine_fn (*bdrv_co_pwrite_zeroes)(BlockDriverState *bs,
                                              int64_t offset, int64_t bytes,
                                              BdrvRequestFlags flags);
    int coroutine_fn (*bdrv_co_pdiscard)(BlockDriverState *bs,
                                         int64_t offset, int64_t bytes);
    int coroutine_fn (*bdrv_co_flush)(BlockDriverState *bs);
    int coroutine_fn (*bdrv_co_truncate)(BlockDriverState *bs,
                                         int64_t offset, bool exact,
                                         PreallocMode prealloc,
                                         Error **errp);
    /* BDRV_BLOCK_* for [offset, offset + *pnum), *pnum <= bytes. */
    int coroutine_fn (*bdrv_co_block_status)(BlockDriverState *bs,
                                             int64_t offset, int64_t bytes,
                                             int64_t *pnum);
    int64_t (*bdrv_getlength)(BlockDriverState *bs);
    int64_t (*bdrv_get_allocated_file_size)(BlockDriverState *bs);

    /* Move per-context resources (e.g. an io_uring) to a new context. */
    void (*bdrv_detach_aio_context)(BlockDriverState *bs);
    void (*bdrv_attach_aio_context)(BlockDriverState *bs, AioContext *ctx);
};

/* Open flags. */
#define BDRV_O_RDWR       0x0002
#define BDRV_O_NOCACHE    0x0020  /* cache.direct=on: O_DIRECT */
#define BDRV_O_NO_FLUSH   0x0200  /* cache.no-flush=on */

struct BdrvChild {
    BlockDriverState *bs;
    BlockDriverState *parent;   /* NULL for a BlockBackend's root */
    char *name;                 /* "file" */
    uint64_t perm;
    uint64_t shared_perm;
};

struct BlockDriverState {
    const BlockDriver *drv;
    void *opaque;               /* drv->instance_size bytes */
    char node_name[32];
    bool monitor_owned;         /* holds the named-node list's reference */
    bool read_only;
    int open_flags;             /* BDRV_O_* */
    BlockLimits bl;
    BdrvChild *file;            /* the data child of format drivers */
    int refcnt;                 /* main thread only */
    AioContext *aio_context;
    unsigned in_flight;         /* qatomic */
    int quiesce_counter;        /* > 0: drained; new requests wait */
    GSList *parents;            /* BdrvChild * pointing at us */
    GSList *children;           /* BdrvChild * we own */
};

/* Register a driver in the table; see block/drivers.c. */
const BlockDriver *bdrv_find_driver(const char *name);

#endif /* BLOCK_BLOCK_INT_H */
