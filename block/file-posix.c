/*
 * The "file" protocol driver: a regular file or a block device, accessed
 * with preadv/pwritev/fallocate/fdatasync in the thread pool (aio=threads)
 * or through io_uring (aio=io_uring; block/io_uring.c).
 *
 * Options: "filename" (required), "aio" (threads, io_uring, or native,
 * which needs cache.direct=on as in QEMU and is served by the same
 * io_uring engine: there is no Linux AIO engine), "locking" (on/off/auto,
 * see "Image locking" below). cache.direct=on opens with O_DIRECT; the
 * request and memory alignments then come from statx(STATX_DIOALIGN),
 * BLKSSZGET or probing reads, and the generic layer pads and bounces to
 * them.
 */
#include "qemu/osdep.h"
#include "block/block_int.h"
#include "block/raw-aio.h"
#include "qemu/thread-pool.h"

#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/stat.h>

#define MAX_PROBE_ALIGN 4096

typedef struct BDRVRawState {
    int fd;
    char *filename;
    bool is_block_dev;
    uint32_t request_alignment; /* 1 without O_DIRECT */
    size_t buf_align;           /* memory alignment O_DIRECT needs */
    bool use_io_uring;          /* aio=io_uring or aio=native */
    /*
     * preadv2(RWF_NOWAIT) answered EOPNOTSUPP (the file system cannot
     * tell whether a read would block, e.g. tmpfs): stop trying. Set
     * from any request's thread, read without a lock (atomic).
     */
    bool no_nowait;
    /*
     * The file lives on tmpfs: its data is memory, so reads and writes
     * are done in the request's thread instead of the thread pool (the
     * syscall costs less than the hand-off). They can still wait for a
     * swap-in or for memory reclaim. Set at open.
     */
    bool in_memory;

    /*
     * Buffered writes to a regular file: the file system serialises them
     * on the inode lock anyway, so parallel workers only spin on it. They
     * go through one worker at a time instead: the coroutine that finds
     * no drain running starts one (raw_write_drain) and the others queue
     * here. Any thread, under wq_lock.
     */
    GMutex wq_lock;
    struct RawRwData *wq_head;
    struct RawRwData *wq_tail;
    bool wq_running;

    /* Image locking (main thread only). */
    bool use_lock;
    uint64_t perm;              /* committed: what our lock bytes say */
    uint64_t shared_perm;
} BDRVRawState;

static const char *const aio_names[] = { "threads", "native", "io_uring",
                                         NULL };
static const char *const locking_names[] = { "off", "on", "auto", NULL };

/* Does an O_DIRECT read of @len bytes into @buf work (or fail for a
 * reason other than alignment)? */
static bool raw_is_io_aligned(int fd, void *buf, size_t len)
{
    ssize_t ret = pread(fd, buf, len, 0);

    return ret >= 0 || errno != EINVAL;
}

/* Find the O_DIRECT alignments of @s->fd. */
static bool raw_probe_alignment(BDRVRawState *s, Error **errp)
{
    static const size_t aligns[] = { 512, 1024, 2048, 4096 };
    void *buf;

#ifdef STATX_DIOALIGN
    {
        struct statx stx;

        if (statx(s->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 &&
            (stx.stx_mask & STATX_DIOALIGN) && stx.stx_dio_offset_align) {
            s->request_alignment = stx.stx_dio_offset_align;
            s->buf_align = MAX(stx.stx_dio_mem_align, 1u);
            return true;
        }
    }
#endif
    if (s->is_block_dev) {
        int sector_size;

        if (ioctl(s->fd, BLKSSZGET, &sector_size) == 0 && sector_size > 0) {
            s->request_alignment = sector_size;
        }
    }

    /* Reads of an empty file succeed with any alignment; then the
     * largest candidate is the safe answer. */
    buf = qemu_memalign(MAX_PROBE_ALIGN, 2 * MAX_PROBE_ALIGN);
    if (!s->request_alignment) {
        for (size_t i = 0; i < ARRAY_SIZE(aligns); i++) {
            if (raw_is_io_aligned(s->fd, buf, aligns[i])) {
                s->request_alignment = aligns[i];
                break;
            }
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(aligns); i++) {
        if (raw_is_io_aligned(s->fd, (char *)buf + aligns[i],
                              MAX_PROBE_ALIGN)) {
            s->buf_align = aligns[i];
            break;
        }
    }
    qemu_vfree(buf);

    if (!s->request_alignment || !s->buf_align) {
        error_setg(errp, "Could not find working O_DIRECT alignment");
        error_append_hint(errp, "Try cache.direct=off\n");
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/*
 * Image locking, compatible with QEMU's: for every permission bit N
 * (BLK_PERM_* bit index: consistent read 0, write 1, write unchanged 2,
 * resize 3) an open file description of an image holds a shared OFD lock
 * on byte 100 + N while one of its users holds the permission, and on
 * byte 200 + N while one of its users does not share it. A new
 * permission conflicts with somebody's lock on the "not shared" byte; not
 * sharing conflicts with somebody's lock on the "held" byte. Testing is a
 * F_OFD_GETLK for a write lock, which our own description never blocks.
 * Shared locks never block each other, so taking ours first and testing
 * afterwards leaves no window in which two processes both miss each other.
 */

#define RAW_LOCK_PERM_BASE   100
#define RAW_LOCK_SHARED_BASE 200
#define RAW_LOCK_NBITS       4      /* BLK_PERM_ALL == 0x0f */

static const char *const raw_perm_names[RAW_LOCK_NBITS] = {
    "consistent read", "write", "write unchanged", "resize",
};

/* F_RDLCK, F_UNLCK on one byte; 0 or -errno. */
static int raw_lock_byte(int fd, int byte, short type)
{
    struct flock fl = {
        .l_whence = SEEK_SET, .l_start = byte, .l_len = 1, .l_type = type,
    };

    return fcntl(fd, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

/* 1 if another open file description holds a lock on @byte, 0 if not,
 * -errno if the test failed. */
static int raw_byte_locked_elsewhere(int fd, int byte)
{
    struct flock fl = {
        .l_whence = SEEK_SET, .l_start = byte, .l_len = 1, .l_type = F_WRLCK,
    };

    if (fcntl(fd, F_OFD_GETLK, &fl) < 0) {
        return -errno;
    }
    return fl.l_type != F_UNLCK;
}

/*
 * Make the lock bytes say @perm (held) and ~@shared (not shared). With
 * @unlock, bytes for bits outside them are released; without, they are
 * left as they are (the union during a pending change).
 */
static bool raw_apply_lock_bytes(BDRVRawState *s, uint64_t perm,
                                 uint64_t shared, bool unlock, Error **errp)
{
    for (int i = 0; i < RAW_LOCK_NBITS; i++) {
        uint64_t bit = 1ULL << i;
        int bytes[2] = { RAW_LOCK_PERM_BASE + i, RAW_LOCK_SHARED_BASE + i };
        bool want[2] = { perm & bit, !(shared & bit) };

        for (int j = 0; j < 2; j++) {
            int ret;

            if (want[j]) {
                ret = raw_lock_byte(s->fd, bytes[j], F_RDLCK);
            } else if (unlock) {
                ret = raw_lock_byte(s->fd, bytes[j], F_UNLCK);
            } else {
                continue;
            }
            if (ret < 0) {
                error_setg_errno(errp, -ret, "Failed to lock byte %d",
                                 bytes[j]);
                return false;
            }
        }
    }
    return true;
}

/* Does another process conflict with taking @perm and sharing @shared? */
static bool raw_check_lock_bytes(BDRVRawState *s, uint64_t perm,
                                 uint64_t shared, Error **errp)
{
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < RAW_LOCK_NBITS; i++) {
            uint64_t bit = 1ULL << i;
            int byte;
            int ret;

            /* Pass 0: what we take must be shared by the others; pass 1:
             * what we do not share must not be held by the others. */
            if (pass == 0 ? !(perm & bit) : (shared & bit)) {
                continue;
            }
            byte = (pass == 0 ? RAW_LOCK_SHARED_BASE : RAW_LOCK_PERM_BASE) + i;
            ret = raw_byte_locked_elsewhere(s->fd, byte);
            if (ret < 0) {
                error_setg_errno(errp, -ret, "Failed to get lock byte %d",
                                 byte);
                return false;
            }
            if (ret) {
                error_setg(errp, "Failed to get %s\"%s\" lock",
                           pass == 0 ? "" : "shared ", raw_perm_names[i]);
                error_append_hint(errp, "Is another process using the "
                                  "image [%s]?\n", s->filename);
                return false;
            }
        }
    }
    return true;
}

static int raw_check_perm(BlockDriverState *bs, uint64_t perm,
                          uint64_t shared, Error **errp)
{
    BDRVRawState *s = bs->opaque;

    if (!s->use_lock) {
        return 0;
    }
    /* Hold the union of old and new until the change is committed, so
     * that an abort never needs to take a lock again. */
    if (!raw_apply_lock_bytes(s, s->perm | perm, s->shared_perm & shared,
                              false, errp) ||
        !raw_check_lock_bytes(s, perm, shared, errp)) {
        raw_apply_lock_bytes(s, s->perm, s->shared_perm, true, NULL);
        return -EPERM;
    }
    return 0;
}

static void raw_set_perm(BlockDriverState *bs, uint64_t perm,
                         uint64_t shared)
{
    BDRVRawState *s = bs->opaque;

    if (!s->use_lock || s->fd < 0) {
        return;
    }
    /* Only releases, or takes bytes already held by raw_check_perm(): a
     * failure would leave extra bytes locked, which is harmless. */
    raw_apply_lock_bytes(s, perm, shared, true, NULL);
    s->perm = perm;
    s->shared_perm = shared;
}

static void raw_abort_perm_update(BlockDriverState *bs)
{
    BDRVRawState *s = bs->opaque;

    if (s->use_lock && s->fd >= 0) {
        raw_apply_lock_bytes(s, s->perm, s->shared_perm, true, NULL);
    }
}

/*
 * locking=on|off|auto for the open @s->fd: auto uses OFD locks when the
 * kernel and the filesystem support them, on insists.
 */
static bool raw_setup_locking(BDRVRawState *s, int locking, Error **errp)
{
    int ret;

    s->perm = 0;
    s->shared_perm = BLK_PERM_ALL;
    s->use_lock = false;
    if (locking == 0) {
        return true;
    }
    ret = raw_byte_locked_elsewhere(s->fd, RAW_LOCK_PERM_BASE);
    if (ret < 0) {
        if (locking == 1) {
            error_setg_errno(errp, -ret, "File lock requested but OFD "
                             "locking is unavailable for '%s'", s->filename);
            return false;
        }
        return true;
    }
    s->use_lock = true;
    return true;
}

static int raw_open(BlockDriverState *bs, JsonObject *options, int flags,
                    Error **errp)
{
    BDRVRawState *s = bs->opaque;
    g_autofree char *filename = NULL;
    int aio = 0;
    int locking = 2;
    int open_flags;
    struct stat st;

    s->fd = -1;
    g_mutex_init(&s->wq_lock);
    if (!qdict_take_required_str(options, "filename", &filename, errp) ||
        !qdict_take_enum(options, "aio", aio_names, &aio, NULL, errp) ||
        !qdict_take_enum(options, "locking", locking_names, &locking, NULL,
                         errp)) {
        return -EINVAL;
    }
    if (aio == 1 && !(flags & BDRV_O_NOCACHE)) {
        error_setg(errp, "aio=native was specified, but it requires "
                   "cache.direct=on, which was not specified.");
        return -EINVAL;
    }
    if (aio != 0) {
#ifdef CONFIG_LINUX_IO_URING
        /* Fail now rather than at the first request if the kernel
         * refuses io_uring; other contexts create their rings lazily. */
        if (!luring_get_current(errp)) {
            return -ENOTSUP;
        }
        s->use_io_uring = true;
#else
        error_setg(errp, "aio=%s was specified, but is not supported in "
                   "this build.", aio_names[aio]);
        return -ENOTSUP;
#endif
    }
    open_flags = O_CLOEXEC | ((flags & BDRV_O_RDWR) ? O_RDWR : O_RDONLY);
    if (flags & BDRV_O_NOCACHE) {
        open_flags |= O_DIRECT;
    }
    s->fd = open(filename, open_flags);
    if (s->fd < 0 && (flags & BDRV_O_RDWR) && (flags & BDRV_O_AUTO_RDONLY) &&
        (errno == EACCES || errno == EROFS || errno == EPERM)) {
        open_flags = (open_flags & ~O_RDWR) | O_RDONLY;
        s->fd = open(filename, open_flags);
        if (s->fd >= 0) {
            bs->read_only = true;
        }
    }
    if (s->fd < 0) {
        int err = errno;
        error_setg_errno(errp, err, "Could not open '%s'", filename);
        return -err;
    }
    if (fstat(s->fd, &st) < 0) {
        int err = errno;
        error_setg_errno(errp, err, "Could not stat '%s'", filename);
        close(s->fd);
        s->fd = -1;
        return -err;
    }
    if (S_ISBLK(st.st_mode)) {
        s->is_block_dev = true;
    } else if (S_ISREG(st.st_mode)) {
        struct statfs sfs;

        s->in_memory = fstatfs(s->fd, &sfs) == 0 &&
                       sfs.f_type == TMPFS_MAGIC;
    } else if (!S_ISREG(st.st_mode)) {
        error_setg(errp, "'file' driver requires '%s' to be a regular file",
                   filename);
        close(s->fd);
        s->fd = -1;
        return -EINVAL;
    }

    s->request_alignment = 1;
    s->buf_align = 1;
    if (flags & BDRV_O_NOCACHE) {
        s->request_alignment = 0;
        s->buf_align = 0;
        if (!raw_probe_alignment(s, errp)) {
            close(s->fd);
            s->fd = -1;
            return -EINVAL;
        }
    }
    s->filename = g_steal_pointer(&filename);
    if (!raw_setup_locking(s, locking, errp)) {
        close(s->fd);
        s->fd = -1;
        g_clear_pointer(&s->filename, g_free);
        return -ENOTSUP;
    }
    return 0;
}

static void raw_close(BlockDriverState *bs)
{
    BDRVRawState *s = bs->opaque;

    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    g_free(s->filename);
    g_mutex_clear(&s->wq_lock);
}

static void raw_refresh_limits(BlockDriverState *bs, Error **errp)
{
    BDRVRawState *s = bs->opaque;
    size_t page = sysconf(_SC_PAGESIZE);

    bs->bl.request_alignment = s->request_alignment;
    /* O_DIRECT wants both the address and the length of every iovec
     * aligned; lengths to the logical block size. */
    bs->bl.min_mem_alignment = MAX(s->buf_align, (size_t)s->request_alignment);
    bs->bl.opt_mem_alignment = MAX(bs->bl.min_mem_alignment, page);
    bs->bl.pdiscard_alignment = s->request_alignment;
}

/* ------------------------------------------------------------------ */
/* Work done in the thread pool: plain blocking syscalls, -errno. */

typedef struct RawRwData {
    int fd;
    bool is_write;
    bool direct;
    int64_t offset;
    int64_t bytes;
    struct iovec *iov;          /* a private copy: advanced in place */
    int niov;
    /* Queued buffered writes (BDRVRawState.wq_*). */
    struct RawRwData *wq_next;
    Coroutine *co;
    int ret;
    bool lead;                  /* woken to run the next drain */
} RawRwData;

/* Drop @n bytes from the front of the vector. */
static void iov_advance(struct iovec **iov, int *niov, size_t n)
{
    while (n > 0 && *niov > 0) {
        if (n >= (*iov)->iov_len) {
            n -= (*iov)->iov_len;
            (*iov)++;
            (*niov)--;
        } else {
            (*iov)->iov_base = (char *)(*iov)->iov_base + n;
            (*iov)->iov_len -= n;
            n = 0;
        }
    }
}

/* One preadv/pwritev: bytes transferred or -errno. */
typedef ssize_t RawXferFunc(void *opaque, RawRwData *d,
                            const struct iovec *iov, int cnt, int64_t off);

/*
 * Transfer all of @d with @xfer, resubmitting the rest after a short
 * transfer. A read that reaches the end of the file fills the rest with
 * zeroes; a write that makes no progress is -ENOSPC. Runs in a worker
 * thread (aio=threads) or in the request's coroutine (aio=io_uring, where
 * @xfer yields).
 */
static int raw_rw_loop(RawRwData *d, RawXferFunc *xfer, void *opaque)
{
    struct iovec *iov = d->iov;
    int niov = d->niov;
    int64_t done = 0;

    while (done < d->bytes) {
        int cnt = MIN(niov, IOV_MAX);
        ssize_t r = xfer(opaque, d, iov, cnt, d->offset + done);

        if (r < 0) {
            if (r == -EINTR || r == -EAGAIN) {
                continue;
            }
            /* After a short O_DIRECT read the next offset is unaligned;
             * that short read was the end of the file. */
            if (r == -EINVAL && d->direct && !d->is_write && done > 0) {
                break;
            }
            return r;
        }
        if (r == 0) {
            if (d->is_write) {
                return -ENOSPC;
            }
            break;
        }
        done += r;
        iov_advance(&iov, &niov, r);
    }
    /* Reading past the end of the file gives zeroes. */
    for (; niov > 0 && done < d->bytes; iov++, niov--) {
        memset(iov->iov_base, 0, iov->iov_len);
        done += iov->iov_len;
    }
    return 0;
}

static ssize_t raw_xfer_sync(void *opaque, RawRwData *d,
                             const struct iovec *iov, int cnt, int64_t off)
{
    ssize_t r = d->is_write ? pwritev(d->fd, iov, cnt, off)
                            : preadv(d->fd, iov, cnt, off);

    return r < 0 ? -errno : r;
}

static int raw_rw_worker(void *opaque)
{
    return raw_rw_loop(opaque, raw_xfer_sync, NULL);
}

static ssize_t coroutine_fn raw_xfer_uring(void *opaque, RawRwData *d,
                                           const struct iovec *iov, int cnt,
                                           int64_t off)
{
    return luring_co_rw(opaque, d->fd, d->is_write, iov, cnt, off);
}

/*
 * The ring to use for a request of @bs in the calling context, or NULL
 * for the thread pool (aio=threads, or no ring could be set up in this
 * context: then the request still works, just through threads).
 */
static LuringState *raw_get_ring(BlockDriverState *bs)
{
    BDRVRawState *s = bs->opaque;

    return s->use_io_uring ? luring_get_current(NULL) : NULL;
}

/*
 * A buffered read whose data is in the page cache needs no worker thread:
 * try it here with RWF_NOWAIT, which fails with EAGAIN (or stops short)
 * instead of waiting for the disk. True if all of @d was read; else @d
 * is advanced past what was read and the rest goes to the thread pool.
 * Saves two thread switches and the wakeups per request.
 */
static bool raw_try_read_nowait(BDRVRawState *s, RawRwData *d)
{
    ssize_t r;

    if (qatomic_read(&s->no_nowait)) {
        return false;
    }
    r = preadv2(d->fd, d->iov, MIN(d->niov, IOV_MAX), d->offset, RWF_NOWAIT);
    if (r < 0) {
        if (errno == EOPNOTSUPP) {
            qatomic_set(&s->no_nowait, true);
        }
        return false;
    }
    d->offset += r;
    d->bytes -= r;
    iov_advance(&d->iov, &d->niov, r);
    return d->bytes == 0;
}

/* Writes one drain does before handing the rest to a queued request. */
#define RAW_WRITE_DRAIN_MAX 16

typedef struct RawDrain {
    BDRVRawState *s;
    RawRwData *first;
} RawDrain;

/*
 * Worker: write @dr->first, then the queued writes, waking each one's
 * coroutine when it is done. After RAW_WRITE_DRAIN_MAX writes the next
 * queued request is woken as the new leader, so that no coroutine waits
 * for more than that many writes of others.
 */
static int raw_write_drain(void *opaque)
{
    RawDrain *dr = opaque;
    BDRVRawState *s = dr->s;
    int ret = raw_rw_loop(dr->first, raw_xfer_sync, NULL);

    for (int n = 1;; n++) {
        RawRwData *e;

        g_mutex_lock(&s->wq_lock);
        e = s->wq_head;
        if (!e) {
            s->wq_running = false;
            g_mutex_unlock(&s->wq_lock);
            break;
        }
        s->wq_head = e->wq_next;
        if (!s->wq_head) {
            s->wq_tail = NULL;
        }
        if (n >= RAW_WRITE_DRAIN_MAX) {
            e->lead = true;             /* wq_running stays set */
            g_mutex_unlock(&s->wq_lock);
            aio_co_wake(e->co);
            break;
        }
        g_mutex_unlock(&s->wq_lock);
        e->ret = raw_rw_loop(e, raw_xfer_sync, NULL);
        /* @e lives on the coroutine's stack: not touched after this. */
        aio_co_wake(e->co);
    }
    return ret;
}

/* A buffered write of a regular file, one worker at a time. May yield. */
static int coroutine_fn raw_co_write_queued(BDRVRawState *s, RawRwData *d)
{
    RawDrain dr = { .s = s, .first = d };

    d->co = qemu_coroutine_self();
    d->lead = false;
    d->wq_next = NULL;
    g_mutex_lock(&s->wq_lock);
    if (!s->wq_running) {
        s->wq_running = true;
        d->lead = true;
    } else if (s->wq_tail) {
        s->wq_tail->wq_next = d;
        s->wq_tail = d;
    } else {
        s->wq_head = s->wq_tail = d;
    }
    g_mutex_unlock(&s->wq_lock);

    if (!d->lead) {
        /* Woken by the drain: done, or made the next leader. */
        qemu_coroutine_yield();
        if (!qatomic_read(&d->lead)) {
            return d->ret;
        }
    }
    return thread_pool_submit_co(raw_write_drain, &dr);
}

static int coroutine_fn raw_co_rw(BlockDriverState *bs, bool is_write,
                                  int64_t offset, int64_t bytes,
                                  QEMUIOVector *qiov)
{
    BDRVRawState *s = bs->opaque;
    struct iovec small[8];
    RawRwData d = {
        .fd = s->fd,
        .is_write = is_write,
        .direct = bs->open_flags & BDRV_O_NOCACHE,
        .offset = offset,
        .bytes = bytes,
        .niov = qiov->niov,
    };
    LuringState *ring = raw_get_ring(bs);
    int ret;

    struct iovec *iov_alloc;
    d.iov = qiov->niov <= (int)ARRAY_SIZE(small) ? small
                                                 : g_new(struct iovec,
                                                         qiov->niov);
    iov_alloc = d.iov;
    memcpy(d.iov, qiov->iov, qiov->niov * sizeof(struct iovec));
    if (ring) {
        ret = raw_rw_loop(&d, raw_xfer_uring, ring);
    } else if (s->in_memory) {
        ret = raw_rw_loop(&d, raw_xfer_sync, NULL);
    } else if (!is_write && !d.direct && raw_try_read_nowait(s, &d)) {
        ret = 0;
    } else if (is_write && !d.direct && !s->is_block_dev) {
        ret = raw_co_write_queued(s, &d);
    } else {
        ret = thread_pool_submit_co(raw_rw_worker, &d);
    }
    if (iov_alloc != small) {
        g_free(iov_alloc);
    }
    return ret;
}

static int coroutine_fn raw_co_preadv(BlockDriverState *bs, int64_t offset,
                                      int64_t bytes, QEMUIOVector *qiov,
                                      BdrvRequestFlags flags)
{
    return raw_co_rw(bs, false, offset, bytes, qiov);
}

static int coroutine_fn raw_co_pwritev(BlockDriverState *bs, int64_t offset,
                                       int64_t bytes, QEMUIOVector *qiov,
                                       BdrvRequestFlags flags)
{
    return raw_co_rw(bs, true, offset, bytes, qiov);
}

static int raw_flush_worker(void *opaque)
{
    int fd = *(int *)opaque;

    if (fdatasync(fd) < 0) {
        return -errno;
    }
    return 0;
}

static int coroutine_fn raw_co_flush(BlockDriverState *bs)
{
    BDRVRawState *s = bs->opaque;
    int fd = s->fd;
    LuringState *ring = raw_get_ring(bs);

    if (ring) {
        int ret;

        do {
            ret = luring_co_fdatasync(ring, fd);
        } while (ret == -EINTR);
        return ret;
    }
    return thread_pool_submit_co(raw_flush_worker, &fd);
}

typedef struct RawRangeData {
    int fd;
    int64_t offset;
    int64_t bytes;
    bool may_unmap;
    LuringState *ring;          /* fallocate through it, if set */
} RawRangeData;

/* fallocate()'s -errno, with -ENOTSUP for "the filesystem cannot do
 * this". */
static int fallocate_errno(int err)
{
    if (err == EOPNOTSUPP || err == ENOSYS || err == EINVAL) {
        return -ENOTSUP;
    }
    return -err;
}

/* 0, -ENOTSUP for "the filesystem cannot do this", else -errno. */
static int do_fallocate(int fd, int mode, int64_t offset, int64_t len)
{
    while (fallocate(fd, mode, offset, len) < 0) {
        if (errno != EINTR) {
            return fallocate_errno(errno);
        }
    }
    return 0;
}

/* fallocate(@mode) of @d's range through @d->ring (in the request's
 * coroutine) or directly (in a worker thread); as do_fallocate(). */
static int raw_range_fallocate(RawRangeData *d, int mode)
{
    int ret;

    if (!d->ring) {
        return do_fallocate(d->fd, mode, d->offset, d->bytes);
    }
    do {
        ret = luring_co_fallocate(d->ring, d->fd, mode, d->offset, d->bytes);
    } while (ret == -EINTR);
    return ret < 0 ? fallocate_errno(-ret) : 0;
}

/*
 * Write zeroes over @d's range: punch a hole (may_unmap, inside the
 * file), else zero the range, else grow the file if the range is wholly
 * past its end; -ENOTSUP lets the generic layer write buffers of zeroes.
 * The fstat/ftruncate are done directly even with a ring (io_uring has no
 * such operations here); they do not wait for data.
 */
static int raw_do_zeroes(RawRangeData *d)
{
    struct stat st;
    int ret;

    if (fstat(d->fd, &st) < 0) {
        return -errno;
    }
    /* A hole punched inside the file reads as zeroes. */
    if (d->may_unmap && d->offset + d->bytes <= st.st_size) {
        ret = raw_range_fallocate(d, FALLOC_FL_PUNCH_HOLE |
                                  FALLOC_FL_KEEP_SIZE);
        if (ret != -ENOTSUP) {
            return ret;
        }
    }
    ret = raw_range_fallocate(d, FALLOC_FL_ZERO_RANGE);
    if (ret != -ENOTSUP) {
        return ret;
    }
    /* Wholly past the end: growing the file gives zeroes. */
    if (d->offset >= st.st_size) {
        if (ftruncate(d->fd, d->offset + d->bytes) < 0) {
            return -errno;
        }
        return 0;
    }
    return -ENOTSUP;
}

static int raw_zeroes_worker(void *opaque)
{
    return raw_do_zeroes(opaque);
}

static int coroutine_fn raw_co_pwrite_zeroes(BlockDriverState *bs,
                                             int64_t offset, int64_t bytes,
                                             BdrvRequestFlags flags)
{
    BDRVRawState *s = bs->opaque;
    RawRangeData d = {
        .fd = s->fd, .offset = offset, .bytes = bytes,
        .may_unmap = flags & BDRV_REQ_MAY_UNMAP,
    };

    if (s->is_block_dev) {
        /* BLKZEROOUT is not implemented: the generic layer writes zeroes. */
        return -ENOTSUP;
    }
    d.ring = raw_get_ring(bs);
    if (d.ring) {
        return raw_do_zeroes(&d);
    }
    return thread_pool_submit_co(raw_zeroes_worker, &d);
}

static int raw_discard_worker(void *opaque)
{
    return raw_range_fallocate(opaque, FALLOC_FL_PUNCH_HOLE |
                               FALLOC_FL_KEEP_SIZE);
}

static int coroutine_fn raw_co_pdiscard(BlockDriverState *bs, int64_t offset,
                                        int64_t bytes)
{
    BDRVRawState *s = bs->opaque;
    RawRangeData d = { .fd = s->fd, .offset = offset, .bytes = bytes };

    if (s->is_block_dev) {
        return -ENOTSUP;     /* BLKDISCARD is not implemented */
    }
    d.ring = raw_get_ring(bs);
    if (d.ring) {
        return raw_range_fallocate(&d, FALLOC_FL_PUNCH_HOLE |
                                   FALLOC_FL_KEEP_SIZE);
    }
    return thread_pool_submit_co(raw_discard_worker, &d);
}

static int raw_truncate_worker(void *opaque)
{
    RawRangeData *d = opaque;

    if (ftruncate(d->fd, d->offset) < 0) {
        return -errno;
    }
    return 0;
}

static int64_t raw_getlength(BlockDriverState *bs)
{
    BDRVRawState *s = bs->opaque;
    struct stat st;

    if (s->is_block_dev) {
        uint64_t size;

        if (ioctl(s->fd, BLKGETSIZE64, &size) < 0) {
            return -errno;
        }
        return size;
    }
    if (fstat(s->fd, &st) < 0) {
        return -errno;
    }
    return st.st_size;
}

static int coroutine_fn raw_co_truncate(BlockDriverState *bs, int64_t offset,
                                        bool exact, PreallocMode prealloc,
                                        Error **errp)
{
    BDRVRawState *s = bs->opaque;
    RawRangeData d = { .fd = s->fd, .offset = offset };
    int ret;

    if (prealloc != PREALLOC_MODE_OFF) {
        error_setg(errp, "Unsupported preallocation mode '%s'",
                   prealloc == PREALLOC_MODE_FALLOC ? "falloc" : "full");
        return -ENOTSUP;
    }
    if (s->is_block_dev) {
        int64_t len = raw_getlength(bs);

        if (len < 0) {
            error_setg_errno(errp, (int)-len, "Failed to get device size");
            return (int)len;
        }
        if (offset > len) {
            error_setg(errp, "Cannot grow device files");
            return -EINVAL;
        }
        if (exact && offset != len) {
            error_setg(errp, "Cannot resize device files");
            return -ENOTSUP;
        }
        return 0;
    }
    ret = thread_pool_submit_co(raw_truncate_worker, &d);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Failed to resize the file");
    }
    return ret;
}

static int coroutine_fn raw_co_block_status(BlockDriverState *bs,
                                            int64_t offset, int64_t bytes,
                                            int64_t *pnum)
{
    BDRVRawState *s = bs->opaque;
    off_t data, hole;

    *pnum = bytes;
    if (s->is_block_dev) {
        return BDRV_BLOCK_DATA;
    }
    /* lseek() only moves the file position, which pread/pwrite ignore. */
    data = lseek(s->fd, offset, SEEK_DATA);
    if (data < 0) {
        if (errno == ENXIO) {
            /* In a hole that runs to the end of the file. */
            return BDRV_BLOCK_ZERO;
        }
        return BDRV_BLOCK_DATA;     /* SEEK_DATA unsupported: assume data */
    }
    if (data > offset) {
        *pnum = MIN(bytes, data - offset);
        return BDRV_BLOCK_ZERO;
    }
    hole = lseek(s->fd, offset, SEEK_HOLE);
    if (hole < 0) {
        return BDRV_BLOCK_DATA;
    }
    if (hole > offset) {
        *pnum = MIN(bytes, hole - offset);
    }
    return BDRV_BLOCK_DATA;
}

static int64_t raw_get_allocated_file_size(BlockDriverState *bs)
{
    BDRVRawState *s = bs->opaque;
    struct stat st;

    if (fstat(s->fd, &st) < 0) {
        return -errno;
    }
    return (int64_t)st.st_blocks * 512;
}

const BlockDriver bdrv_file = {
    .format_name                = "file",
    .instance_size              = sizeof(BDRVRawState),
    .bdrv_open                  = raw_open,
    .bdrv_close                 = raw_close,
    .bdrv_refresh_limits        = raw_refresh_limits,
    .bdrv_check_perm            = raw_check_perm,
    .bdrv_set_perm              = raw_set_perm,
    .bdrv_abort_perm_update     = raw_abort_perm_update,
    .bdrv_co_preadv             = raw_co_preadv,
    .bdrv_co_pwritev            = raw_co_pwritev,
    .bdrv_co_pwrite_zeroes      = raw_co_pwrite_zeroes,
    .bdrv_co_pdiscard           = raw_co_pdiscard,
    .bdrv_co_flush              = raw_co_flush,
    .bdrv_co_truncate           = raw_co_truncate,
    .bdrv_co_block_status       = raw_co_block_status,
    .bdrv_getlength             = raw_getlength,
    .bdrv_get_allocated_file_size = raw_get_allocated_file_size,
};
