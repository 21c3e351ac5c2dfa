/*
 * FUSE export internals shared by the request code (fuse.c) and the
 * FUSE-over-io_uring transport (fuse-uring.c). Not a public interface.
 */
#ifndef BLOCK_EXPORT_FUSE_INT_H
#define BLOCK_EXPORT_FUSE_INT_H

#ifdef CONFIG_LINUX_IO_URING
#include <liburing.h>
#endif

#include "block/export.h"
#include "qemu/coroutine.h"
#include "fuse-abi.h"

/* max_read and max_write: the kernel's limit is 256 pages (1 MiB). */
#define FUSE_EXP_MAX_IO         (1024 * 1024)
#define FUSE_EXP_MAX_PAGES      (FUSE_EXP_MAX_IO / 4096)
#define FUSE_EXP_MAX_BACKGROUND 256
#define FUSE_EXP_CONGESTION     192

/*
 * A request buffer is FUSE_REQ_HEADROOM bytes of bookkeeping followed by
 * FUSE_EXP_MAX_IO bytes of data. The kernel's message is read so that a
 * WRITE's payload (after the 40-byte header and the 40-byte fuse_write_in)
 * starts exactly at the page-aligned data area; READ replies are read
 * into the same area.
 */
#define FUSE_REQ_HEADROOM       4096
#define FUSE_REQ_PREFIX         (sizeof(struct fuse_in_header) + \
                                 sizeof(struct fuse_write_in))
#define FUSE_REQ_READ_SIZE      (FUSE_REQ_PREFIX + FUSE_EXP_MAX_IO)
#define FUSE_REQ_BUF_SIZE       (FUSE_REQ_HEADROOM + FUSE_EXP_MAX_IO)

struct fuse_session;             /* libfuse, used only to mount */

typedef struct FuseExport FuseExport;
typedef struct FuseQueue FuseQueue;

typedef struct FuseRequest {
    struct FuseRequest *next_free;
    FuseQueue *q;
    size_t len;                     /* bytes read(2) delivered */
    /* The message, as the transport that delivered it lays it out. */
    const struct fuse_in_header *in;
    const void *arg;                /* the op's argument struct */
    size_t arg_len;                 /* bytes at @arg */
    size_t data_len;                /* WRITE payload bytes in the data area */
    /* A FUSE-over-io_uring entry: its buffers stay registered with the
     * kernel, it is never recycled, and is answered through the ring. */
    bool ring;
    bool registered;                /* the kernel took its REGISTER */
    /* Its reply answers an OPEN with success: if the reply is refused
     * (the opener is gone), no RELEASE follows and the open is undone. */
    bool opened;
    uint16_t qid;                   /* the kernel queue it serves */
    struct iovec ring_iov[2];       /* header buffer, payload buffer */
    /* Fixed-size reply payloads; the READ payload is the data area. */
    union {
        struct fuse_init_out init;
        struct fuse_attr_out attr;
        struct fuse_open_out open;
        struct fuse_write_out write;
        struct fuse_statfs_out statfs;
        struct fuse_lseek_out lseek;
    } out;
} FuseRequest;

/*
 * A ring entry's header buffer (struct fuse_abi_uring_req_header) sits in
 * the headroom between the FuseRequest and the read(2) prefix; its payload
 * buffer is the data area.
 */
#define FUSE_RING_HDR_OFFSET    (FUSE_REQ_HEADROOM - 1024)

G_STATIC_ASSERT(sizeof(FuseRequest) <= FUSE_RING_HDR_OFFSET);
G_STATIC_ASSERT(FUSE_RING_HDR_OFFSET + sizeof(struct fuse_abi_uring_req_header)
                <= FUSE_REQ_HEADROOM - FUSE_REQ_PREFIX);
G_STATIC_ASSERT(sizeof(struct fuse_abi_uring_req_header) == 288);
G_STATIC_ASSERT(sizeof(struct fuse_abi_uring_cmd_req) == 24);
G_STATIC_ASSERT(sizeof(struct fuse_in_header) == 40);
G_STATIC_ASSERT(sizeof(struct fuse_write_in) == 40);

struct FuseQueue {
    FuseExport *exp;
    AioContext *ctx;
    int fd;                         /* -1 until opened */
    /* Set by create (main thread, before the handler runs); afterwards
     * only touched in ctx's thread. */
    bool handler_set;
    /* Recycled buffers. Only touched in ctx's thread (the read handler
     * and the queue's request coroutines), and by delete when idle. */
    FuseRequest *free_list;
    unsigned n_free;
    /* Read by fuse_queue_poll(), not yet served; its read's result. */
    FuseRequest *polled;
    ssize_t polled_len;
#ifdef CONFIG_LINUX_IO_URING
    /*
     * FUSE-over-io_uring (io-uring=on): the ring and entries of the kernel
     * queues this queue serves. Set up by create; afterwards the ring is
     * only used in ctx's thread, and by delete when the queue is idle.
     */
    bool has_ring;
    bool ring_started;              /* CQE handler installed */
    bool submit_pending;            /* submit_bh scheduled (holds busy) */
    bool ring_warned;
    struct io_uring ring;
    int ring_efd;                   /* the ring signals new requests here */
    QEMUBH *submit_bh;
    void *ring_mem;                 /* the entries, one mapping */
    size_t ring_mem_size;
    FuseRequest **ents;
    unsigned n_ents;
#endif
};

struct FuseExport {
    BlockExport common;

    struct fuse_session *session;
    char *mountpoint;
    bool mounted;                   /* main thread */
    bool registered;                /* in fuse_mountpoints; main thread */
    bool growable;
    bool allow_other;
    bool io_uring;                  /* io-uring=on */

    FuseQueue *queues;
    size_t n_queues;

    /* Running queues + requests in flight + pending BHs (atomic). */
    int busy;
    /* OPENs minus RELEASEs: the kernel has the file open (atomic). */
    int open_count;
    /* request_shutdown() was called (atomic). */
    bool halted;
    /* The kernel ended the connection (ENODEV/ECONNABORTED): unmounted
     * from outside, or aborted, which leaves a stale mount (atomic). */
    bool lost;

    /* Serialises size changes (growing writes, truncate, fallocate). */
    CoMutex resize_lock;

    /* File attributes; changed by SETATTR from any queue (atomic). */
    uint32_t mode;                  /* permission bits only */
    uint32_t uid;
    uint32_t gid;
    /* Constant after create. */
    uint64_t start_sec;
    uint32_t start_nsec;
    uint32_t blksize;
};

/* Drop one busy unit; the last one hands the export back to the main loop. */
void fuse_exp_busy_dec(FuseExport *exp);

/* Coroutine entry: decode, run and answer request @opaque (a FuseRequest
 * whose in/arg/arg_len/data_len the transport has set), then release it. */
void coroutine_fn fuse_co_request(void *opaque);
/* RELEASE, or undo an OPEN whose successful reply was refused. */
int64_t fuse_op_release(FuseExport *exp);

/* The page-aligned data area: WRITE payload, READ reply. */
static inline void *fuse_request_data(FuseRequest *req)
{
    return (uint8_t *)req + FUSE_REQ_HEADROOM;
}

#ifdef CONFIG_LINUX_IO_URING
/* fuse-uring.c: FUSE-over-io_uring (io-uring=on). */

/* Create the rings and entries of @exp's queues. Main thread, at create. */
bool fuse_ring_setup(FuseExport *exp, Error **errp);
/* INIT was answered with @granted: register the entries, in each queue's
 * context. Warns and keeps /dev/fuse if the kernel did not grant it. */
void fuse_ring_start_all(FuseExport *exp, const struct fuse_init_out *granted);
/* Stop serving @q's ring. In q->ctx. */
void fuse_ring_stop(FuseQueue *q);
/* Free @q's ring and entries. Main thread, queue stopped and idle. */
void fuse_ring_free(FuseQueue *q);
/* Answer ring request @req (as fuse_send_reply does for /dev/fuse). */
void fuse_ring_reply(FuseRequest *req, uint64_t unique, int64_t ret,
                     const void *payload);
#endif

#endif /* BLOCK_EXPORT_FUSE_INT_H */
