/*
 * Block exports: make a node available to the outside (FUSE; later NBD).
 *
 * The generic layer (block/export/export.c) parses the common options,
 * creates the BlockBackend, keeps the id registry, counts references and
 * emits BLOCK_EXPORT_DELETED. Drivers implement the protocol.
 *
 * Lifecycle: blk_exp_add() returns an export with one reference owned by
 * the user (QMP / CLI). blk_exp_request_shutdown() asks the driver to stop
 * taking requests; the driver drops its own references when its last
 * request finished. When the refcount reaches 0 the export is deleted (in
 * a main-loop BH): drv->delete(), the BlockBackend is unref'd, the event is
 * sent and the id becomes free.
 */
#ifndef BLOCK_EXPORT_H
#define BLOCK_EXPORT_H

#include "qemu/osdep.h"
#include "qemu/qdict.h"
#include "system/block-backend.h"

typedef struct BlockExport BlockExport;
typedef struct IOThread IOThread;

typedef struct BlockExportDriver {
    const char *type;            /* "fuse" */
    size_t instance_size;        /* embeds BlockExport first */
    /*
     * Start serving. @opts holds the type's own members (common ones are
     * consumed); take what is used, leftovers are rejected by the caller.
     * exp->blk, exp->ctx, exp->id, exp->writable are set. @iothreads lists
     * the AioContexts requested with "iothread" (a list for multi-queue;
     * empty means the main loop) -- at least exp->ctx. Returns 0 or -errno
     * with errp set; on failure drv->delete() is still called.
     */
    int (*create)(BlockExport *exp, JsonObject *opts,
                  AioContext *const *ctxs, size_t n_ctxs, Error **errp);
    /* Stop accepting requests; drop the driver's references once in-flight
     * ones are done. Main thread. */
    void (*request_shutdown)(BlockExport *exp);
    /* Free driver resources; no request is in flight. Main thread. Must
     * cope with a partially created export. */
    void (*delete)(BlockExport *exp);
    /* True while clients hold the export open (block-export-del mode=safe
     * refuses then). NULL: never in use. */
    bool (*in_use)(BlockExport *exp);
} BlockExportDriver;

struct BlockExport {
    const BlockExportDriver *drv;
    char *id;
    char *node_name;
    bool writable;
    bool writethrough;          /* drivers send writes with BDRV_REQ_FUA */
    bool user_owned;            /* the user's reference is still held */
    bool shutting_down;
    int refcount;               /* main thread only */
    AioContext *ctx;            /* the first (or only) context */
    BlockBackend *blk;
};

/*
 * block-export-add / --export. @opts (consumed) holds "type", "id",
 * "node-name", "writable", "writethrough", "iothread" (str or list),
 * "fixed-iothread", and the type's members.
 * Errors: "Invalid block export id", "Block export id '%s' is already in
 * use", "Cannot export read-only node as writable", node lookup errors,
 * the driver's errors.
 */
BlockExport *blk_exp_add(JsonObject *opts, Error **errp);

void blk_exp_ref(BlockExport *exp);
void blk_exp_unref(BlockExport *exp);   /* main thread */
void blk_exp_request_shutdown(BlockExport *exp);

BlockExport *blk_exp_find(const char *id);
/* Iterate: NULL gives the first. */
BlockExport *blk_exp_next(BlockExport *exp);

/*
 * block-export-del. mode hard: force; safe: refuse with "export '%s' still
 * in use" (hint "Use mode='hard' to force client disconnect") while the
 * driver reports users. "Export '%s' is not found".
 */
bool blk_exp_del(const char *id, bool hard, Error **errp);

/* Shut every export down and wait until all are deleted. Main thread. */
void blk_exp_close_all(void);

#ifdef CONFIG_FUSE
/* The FUSE export driver (block/export/fuse.c). */
extern const BlockExportDriver blk_exp_fuse;
#endif

/* Called with the id of every deleted export (the monitor emits the
 * BLOCK_EXPORT_DELETED event from it). One listener; NULL to unset. */
void blk_exp_set_deleted_notifier(void (*fn)(const char *id));

#endif /* BLOCK_EXPORT_H */
