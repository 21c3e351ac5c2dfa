/*
 * FUSE export: present a block node as one regular file.
 *
 * libfuse is used only to mount and unmount (fuse_session_mount handles
 * fusermount3, mount options and the regular-file "rootmode"). Requests
 * are read from /dev/fuse and answered here, one coroutine per request:
 *
 *   queue fd readable -> fuse_queue_read() reads a request into its own
 *   buffer -> fuse_co_request() decodes it once, dispatches to a typed
 *   fuse_co_<op>() handler, answers with one writev() -> buffer recycled.
 *
 * Queues: one per AioContext the export was given. Queue 0 reads the
 * mount's fd (a dup, so that unmounting cannot close it under a request
 * still to be answered); queue i > 0 a clone made with FUSE_DEV_IOC_CLONE.
 * A request is answered on the fd it came from and runs in its queue's
 * context from start to end; it reaches the node only through blk_co_*.
 *
 * Lifetime: exp->busy counts running queues, requests in flight and
 * pending main-loop BHs. request_shutdown() stops every queue (in the
 * queue's own context) and unmounts; when busy drops to 0 the driver's
 * reference on the export is released in the main loop.
 */
#define FUSE_USE_VERSION 31

#include "qemu/osdep.h"

#include <fuse_lowlevel.h>
#include <linux/falloc.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "qemu/error.h"
#include "fuse-int.h"
#include "trace/trace-block_export.h"

/* Requests read per wakeup before giving other handlers a turn. */
#define FUSE_READ_BATCH         64
/* Idle buffers a queue keeps for reuse. */
#define FUSE_FREE_MAX           64

/* Compile-time switch for per-request debug output (one branch when off). */
#define FUSE_DEBUG              0
#define fuse_debug(...) do {                                            \
        if (FUSE_DEBUG) {                                               \
            fprintf(stderr, "fuse: " __VA_ARGS__);                      \
        }                                                               \
    } while (0)

/*
 * Mountpoints (as given by the user) that carry one of our exports, so
 * that a second export on the same path is refused before stat() would
 * ask our own, possibly main-loop-served, export. Main thread only.
 */
static GHashTable *fuse_mountpoints;

static void fuse_exp_finish_bh(void *opaque);
static bool fuse_unmount_stale(const char *path);

/* See fuse-int.h. */
void fuse_exp_busy_dec(FuseExport *exp)
{
    if (qatomic_fetch_dec(&exp->busy) == 1) {
        aio_bh_schedule_oneshot(qemu_get_aio_context(), fuse_exp_finish_bh,
                                exp);
    }
}

/* ---- request buffers ---------------------------------------------- */

static FuseRequest *fuse_request_get(FuseQueue *q)
{
    FuseRequest *req = q->free_list;

    if (req) {
        q->free_list = req->next_free;
        q->n_free--;
    } else {
        req = qemu_memalign(4096, FUSE_REQ_BUF_SIZE);
        /*
         * Fault every page in once. Untouched anonymous pages read as the
         * shared zero page, which the kernel's get_user_pages fast path
         * refuses: every READ reply from a buffer nothing wrote to (null
         * driver) would take the slow page walk, per page, per request.
         */
        memset(req, 0, FUSE_REQ_BUF_SIZE);
    }
    req->next_free = NULL;
    req->q = q;
    req->len = 0;
    return req;
}

static void fuse_request_put(FuseQueue *q, FuseRequest *req)
{
    if (q->n_free >= FUSE_FREE_MAX) {
        qemu_vfree(req);
        return;
    }
    req->next_free = q->free_list;
    q->free_list = req;
    q->n_free++;
}

/* Where the kernel's message starts in the buffer. */
static struct fuse_in_header *fuse_request_in(FuseRequest *req)
{
    return (struct fuse_in_header *)
        ((uint8_t *)req + FUSE_REQ_HEADROOM - FUSE_REQ_PREFIX);
}

/* The op's argument struct if the message is long enough, else NULL. */
static const void *fuse_in_arg(const void *arg, size_t arg_len, size_t need)
{
    return arg_len >= need ? arg : NULL;
}

/* ---- handlers: return payload bytes (>= 0) or -errno ---------------- */

static int64_t fuse_op_init(FuseExport *exp, const void *arg,
                            size_t arg_len, struct fuse_init_out *out)
{
    const uint64_t wanted = FUSE_ABI_ASYNC_READ | FUSE_ABI_BIG_WRITES |
        FUSE_ABI_ASYNC_DIO | FUSE_ABI_PARALLEL_DIROPS | FUSE_ABI_MAX_PAGES |
        FUSE_ABI_HANDLE_KILLPRIV_V2 | FUSE_ABI_INIT_EXT |
        FUSE_ABI_DIRECT_IO_ALLOW_MMAP |
        (exp->io_uring ? FUSE_ABI_OVER_IO_URING : 0);
    struct fuse_init_in in = { 0 };
    uint64_t offered, granted;

    /* Kernels before 7.36 send only the first 16 bytes. */
    if (arg_len < offsetof(struct fuse_init_in, flags2)) {
        return -EINVAL;
    }
    memcpy(&in, arg, MIN(arg_len, sizeof(in)));
    if (in.major != FUSE_KERNEL_VERSION || in.minor < FUSE_ABI_MIN_MINOR) {
        return -EPROTO;
    }

    offered = in.flags;
    if (offered & FUSE_ABI_INIT_EXT) {
        offered |= (uint64_t)in.flags2 << 32;
    }
    granted = offered & wanted & ~FUSE_ABI_INIT_RESERVED;

    memset(out, 0, sizeof(*out));
    out->major = FUSE_KERNEL_VERSION;
    out->minor = MIN(FUSE_ABI_MINOR, in.minor);
    out->max_readahead = in.max_readahead;
    out->flags = (uint32_t)granted;
    out->flags2 = (granted & FUSE_ABI_INIT_EXT) ? (uint32_t)(granted >> 32) : 0;
    out->max_background = FUSE_EXP_MAX_BACKGROUND;
    out->congestion_threshold = FUSE_EXP_CONGESTION;
    out->max_write = FUSE_EXP_MAX_IO;
    out->time_gran = 1;
    out->max_pages = FUSE_EXP_MAX_PAGES;
    trace_fuse_init(in.major, in.minor, offered, granted, out->max_write,
                    out->max_pages);
    return sizeof(*out);
}

static int64_t fuse_fill_attr(FuseExport *exp, struct fuse_attr_out *out)
{
    BlockBackend *blk = exp->common.blk;
    struct fuse_attr *a = &out->attr;
    int64_t len = blk_getlength(blk);
    int64_t allocated;

    if (len < 0) {
        return len;
    }
    allocated = bdrv_get_allocated_file_size(blk_bs(blk));

    memset(out, 0, sizeof(*out));
    out->attr_valid = 1;
    a->ino = FUSE_ROOT_ID;
    a->size = len;
    a->blocks = DIV_ROUND_UP(allocated >= 0 ? allocated : len, 512);
    a->atime = a->mtime = a->ctime = exp->start_sec;
    a->atimensec = a->mtimensec = a->ctimensec = exp->start_nsec;
    a->mode = S_IFREG | qatomic_read(&exp->mode);
    a->nlink = 1;
    a->uid = qatomic_read(&exp->uid);
    a->gid = qatomic_read(&exp->gid);
    a->blksize = exp->blksize;
    return sizeof(*out);
}

/*
 * Grow the node to at least @size bytes (never shrinks: a concurrent
 * request may have grown it further already). May yield.
 */
static int coroutine_fn fuse_co_grow(FuseExport *exp, int64_t size,
                                     PreallocMode prealloc)
{
    BlockBackend *blk = exp->common.blk;
    int64_t len;
    int ret = 0;

    qemu_co_mutex_lock(&exp->resize_lock);
    len = blk_getlength(blk);
    if (len < 0) {
        ret = len;
    } else if (len < size) {
        ret = blk_co_truncate(blk, size, true, prealloc, NULL);
        if (ret == -ENOTSUP && prealloc != PREALLOC_MODE_OFF) {
            ret = blk_co_truncate(blk, size, true, PREALLOC_MODE_OFF, NULL);
        }
    }
    qemu_co_mutex_unlock(&exp->resize_lock);
    return ret;
}

static int64_t coroutine_fn fuse_co_setattr(FuseExport *exp,
                                            const struct fuse_setattr_in *in,
                                            struct fuse_attr_out *out)
{
    const uint32_t supported = FATTR_MODE | FATTR_UID | FATTR_GID |
        FATTR_SIZE | FATTR_ATIME | FATTR_MTIME | FATTR_FH | FATTR_ATIME_NOW |
        FATTR_MTIME_NOW | FATTR_LOCKOWNER | FATTR_CTIME | FATTR_KILL_SUIDGID;
    uint32_t valid = in->valid;
    uint32_t new_mode = 0;
    int ret;

    if (valid & ~supported) {
        return -ENOTSUP;
    }
    /* Without allow-other nobody else can use the file: no owner change. */
    if ((valid & (FATTR_UID | FATTR_GID)) && !exp->allow_other) {
        return -ENOTSUP;
    }
    if ((valid & FATTR_SIZE) && !exp->common.writable) {
        return -EACCES;
    }
    if (valid & FATTR_MODE) {
        new_mode = in->mode & 0777;
        if (!exp->allow_other && (new_mode & (S_IRWXG | S_IRWXO))) {
            return -EPERM;
        }
    }

    if (valid & FATTR_SIZE) {
        if (in->size > INT64_MAX) {
            return -EFBIG;
        }
        qemu_co_mutex_lock(&exp->resize_lock);
        ret = blk_co_truncate(exp->common.blk, in->size, true,
                              PREALLOC_MODE_OFF, NULL);
        qemu_co_mutex_unlock(&exp->resize_lock);
        if (ret < 0) {
            return ret;
        }
    }
    if (valid & FATTR_MODE) {
        qatomic_set(&exp->mode, new_mode);
    }
    if (valid & FATTR_UID) {
        qatomic_set(&exp->uid, in->uid);
    }
    if (valid & FATTR_GID) {
        qatomic_set(&exp->gid, in->gid);
    }
    /* Times are accepted but the file keeps the export's start time. */
    return fuse_fill_attr(exp, out);
}

static int64_t fuse_op_open(FuseExport *exp, const struct fuse_open_in *in,
                            struct fuse_open_out *out)
{
    if ((in->flags & O_ACCMODE) != O_RDONLY && !exp->common.writable) {
        return -EACCES;
    }
    qatomic_inc(&exp->open_count);
    memset(out, 0, sizeof(*out));
    out->open_flags = FOPEN_DIRECT_IO | FOPEN_PARALLEL_DIRECT_WRITES;
    return sizeof(*out);
}

/* See fuse-int.h. */
int64_t fuse_op_release(FuseExport *exp)
{
    if (qatomic_fetch_dec(&exp->open_count) <= 0) {
        qatomic_inc(&exp->open_count);      /* RELEASE without OPEN */
    }
    return 0;
}

/* Reads into @buf (the request's data area, FUSE_EXP_MAX_IO bytes). */
static int64_t coroutine_fn fuse_co_read(FuseExport *exp,
                                         const struct fuse_read_in *in,
                                         void *buf)
{
    BlockBackend *blk = exp->common.blk;
    QEMUIOVector qiov;
    uint64_t size = in->size;
    int64_t len;
    int ret;

    if (size > FUSE_EXP_MAX_IO) {
        return -EINVAL;
    }
    len = blk_getlength(blk);
    if (len < 0) {
        return len;
    }
    if (in->offset >= (uint64_t)len) {
        return 0;
    }
    size = MIN(size, (uint64_t)len - in->offset);
    if (size == 0) {
        return 0;
    }

    qemu_iovec_init_buf(&qiov, buf, size);
    ret = blk_co_preadv(blk, in->offset, size, &qiov, 0);
    return ret < 0 ? ret : (int64_t)size;
}

/* @data: the payload, @data_len bytes of it arrived after @in. */
static int64_t coroutine_fn fuse_co_write(FuseExport *exp,
                                          const struct fuse_write_in *in,
                                          void *data, size_t data_len,
                                          struct fuse_write_out *out)
{
    BlockBackend *blk = exp->common.blk;
    QEMUIOVector qiov;
    uint64_t size = in->size;
    int64_t len;
    int ret;

    if (!exp->common.writable) {
        return -EACCES;
    }
    if (size > FUSE_EXP_MAX_IO || size > data_len) {
        return -EINVAL;
    }
    if (in->offset > (uint64_t)INT64_MAX - size) {
        return -EFBIG;
    }
    len = blk_getlength(blk);
    if (len < 0) {
        return len;
    }

    if (in->offset + size > (uint64_t)len) {
        if (exp->growable) {
            ret = fuse_co_grow(exp, in->offset + size, PREALLOC_MODE_OFF);
            if (ret < 0) {
                return ret;
            }
        } else if (in->offset >= (uint64_t)len) {
            size = 0;       /* wholly past EOF: the writer sees ENOSPC */
        } else {
            size = len - in->offset;
        }
    }

    if (size > 0) {
        qemu_iovec_init_buf(&qiov, data, size);
        ret = blk_co_pwritev(blk, in->offset, size, &qiov,
                             exp->common.writethrough ? BDRV_REQ_FUA : 0);
        if (ret < 0) {
            return ret;
        }
    }
    memset(out, 0, sizeof(*out));
    out->size = size;
    return sizeof(*out);
}

static int64_t coroutine_fn fuse_co_flush(FuseExport *exp)
{
    return blk_co_flush(exp->common.blk);
}

static int64_t fuse_op_statfs(FuseExport *exp, struct fuse_statfs_out *out)
{
    int64_t len = blk_getlength(exp->common.blk);

    if (len < 0) {
        return len;
    }
    memset(out, 0, sizeof(*out));
    out->st.bsize = exp->blksize;
    out->st.frsize = exp->blksize;
    out->st.blocks = DIV_ROUND_UP(len, exp->blksize);
    out->st.files = 1;
    out->st.namelen = 255;
    return sizeof(*out);
}

static int64_t coroutine_fn fuse_co_fallocate(FuseExport *exp,
                                              const struct fuse_fallocate_in *in)
{
    BlockBackend *blk = exp->common.blk;
    uint64_t offset = in->offset, length = in->length;
    bool keep_size = in->mode & FALLOC_FL_KEEP_SIZE;
    int64_t len;
    int ret;

    if (!exp->common.writable) {
        return -EACCES;
    }
    if (offset > INT64_MAX || length > (uint64_t)INT64_MAX - offset) {
        return -EFBIG;
    }
    len = blk_getlength(blk);
    if (len < 0) {
        return len;
    }

    if (in->mode == 0) {
        /* Preallocation is only possible by growing the node. */
        if (offset < (uint64_t)len) {
            return -EOPNOTSUPP;
        }
        return fuse_co_grow(exp, offset + length, PREALLOC_MODE_FALLOC);
    }

    if (in->mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)) {
        if (offset >= (uint64_t)len) {
            return 0;
        }
        length = MIN(length, (uint64_t)len - offset);
        return blk_co_pwrite_zeroes(blk, offset, length, BDRV_REQ_MAY_UNMAP);
    }

    if ((in->mode & ~FALLOC_FL_KEEP_SIZE) == FALLOC_FL_ZERO_RANGE) {
        if (offset + length > (uint64_t)len) {
            if (keep_size) {
                if (offset >= (uint64_t)len) {
                    return 0;
                }
                length = len - offset;
            } else {
                ret = fuse_co_grow(exp, offset + length, PREALLOC_MODE_OFF);
                if (ret < 0) {
                    return ret;
                }
            }
        }
        return blk_co_pwrite_zeroes(blk, offset, length, 0);
    }

    return -EOPNOTSUPP;
}

static int64_t coroutine_fn fuse_co_lseek(FuseExport *exp,
                                          const struct fuse_lseek_in *in,
                                          struct fuse_lseek_out *out)
{
    BlockBackend *blk = exp->common.blk;
    bool want_data = in->whence == SEEK_DATA;
    int64_t len, offset, pnum;
    int ret;

    if (in->whence != SEEK_DATA && in->whence != SEEK_HOLE) {
        return -EINVAL;
    }
    len = blk_getlength(blk);
    if (len < 0) {
        return len;
    }
    if (in->offset >= (uint64_t)len) {
        return -ENXIO;
    }

    offset = in->offset;
    while (offset < len) {
        ret = blk_co_block_status(blk, offset, len - offset, &pnum);
        if (ret < 0) {
            return ret;
        }
        if (pnum <= 0) {
            break;
        }
        if (!!(ret & BDRV_BLOCK_DATA) == want_data) {
            break;
        }
        offset += pnum;
    }

    if (offset >= len) {
        if (want_data) {
            return -ENXIO;
        }
        offset = len;           /* the implicit hole at the end */
    }
    memset(out, 0, sizeof(*out));
    out->offset = offset;
    return sizeof(*out);
}

/* ---- request loop --------------------------------------------------- */

/* The opcode's name for trace output; a table load, cheap to inline. */
static inline const char *fuse_opcode_name(uint32_t opcode)
{
    static const char *const names[] = {
        [FUSE_LOOKUP] = "LOOKUP", [FUSE_FORGET] = "FORGET",
        [FUSE_GETATTR] = "GETATTR", [FUSE_SETATTR] = "SETATTR",
        [FUSE_READLINK] = "READLINK", [FUSE_SYMLINK] = "SYMLINK",
        [FUSE_MKNOD] = "MKNOD", [FUSE_MKDIR] = "MKDIR",
        [FUSE_UNLINK] = "UNLINK", [FUSE_RMDIR] = "RMDIR",
        [FUSE_RENAME] = "RENAME", [FUSE_LINK] = "LINK", [FUSE_OPEN] = "OPEN",
        [FUSE_READ] = "READ", [FUSE_WRITE] = "WRITE",
        [FUSE_STATFS] = "STATFS", [FUSE_RELEASE] = "RELEASE",
        [FUSE_FSYNC] = "FSYNC", [FUSE_SETXATTR] = "SETXATTR",
        [FUSE_GETXATTR] = "GETXATTR", [FUSE_LISTXATTR] = "LISTXATTR",
        [FUSE_REMOVEXATTR] = "REMOVEXATTR", [FUSE_FLUSH] = "FLUSH",
        [FUSE_INIT] = "INIT", [FUSE_OPENDIR] = "OPENDIR",
        [FUSE_READDIR] = "READDIR", [FUSE_RELEASEDIR] = "RELEASEDIR",
        [FUSE_FSYNCDIR] = "FSYNCDIR", [FUSE_GETLK] = "GETLK",
        [FUSE_SETLK] = "SETLK", [FUSE_SETLKW] = "SETLKW",
        [FUSE_ACCESS] = "ACCESS", [FUSE_CREATE] = "CREATE",
        [FUSE_INTERRUPT] = "INTERRUPT", [FUSE_BMAP] = "BMAP",
        [FUSE_DESTROY] = "DESTROY", [FUSE_IOCTL] = "IOCTL",
        [FUSE_POLL] = "POLL", [FUSE_NOTIFY_REPLY] = "NOTIFY_REPLY",
        [FUSE_BATCH_FORGET] = "BATCH_FORGET", [FUSE_FALLOCATE] = "FALLOCATE",
        [FUSE_READDIRPLUS] = "READDIRPLUS", [FUSE_RENAME2] = "RENAME2",
        [FUSE_LSEEK] = "LSEEK", [FUSE_COPY_FILE_RANGE] = "COPY_FILE_RANGE",
        [FUSE_SETUPMAPPING] = "SETUPMAPPING",
        [FUSE_REMOVEMAPPING] = "REMOVEMAPPING", [FUSE_SYNCFS] = "SYNCFS",
        [FUSE_TMPFILE] = "TMPFILE",
    };

    return opcode < G_N_ELEMENTS(names) && names[opcode] ? names[opcode]
                                                         : "UNKNOWN";
}

/*
 * Answer request @unique on @q's fd: @ret < 0 is the -errno, else @ret
 * bytes of @payload follow the header. Returns false if the kernel did
 * not take the reply (ENOENT: the request was interrupted or the
 * connection is gone -- not an error for us).
 */
static bool fuse_send_reply(FuseQueue *q, uint64_t unique, int64_t ret,
                       const void *payload)
{
    struct fuse_out_header out = { .unique = unique };
    struct iovec iov[2] = {
        { .iov_base = &out, .iov_len = sizeof(out) },
    };
    int niov = 1;
    ssize_t n;

    if (ret < 0) {
        /* The kernel accepts only -errno in (-512, 0). */
        out.error = ret > -512 ? (int32_t)ret : -EIO;
    } else if (ret > 0) {
        iov[1].iov_base = (void *)payload;
        iov[1].iov_len = ret;
        niov = 2;
    }
    out.len = sizeof(out) + (ret > 0 ? ret : 0);
    trace_fuse_reply(unique, out.error, out.len);

    do {
        n = writev(q->fd, iov, niov);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        fuse_debug("reply to %" PRIu64 " failed: %s\n", unique,
                   strerror(errno));
        return false;
    }
    return true;
}

/* Answer @req through the transport it came from; see fuse_send_reply. */
static bool fuse_reply(FuseRequest *req, uint64_t unique, int64_t ret,
                       const void *payload)
{
#ifdef CONFIG_LINUX_IO_URING
    if (req->ring) {
        /* A failed commit comes back as a CQE; the kernel ends the call. */
        fuse_ring_reply(req, unique, ret, payload);
        return true;
    }
#endif
    return fuse_send_reply(req->q, unique, ret, payload);
}

/* See fuse-int.h. */
void coroutine_fn fuse_co_request(void *opaque)
{
    FuseRequest *req = opaque;
    FuseQueue *q = req->q;
    FuseExport *exp = q->exp;
    /* A ring reply overwrites the header: keep what is needed after it. */
    const struct fuse_in_header *in = req->in;
    const uint64_t unique = in->unique;
    const uint32_t opcode = in->opcode;
    const void *arg = req->arg;
    size_t arg_len = req->arg_len;
    const void *payload = &req->out;
    bool reply = true;
    int64_t ret;

    trace_fuse_request(unique, opcode, fuse_opcode_name(opcode));
    if (!req->ring && in->len != req->len) {
        ret = -EINVAL;
        goto out;
    }

    switch (opcode) {
    case FUSE_INIT:
        ret = fuse_op_init(exp, arg, arg_len, &req->out.init);
        break;
    case FUSE_LOOKUP:
        ret = -ENOENT;      /* the root is the file; there are no names */
        break;
    case FUSE_GETATTR:
        ret = fuse_fill_attr(exp, &req->out.attr);
        break;
    case FUSE_SETATTR: {
        const struct fuse_setattr_in *a = fuse_in_arg(arg, arg_len,
                                                      sizeof(*a));
        ret = a ? fuse_co_setattr(exp, a, &req->out.attr) : -EINVAL;
        break;
    }
    case FUSE_OPEN: {
        const struct fuse_open_in *a = fuse_in_arg(arg, arg_len, sizeof(*a));
        ret = a ? fuse_op_open(exp, a, &req->out.open) : -EINVAL;
        break;
    }
    case FUSE_READ: {
        const struct fuse_read_in *a = fuse_in_arg(arg, arg_len, sizeof(*a));
        payload = fuse_request_data(req);
        ret = a ? fuse_co_read(exp, a, fuse_request_data(req)) : -EINVAL;
        break;
    }
    case FUSE_WRITE: {
        const struct fuse_write_in *a = fuse_in_arg(arg, arg_len,
                                                    sizeof(*a));
        ret = a ? fuse_co_write(exp, a, fuse_request_data(req),
                                req->data_len, &req->out.write)
                : -EINVAL;
        break;
    }
    case FUSE_FLUSH:
    case FUSE_FSYNC:
        ret = fuse_co_flush(exp);
        break;
    case FUSE_RELEASE:
        ret = fuse_op_release(exp);
        break;
    case FUSE_STATFS:
        ret = fuse_op_statfs(exp, &req->out.statfs);
        break;
    case FUSE_FALLOCATE: {
        const struct fuse_fallocate_in *a = fuse_in_arg(arg, arg_len,
                                                        sizeof(*a));
        ret = a ? fuse_co_fallocate(exp, a) : -EINVAL;
        break;
    }
    case FUSE_LSEEK: {
        const struct fuse_lseek_in *a = fuse_in_arg(arg, arg_len,
                                                    sizeof(*a));
        ret = a ? fuse_co_lseek(exp, a, &req->out.lseek) : -EINVAL;
        break;
    }
    case FUSE_INTERRUPT:
        /* Requests finish quickly; the target is answered normally. */
    case FUSE_FORGET:
    case FUSE_BATCH_FORGET:
        reply = false;          /* these must never be answered */
        ret = 0;
        break;
    case FUSE_DESTROY:
        ret = 0;                /* nothing to tear down per connection */
        break;
    case FUSE_GETXATTR:
    case FUSE_LISTXATTR:
    default:
        ret = -ENOSYS;
        break;
    }

out:
    req->opened = reply && opcode == FUSE_OPEN && ret >= 0;
    if (reply && !fuse_reply(req, unique, ret, payload) && req->opened) {
        fuse_op_release(exp);
    }
#ifdef CONFIG_LINUX_IO_URING
    if (opcode == FUSE_INIT && ret >= 0 && exp->io_uring) {
        fuse_ring_start_all(exp, &req->out.init);
    }
#endif
    if (!req->ring) {
        fuse_request_put(q, req);
    }
    fuse_exp_busy_dec(exp);
}

static void fuse_exp_lost_bh(void *opaque)
{
    FuseExport *exp = opaque;

    blk_exp_request_shutdown(&exp->common);
    fuse_exp_busy_dec(exp);
}

/*
 * The connection is gone (unmounted from outside, or aborted): stop
 * reading and have the main loop shut the export down. In q->ctx.
 */
static void fuse_queue_lost(FuseQueue *q)
{
    FuseExport *exp = q->exp;

    aio_set_fd_handler(q->ctx, q->fd, NULL, NULL, NULL);
    q->handler_set = false;
    if (!qatomic_read(&exp->halted)) {
        qatomic_inc(&exp->busy);
        aio_bh_schedule_oneshot(qemu_get_aio_context(), fuse_exp_lost_bh,
                                exp);
    }
}

/* Read one request from /dev/fuse into @req: its length, or -errno. */
static ssize_t fuse_queue_read_req(FuseQueue *q, FuseRequest *req)
{
    ssize_t n;

    do {
        n = read(q->fd, fuse_request_in(req), FUSE_REQ_READ_SIZE);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

/*
 * Serve what reading into @req returned (@n: length or -errno): start a
 * coroutine for a request. False when the queue has nothing more to read
 * (EAGAIN) or has stopped. In q->ctx.
 */
static bool fuse_queue_serve(FuseQueue *q, FuseRequest *req, ssize_t n)
{
    if (n < 0) {
        fuse_request_put(q, req);
        if (n == -EAGAIN) {
            return false;
        }
        if (n == -ENODEV || n == -ECONNABORTED) {
            qatomic_set(&q->exp->lost, true);
        } else {
            error_report("FUSE export '%s': reading a request failed: %s",
                         q->exp->common.id, strerror(-n));
        }
        fuse_queue_lost(q);
        return false;
    }
    if ((size_t)n < sizeof(struct fuse_in_header)) {
        fuse_request_put(q, req);           /* cannot even be answered */
        return true;
    }

    req->len = n;
    req->in = fuse_request_in(req);
    req->arg = req->in + 1;
    req->arg_len = n - sizeof(struct fuse_in_header);
    req->data_len = (size_t)n > FUSE_REQ_PREFIX ? n - FUSE_REQ_PREFIX : 0;
    qatomic_inc(&q->exp->busy);
    qemu_coroutine_enter(qemu_coroutine_create(fuse_co_request, req));
    return true;
}

/*
 * fd handler: read requests and start a coroutine for each, beginning
 * with the one fuse_queue_poll() read ahead. In q->ctx.
 */
static void fuse_queue_read(void *opaque)
{
    FuseQueue *q = opaque;
    int i = 0;

    if (q->polled) {
        FuseRequest *req = q->polled;

        q->polled = NULL;
        i++;
        if (!fuse_queue_serve(q, req, q->polled_len)) {
            return;
        }
    }
    for (; i < FUSE_READ_BATCH && q->handler_set; i++) {
        FuseRequest *req = fuse_request_get(q);

        if (!fuse_queue_serve(q, req, fuse_queue_read_req(q, req))) {
            return;
        }
    }
}

/*
 * io_poll (busy polling, see aio_set_fd_poll()): /dev/fuse has no shared
 * memory to look at, so try to read a request; fuse_queue_read() serves
 * it. A read that fails with anything but EAGAIN is kept for it too. This
 * costs a system call per look, but at queue depth 1 it replaces the sleep
 * in epoll and the wake-up in every round trip. In q->ctx.
 */
static bool fuse_queue_poll(void *opaque)
{
    FuseQueue *q = opaque;

    if (!q->polled) {
        FuseRequest *req = fuse_request_get(q);
        ssize_t n = fuse_queue_read_req(q, req);

        if (n == -EAGAIN) {
            fuse_request_put(q, req);
            return false;
        }
        q->polled = req;
        q->polled_len = n;
    }
    return true;
}

/* ---- lifecycle (main thread) ---------------------------------------- */

static void fuse_queue_stop_bh(void *opaque)
{
    FuseQueue *q = opaque;

    if (q->handler_set) {
        aio_set_fd_handler(q->ctx, q->fd, NULL, NULL, NULL);
        q->handler_set = false;
    }
    if (q->polled) {
        /* Unanswered: closing the fd ends the connection and the request. */
        fuse_request_put(q, q->polled);
        q->polled = NULL;
    }
#ifdef CONFIG_LINUX_IO_URING
    fuse_ring_stop(q);
#endif
    fuse_exp_busy_dec(q->exp);
}

static void fuse_exp_unmount(FuseExport *exp)
{
    if (exp->mounted) {
        /* Lazy: a file still open keeps the connection until our fds go. */
        fuse_session_unmount(exp->session);
        exp->mounted = false;
        /*
         * libfuse skips the unmount of a dead connection. If it was
         * aborted (not unmounted), the path answers ENOTCONN: detach it.
         * stat() cannot block on us: the connection is gone.
         */
        if (qatomic_read(&exp->lost)) {
            struct stat st;

            if (stat(exp->mountpoint, &st) < 0 && errno == ENOTCONN) {
                fuse_unmount_stale(exp->mountpoint);
            }
        }
    }
    if (exp->registered) {
        g_hash_table_remove(fuse_mountpoints, exp->mountpoint);
        exp->registered = false;
    }
}

/* All queues stopped and all requests answered: release the export. */
static void fuse_exp_finish_bh(void *opaque)
{
    FuseExport *exp = opaque;

    blk_exp_unref(&exp->common);
}

static void fuse_exp_request_shutdown(BlockExport *blk_exp)
{
    FuseExport *exp = container_of(blk_exp, FuseExport, common);
    AioContext *main_ctx = qemu_get_aio_context();

    assert(qemu_in_main_thread());
    if (qatomic_xchg(&exp->halted, true)) {
        return;
    }
    /* A handler removal takes effect at once only in the queue's thread. */
    for (size_t i = 0; i < exp->n_queues; i++) {
        FuseQueue *q = &exp->queues[i];

        if (q->ctx == main_ctx) {
            fuse_queue_stop_bh(q);
        } else {
            aio_bh_schedule_oneshot(q->ctx, fuse_queue_stop_bh, q);
        }
    }
    fuse_exp_unmount(exp);
}

static bool fuse_exp_in_use(BlockExport *blk_exp)
{
    FuseExport *exp = container_of(blk_exp, FuseExport, common);

    return qatomic_read(&exp->open_count) > 0;
}

static void fuse_exp_delete(BlockExport *blk_exp)
{
    FuseExport *exp = container_of(blk_exp, FuseExport, common);

    fuse_exp_unmount(exp);
    for (size_t i = 0; i < exp->n_queues; i++) {
        FuseQueue *q = &exp->queues[i];

        while (q->free_list) {
            FuseRequest *req = q->free_list;

            q->free_list = req->next_free;
            qemu_vfree(req);
        }
        if (q->fd >= 0) {
            close(q->fd);
        }
    }
    if (exp->session) {
        fuse_session_destroy(exp->session);
        exp->session = NULL;
    }
#ifdef CONFIG_LINUX_IO_URING
    for (size_t i = 0; i < exp->n_queues; i++) {
        fuse_ring_free(&exp->queues[i]);
    }
#endif
    g_free(exp->queues);
    exp->queues = NULL;
    g_free(exp->mountpoint);
    exp->mountpoint = NULL;
    qemu_co_mutex_destroy(&exp->resize_lock);
}

/* Create the session and mount it. False with errp set on failure. */
static bool fuse_exp_mount(FuseExport *exp, bool allow_other, Error **errp)
{
    g_autofree char *mount_opts = g_strdup_printf(
        "%s,nosuid,nodev,noatime,max_read=%u,default_permissions%s",
        exp->common.writable ? "rw" : "ro", FUSE_EXP_MAX_IO,
        allow_other ? ",allow_other" : "");
    char *argv[] = { (char *)"storage-daemon", (char *)"-o", mount_opts,
                     NULL };
    struct fuse_args args = FUSE_ARGS_INIT(3, argv);
    /* No operations: libfuse never sees a request. */
    struct fuse_lowlevel_ops ops = { 0 };
    struct fuse_session *se;

    se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
    fuse_opt_free_args(&args);
    if (!se) {
        error_setg(errp, "Failed to set up FUSE session");
        return false;
    }
    if (fuse_session_mount(se, exp->mountpoint) < 0) {
        fuse_session_destroy(se);
        error_setg(errp, "Failed to mount FUSE session to export");
        return false;
    }
    exp->session = se;
    exp->mounted = true;
    exp->allow_other = allow_other;
    return true;
}

/* Open queue @q's fd: a dup of the session fd for 0, else a clone. */
static bool fuse_queue_open(FuseExport *exp, FuseQueue *q, bool first,
                            Error **errp)
{
    int session_fd = fuse_session_fd(exp->session);
    uint32_t src = session_fd;

    if (first) {
        q->fd = fcntl(session_fd, F_DUPFD_CLOEXEC, 3);
        if (q->fd < 0) {
            error_setg_errno(errp, errno, "Failed to duplicate the FUSE fd");
            return false;
        }
    } else {
        q->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        if (q->fd < 0) {
            error_setg_errno(errp, errno, "Failed to open /dev/fuse");
            return false;
        }
        if (ioctl(q->fd, FUSE_DEV_IOC_CLONE, &src) < 0) {
            error_setg_errno(errp, errno, "Failed to clone the FUSE device");
            return false;
        }
    }
    /* O_NONBLOCK is on the open file, so the dup shares it with libfuse. */
    if (fcntl(q->fd, F_SETFL, fcntl(q->fd, F_GETFL) | O_NONBLOCK) < 0) {
        error_setg_errno(errp, errno, "Failed to make the FUSE fd "
                         "non-blocking");
        return false;
    }
    return true;
}

/*
 * @path is a FUSE mount whose server is gone (stat() says ENOTCONN), e.g.
 * left behind by a daemon that was killed: detach it so that the file
 * underneath is visible again. Root detaches it directly, others through
 * fusermount3 (which only unmounts the user's own mounts). Returns true
 * when the path no longer answers ENOTCONN.
 */
static bool fuse_unmount_stale(const char *path)
{
    struct stat st;

    if (umount2(path, MNT_DETACH) < 0) {
        const char *argv[] = { "fusermount3", "-u", "-z", "-q", path, NULL };
        int wait_status;

        if (!g_spawn_sync(NULL, (char **)argv, NULL,
                          G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                          G_SPAWN_STDERR_TO_DEV_NULL,
                          NULL, NULL, NULL, NULL, &wait_status, NULL) ||
            !g_spawn_check_wait_status(wait_status, NULL)) {
            return false;
        }
    }
    return stat(path, &st) == 0 || errno != ENOTCONN;
}

enum { FUSE_ALLOW_OTHER_OFF, FUSE_ALLOW_OTHER_ON, FUSE_ALLOW_OTHER_AUTO };

static int fuse_exp_create(BlockExport *blk_exp, JsonObject *opts,
                           AioContext *const *ctxs, size_t n_ctxs,
                           Error **errp)
{
    static const char *const allow_other_names[] = { "off", "on", "auto",
                                                     NULL };
    FuseExport *exp = container_of(blk_exp, FuseExport, common);
    BlockBackend *blk = exp->common.blk;
    int allow_other = FUSE_ALLOW_OTHER_AUTO;
    bool growable = false;
    bool io_uring = false;
    g_autofree char *mp_arg = NULL;
    gint64 now;
    struct stat st;

    assert(qemu_in_main_thread());
    qemu_co_mutex_init(&exp->resize_lock);
    exp->queues = g_new0(FuseQueue, n_ctxs);
    exp->n_queues = n_ctxs;
    for (size_t i = 0; i < n_ctxs; i++) {
        exp->queues[i].exp = exp;
        exp->queues[i].ctx = ctxs[i];
        exp->queues[i].fd = -1;
#ifdef CONFIG_LINUX_IO_URING
        exp->queues[i].ring_efd = -1;
#endif
    }

    if (!qdict_take_required_str(opts, "mountpoint", &mp_arg, errp) ||
        !qdict_take_bool(opts, "growable", &growable, NULL, errp) ||
        !qdict_take_enum(opts, "allow-other", allow_other_names,
                         &allow_other, NULL, errp) ||
        !qdict_take_bool(opts, "io-uring", &io_uring, NULL, errp) ||
        !qdict_check_empty(opts, "", errp)) {
        return -EINVAL;
    }
    exp->growable = growable;
    if (io_uring) {
        g_autofree char *enabled = NULL;

#ifndef CONFIG_LINUX_IO_URING
        error_setg(errp, "FUSE-over-io_uring is not supported by this build");
        return -ENOTSUP;
#endif
        if (!g_file_get_contents(FUSE_ABI_URING_PARAM, &enabled, NULL,
                                 NULL)) {
            error_setg(errp, "FUSE-over-io_uring is not supported by this "
                       "kernel");
            return -ENOTSUP;
        }
        if (enabled[0] != 'Y') {
            error_setg(errp, "FUSE-over-io_uring is disabled in the kernel "
                       "(echo Y > " FUSE_ABI_URING_PARAM ")");
            return -ENOTSUP;
        }
        exp->io_uring = true;
    }
    /*
     * Mount and unmount by absolute path: the daemon may change its working
     * directory after start-up (--daemonize does chdir("/")). Messages show
     * the path as the user gave it.
     */
    exp->mountpoint = g_canonicalize_filename(mp_arg, NULL);

    if (!fuse_mountpoints) {
        fuse_mountpoints = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                 g_free, NULL);
    }
    /* Checked before stat(): that would ask the export itself. */
    if (g_hash_table_contains(fuse_mountpoints, exp->mountpoint)) {
        error_setg(errp, "There already is a FUSE export on '%s'", mp_arg);
        return -EEXIST;
    }
    if (stat(exp->mountpoint, &st) < 0 && errno == ENOTCONN &&
        fuse_unmount_stale(exp->mountpoint)) {
        warn_report("'%s' was a stale FUSE mount (Transport endpoint is not "
                    "connected); unmounted it lazily", mp_arg);
    }
    if (stat(exp->mountpoint, &st) < 0) {
        int err = errno;

        error_setg_errno(errp, err, "Failed to stat '%s'", mp_arg);
        return -err;
    }
    if (!S_ISREG(st.st_mode)) {
        error_setg(errp, "'%s' is not a regular file", mp_arg);
        return -EINVAL;
    }

    if (exp->common.writable) {
        uint64_t perm, shared;

        blk_get_perm(blk, &perm, &shared);
        if (!blk_set_perm(blk, perm | BLK_PERM_RESIZE, shared, errp)) {
            return -EPERM;
        }
    }

    now = g_get_real_time();
    exp->start_sec = now / G_USEC_PER_SEC;
    exp->start_nsec = (now % G_USEC_PER_SEC) * 1000;
    exp->blksize = MAX(512u, bdrv_get_request_alignment(blk_bs(blk)));
    exp->uid = getuid();
    exp->gid = getgid();

    if (allow_other == FUSE_ALLOW_OTHER_AUTO) {
        /* Refused without user_allow_other in /etc/fuse.conf: retry. */
        if (!fuse_exp_mount(exp, true, NULL) &&
            !fuse_exp_mount(exp, false, errp)) {
            return -EIO;
        }
    } else if (!fuse_exp_mount(exp, allow_other == FUSE_ALLOW_OTHER_ON,
                               errp)) {
        return -EIO;
    }
    exp->mode = exp->common.writable ? 0600 : 0400;
    if (exp->allow_other) {
        exp->mode |= 0044;
    }
    g_hash_table_add(fuse_mountpoints, g_strdup(exp->mountpoint));
    exp->registered = true;

    for (size_t i = 0; i < n_ctxs; i++) {
        if (!fuse_queue_open(exp, &exp->queues[i], i == 0, errp)) {
            return -EIO;
        }
    }
#ifdef CONFIG_LINUX_IO_URING
    if (exp->io_uring && !fuse_ring_setup(exp, errp)) {
        return -EIO;
    }
#endif

    /* Nothing fails from here on: start serving. */
    blk_exp_ref(&exp->common);          /* dropped by fuse_exp_finish_bh */
    exp->busy = n_ctxs;
    /*
     * All flags first: once queue 0 serves, INIT may start the rings of
     * the other queues (fuse_ring_start_bh checks handler_set).
     */
    for (size_t i = 0; i < n_ctxs; i++) {
        exp->queues[i].handler_set = true;
    }
    for (size_t i = 0; i < n_ctxs; i++) {
        FuseQueue *q = &exp->queues[i];

        aio_set_fd_handler(q->ctx, q->fd, fuse_queue_read, NULL, q);
        aio_set_fd_poll(q->ctx, q->fd, fuse_queue_poll);
    }
    return 0;
}

const BlockExportDriver blk_exp_fuse = {
    .type               = "fuse",
    .instance_size      = sizeof(FuseExport),
    .create             = fuse_exp_create,
    .request_shutdown   = fuse_exp_request_shutdown,
    .delete             = fuse_exp_delete,
    .in_use             = fuse_exp_in_use,
};
