/*
 * BlockBackend: the handle through which users (exports, tests, the CLI)
 * reach a node. It holds permissions on the node, counts requests in
 * flight, and checks request ranges against the length.
 */
#ifndef SYSTEM_BLOCK_BACKEND_H
#define SYSTEM_BLOCK_BACKEND_H

#include "block/block.h"

typedef struct BlockBackend BlockBackend;

/* A backend in @ctx with no node yet. perm/shared_perm: BLK_PERM_* bits. */
BlockBackend *blk_new(AioContext *ctx, uint64_t perm, uint64_t shared_perm);
/*
 * Attach @bs (a reference is taken). Fails with a permission error such as
 * "Block node is read-only" when @bs cannot grant perm.
 */
bool blk_insert_bs(BlockBackend *blk, BlockDriverState *bs, Error **errp);
/* Detach the node (after draining) and free. Main thread. */
void blk_unref(BlockBackend *blk);

BlockDriverState *blk_bs(BlockBackend *blk);
AioContext *blk_get_aio_context(BlockBackend *blk);
bool blk_set_perm(BlockBackend *blk, uint64_t perm, uint64_t shared_perm,
                  Error **errp);
void blk_get_perm(BlockBackend *blk, uint64_t *perm, uint64_t *shared_perm);
bool blk_is_writable(BlockBackend *blk);

/*
 * Allow the backend to be used from several AioContexts at once (multi-
 * queue exports): requests may then be issued from any IOThread; the
 * driver completes them in the submitting context.
 */
void blk_set_multiqueue(BlockBackend *blk, bool enable);

/*
 * Requests of @blk do not wait while its node is drained: for the user
 * that drained the node to do its own I/O (block_resize). Main thread.
 */
void blk_set_disable_request_queuing(BlockBackend *blk, bool disable);

/* Length in bytes or -errno (no I/O; cached length of the node). */
int64_t blk_getlength(BlockBackend *blk);

/*
 * I/O. Ranges past the end give -EIO; writes without BLK_PERM_WRITE give
 * -EPERM (a bug in the caller); -errno from the driver is passed through.
 * Return 0 on success. May yield.
 */
int coroutine_fn blk_co_preadv(BlockBackend *blk, int64_t offset,
                               int64_t bytes, QEMUIOVector *qiov,
                               BdrvRequestFlags flags);
int coroutine_fn blk_co_pwritev(BlockBackend *blk, int64_t offset,
                                int64_t bytes, QEMUIOVector *qiov,
                                BdrvRequestFlags flags);
int coroutine_fn blk_co_pread(BlockBackend *blk, int64_t offset,
                              int64_t bytes, void *buf,
                              BdrvRequestFlags flags);
int coroutine_fn blk_co_pwrite(BlockBackend *blk, int64_t offset,
                               int64_t bytes, const void *buf,
                               BdrvRequestFlags flags);
int coroutine_fn blk_co_pwrite_zeroes(BlockBackend *blk, int64_t offset,
                                      int64_t bytes, BdrvRequestFlags flags);
int coroutine_fn blk_co_pdiscard(BlockBackend *blk, int64_t offset,
                                 int64_t bytes);
int coroutine_fn blk_co_flush(BlockBackend *blk);
int coroutine_fn blk_co_truncate(BlockBackend *blk, int64_t offset,
                                 bool exact, PreallocMode prealloc,
                                 Error **errp);
int coroutine_fn blk_co_block_status(BlockBackend *blk, int64_t offset,
                                     int64_t bytes, int64_t *pnum);

/*
 * Synchronous wrappers: run the coroutine version in a new coroutine and
 * poll the main loop until it finishes. Main thread, outside coroutines.
 */
int blk_pread(BlockBackend *blk, int64_t offset, int64_t bytes, void *buf,
              BdrvRequestFlags flags);
int blk_pwrite(BlockBackend *blk, int64_t offset, int64_t bytes,
               const void *buf, BdrvRequestFlags flags);
int blk_flush(BlockBackend *blk);
int blk_truncate(BlockBackend *blk, int64_t offset, bool exact,
                 PreallocMode prealloc, Error **errp);
int blk_block_status(BlockBackend *blk, int64_t offset, int64_t bytes,
                     int64_t *pnum);

/* Wait until no request of this backend is in flight. Main thread. */
void blk_drain(BlockBackend *blk);
/* Requests in flight on this backend (any thread may read it). */
unsigned blk_in_flight(BlockBackend *blk);

/* Move the backend (and its node) to @ctx. Main thread. */
bool blk_set_aio_context(BlockBackend *blk, AioContext *ctx, Error **errp);

#endif /* SYSTEM_BLOCK_BACKEND_H */
