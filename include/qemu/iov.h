/*
 * I/O vectors.
 */
#ifndef QEMU_IOV_H
#define QEMU_IOV_H

#include "qemu/osdep.h"

typedef struct QEMUIOVector {
    struct iovec *iov;
    int niov;
    int nalloc;             /* 0 for a vector over caller-owned iovecs */
    size_t size;
    struct iovec local_iov; /* used by qemu_iovec_init_buf() */
} QEMUIOVector;

void qemu_iovec_init(QEMUIOVector *qiov, int alloc_hint);
/* A one-element vector over @buf; nothing to free, no destroy needed. */
void qemu_iovec_init_buf(QEMUIOVector *qiov, void *buf, size_t len);
/* Wrap caller-owned iovecs (not copied, not freed). */
void qemu_iovec_init_external(QEMUIOVector *qiov, struct iovec *iov, int niov);
void qemu_iovec_add(QEMUIOVector *qiov, void *base, size_t len);
/* Append the part [@offset, @offset + @bytes) of @src. */
void qemu_iovec_concat(QEMUIOVector *dst, QEMUIOVector *src,
                       size_t offset, size_t bytes);
void qemu_iovec_reset(QEMUIOVector *qiov);
void qemu_iovec_destroy(QEMUIOVector *qiov);
size_t qemu_iovec_to_buf(QEMUIOVector *qiov, size_t offset,
                         void *buf, size_t bytes);
size_t qemu_iovec_from_buf(QEMUIOVector *qiov, size_t offset,
                           const void *buf, size_t bytes);
size_t qemu_iovec_memset(QEMUIOVector *qiov, size_t offset,
                         int fillc, size_t bytes);
bool qemu_iovec_is_zero(QEMUIOVector *qiov, size_t offset, size_t bytes);

#endif /* QEMU_IOV_H */
