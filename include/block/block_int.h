/*
 * Block driver interface. Only block/ includes this.
 */
#ifndef BLOCK_BLOCK_INT_H
#define BLOCK_BLOCK_INT_H

#include "block/block.h"
#include "qemu/coroutine.h"
#include "qemu/error.h"
#include "block/aio-wait.h"

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

    /*
     * Permission changes, as a transaction. bdrv_check_perm: could the
     * node's users together take @perm and share @shared (cumulative
     * BLK_PERM_* over all parents)? The driver may reserve what it needs
     * (the file driver takes its image locks here); 0 or -errno with errp
     * set, and on failure it has undone its own reservation. Then exactly
     * one of bdrv_set_perm (with the values finally in force, which may
     * also be called without a check when permissions only shrink) or
     * bdrv_abort_perm_update (back to the state before the check)
     * follows. Main thread.
     */
    int (*bdrv_check_perm)(BlockDriverState *bs, uint64_t perm,
                           uint64_t shared, Error **errp);
    void (*bdrv_set_perm)(BlockDriverState *bs, uint64_t perm,
                          uint64_t shared);
    void (*bdrv_abort_perm_update)(BlockDriverState *bs);

    /* Move per-context resources (e.g. an io_uring) to a new context. */
    void (*bdrv_detach_aio_context)(BlockDriverState *bs);
    void (*bdrv_attach_aio_context)(BlockDriverState *bs, AioContext *ctx);
};

/* Open flags. */
#define BDRV_O_RDWR       0x0002
#define BDRV_O_NOCACHE    0x0020  /* cache.direct=on: O_DIRECT */
#define BDRV_O_NO_FLUSH   0x0200  /* cache.no-flush=on */
#define BDRV_O_UNMAP      0x4000  /* discard=unmap: discards reach the driver */
#define BDRV_O_AUTO_RDONLY 0x20000 /* auto-read-only=on: fall back to read-only */

/* detect-zeroes */
typedef enum BdrvDetectZeroes {
    BDRV_DETECT_ZEROES_OFF,
    BDRV_DETECT_ZEROES_ON,
    BDRV_DETECT_ZEROES_UNMAP,
} BdrvDetectZeroes;

struct BdrvChild {
    BlockDriverState *bs;
    BlockDriverState *parent;   /* NULL for a BlockBackend's root */
    char *name;                 /* "file" */
    uint64_t perm;
    uint64_t shared_perm;
    void *opaque;               /* the BlockBackend when parent == NULL */
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

    /* Set at open; read by any thread. */
    bool force_share;
    BdrvDetectZeroes detect_zeroes;
    int64_t total_bytes;        /* cached length; qatomic, updated by
                                 * truncate and growing writes */

    /* Drain: requests parked while quiesce_counter > 0 (block-backend.c). */
    CoMutex drain_lock;
    CoQueue drain_queue;
    unsigned parked;            /* qatomic: requests in the slow path */
    /* Restarts of parked requests not finished yet, each holding a
     * reference (bdrv_drained_end()); main thread only. */
    unsigned drain_restarts;

    /* Serialising of read-modify-write against overlapping writes (io.c);
     * only used when bl.request_alignment > 1. */
    CoMutex reqs_lock;
    CoQueue reqs_queue;
    GSList *tracked_reqs;       /* protected by reqs_lock */
};

/* Register a driver in the table; see block/drivers.c. */
const BlockDriver *bdrv_find_driver(const char *name);

/* The drivers (block/blkdebug.c, file-posix.c, null.c, raw-format.c). */
extern const BlockDriver bdrv_blkdebug;
extern const BlockDriver bdrv_file;
extern const BlockDriver bdrv_null_co;
extern const BlockDriver bdrv_null_aio;
extern const BlockDriver bdrv_raw;

/*
 * Internal to block/: in-flight accounting and waiting for it.
 *
 * bdrv_inc_in_flight()/bdrv_dec_in_flight() count a request on @bs; any
 * thread. The decrement wakes a main-thread poller (bdrv_poll_while()).
 */
void bdrv_inc_in_flight(BlockDriverState *bs);
void bdrv_dec_in_flight(BlockDriverState *bs);
/* Wake the main loop if someone polls in BDRV_POLL_WHILE. Any thread. */
void bdrv_wakeup(void);
/*
 * Number of main-thread pollers in BDRV_POLL_WHILE (qatomic). Written by
 * the main thread only, read by any thread in bdrv_wakeup().
 */
extern unsigned bdrv_poll_waiters;
/* AIO_WAIT_WHILE that registers as a waiter, so that bdrv_wakeup() kicks. */
#define BDRV_POLL_WHILE(cond) do {                  \
        qatomic_inc(&bdrv_poll_waiters);            \
        smp_mb();                                   \
        AIO_WAIT_WHILE(cond);                       \
        qatomic_dec(&bdrv_poll_waiters);            \
    } while (0)

/*
 * Enter a request from outside the graph (a BlockBackend): count it in
 * flight on @bs, waiting first while @bs is drained. May yield.
 */
void coroutine_fn bdrv_co_enter_request(BlockDriverState *bs);

/*
 * Change the permissions a child (or BlockBackend root) takes on its node.
 * Checks the node's other users and propagates to the node's children.
 * Returns false with errp set on a conflict; nothing changes then.
 * Main thread.
 */
bool bdrv_child_try_set_perm(BdrvChild *c, uint64_t perm, uint64_t shared,
                             Error **errp);
/*
 * Attach @bs as the root of a BlockBackend (@opaque) with @perm/@shared;
 * takes a reference on @bs. NULL with errp set on a permission conflict.
 */
BdrvChild *bdrv_root_attach_child(BlockDriverState *bs, const char *name,
                                  uint64_t perm, uint64_t shared,
                                  void *opaque, Error **errp);
/* Detach and free @c, dropping its reference on the node. Main thread. */
void bdrv_root_unref_child(BdrvChild *c);

/* block-backend.c: the node of @c (a BlockBackend root) moves to @ctx. */
void blk_root_set_aio_context(BdrvChild *c, AioContext *ctx);

#endif /* BLOCK_BLOCK_INT_H */
