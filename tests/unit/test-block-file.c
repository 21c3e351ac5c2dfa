/*
 * Unit tests for the data path of the block layer over the "file" and
 * "raw" drivers: read/write round trips (sync and in coroutines), many
 * concurrent requests, requests split at max_transfer, O_DIRECT with
 * unaligned requests and buffers, concurrent read-modify-write of one
 * block, raw offset/size windows, short reads and writes, drain,
 * IOThreads, and io_uring batching.
 *
 * Locking, truncate, block status, write-zeroes/discard, option errors
 * and permissions are in test-block-file-meta.c; the filesystems and
 * variants every case runs in are described in block-test-util.h.
 */
#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/coroutine.h"
#include "qemu/error.h"
#include "qemu/iothread.h"
#include "block/aio-wait.h"
#include "block/block_int.h"
#include "system/block-backend.h"
#include "block-test-util.h"

#include <sys/resource.h>
#include <sys/stat.h>

/* Check a write/read round trip through the sync wrappers, and that the
 * data really is in the file. */
static void test_rw_sync(void)
{
    g_autofree char *path = make_file("sync.img", 1 << 20, 0);
    BlockDriverState *bs = open_fmt(&error_abort, "{\"driver\": \"file\", "
                                    "\"node-name\": \"f\", "
                                    "\"filename\": \"%s\"}", path);
    BlockBackend *blk = new_blk(bs, PERM_RW);
    g_autofree uint8_t *out = g_malloc(70000);
    g_autofree uint8_t *in = g_malloc0(70000);
    g_autofree uint8_t *disk = NULL;

    for (int i = 0; i < 70000; i++) {
        out[i] = i * 7 + 3;
    }
    g_assert_cmpint(blk_getlength(blk), ==, 1 << 20);
    g_assert_cmpint(blk_pwrite(blk, 12345, 70000, out, 0), ==, 0);
    g_assert_cmpint(blk_flush(blk), ==, 0);
    g_assert_cmpint(blk_pread(blk, 12345, 70000, in, 0), ==, 0);
    g_assert_cmpmem(in, 70000, out, 70000);
    disk = read_file(path, 12345, 70000);
    g_assert_cmpmem(disk, 70000, out, 70000);
    g_assert_cmpint(blk_pwrite(blk, (1 << 20) - 10, 20, out, BDRV_REQ_FUA),
                    ==, -EIO);
    g_assert_cmpint(blk_pwrite(blk, (1 << 20) - 10, 10, out, BDRV_REQ_FUA),
                    ==, 0);
    g_assert_cmpint(file_size(path), ==, 1 << 20);

    blk_unref(blk);
    delete_node("f");
}

typedef struct VecIo {
    BlockBackend *blk;
    int ret_w, ret_r;
    bool done;
    uint8_t a[100], b[4000], c[333];
    uint8_t ra[100], rb[4000], rc[333];
} VecIo;

static void coroutine_fn vec_io_entry(void *opaque)
{
    VecIo *v = opaque;
    QEMUIOVector qiov, riov;

    qemu_iovec_init(&qiov, 3);
    qemu_iovec_add(&qiov, v->a, sizeof(v->a));
    qemu_iovec_add(&qiov, v->b, sizeof(v->b));
    qemu_iovec_add(&qiov, v->c, sizeof(v->c));
    qemu_iovec_init(&riov, 3);
    qemu_iovec_add(&riov, v->ra, sizeof(v->ra));
    qemu_iovec_add(&riov, v->rb, sizeof(v->rb));
    qemu_iovec_add(&riov, v->rc, sizeof(v->rc));

    v->ret_w = blk_co_pwritev(v->blk, 999, qiov.size, &qiov, 0);
    v->ret_r = blk_co_preadv(v->blk, 999, riov.size, &riov, 0);
    qemu_iovec_destroy(&qiov);
    qemu_iovec_destroy(&riov);
    v->done = true;
    aio_wait_kick();
}

/* Check a scatter/gather write and read in a coroutine. */
static void test_rw_coroutine(void)
{
    g_autofree char *path = make_file("co.img", 65536, 0);
    BlockDriverState *bs = open_fmt(&error_abort, "{\"driver\": \"file\", "
                                    "\"node-name\": \"f\", "
                                    "\"filename\": \"%s\"}", path);
    BlockBackend *blk = new_blk(bs, PERM_RW);
    g_autofree VecIo *v = g_new0(VecIo, 1);
    g_autofree uint8_t *disk = NULL;

    v->blk = blk;
    memset(v->a, 'a', sizeof(v->a));
    memset(v->b, 'b', sizeof(v->b));
    memset(v->c, 'c', sizeof(v->c));
    qemu_coroutine_enter(qemu_coroutine_create(vec_io_entry, v));
    AIO_WAIT_WHILE(!v->done);
    g_assert_cmpint(v->ret_w, ==, 0);
    g_assert_cmpint(v->ret_r, ==, 0);
    g_assert_cmpmem(v->ra, sizeof(v->ra), v->a, sizeof(v->a));
    g_assert_cmpmem(v->rb, sizeof(v->rb), v->b, sizeof(v->b));
    g_assert_cmpmem(v->rc, sizeof(v->rc), v->c, sizeof(v->c));
    disk = read_file(path, 999 + 100 + 4000, 333);
    g_assert_cmpmem(disk, 333, v->c, 333);

    blk_unref(blk);
    delete_node("f");
}

typedef struct PatternReq {
    BlockBackend *blk;
    int64_t offset;
    int64_t bytes;
    int pattern;
    int ret;
    int *completed;
} PatternReq;

static void coroutine_fn pattern_write_entry(void *opaque)
{
    PatternReq *r = opaque;
    uint8_t *buf = qemu_memalign(4096, r->bytes + 1);

    /* Deliberately misaligned in memory by one byte. */
    memset(buf + 1, r->pattern, r->bytes);
    r->ret = blk_co_pwrite(r->blk, r->offset, r->bytes, buf + 1, 0);
    qemu_vfree(buf);
    qatomic_inc(r->completed);
    aio_wait_kick();
}

/* Start @n pattern writes at once and wait for all of them. */
static void run_pattern_writes(PatternReq *reqs, int n)
{
    int completed = 0;

    for (int i = 0; i < n; i++) {
        reqs[i].completed = &completed;
        qemu_coroutine_enter(qemu_coroutine_create(pattern_write_entry,
                                                   &reqs[i]));
    }
    AIO_WAIT_WHILE(qatomic_read(&completed) < n);
    for (int i = 0; i < n; i++) {
        g_assert_cmpint(reqs[i].ret, ==, 0);
    }
}

/* Check that 64 concurrent writes to distinct ranges all land. */
static void test_concurrent(void)
{
    g_autofree char *path = make_file("conc.img", 64 * 65536, 0);
    BlockDriverState *bs = open_fmt(&error_abort, "{\"driver\": \"file\", "
                                    "\"node-name\": \"f\", "
                                    "\"filename\": \"%s\"}", path);
    BlockBackend *blk = new_blk(bs, PERM_RW);
    PatternReq reqs[64];
    g_autofree uint8_t *disk = NULL;

    for (int i = 0; i < 64; i++) {
        reqs[i] = (PatternReq) { .blk = blk, .offset = i * 65536,
                                 .bytes = 65536, .pattern = i + 1 };
    }
    run_pattern_writes(reqs, 64);
    disk = read_file(path, 0, 64 * 65536);
    for (int i = 0; i < 64 * 65536; i++) {
        g_assert_cmpint(disk[i], ==, i / 65536 + 1);
    }
    blk_unref(blk);
    delete_node("f");
}

/* Check that requests longer than the driver's max_transfer are split
 * and still land in the right place (set the limit by hand: no driver
 * here has one). */
static void test_max_transfer_split(void)
{
    g_autofree char *path = make_file("split.img", 1 << 20, 0);
    BlockDriverState *bs = open_fmt(&error_abort, "{\"driver\": \"file\", "
                                    "\"node-name\": \"f\", "
                                    "\"filename\": \"%s\"}", path);
    BlockBackend *blk = new_blk(bs, PERM_RW);
    g_autofree uint8_t *out = g_malloc(300000);
    g_autofree uint8_t *in = g_malloc0(300000);
    g_autofree uint8_t *disk = NULL;

    bs->bl.max_transfer = 4096;
    for (int i = 0; i < 300000; i++) {
        out[i] = i % 251;
    }
    g_assert_cmpint(blk_pwrite(blk, 777, 300000, out, 0), ==, 0);
    g_assert_cmpint(blk_pread(blk, 777, 300000, in, 0), ==, 0);
    g_assert_cmpmem(in, 300000, out, 300000);
    disk = read_file(path, 777, 300000);
    g_assert_cmpmem(disk, 300000, out, 300000);
    blk_unref(blk);
    delete_node("f");
}

/*
 * Check O_DIRECT with requests that are unaligned in offset, length and
 * memory, against a shadow copy, and that the file does not grow.
 */
static void test_direct_unaligned(void)
{
    const size_t size = 4 * 1024 * 1024;
    g_autofree char *path = make_file("direct.img", size, 0x5a);
    BlockDriverState *bs = open_direct("d", path);
    BlockBackend *blk;
    g_autofree uint8_t *shadow = NULL;
    g_autofree uint8_t *disk = NULL;
    uint8_t *buf;
    static const struct { int64_t off, len; } ops[] = {
        { 0, 1 }, { 1, 511 }, { 100, 1000 }, { 4095, 2 }, { 4096, 4096 },
        { 5000, 70000 }, { 511, 513 }, { 200000, 3 }, { 262140, 4 },
        { 8192, 65536 }, { 3, 4093 },
        /* More than one bounce buffer's worth (1 MiB). */
        { 300001, 2500000 }, { 4194300, 4 },
    };

    if (!bs) {
        return;
    }
    g_assert_cmpuint(bdrv_get_request_alignment(bs), >=, 512);
#ifdef STATX_DIOALIGN
    {
        /* The filesystem's own answer, where it gives one. */
        struct statx stx;

        if (statx(AT_FDCWD, path, 0, STATX_DIOALIGN, &stx) == 0 &&
            (stx.stx_mask & STATX_DIOALIGN) && stx.stx_dio_offset_align) {
            g_assert_cmpuint(bdrv_get_request_alignment(bs), ==,
                             stx.stx_dio_offset_align);
        }
    }
#endif
    blk = new_blk(bs, PERM_RW);
    shadow = g_malloc(size);
    memset(shadow, 0x5a, size);
    buf = qemu_memalign(4096, 2600000);

    for (size_t i = 0; i < G_N_ELEMENTS(ops); i++) {
        uint8_t *p = buf + (i % 3);     /* aligned, then misaligned */

        for (int64_t j = 0; j < ops[i].len; j++) {
            p[j] = (uint8_t)(i * 31 + j);
        }
        memcpy(shadow + ops[i].off, p, ops[i].len);
        g_assert_cmpint(blk_pwrite(blk, ops[i].off, ops[i].len, p, 0), ==, 0);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(ops); i++) {
        uint8_t *p = buf + 1;

        /* Read each range shifted by one byte. */
        bool past_end = ops[i].off + 1 + ops[i].len > (int64_t)size;

        g_assert_cmpint(blk_pread(blk, ops[i].off + 1, ops[i].len, p, 0), ==,
                        past_end ? -EIO : 0);
        if (!past_end) {
            g_assert_cmpmem(p, ops[i].len, shadow + ops[i].off + 1,
                            ops[i].len);
        }
    }
    qemu_vfree(buf);
    blk_unref(blk);
    delete_node("d");

    disk = read_file(path, 0, size);
    g_assert_cmpmem(disk, size, shadow, size);
    g_assert_cmpint(file_size(path), ==, size);
}

/*
 * Check O_DIRECT on a file whose size is not a multiple of the alignment:
 * the last partial block reads correctly (the short read at the end of
 * the file is not an error).
 */
static void test_direct_unaligned_size(void)
{
    g_autofree char *path = make_file("odd.img", 1000, 0x66);
    BlockDriverState *bs = open_direct("d", path);
    BlockBackend *blk;
    uint8_t buf[1000];

    if (!bs) {
        return;
    }
    blk = new_blk(bs, BLK_PERM_CONSISTENT_READ);
    g_assert_cmpint(blk_getlength(blk), ==, 1000);
    memset(buf, 0, sizeof(buf));
    g_assert_cmpint(blk_pread(blk, 0, 1000, buf, 0), ==, 0);
    for (int i = 0; i < 1000; i++) {
        g_assert_cmpint(buf[i], ==, 0x66);
    }
    memset(buf, 0, sizeof(buf));
    g_assert_cmpint(blk_pread(blk, 999, 1, buf, 0), ==, 0);
    g_assert_cmpint(buf[0], ==, 0x66);
    g_assert_cmpint(blk_pread(blk, 999, 2, buf, 0), ==, -EIO);
    blk_unref(blk);
    delete_node("d");
}

/*
 * Check that concurrent unaligned writes into the same 512-byte block
 * never lose each other's data: each read-modify-write must see the
 * previous one's result. 64 writers of 8 bytes each, all at once:
 *
 *   writer 0: read block, patch [0,8),  write block
 *   writer 1: (waits for 0) read block, patch [8,16), write block
 *   ...
 *
 * Aligned writes to a neighbouring block run alongside.
 */
static void test_direct_concurrent_rmw(void)
{
    g_autofree char *path = make_file("rmw.img", 65536, 0);
    BlockDriverState *bs = open_direct("d", path);
    BlockBackend *blk;
    PatternReq reqs[72];
    g_autofree uint8_t *disk = NULL;

    if (!bs) {
        return;
    }
    blk = new_blk(bs, PERM_RW);
    for (int i = 0; i < 64; i++) {
        reqs[i] = (PatternReq) { .blk = blk, .offset = i * 8, .bytes = 8,
                                 .pattern = i + 1 };
    }
    for (int i = 64; i < 72; i++) {
        reqs[i] = (PatternReq) { .blk = blk, .offset = 4096 * (i - 63),
                                 .bytes = 4096, .pattern = 0xee };
    }
    run_pattern_writes(reqs, 72);
    blk_unref(blk);
    delete_node("d");

    disk = read_file(path, 0, 512);
    for (int i = 0; i < 512; i++) {
        g_assert_cmpint(disk[i], ==, i / 8 + 1);
    }
}

/* Check that a raw node maps its window onto the file and enforces the
 * window's end, and the error for a window past the file's end. */
static void test_raw_window(void)
{
    g_autofree char *path = make_file("raw.img", 65536, 0x11);
    g_autofree uint8_t *disk = NULL;
    BlockDriverState *raw;
    BlockBackend *blk;
    uint8_t buf[1000];

    raw = open_fmt(&error_abort, "{\"driver\": \"raw\", \"node-name\": "
                   "\"r\", \"offset\": 4096, \"size\": 8192, \"file\": "
                   "{\"driver\": \"file\", \"filename\": \"%s\"}}", path);
    g_assert_cmpint(bdrv_getlength(raw), ==, 8192);
    g_assert_cmpstr(bdrv_get_format_name(raw), ==, "raw");
    blk = new_blk(raw, PERM_RW);
    memset(buf, 0x77, sizeof(buf));
    g_assert_cmpint(blk_pwrite(blk, 0, sizeof(buf), buf, 0), ==, 0);
    g_assert_cmpint(blk_pwrite(blk, 8192 - 10, 10, buf, 0), ==, 0);
    g_assert_cmpint(blk_pwrite(blk, 8192 - 10, 11, buf, 0), ==, -EIO);
    g_assert_cmpint(blk_pread(blk, 8000, 193, buf, 0), ==, -EIO);
    g_assert_cmpint(blk_pread(blk, 1000, 10, buf, 0), ==, 0);
    g_assert_cmpint(buf[0], ==, 0x11);
    blk_unref(blk);
    delete_node("r");

    disk = read_file(path, 0, 65536);
    g_assert_cmpint(disk[4095], ==, 0x11);
    g_assert_cmpint(disk[4096], ==, 0x77);
    g_assert_cmpint(disk[4096 + 999], ==, 0x77);
    g_assert_cmpint(disk[4096 + 1000], ==, 0x11);
    g_assert_cmpint(disk[4096 + 8191], ==, 0x77);
    g_assert_cmpint(disk[4096 + 8192], ==, 0x11);

    assert_open_error("The sum of offset (60000) and size (8192) has to be "
                      "smaller or equal to the actual size of the containing "
                      "file (65536)",
                      "{\"driver\": \"raw\", \"offset\": 60000, "
                      "\"size\": 8192, \"file\": {\"driver\": \"file\", "
                      "\"filename\": \"%s\"}}", path);
    assert_open_error("Offset (70000) cannot be greater than size of the "
                      "containing file (65536)",
                      "{\"driver\": \"raw\", \"offset\": 70000, \"file\": "
                      "{\"driver\": \"file\", \"filename\": \"%s\"}}", path);

    /* Without size, the window runs to the end of the file. */
    open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": \"f\", "
             "\"filename\": \"%s\"}", path);
    raw = open_fmt(&error_abort, "{\"driver\": \"raw\", \"node-name\": "
                   "\"r\", \"offset\": 1000, \"file\": \"f\"}");
    g_assert_cmpint(bdrv_getlength(raw), ==, 65536 - 1000);
    delete_node("r");
    delete_node("f");
}

/*
 * Check that a read that meets the end of the file early (the file
 * shrank behind the node's back) gets the data that is there and zeroes
 * for the rest: the short transfer is resubmitted, then zero-filled.
 */
static void test_short_read(void)
{
    g_autofree char *path = make_file("short.img", 65536, 0x6b);
    BlockDriverState *bs;
    BlockBackend *blk;
    g_autofree uint8_t *buf = g_malloc(65536);

    bs = open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": "
                  "\"f\", \"filename\": \"%s\"}", path);
    blk = new_blk(bs, BLK_PERM_CONSISTENT_READ);
    g_assert_cmpint(truncate(path, 10000), ==, 0);
    memset(buf, 0xff, 65536);
    g_assert_cmpint(blk_pread(blk, 0, 65536, buf, 0), ==, 0);
    for (int i = 0; i < 65536; i++) {
        g_assert_cmpint(buf[i], ==, i < 10000 ? 0x6b : 0);
    }
    blk_unref(blk);
    delete_node("f");
}

/*
 * Check that a short write is not taken as success: with RLIMIT_FSIZE at
 * 12 KiB the kernel writes the first 12 KiB of a 64 KiB request and
 * refuses the rest; the request fails with EFBIG (the retry's error)
 * instead of returning 0 with 52 KiB missing.
 */
static void test_short_write(void)
{
    g_autofree char *path = make_file("shortw.img", 65536, 0x11);
    g_autofree uint8_t *buf = qemu_memalign(4096, 65536);
    g_autofree uint8_t *disk = NULL;
    struct rlimit old, lim;
    void (*old_handler)(int);
    BlockDriverState *bs;
    BlockBackend *blk;
    int ret;

    bs = open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": "
                  "\"f\", \"filename\": \"%s\"}", path);
    blk = new_blk(bs, PERM_RW);
    memset(buf, 0x22, 65536);

    g_assert_cmpint(getrlimit(RLIMIT_FSIZE, &old), ==, 0);
    lim = (struct rlimit) { .rlim_cur = 12288, .rlim_max = old.rlim_max };
    old_handler = signal(SIGXFSZ, SIG_IGN);
    g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &lim), ==, 0);
    ret = blk_pwrite(blk, 0, 65536, buf, 0);
    g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &old), ==, 0);
    signal(SIGXFSZ, old_handler);
    g_assert_cmpint(ret, ==, -EFBIG);

    blk_unref(blk);
    delete_node("f");
    disk = read_file(path, 0, 65536);
    g_assert_cmpint(disk[0], ==, 0x22);
    g_assert_cmpint(disk[12287], ==, 0x22);
    g_assert_cmpint(disk[12288], ==, 0x11);
    g_assert_cmpint(disk[65535], ==, 0x11);
}

/*
 * Check that draining a raw node over a file node waits for every
 * request of both: 32 writes in flight through the thread pool or
 * io_uring have all completed (on disk, nothing in flight on either
 * node) when bdrv_drained_begin() returns; a write started while drained
 * waits for bdrv_drained_end().
 */
static void test_drain(void)
{
    g_autofree char *path = make_file("drain.img", 33 * 65536, 0);
    g_autofree uint8_t *disk = NULL;
    BlockDriverState *bs, *file;
    BlockBackend *blk;
    PatternReq reqs[33];
    int completed = 0;

    bs = open_fmt(&error_abort, "{\"driver\": \"raw\", \"node-name\": "
                  "\"r\", \"file\": {\"driver\": \"file\", "
                  "\"node-name\": \"f\", \"filename\": \"%s\"}}", path);
    file = bdrv_find_node("f");
    blk = new_blk(bs, PERM_RW);
    for (int i = 0; i < 33; i++) {
        reqs[i] = (PatternReq) { .blk = blk, .offset = i * 65536,
                                 .bytes = 65536, .pattern = i + 1,
                                 .completed = &completed };
    }
    for (int i = 0; i < 32; i++) {
        qemu_coroutine_enter(qemu_coroutine_create(pattern_write_entry,
                                                   &reqs[i]));
    }

    bdrv_drained_begin(bs);
    g_assert_cmpint(qatomic_read(&completed), ==, 32);
    g_assert_cmpuint(qatomic_read(&bs->in_flight), ==, 0);
    g_assert_cmpuint(qatomic_read(&file->in_flight), ==, 0);
    g_assert_cmpuint(blk_in_flight(blk), ==, 0);
    disk = read_file(path, 0, 32 * 65536);
    for (int i = 0; i < 32 * 65536; i += 4096) {
        g_assert_cmpint(disk[i], ==, i / 65536 + 1);
    }

    /* Parked until the drained section ends. */
    qemu_coroutine_enter(qemu_coroutine_create(pattern_write_entry,
                                               &reqs[32]));
    for (int i = 0; i < 20; i++) {
        aio_poll(qemu_get_aio_context(), false);
        g_usleep(1000);
    }
    g_assert_cmpint(qatomic_read(&completed), ==, 32);
    g_free(disk);
    disk = read_file(path, 32 * 65536, 65536);
    g_assert_cmpint(disk[0], ==, 0);

    bdrv_drained_end(bs);
    AIO_WAIT_WHILE(qatomic_read(&completed) < 33);
    /* The restart of parked requests drops its node reference in a
     * bottom half: let it run before blockdev-del. */
    while (aio_poll(qemu_get_aio_context(), false)) {
        /* run everything that is ready */
    }
    for (int i = 0; i < 33; i++) {
        g_assert_cmpint(reqs[i].ret, ==, 0);
    }
    blk_unref(blk);
    delete_node("r");
    g_free(disk);
    disk = read_file(path, 32 * 65536, 65536);
    g_assert_cmpint(disk[0], ==, 33);
    g_assert_cmpint(disk[65535], ==, 33);
}

/* Does @path hold pattern i + 1 in each of its first @n 4 KiB blocks? */
static bool blocks_written(const char *path, int n)
{
    g_autofree uint8_t *disk = read_file(path, 0, n * 4096);

    for (int i = 0; i < n * 4096; i += 4096) {
        if (disk[i] != i / 4096 + 1 || disk[i + 4095] != i / 4096 + 1) {
            return false;
        }
    }
    return true;
}

/*
 * Start @batch pattern writes on @blk in the calling thread's context
 * without letting its event loop run, and check the batching: the first
 * @batch - 1 are only queued (even after 20 ms none has reached @path),
 * the last one completes the batch and submits all of them at once, so
 * they reach the file while the event loop still does not run (no
 * completion seen yet). Returns with the writes in flight; *completed
 * counts them as they finish.
 */
static void check_batch(BlockBackend *blk, const char *path, int batch,
                        PatternReq *reqs, int *completed)
{
    int64_t deadline;

    for (int i = 0; i < batch; i++) {
        reqs[i] = (PatternReq) { .blk = blk, .offset = i * 4096,
                                 .bytes = 4096, .pattern = i + 1,
                                 .completed = completed };
    }
    for (int i = 0; i < batch - 1; i++) {
        qemu_coroutine_enter(qemu_coroutine_create(pattern_write_entry,
                                                   &reqs[i]));
    }
    g_usleep(20000);
    {
        g_autofree uint8_t *disk = read_file(path, 0, batch * 4096);

        for (int i = 0; i < batch * 4096; i++) {
            g_assert_cmpint(disk[i], ==, 0);
        }
    }
    qemu_coroutine_enter(qemu_coroutine_create(pattern_write_entry,
                                               &reqs[batch - 1]));
    deadline = get_clock_ns() + 5 * 1000000000LL;
    while (!blocks_written(path, batch)) {
        g_assert_cmpint(get_clock_ns(), <, deadline);
        g_usleep(1000);
    }
    g_assert_cmpint(qatomic_read(completed), ==, 0);
}

/*
 * Check that the io_uring engine batches submissions in the main loop,
 * whose context has no aio-max-batch (0): the default batch of 32
 * (AIO_MAX_BATCH_DEFAULT) applies -- 31 writes started in one go are
 * only queued, the 32nd submits all 32 at once (see check_batch()). The
 * rest of a batch would have been submitted at the end of the iteration.
 */
static void test_io_uring_batch(void)
{
    g_autofree char *path = make_file("batch.img", 32 * 4096, 0);
    BlockDriverState *bs = open_fmt(&error_abort, "{\"driver\": \"file\", "
                                    "\"node-name\": \"f\", "
                                    "\"filename\": \"%s\"}", path);
    BlockBackend *blk = new_blk(bs, PERM_RW);
    PatternReq reqs[32];
    int completed = 0;

    g_assert_cmpint(aio_context_get_aio_max_batch(qemu_get_aio_context()),
                    ==, 0);
    check_batch(blk, path, 32, reqs, &completed);
    AIO_WAIT_WHILE(qatomic_read(&completed) < 32);
    for (int i = 0; i < 32; i++) {
        g_assert_cmpint(reqs[i].ret, ==, 0);
    }
    blk_unref(blk);
    delete_node("f");
}

typedef struct BatchInThread {
    BlockBackend *blk;
    const char *path;
    PatternReq reqs[4];
    int completed;
    bool checked;
} BatchInThread;

/* Runs check_batch() as one BH in the IOThread: no event-loop iteration
 * of the IOThread happens during it. */
static void batch_in_thread_bh(void *opaque)
{
    BatchInThread *b = opaque;

    check_batch(b->blk, b->path, 4, b->reqs, &b->completed);
    qatomic_set(&b->checked, true);
}

/*
 * Check that an IOThread created with aio-max-batch=4 submits io_uring
 * requests in batches of 4 in its context: inside one BH of the IOThread
 * 3 writes stay queued and the 4th submits them (check_batch()), while
 * the main loop keeps its default (0).
 */
static void test_io_uring_batch_iothread(void)
{
    g_autofree char *path = make_file("batch4.img", 4 * 4096, 0);
    IOThreadOptions opts = { .aio_max_batch = 4 };
    IOThread *iot = iothread_create_with_options("iot-batch", &opts,
                                                 &error_abort);
    AioContext *ctx = iothread_get_aio_context(iot);
    BatchInThread b = { .path = path };
    BlockDriverState *bs;
    int64_t deadline;

    g_assert_cmpint(aio_context_get_aio_max_batch(ctx), ==, 4);
    g_assert_cmpint(aio_context_get_aio_max_batch(qemu_get_aio_context()),
                    ==, 0);
    bs = open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": "
                  "\"f\", \"filename\": \"%s\"}", path);
    b.blk = blk_new(ctx, PERM_RW, BLK_PERM_ALL);
    g_assert_true(blk_insert_bs(b.blk, bs, &error_abort));

    aio_bh_schedule_oneshot(ctx, batch_in_thread_bh, &b);
    deadline = get_clock_ns() + 10 * 1000000000LL;
    while (!qatomic_read(&b.checked) || qatomic_read(&b.completed) < 4) {
        g_assert_cmpint(get_clock_ns(), <, deadline);
        g_usleep(1000);
    }
    for (int i = 0; i < 4; i++) {
        g_assert_cmpint(b.reqs[i].ret, ==, 0);
    }
    blk_unref(b.blk);
    delete_node("f");
    iothread_destroy(iot);
}

/*
 * Check the range of aio-max-batch: negative values and values above
 * AIO_MAX_BATCH_LIMIT are refused with QEMU's text; the bounds are
 * accepted.
 */
static void test_aio_max_batch_range(void)
{
    IOThreadOptions bad[] = { { -1 }, { AIO_MAX_BATCH_LIMIT + 1 } };
    IOThreadOptions good[] = { { 0 }, { AIO_MAX_BATCH_LIMIT } };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        Error *err = NULL;

        g_assert_null(iothread_create_with_options("iot-r", &bad[i], &err));
        g_assert_nonnull(err);
        g_assert_cmpstr(error_get_pretty(err), ==,
                        "aio-max-batch value must be in range [0, 4096]");
        error_free(err);
        g_assert_null(iothread_find("iot-r"));
    }
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        IOThread *iot = iothread_create_with_options("iot-r", &good[i],
                                                     &error_abort);

        g_assert_cmpint(aio_context_get_aio_max_batch(
                            iothread_get_aio_context(iot)), ==,
                        good[i].aio_max_batch);
        iothread_destroy(iot);
    }
}

/*
 * Check that more requests than the io_uring has entries (128) can be in
 * flight at once: 300 concurrent 4 KiB writes all land.
 */
static void test_many_requests(void)
{
    const int n = 300;
    g_autofree char *path = make_file("many.img", n * 4096, 0);
    BlockDriverState *bs = open_fmt(&error_abort, "{\"driver\": \"file\", "
                                    "\"node-name\": \"f\", "
                                    "\"filename\": \"%s\"}", path);
    BlockBackend *blk = new_blk(bs, PERM_RW);
    g_autofree PatternReq *reqs = g_new0(PatternReq, n);
    g_autofree uint8_t *disk = NULL;

    for (int i = 0; i < n; i++) {
        reqs[i] = (PatternReq) { .blk = blk, .offset = i * 4096,
                                 .bytes = 4096, .pattern = i % 250 + 1 };
    }
    run_pattern_writes(reqs, n);
    g_assert_cmpint(blk_flush(blk), ==, 0);
    disk = read_file(path, 0, n * 4096);
    for (int i = 0; i < n * 4096; i++) {
        g_assert_cmpint(disk[i], ==, (i / 4096) % 250 + 1);
    }
    blk_unref(blk);
    delete_node("f");
}

/*
 * Check requests from an IOThread: the node moves there with its
 * backend, the IOThread gets its own ring, and the ring goes away with
 * the IOThread (ASan would report a leak otherwise).
 */
static void test_iothread(void)
{
    g_autofree char *path = make_file("iot.img", 1 << 20, 0);
    IOThread *iot = iothread_create("iot-file", &error_abort);
    AioContext *ctx = iothread_get_aio_context(iot);
    BlockDriverState *bs;
    BlockBackend *blk;
    g_autofree uint8_t *out = g_malloc(200000);
    g_autofree uint8_t *in = g_malloc0(200000);

    bs = open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": "
                  "\"f\", \"filename\": \"%s\"}", path);
    blk = blk_new(ctx, PERM_RW, BLK_PERM_ALL);
    g_assert_true(blk_insert_bs(blk, bs, &error_abort));
    g_assert_true(bdrv_get_aio_context(bs) == ctx);
    for (int i = 0; i < 200000; i++) {
        out[i] = i % 253;
    }
    g_assert_cmpint(blk_pwrite(blk, 4097, 200000, out, 0), ==, 0);
    g_assert_cmpint(blk_flush(blk), ==, 0);
    g_assert_cmpint(blk_pread(blk, 4097, 200000, in, 0), ==, 0);
    g_assert_cmpmem(in, 200000, out, 200000);
    blk_unref(blk);
    delete_node("f");
    iothread_destroy(iot);
}

int main(int argc, char **argv)
{
    block_test_init(&argc, &argv, "test-block-file");
    add_variants("rw-sync", test_rw_sync);
    add_variants("rw-coroutine", test_rw_coroutine);
    add_variants("concurrent", test_concurrent);
    add_variants("many-requests", test_many_requests);
    add_variants("max-transfer-split", test_max_transfer_split);
    add_variants("short-read", test_short_read);
    add_variants("short-write", test_short_write);
    add_variants("drain", test_drain);
    add_variants("direct-unaligned", test_direct_unaligned);
    add_variants("direct-unaligned-size", test_direct_unaligned_size);
    add_variants("direct-concurrent-rmw", test_direct_concurrent_rmw);
    add_variants("raw-window", test_raw_window);
    add_variants("iothread", test_iothread);
    if (have_io_uring) {
        add_case("io_uring/", "batch", "io_uring", false,
                 test_io_uring_batch);
        add_case("io_uring-direct/", "batch", "io_uring", true,
                 test_io_uring_batch);
        add_case("io_uring/", "batch-iothread-4", "io_uring", false,
                 test_io_uring_batch_iothread);
        add_case("io_uring-direct/", "batch-iothread-4", "io_uring", true,
                 test_io_uring_batch_iothread);
    }
    g_test_add_func("/block/file/aio-max-batch-range",
                    test_aio_max_batch_range);
    return block_test_run();
}
