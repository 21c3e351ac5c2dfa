/*
 * Asynchronous file I/O engines of the file driver (block/file-posix.c).
 * Private to block/.
 *
 * io_uring (block/io_uring.c, CONFIG_LINUX_IO_URING): one ring per
 * AioContext, created the first time a coroutine of that context submits
 * and freed with the context. Each submission is one system call's worth
 * of work (one readv, writev, fsync or fallocate); the caller handles
 * short transfers. Completions arrive through an eventfd watched by the
 * context, and wake the submitting coroutine in its own thread.
 */
#ifndef BLOCK_RAW_AIO_H
#define BLOCK_RAW_AIO_H

#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/error.h"

typedef struct LuringState LuringState;

#ifdef CONFIG_LINUX_IO_URING

/*
 * The ring of the calling thread's AioContext, created on first use.
 * NULL with errp set when io_uring cannot be set up (kernel too old,
 * disabled, out of locked memory). Call from the thread polling the
 * context (a coroutine or the main loop).
 */
LuringState *luring_get_current(Error **errp);

/*
 * preadv/pwritev of @niov (at most IOV_MAX) vectors at @offset on @fd.
 * Returns the bytes transferred (possibly short, 0 at end of file) or
 * -errno. The vectors must stay valid until it returns. May yield.
 */
int coroutine_fn luring_co_rw(LuringState *s, int fd, bool is_write,
                              const struct iovec *iov, int niov,
                              int64_t offset);
/* fdatasync(@fd): 0 or -errno. May yield. */
int coroutine_fn luring_co_fdatasync(LuringState *s, int fd);
/* fallocate(@fd, @mode, @offset, @len): 0 or -errno. May yield. */
int coroutine_fn luring_co_fallocate(LuringState *s, int fd, int mode,
                                     int64_t offset, int64_t len);

#else /* !CONFIG_LINUX_IO_URING */

/* Without liburing there is never a ring, so the others are unreachable. */
static inline LuringState *luring_get_current(Error **errp)
{
    error_setg(errp, "io_uring is not supported in this build");
    return NULL;
}

static inline int coroutine_fn luring_co_rw(LuringState *s, int fd,
                                            bool is_write,
                                            const struct iovec *iov,
                                            int niov, int64_t offset)
{
    return -ENOTSUP;
}

static inline int coroutine_fn luring_co_fdatasync(LuringState *s, int fd)
{
    return -ENOTSUP;
}

static inline int coroutine_fn luring_co_fallocate(LuringState *s, int fd,
                                                   int mode, int64_t offset,
                                                   int64_t len)
{
    return -ENOTSUP;
}

#endif /* CONFIG_LINUX_IO_URING */

#endif /* BLOCK_RAW_AIO_H */
