/*
 * The block layer: a graph of BlockDriverState nodes.
 *
 * Nodes are created from option dictionaries (QEMU's blockdev-add /
 * --blockdev), named by "node-name", and refcounted. Users of a node go
 * through a BlockBackend (include/system/block-backend.h); only block
 * drivers use BdrvChild directly.
 *
 * Threading: graph changes (open, close, attach, detach, permission
 * changes) happen in the main thread. I/O (bdrv_co_*) runs in the node's
 * AioContext.
 */
#ifndef BLOCK_BLOCK_H
#define BLOCK_BLOCK_H

#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/iov.h"
#include "qemu/qdict.h"

typedef struct BlockDriverState BlockDriverState;
typedef struct BdrvChild BdrvChild;
typedef struct BlockDriver BlockDriver;

/* Permissions a user of a node needs (perm) or tolerates from others (shared). */
enum {
    BLK_PERM_CONSISTENT_READ = 0x01,
    BLK_PERM_WRITE           = 0x02,
    BLK_PERM_WRITE_UNCHANGED = 0x04,
    BLK_PERM_RESIZE          = 0x08,
    BLK_PERM_ALL             = 0x0f,
};

typedef enum BdrvRequestFlags {
    BDRV_REQ_FUA          = 0x1,  /* write through to stable storage */
    BDRV_REQ_MAY_UNMAP    = 0x2,  /* write-zeroes may deallocate */
    BDRV_REQ_NO_FALLBACK  = 0x4,  /* write-zeroes must be efficient or fail */
} BdrvRequestFlags;

/* Result bits of bdrv_co_block_status(). */
#define BDRV_BLOCK_DATA   0x01
#define BDRV_BLOCK_ZERO   0x02
#define BDRV_BLOCK_ALLOCATED 0x04

typedef enum PreallocMode {
    PREALLOC_MODE_OFF,
    PREALLOC_MODE_FALLOC,
    PREALLOC_MODE_FULL,
} PreallocMode;

/*
 * Create a node from @options (consumed: the caller's reference is taken
 * over). Common members: "driver" (required), "node-name", "read-only",
 * "cache": {"direct", "no-flush"}, "discard", "detect-zeroes"; the rest is
 * the driver's. A node-name is generated when absent. The node is added
 * to the named-node list with one reference owned by the monitor (dropped
 * by bdrv_delete_named / blockdev-del). Main thread only.
 *
 * Errors: "Parameter 'driver' is missing", "Invalid parameter 'x'",
 * "Duplicate nodes with node-name='%s'", driver errors.
 */
BlockDriverState *bdrv_open_blockdev(JsonObject *options, Error **errp);

/*
 * Open a child node for @parent from @parent's options: member @child_name
 * is either a node name (string) or an options object opened as a new
 * (unnamed) node. Returns NULL and sets errp on error.
 */
BdrvChild *bdrv_open_child(BlockDriverState *parent, JsonObject *options,
                           const char *child_name, Error **errp);

void bdrv_ref(BlockDriverState *bs);
void bdrv_unref(BlockDriverState *bs);

/* Look up a named node; NULL if there is none. */
BlockDriverState *bdrv_find_node(const char *node_name);
/* Same, with the error "Cannot find device=%s nor node-name=%s". */
BlockDriverState *bdrv_lookup_bs(const char *device, const char *node_name,
                                 Error **errp);
/* Iterate over named nodes: pass NULL to get the first. */
BlockDriverState *bdrv_next_node(BlockDriverState *bs);

/*
 * blockdev-del: drop the monitor's reference of a named node. Refused
 * with "Failed to find node with node-name='%s'", "Node %s is in use"
 * (a BlockBackend, e.g. an export, uses it), "Node '%s' is busy: node is
 * used as 'file' by node 'raw0'" (another node uses it), "Node %s is not
 * owned by the monitor" or "Block device %s is in use" (other references).
 */
bool bdrv_delete_named(const char *node_name, Error **errp);
/* Drop every monitor reference (at exit; nodes close when unused). */
void bdrv_close_all(void);

const char *bdrv_get_node_name(const BlockDriverState *bs);
const char *bdrv_get_format_name(const BlockDriverState *bs);
bool bdrv_is_read_only(const BlockDriverState *bs);
AioContext *bdrv_get_aio_context(BlockDriverState *bs);
/* Alignment of requests the node accepts, in bytes (power of two). */
uint32_t bdrv_get_request_alignment(BlockDriverState *bs);

/* Length in bytes, or -errno. */
int64_t bdrv_getlength(BlockDriverState *bs);
/* Allocated bytes on the host, or -errno (-ENOTSUP when unknown). */
int64_t bdrv_get_allocated_file_size(BlockDriverState *bs);

/*
 * Request path for a child. Offsets and lengths are bytes; any alignment
 * (read-modify-write is done as needed). Return 0 or -errno. May yield.
 */
int coroutine_fn bdrv_co_preadv(BdrvChild *child, int64_t offset,
                                int64_t bytes, QEMUIOVector *qiov,
                                BdrvRequestFlags flags);
int coroutine_fn bdrv_co_pwritev(BdrvChild *child, int64_t offset,
                                 int64_t bytes, QEMUIOVector *qiov,
                                 BdrvRequestFlags flags);
int coroutine_fn bdrv_co_pwrite_zeroes(BdrvChild *child, int64_t offset,
                                       int64_t bytes, BdrvRequestFlags flags);
int coroutine_fn bdrv_co_pdiscard(BdrvChild *child, int64_t offset,
                                  int64_t bytes);
int coroutine_fn bdrv_co_flush(BlockDriverState *bs);
int coroutine_fn bdrv_co_truncate(BdrvChild *child, int64_t offset,
                                  bool exact, PreallocMode prealloc,
                                  Error **errp);
/*
 * Status of [offset, offset + bytes): returns BDRV_BLOCK_* bits for the
 * first *pnum bytes (*pnum > 0 unless offset is at EOF) or -errno.
 */
int coroutine_fn bdrv_co_block_status(BlockDriverState *bs, int64_t offset,
                                      int64_t bytes, int64_t *pnum);

/*
 * Drain: wait until no request is in flight on @bs (and its children);
 * between begin and end no new request starts (they wait). Main thread.
 */
void bdrv_drained_begin(BlockDriverState *bs);
void bdrv_drained_end(BlockDriverState *bs);
void bdrv_drain(BlockDriverState *bs);

/* Move @bs (and its children) to @ctx. Drains first. Main thread. */
int bdrv_try_change_aio_context(BlockDriverState *bs, AioContext *ctx,
                                Error **errp);

/* Names of the registered drivers, for --blockdev help. NULL-terminated, static. */
const char *const *bdrv_driver_names(void);

#endif /* BLOCK_BLOCK_H */
