/*
 * QEMUIOVector: a growable scatter/gather list with a cached total size.
 */
#include "qemu/osdep.h"
#include "qemu/iov.h"

/* An empty vector with room for @alloc_hint elements; destroy with
 * qemu_iovec_destroy(). */
void qemu_iovec_init(QEMUIOVector *qiov, int alloc_hint)
{
    if (alloc_hint < 1) {
        alloc_hint = 1;
    }
    qiov->iov = g_new(struct iovec, alloc_hint);
    qiov->niov = 0;
    qiov->nalloc = alloc_hint;
    qiov->size = 0;
    qiov->local_iov = (struct iovec) { 0 };
}

/* A one-element vector over @buf; nothing is allocated. Do not add to it.
 * The vector must not be copied by value (iov points into it). */
void qemu_iovec_init_buf(QEMUIOVector *qiov, void *buf, size_t len)
{
    qiov->local_iov.iov_base = buf;
    qiov->local_iov.iov_len = len;
    qiov->iov = &qiov->local_iov;
    qiov->niov = 1;
    qiov->nalloc = 0;
    qiov->size = len;
}

/* Wrap @niov caller-owned iovecs; they are neither copied nor freed, and
 * the vector cannot grow. */
void qemu_iovec_init_external(QEMUIOVector *qiov, struct iovec *iov, int niov)
{
    size_t size = 0;

    for (int i = 0; i < niov; i++) {
        size += iov[i].iov_len;
    }
    qiov->iov = iov;
    qiov->niov = niov;
    qiov->nalloc = 0;
    qiov->size = size;
    qiov->local_iov = (struct iovec) { 0 };
}

/* Append [@base, @base + @len). Only for vectors made by qemu_iovec_init(). */
void qemu_iovec_add(QEMUIOVector *qiov, void *base, size_t len)
{
    assert(qiov->nalloc != 0);
    if (qiov->niov == qiov->nalloc) {
        qiov->nalloc = 2 * qiov->nalloc + 1;
        qiov->iov = g_renew(struct iovec, qiov->iov, qiov->nalloc);
    }
    qiov->iov[qiov->niov].iov_base = base;
    qiov->iov[qiov->niov].iov_len = len;
    qiov->niov++;
    qiov->size += len;
}

/* Append the byte range [@offset, @offset + @bytes) of @src to @dst (no
 * data is copied, only iovec pointers). @src must cover the range. */
void qemu_iovec_concat(QEMUIOVector *dst, QEMUIOVector *src,
                       size_t offset, size_t bytes)
{
    assert(offset <= src->size && bytes <= src->size - offset);
    for (int i = 0; i < src->niov && bytes > 0; i++) {
        size_t len = src->iov[i].iov_len;

        if (offset >= len) {
            offset -= len;
            continue;
        }
        len = MIN(len - offset, bytes);
        qemu_iovec_add(dst, (char *)src->iov[i].iov_base + offset, len);
        bytes -= len;
        offset = 0;
    }
}

/* Drop all elements, keeping the allocation (init()-made vectors only). */
void qemu_iovec_reset(QEMUIOVector *qiov)
{
    assert(qiov->nalloc != 0);
    qiov->niov = 0;
    qiov->size = 0;
}

/* Free the element array of an init()-made vector; no-op for vectors over
 * a buffer or external iovecs. The data buffers are never freed. */
void qemu_iovec_destroy(QEMUIOVector *qiov)
{
    if (qiov->nalloc != 0) {
        g_free(qiov->iov);
    }
    memset(qiov, 0, sizeof(*qiov));
}

/*
 * Walk [@offset, @offset + @bytes) of @qiov, calling @fn on each piece.
 * Returns the number of bytes walked (short if the vector ends first).
 */
static size_t iov_walk(QEMUIOVector *qiov, size_t offset, size_t bytes,
                       void (*fn)(void *base, size_t len, size_t done,
                                  void *opaque),
                       void *opaque)
{
    size_t done = 0;

    for (int i = 0; i < qiov->niov && done < bytes; i++) {
        size_t len = qiov->iov[i].iov_len;

        if (offset >= len) {
            offset -= len;
            continue;
        }
        len = MIN(len - offset, bytes - done);
        fn((char *)qiov->iov[i].iov_base + offset, len, done, opaque);
        done += len;
        offset = 0;
    }
    return done;
}

static void to_buf_fn(void *base, size_t len, size_t done, void *opaque)
{
    memcpy((char *)opaque + done, base, len);
}

static void from_buf_fn(void *base, size_t len, size_t done, void *opaque)
{
    memcpy(base, (const char *)opaque + done, len);
}

static void memset_fn(void *base, size_t len, size_t done, void *opaque)
{
    memset(base, *(int *)opaque, len);
}

static void is_zero_fn(void *base, size_t len, size_t done, void *opaque)
{
    bool *zero = opaque;
    const unsigned char *p = base;

    /* All bytes zero <=> first byte zero and each byte equals the next. */
    if (*zero && len > 0 && (p[0] != 0 || memcmp(p, p + 1, len - 1) != 0)) {
        *zero = false;
    }
}

/* Copy up to @bytes from @qiov at @offset into @buf. Returns bytes copied. */
size_t qemu_iovec_to_buf(QEMUIOVector *qiov, size_t offset,
                         void *buf, size_t bytes)
{
    return iov_walk(qiov, offset, bytes, to_buf_fn, buf);
}

/* Copy up to @bytes from @buf into @qiov at @offset. Returns bytes copied. */
size_t qemu_iovec_from_buf(QEMUIOVector *qiov, size_t offset,
                           const void *buf, size_t bytes)
{
    return iov_walk(qiov, offset, bytes, from_buf_fn, (void *)buf);
}

/* Fill up to @bytes of @qiov at @offset with @fillc. Returns bytes set. */
size_t qemu_iovec_memset(QEMUIOVector *qiov, size_t offset,
                         int fillc, size_t bytes)
{
    return iov_walk(qiov, offset, bytes, memset_fn, &fillc);
}

/* True if [@offset, @offset + @bytes) of @qiov holds only zero bytes
 * (bytes beyond the end of the vector are not considered). */
bool qemu_iovec_is_zero(QEMUIOVector *qiov, size_t offset, size_t bytes)
{
    bool zero = true;

    iov_walk(qiov, offset, bytes, is_zero_fn, &zero);
    return zero;
}
