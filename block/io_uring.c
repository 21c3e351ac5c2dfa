/*
 * io_uring engine of the file driver: one ring per AioContext.
 *
 * A coroutine takes an SQE, fills it and yields. SQEs are not submitted
 * one by one: the first queued SQE schedules a bottom half that submits
 * everything queued at the end of the current event-loop iteration, so
 * the requests started by one burst of FUSE requests go to the kernel in
 * one io_uring_enter(); a full batch is submitted at once. The batch size
 * is the context's aio-max-batch (aio_context_get_aio_max_batch(); 0, as
 * in the main loop, means AIO_MAX_BATCH_DEFAULT); a batch larger than the
 * ring is in effect the ring size, as a full ring is always submitted. The kernel signals CQEs on an eventfd registered with the ring
 * and watched by the context; its handler wakes the coroutines.
 *
 * Everything here runs in the thread that polls the ring's context, so
 * the ring needs no lock; the ring is found through the context's local
 * data (aio_context_get_local()) and destroyed with the context.
 */
#include "qemu/osdep.h"
#include "qemu/error.h"
#include "qemu/coroutine.h"
#include "block/raw-aio.h"

#include <liburing.h>
#include <sys/eventfd.h>

/* Ring size; more requests than this wait for a free SQE. */
#define LURING_ENTRIES   128

struct LuringState {
    AioContext *ctx;
    struct io_uring ring;
    int efd;                    /* registered eventfd: CQEs are ready */
    QEMUBH *submit_bh;          /* submits queued SQEs */
    unsigned queued;            /* SQEs filled but not yet submitted */
    unsigned in_flight;         /* submitted, CQE not yet seen */
    CoQueue sqe_waiters;        /* coroutines waiting for a free SQE */
};

typedef struct LuringReq {
    Coroutine *co;
    int ret;
    bool done;
} LuringReq;

/* Key of our entry in the context's local data; only its address counts. */
static const char luring_key;

/* Hand queued SQEs to the kernel. Failures leave them queued: they are
 * retried when a completion frees resources, or from the BH. */
static void luring_submit(LuringState *s)
{
    int ret;

    if (!s->queued) {
        return;
    }
    do {
        ret = io_uring_submit(&s->ring);
    } while (ret == -EINTR);
    if (ret >= 0) {
        s->in_flight += ret;
        s->queued -= MIN((unsigned)ret, s->queued);
    }
    if (s->queued && !s->in_flight) {
        /* Nothing will complete to retry for us (-EAGAIN: short of
         * memory); try again in the next iteration. */
        qemu_bh_schedule(s->submit_bh);
    }
}

static void luring_submit_bh(void *opaque)
{
    luring_submit(opaque);
}

/* The eventfd handler: reap every CQE and wake its coroutine. */
static void luring_completion_cb(void *opaque)
{
    LuringState *s = opaque;
    struct io_uring_cqe *cqe;
    uint64_t cnt;
    bool reaped = false;

    /* Non-blocking: a spurious call gets EAGAIN, and the ring is the
     * truth anyway, so the result does not matter. */
    if (read(s->efd, &cnt, sizeof(cnt)) < 0) {
        cnt = 0;
    }
    while (io_uring_peek_cqe(&s->ring, &cqe) == 0) {
        LuringReq *req = io_uring_cqe_get_data(cqe);

        req->ret = cqe->res;
        req->done = true;
        /* Seen before the wake: the coroutine may reuse the ring. */
        io_uring_cqe_seen(&s->ring, cqe);
        s->in_flight--;
        reaped = true;
        aio_co_wake(req->co);
    }
    if (reaped) {
        luring_submit(s);
        qemu_co_queue_restart_all(&s->sqe_waiters);
    }
}

/* Destroy notifier of the context's local data: the context is going
 * away, so nothing can be in flight on it any more. */
static void luring_free(void *opaque)
{
    LuringState *s = opaque;

    aio_set_fd_handler(s->ctx, s->efd, NULL, NULL, NULL);
    qemu_bh_delete(s->submit_bh);
    io_uring_queue_exit(&s->ring);
    close(s->efd);
    g_free(s);
}

/* See raw-aio.h. */
LuringState *luring_get_current(Error **errp)
{
    AioContext *ctx = qemu_get_current_aio_context();
    LuringState *s = aio_context_get_local(ctx, &luring_key);
    int ret;

    if (s) {
        return s;
    }
    s = g_new0(LuringState, 1);
    s->ctx = ctx;
    ret = io_uring_queue_init(LURING_ENTRIES, &s->ring, 0);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "failed to init linux io_uring ring");
        g_free(s);
        return NULL;
    }
    s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->efd < 0) {
        error_setg_errno(errp, errno, "failed to create io_uring eventfd");
        io_uring_queue_exit(&s->ring);
        g_free(s);
        return NULL;
    }
    ret = io_uring_register_eventfd(&s->ring, s->efd);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "failed to register io_uring eventfd");
        close(s->efd);
        io_uring_queue_exit(&s->ring);
        g_free(s);
        return NULL;
    }
    s->submit_bh = aio_bh_new(ctx, luring_submit_bh, s);
    qemu_co_queue_init(&s->sqe_waiters);
    aio_set_fd_handler(ctx, s->efd, luring_completion_cb, NULL, s);
    aio_context_set_local(ctx, &luring_key, s, luring_free);
    return s;
}

/* A free SQE, waiting for one if the submission queue is full. May
 * yield. */
static struct io_uring_sqe *coroutine_fn luring_co_get_sqe(LuringState *s)
{
    struct io_uring_sqe *sqe;

    while (!(sqe = io_uring_get_sqe(&s->ring))) {
        /* Full: hand the queue to the kernel, which frees its slots. */
        luring_submit(s);
        sqe = io_uring_get_sqe(&s->ring);
        if (sqe) {
            break;
        }
        qemu_co_queue_wait(&s->sqe_waiters, NULL);
    }
    return sqe;
}

/* Queue a filled @sqe for @req and yield until its CQE. Returns the
 * CQE's result. */
static int coroutine_fn luring_co_wait(LuringState *s,
                                       struct io_uring_sqe *sqe,
                                       LuringReq *req)
{
    int64_t max_batch = aio_context_get_aio_max_batch(s->ctx);

    req->co = qemu_coroutine_self();
    io_uring_sqe_set_data(sqe, req);
    if (!max_batch) {
        max_batch = AIO_MAX_BATCH_DEFAULT;
    }
    if (++s->queued >= max_batch) {
        luring_submit(s);
    } else if (s->queued == 1) {
        /* The first of a batch; later ones find the BH scheduled (or a
         * failed submission being retried by luring_submit()). */
        qemu_bh_schedule(s->submit_bh);
    }
    while (!req->done) {
        qemu_coroutine_yield();
    }
    return req->ret;
}

/* See raw-aio.h. */
int coroutine_fn luring_co_rw(LuringState *s, int fd, bool is_write,
                              const struct iovec *iov, int niov,
                              int64_t offset)
{
    LuringReq req = { 0 };
    struct io_uring_sqe *sqe = luring_co_get_sqe(s);

    if (is_write) {
        io_uring_prep_writev(sqe, fd, iov, niov, offset);
    } else {
        io_uring_prep_readv(sqe, fd, iov, niov, offset);
    }
    return luring_co_wait(s, sqe, &req);
}

/* See raw-aio.h. */
int coroutine_fn luring_co_fdatasync(LuringState *s, int fd)
{
    LuringReq req = { 0 };
    struct io_uring_sqe *sqe = luring_co_get_sqe(s);

    io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
    return luring_co_wait(s, sqe, &req);
}

/* See raw-aio.h. */
int coroutine_fn luring_co_fallocate(LuringState *s, int fd, int mode,
                                     int64_t offset, int64_t len)
{
    LuringReq req = { 0 };
    struct io_uring_sqe *sqe = luring_co_get_sqe(s);

    io_uring_prep_fallocate(sqe, fd, mode, offset, len);
    return luring_co_wait(s, sqe, &req);
}
