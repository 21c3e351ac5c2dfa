/*
 * FUSE-over-io_uring transport of the FUSE export (io-uring=on).
 *
 * After INIT (which, like FORGET and INTERRUPT, always comes through
 * read(2)), every ring entry is REGISTERed with the kernel: a header
 * buffer and a payload buffer per entry, a queue id per entry. The
 * kernel fills an entry with a request and completes its command (CQE
 * res 0); the entry's request runs as a coroutine like any other, and its
 * reply goes into the same buffers, handed back with COMMIT_AND_FETCH,
 * which also waits for the entry's next request. The ring runs with
 * DEFER_TASKRUN: requests become CQEs only inside our own
 * io_uring_enter(GETEVENTS), and the kernel signals an eventfd when some
 * are waiting. The replies of one event-loop iteration are submitted
 * together by submit_bh.
 *
 * The kernel has a queue per possible CPU and sends a request to the
 * queue of the CPU its caller runs on; kernel queue k is served by export
 * queue k % n_queues, each export queue with its own ring.
 */
#include "qemu/osdep.h"

#include <liburing.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>

#include "qemu/error.h"
#include "fuse-int.h"
#include "trace/trace-block_export.h"

/* Entries per kernel queue: a request waits in the kernel while all of
 * its queue's entries are busy. */
#define FUSE_RING_DEPTH         16

static struct fuse_abi_uring_req_header *fuse_ring_hdr(FuseRequest *req)
{
    return (void *)((uint8_t *)req + FUSE_RING_HDR_OFFSET);
}

/* Number of possible CPUs: the kernel's FUSE queue count. */
static unsigned fuse_possible_cpus(void)
{
    g_autofree char *list = NULL;
    unsigned n = 0;

    if (g_file_get_contents("/sys/devices/system/cpu/possible", &list, NULL,
                            NULL)) {
        /* "0-3,5,7-8" */
        for (char *p = list; *p && *p != '\n';) {
            char *end;
            unsigned long a = strtoul(p, &end, 10), b = a;

            if (end == p) {
                return MAX(1, get_nprocs_conf());
            }
            if (*end == '-') {
                p = end + 1;
                b = strtoul(p, &end, 10);
            }
            n += b >= a ? b - a + 1 : 0;
            p = *end == ',' ? end + 1 : end;
        }
    }
    return n ? n : (unsigned)MAX(1, get_nprocs_conf());
}

static void fuse_ring_submit_bh(void *opaque)
{
    FuseQueue *q = opaque;
    int ret;

    q->submit_pending = false;
    do {
        ret = io_uring_submit(&q->ring);
    } while (ret == -EINTR);
    if (ret == -EAGAIN || ret == -EBUSY ||
        (ret >= 0 && io_uring_sq_ready(&q->ring) > 0)) {
        /* Short of kernel resources: try the rest next iteration. */
        q->submit_pending = true;
        qemu_bh_schedule(q->submit_bh);
        return;
    }
    if (ret < 0) {
        error_report("FUSE export '%s': submitting to io_uring failed: %s",
                     q->exp->common.id, strerror(-ret));
    }
    fuse_exp_busy_dec(q->exp);
}

/* Queue a command for entry @req; submitted at the end of this iteration. */
static void fuse_ring_prep(FuseQueue *q, FuseRequest *req, uint32_t cmd_op,
                           uint64_t commit_id)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);
    struct fuse_abi_uring_cmd_req *cmd;

    /* The SQ has a slot per entry and an entry has one command at most. */
    assert(sqe);
    memset(sqe, 0, 2 * sizeof(*sqe));       /* SQE128 */
    sqe->opcode = IORING_OP_URING_CMD;
    sqe->fd = q->fd;
    sqe->cmd_op = cmd_op;
    if (cmd_op == FUSE_ABI_IO_URING_CMD_REGISTER) {
        sqe->addr = (uintptr_t)req->ring_iov;
        sqe->len = G_N_ELEMENTS(req->ring_iov);
    }
    cmd = (struct fuse_abi_uring_cmd_req *)sqe->cmd;
    cmd->commit_id = commit_id;
    cmd->qid = req->qid;
    io_uring_sqe_set_data(sqe, req);

    if (!q->submit_pending) {
        q->submit_pending = true;
        qatomic_inc(&q->exp->busy);
        qemu_bh_schedule(q->submit_bh);
    }
}

/* Answer the request in ring entry @req (see fuse_send_reply). */
void fuse_ring_reply(FuseRequest *req, uint64_t unique, int64_t ret,
                     const void *payload)
{
    struct fuse_abi_uring_req_header *hdr = fuse_ring_hdr(req);
    struct fuse_out_header *out = (struct fuse_out_header *)hdr->in_out;
    uint32_t n = ret > 0 ? ret : 0;

    if (n && payload != fuse_request_data(req)) {
        memcpy(fuse_request_data(req), payload, n);
    }
    out->len = sizeof(*out) + n;
    out->error = ret >= 0 ? 0 : ret > -512 ? (int32_t)ret : -EIO;
    out->unique = unique;
    hdr->ring_ent_in_out.payload_sz = n;
    trace_fuse_reply(unique, out->error, out->len);
    fuse_ring_prep(req->q, req, FUSE_ABI_IO_URING_CMD_COMMIT_AND_FETCH,
                   hdr->ring_ent_in_out.commit_id);
}

/* A command of entry @req completed with -errno @res. In q->ctx. */
static void fuse_ring_cmd_failed(FuseQueue *q, FuseRequest *req, int res)
{
    if (req->registered && res == -ENOENT) {
        /*
         * The kernel refused the reply: its request is gone (aborted, or
         * its caller killed). An OPEN answered this way gets no RELEASE.
         * The refused command fetched nothing: register the entry anew.
         */
        if (req->opened) {
            req->opened = false;
            fuse_op_release(q->exp);
        }
        req->registered = false;
        fuse_ring_prep(q, req, FUSE_ABI_IO_URING_CMD_REGISTER, 0);
        return;
    }
    if (!req->registered && (res == -EAGAIN || res == -EINTR)) {
        /* The kernel had not finished INIT yet: register again. */
        fuse_ring_prep(q, req, FUSE_ABI_IO_URING_CMD_REGISTER, 0);
        return;
    }
    if (res == -ENOTCONN || res == -ECONNABORTED || res == -ECANCELED) {
        return;     /* the connection ended; read(2) sees it too */
    }
    if (!q->ring_warned) {
        q->ring_warned = true;
        warn_report("FUSE export '%s': FUSE-over-io_uring %s failed: %s; "
                    "requests go through /dev/fuse", q->exp->common.id,
                    req->registered ? "commit" : "registration",
                    strerror(-res));
    }
}

/* Start a coroutine for every request delivered; returns how many
 * CQEs were seen. In q->ctx. */
static unsigned fuse_ring_reap(FuseQueue *q)
{
    struct io_uring_cqe *cqe;
    unsigned n = 0;

    while (q->ring_started && io_uring_peek_cqe(&q->ring, &cqe) == 0) {
        FuseRequest *req = io_uring_cqe_get_data(cqe);
        struct fuse_abi_uring_req_header *hdr = fuse_ring_hdr(req);
        int res = cqe->res;

        io_uring_cqe_seen(&q->ring, cqe);
        n++;
        if (res < 0) {
            fuse_ring_cmd_failed(q, req, res);
            continue;
        }
        req->registered = true;
        req->in = (const struct fuse_in_header *)hdr->in_out;
        req->arg = hdr->op_in;
        req->arg_len = sizeof(hdr->op_in);
        req->data_len = MIN(hdr->ring_ent_in_out.payload_sz,
                            (uint32_t)FUSE_EXP_MAX_IO);
        qatomic_inc(&q->exp->busy);
        qemu_coroutine_enter(qemu_coroutine_create(fuse_co_request, req));
    }
    return n;
}

/*
 * The eventfd handler: the kernel has requests for us. With DEFER_TASKRUN
 * they become CQEs only inside our own io_uring_enter(GETEVENTS). The
 * kernel signals the eventfd when its list of work for us turns
 * non-empty, so the eventfd is cleared first and the work fetched after:
 * work that arrives later signals again. Replies are submitted by
 * submit_bh at the end of this event-loop iteration. In q->ctx.
 */
static void fuse_ring_read(void *opaque)
{
    FuseQueue *q = opaque;
    uint64_t count;

    if (read(q->ring_efd, &count, sizeof(count)) < 0 && errno == EAGAIN &&
        !io_uring_cq_ready(&q->ring)) {
        return;
    }
    /* One call delivers at most 20 (IO_LOCAL_TW_DEFAULT_MAX): fetch until
     * a call brings nothing, or the rest would wait for the next signal. */
    do {
        io_uring_get_events(&q->ring);
    } while (fuse_ring_reap(q) > 0);
}

/* io_poll: requests are waiting, without a system call to find out. */
static bool fuse_ring_poll(void *opaque)
{
    FuseQueue *q = opaque;

    return (IO_URING_READ_ONCE(*q->ring.sq.kflags) & IORING_SQ_TASKRUN) ||
           io_uring_cq_ready(&q->ring) > 0;
}

/* Register @q's entries and serve its CQEs. BH in q->ctx after INIT. */
static void fuse_ring_start_bh(void *opaque)
{
    FuseQueue *q = opaque;
    FuseExport *exp = q->exp;

    if (!qatomic_read(&exp->halted) && q->handler_set && !q->ring_started) {
        int last_qid = -1;

        /* liburing 2.3 declares io_uring_enable_rings() but lacks it. */
        int ret = syscall(__NR_io_uring_register, q->ring.ring_fd,
                          IORING_REGISTER_ENABLE_RINGS, NULL, 0) < 0
                  ? -errno : 0;

        if (ret >= 0) {
            ret = io_uring_register_eventfd(&q->ring, q->ring_efd);
        }
        if (ret < 0) {
            warn_report("FUSE export '%s': cannot start FUSE-over-io_uring: "
                        "%s; requests go through /dev/fuse", exp->common.id,
                        strerror(-ret));
            fuse_exp_busy_dec(exp);
            return;
        }
        q->ring_started = true;
        aio_set_fd_handler(q->ctx, q->ring_efd, fuse_ring_read, NULL, q);
        aio_set_fd_poll(q->ctx, q->ring_efd, fuse_ring_poll);
        /* Requests come through the ring now: polling it costs no system
         * call, polling /dev/fuse one per look. */
        aio_set_fd_poll(q->ctx, q->fd, NULL);
        for (unsigned i = 0; i < q->n_ents; i++) {
            FuseRequest *req = q->ents[i];

            fuse_ring_prep(q, req, FUSE_ABI_IO_URING_CMD_REGISTER, 0);
            if (req->qid != last_qid) {
                last_qid = req->qid;
                trace_fuse_uring_registered(exp->common.id, req->qid,
                                            FUSE_RING_DEPTH);
            }
        }
    }
    fuse_exp_busy_dec(exp);
}

/* INIT was answered with @granted: switch the queues to their rings. */
void fuse_ring_start_all(FuseExport *exp, const struct fuse_init_out *granted)
{
    if (!(granted->flags2 & (uint32_t)(FUSE_ABI_OVER_IO_URING >> 32))) {
        warn_report("FUSE export '%s': the kernel did not offer "
                    "FUSE-over-io_uring; requests go through /dev/fuse",
                    exp->common.id);
        return;
    }
    for (size_t i = 0; i < exp->n_queues; i++) {
        FuseQueue *q = &exp->queues[i];

        if (q->has_ring) {
            qatomic_inc(&exp->busy);
            aio_bh_schedule_oneshot(q->ctx, fuse_ring_start_bh, q);
        }
    }
}

/* Stop serving @q's CQEs. In q->ctx. */
void fuse_ring_stop(FuseQueue *q)
{
    if (q->ring_started) {
        aio_set_fd_handler(q->ctx, q->ring_efd, NULL, NULL, NULL);
        q->ring_started = false;
    }
}

/* Set up the rings and entries (main thread, before serving). */
bool fuse_ring_setup(FuseExport *exp, Error **errp)
{
    unsigned n_kq = fuse_possible_cpus();

    for (size_t i = 0; i < exp->n_queues && i < n_kq; i++) {
        FuseQueue *q = &exp->queues[i];
        unsigned n_mine = (n_kq - i + exp->n_queues - 1) / exp->n_queues;
        struct io_uring_params p = {
            .flags = IORING_SETUP_SQE128 | IORING_SETUP_SINGLE_ISSUER |
                     IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG |
                     IORING_SETUP_R_DISABLED,
        };
        int ret;

        q->n_ents = n_mine * FUSE_RING_DEPTH;
        q->ring_mem_size = (size_t)q->n_ents * FUSE_REQ_BUF_SIZE;
        /*
         * Backed by huge pages where the host allows it (THP "madvise" on
         * Debian): the kernel pins the payload buffer for every reply,
         * and one folio per 2 MiB instead of 512 pages made 1 MiB reads
         * 16% faster (4299 vs 3690 MiB/s, 5 interleaved pairs). Then
         * written once: a READ reply from a page never written (null
         * driver) would come from the zero page, which the kernel's fast
         * copy path refuses.
         */
        q->ring_mem = mmap(NULL, q->ring_mem_size, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (q->ring_mem == MAP_FAILED) {
            q->ring_mem = NULL;
            error_setg_errno(errp, errno, "Failed to allocate the "
                             "FUSE-over-io_uring buffers");
            return false;
        }
        madvise(q->ring_mem, q->ring_mem_size, MADV_HUGEPAGE);   /* a hint */
        memset(q->ring_mem, 0, q->ring_mem_size);
        ret = io_uring_queue_init_params(q->n_ents, &q->ring, &p);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Failed to set up io_uring for "
                             "FUSE-over-io_uring");
            return false;
        }
        q->has_ring = true;
        q->ring_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (q->ring_efd < 0) {
            error_setg_errno(errp, errno, "Failed to create an eventfd");
            return false;
        }
        q->submit_bh = aio_bh_new(q->ctx, fuse_ring_submit_bh, q);
        q->ents = g_new(FuseRequest *, q->n_ents);
        for (unsigned j = 0; j < q->n_ents; j++) {
            FuseRequest *req = (FuseRequest *)
                ((uint8_t *)q->ring_mem + (size_t)j * FUSE_REQ_BUF_SIZE);

            req->q = q;
            req->ring = true;
            req->qid = i + (j / FUSE_RING_DEPTH) * exp->n_queues;
            req->ring_iov[0].iov_base = fuse_ring_hdr(req);
            req->ring_iov[0].iov_len = sizeof(struct fuse_abi_uring_req_header);
            req->ring_iov[1].iov_base = fuse_request_data(req);
            req->ring_iov[1].iov_len = FUSE_EXP_MAX_IO;
            q->ents[j] = req;
        }
    }
    return true;
}

/*
 * Free @q's ring and entries (main thread; the queue is stopped and no
 * request is in flight). With DEFER_TASKRUN the kernel copies a request
 * into an entry only inside io_uring_enter(GETEVENTS) of the ring's own
 * thread, which no longer calls it; once the ring is closed, deliveries
 * still queued are cancelled without touching the buffers. So the
 * buffers can go even if the connection lives on (a hard delete while
 * the file is open): its later requests fail.
 */
void fuse_ring_free(FuseQueue *q)
{
    if (q->has_ring) {
        io_uring_queue_exit(&q->ring);
        qemu_bh_delete(q->submit_bh);
        if (q->ring_efd >= 0) {
            close(q->ring_efd);
        }
        q->has_ring = false;
    }
    if (q->ring_mem) {
        munmap(q->ring_mem, q->ring_mem_size);
        q->ring_mem = NULL;
    }
    g_free(q->ents);
    q->ents = NULL;
}
