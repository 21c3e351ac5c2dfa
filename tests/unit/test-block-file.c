/*
 * Unit tests for the block layer over the "file" and "raw" drivers:
 * option errors, read/write round trips (sync and in coroutines), many
 * concurrent requests, O_DIRECT with unaligned requests and buffers,
 * concurrent read-modify-write of one block, raw offset/size windows,
 * read-only nodes, permission conflicts through a raw node, truncate,
 * write-zeroes/discard, block status of a sparse file and blockdev-del,
 * short writes, drain, image locking, and the io_uring engine.
 *
 * Every case runs on two filesystems: a scratch directory under /var/tmp
 * (the disk) and one under /dev/shm (a tmpfs), with paths
 * /block/file/disk/... and /block/file/tmpfs/.... Where a filesystem
 * refuses something a case needs (O_DIRECT, SEEK_HOLE), the case is
 * skipped with a message naming the directory.
 *
 * The data-integrity cases also run in several variants (paths
 * /block/file/<fs>/<variant>/<case>): aio=threads and aio=io_uring, each
 * with and without cache.direct=on. A variant is applied to every "file"
 * node that a case opens through open_fmt() without its own "aio"/"cache".
 */
#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/coroutine.h"
#include "qemu/error.h"
#include "qemu/iothread.h"
#include "block/aio-wait.h"
#include "block/block_int.h"
#include "system/block-backend.h"

#include <sys/resource.h>
#include <sys/stat.h>

/* A filesystem the cases run on: its scratch directory is created in
 * main() under @base (NULL if that failed) and removed at the end. */
typedef struct TestFs {
    const char *label;          /* path component: /block/file/<label>/ */
    const char *base;
    char *dir;
} TestFs;

/* Written only by main() before and after g_test_run(). */
static TestFs test_fses[] = {
    { "disk", "/var/tmp", NULL },
    { "tmpfs", "/dev/shm", NULL },
};

/* The scratch directory of the running case: set by run_case() (and by
 * main() for the io_uring probe). Main thread only. */
static const char *test_dir;

static char *test_path(const char *name)
{
    return g_build_filename(test_dir, name, NULL);
}

/* Create @name with @size bytes of @fill (0: a sparse file). */
static char *make_file(const char *name, size_t size, int fill)
{
    char *path = test_path(name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, size), ==, 0);
    if (fill) {
        g_autofree uint8_t *buf = g_malloc(size);
        memset(buf, fill, size);
        g_assert_cmpint(pwrite(fd, buf, size, 0), ==, (ssize_t)size);
    }
    close(fd);
    return path;
}

/* Read @len bytes at @off of @path behind the block layer's back. */
static uint8_t *read_file(const char *path, off_t off, size_t len)
{
    uint8_t *buf = g_malloc0(len);
    int fd = open(path, O_RDONLY);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pread(fd, buf, len, off), ==, (ssize_t)len);
    close(fd);
    return buf;
}

static off_t file_size(const char *path)
{
    struct stat st;

    g_assert_cmpint(stat(path, &st), ==, 0);
    return st.st_size;
}

/* The variant of the running case (see the top of the file): set by
 * run_variant() around each case. Main thread only. */
static const char *variant_aio = "threads";
static bool variant_direct;

/* Add the variant's "aio" and cache.direct to every "file" node in @o
 * (nested children included) that does not choose for itself. */
static void apply_variant(JsonObject *o)
{
    GList *members = json_object_get_members(o);

    for (GList *l = members; l; l = l->next) {
        JsonNode *n = json_object_get_member(o, l->data);

        if (JSON_NODE_HOLDS_OBJECT(n)) {
            apply_variant(json_node_get_object(n));
        }
    }
    g_list_free(members);
    if (!json_object_has_member(o, "driver") ||
        strcmp(json_object_get_string_member(o, "driver"), "file")) {
        return;
    }
    if (!json_object_has_member(o, "aio")) {
        json_object_set_string_member(o, "aio", variant_aio);
    }
    if (variant_direct && !json_object_has_member(o, "cache")) {
        JsonObject *cache = json_object_new();

        json_object_set_boolean_member(cache, "direct", true);
        json_object_set_object_member(o, "cache", cache);
    }
}

/* Open a node from JSON text built with printf-style arguments, in the
 * current variant. NULL and *errp set on failure. */
static BlockDriverState * G_GNUC_PRINTF(2, 3)
open_fmt(Error **errp, const char *fmt, ...)
{
    g_autofree char *json = NULL;
    JsonObject *opts;
    va_list ap;

    va_start(ap, fmt);
    json = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    opts = qdict_from_json(json, &error_abort);
    apply_variant(opts);
    return bdrv_open_blockdev(opts, errp);
}

/* Expect opening to fail with exactly @expected. */
static void G_GNUC_PRINTF(2, 3)
assert_open_error(const char *expected, const char *fmt, ...)
{
    g_autofree char *json = NULL;
    Error *err = NULL;
    va_list ap;

    va_start(ap, fmt);
    json = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_assert_null(bdrv_open_blockdev(qdict_from_json(json, &error_abort),
                                     &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, expected);
    error_free(err);
}

static BlockBackend *new_blk(BlockDriverState *bs, uint64_t perm)
{
    BlockBackend *blk = blk_new(qemu_get_aio_context(), perm, BLK_PERM_ALL);

    blk_insert_bs(blk, bs, &error_abort);
    return blk;
}

#define PERM_RW (BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE)

static void delete_node(const char *name)
{
    bdrv_delete_named(name, &error_abort);
}

/* Open "file" with cache.direct=on, or skip the test if the filesystem
 * refuses O_DIRECT. */
static BlockDriverState *open_direct(const char *node_name, const char *path)
{
    Error *err = NULL;
    BlockDriverState *bs = open_fmt(&err, "{\"driver\": \"file\", "
                                    "\"node-name\": \"%s\", "
                                    "\"filename\": \"%s\", "
                                    "\"cache\": {\"direct\": true}}",
                                    node_name, path);

    if (!bs) {
        g_assert_nonnull(strstr(error_get_pretty(err), "Invalid argument"));
        error_free(err);
        g_autofree char *msg = g_strdup_printf("O_DIRECT is refused by the "
                                               "filesystem of %s", test_dir);

        g_test_skip(msg);
    }
    return bs;
}

/* Check the error texts of bad file and raw options. */
static void test_open_errors(void)
{
    g_autofree char *path = make_file("errors.img", 65536, 0x11);
    g_autofree char *missing = test_path("nosuch.img");
    g_autofree char *msg = NULL;
    BlockDriverState *bs;

    assert_open_error("Parameter 'filename' is missing",
                      "{\"driver\": \"file\"}");
    msg = g_strdup_printf("Could not open '%s': No such file or directory",
                          missing);
    assert_open_error(msg, "{\"driver\": \"file\", \"filename\": \"%s\"}",
                      missing);
    g_free(msg);
    assert_open_error("aio=native was specified, but it requires "
                      "cache.direct=on, which was not specified.",
                      "{\"driver\": \"file\", \"filename\": \"%s\", "
                      "\"aio\": \"native\"}", path);
    assert_open_error("Parameter 'aio' does not accept value 'posix'",
                      "{\"driver\": \"file\", \"filename\": \"%s\", "
                      "\"aio\": \"posix\"}", path);
    assert_open_error("Parameter 'locking' does not accept value 'maybe'",
                      "{\"driver\": \"file\", \"filename\": \"%s\", "
                      "\"locking\": \"maybe\"}", path);
    msg = g_strdup_printf("'file' driver requires '%s' to be a regular file",
                          test_dir);
    assert_open_error(msg, "{\"driver\": \"file\", \"filename\": \"%s\", "
                      "\"read-only\": true}", test_dir);
    assert_open_error("A block device must be specified for \"file\"",
                      "{\"driver\": \"raw\"}");
    assert_open_error("Cannot find device=nosuch nor node-name=nosuch",
                      "{\"driver\": \"raw\", \"file\": \"nosuch\"}");
    assert_open_error("Parameter 'file.bogus' is unexpected",
                      "{\"driver\": \"raw\", \"file\": {\"driver\": \"file\", "
                      "\"filename\": \"%s\", \"bogus\": 1}}", path);
    assert_open_error("Parameter 'bogus' is unexpected",
                      "{\"driver\": \"raw\", \"bogus\": 1, \"file\": "
                      "{\"driver\": \"file\", \"filename\": \"%s\"}}", path);
    g_assert_null(bdrv_next_node(NULL));

    /* Every locking value and aio=threads are accepted. */
    bs = open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": "
                  "\"lk\", \"filename\": \"%s\", \"locking\": \"off\", "
                  "\"aio\": \"threads\"}", path);
    g_assert_cmpint(bdrv_getlength(bs), ==, 65536);
    g_assert_cmpstr(bdrv_get_format_name(bs), ==, "file");
    delete_node("lk");

#ifdef CONFIG_LINUX_IO_URING
    /* aio=native is served by io_uring when cache.direct=on. */
    bs = open_fmt(NULL, "{\"driver\": \"file\", \"node-name\": \"nat\", "
                  "\"filename\": \"%s\", \"aio\": \"native\", "
                  "\"cache\": {\"direct\": true}}", path);
    if (bs) {
        delete_node("nat");
    }
#else
    assert_open_error("aio=io_uring was specified, but is not supported in "
                      "this build.", "{\"driver\": \"file\", \"filename\": "
                      "\"%s\", \"aio\": \"io_uring\"}", path);
#endif
}

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

/* Check that read-only file nodes refuse writers and make raw nodes on
 * top of them read-only. */
static void test_read_only(void)
{
    g_autofree char *path = make_file("ro.img", 65536, 0x22);
    BlockDriverState *file, *raw;
    BlockBackend *blk;
    Error *err = NULL;
    uint8_t buf[512];

    file = open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": "
                    "\"f\", \"filename\": \"%s\", \"read-only\": true}", path);
    g_assert_true(bdrv_is_read_only(file));
    blk = blk_new(qemu_get_aio_context(), PERM_RW, BLK_PERM_ALL);
    g_assert_false(blk_insert_bs(blk, file, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Block node is read-only");
    error_free(err);
    err = NULL;
    blk_unref(blk);

    raw = open_fmt(&error_abort, "{\"driver\": \"raw\", \"node-name\": "
                   "\"r\", \"file\": \"f\"}");
    g_assert_true(bdrv_is_read_only(raw));
    blk = blk_new(qemu_get_aio_context(), PERM_RW, BLK_PERM_ALL);
    g_assert_false(blk_insert_bs(blk, raw, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Block node is read-only");
    error_free(err);
    blk_unref(blk);

    blk = new_blk(raw, BLK_PERM_CONSISTENT_READ);
    g_assert_cmpint(blk_pread(blk, 0, sizeof(buf), buf, 0), ==, 0);
    g_assert_cmpint(buf[0], ==, 0x22);
    blk_unref(blk);
    delete_node("r");
    delete_node("f");

    /* A nested child inherits read-only from its parent. */
    raw = open_fmt(&error_abort, "{\"driver\": \"raw\", \"node-name\": "
                   "\"r\", \"read-only\": true, \"file\": {\"driver\": "
                   "\"file\", \"filename\": \"%s\"}}", path);
    g_assert_true(bdrv_is_read_only(raw));
    g_assert_true(bdrv_is_read_only(raw->file->bs));
    delete_node("r");
}

/* Check that a writer on a raw node keeps others from writing to the
 * file node below it. */
static void test_perm_conflict_through_raw(void)
{
    g_autofree char *path = make_file("perm.img", 65536, 0);
    BlockDriverState *file, *raw;
    BlockBackend *top, *below;
    Error *err = NULL;

    file = open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": "
                    "\"file0\", \"filename\": \"%s\"}", path);
    raw = open_fmt(&error_abort, "{\"driver\": \"raw\", \"node-name\": "
                   "\"raw0\", \"file\": \"file0\"}");
    top = blk_new(qemu_get_aio_context(), PERM_RW, BLK_PERM_CONSISTENT_READ);
    g_assert_true(blk_insert_bs(top, raw, &error_abort));
    below = blk_new(qemu_get_aio_context(), PERM_RW, BLK_PERM_ALL);
    g_assert_false(blk_insert_bs(below, file, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Conflicts with use by node 'raw0' as 'file', which does "
                    "not allow 'write' on file0");
    error_free(err);

    /* Once the top user goes away, the raw node lets go of write. */
    blk_unref(top);
    g_assert_true(blk_insert_bs(below, file, &error_abort));
    blk_unref(below);
    delete_node("raw0");
    delete_node("file0");
}

/* Check blockdev-del of a node used by a raw node. */
static void test_delete_busy(void)
{
    g_autofree char *path = make_file("busy.img", 65536, 0);
    Error *err = NULL;

    open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": \"file0\", "
             "\"filename\": \"%s\"}", path);
    open_fmt(&error_abort, "{\"driver\": \"raw\", \"node-name\": \"raw0\", "
             "\"file\": \"file0\"}");
    g_assert_false(bdrv_delete_named("file0", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Node 'file0' is busy: node is used as 'file' by node "
                    "'raw0'");
    error_free(err);
    delete_node("raw0");
    delete_node("file0");
    g_assert_null(bdrv_next_node(NULL));
}

/* Check growing and shrinking through a backend, and its errors. */
static void test_truncate(void)
{
    g_autofree char *path = make_file("trunc.img", 65536, 0x33);
    BlockDriverState *bs, *raw;
    BlockBackend *blk;
    Error *err = NULL;
    uint8_t buf[4096];

    bs = open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": "
                  "\"f\", \"filename\": \"%s\"}", path);
    blk = new_blk(bs, PERM_RW | BLK_PERM_RESIZE);
    g_assert_cmpint(blk_truncate(blk, 1 << 20, true, PREALLOC_MODE_OFF,
                                 &error_abort), ==, 0);
    g_assert_cmpint(blk_getlength(blk), ==, 1 << 20);
    g_assert_cmpint(file_size(path), ==, 1 << 20);
    g_assert_cmpint(blk_pread(blk, 65536, sizeof(buf), buf, 0), ==, 0);
    g_assert_cmpint(buf[0], ==, 0);
    g_assert_cmpint(blk_pwrite(blk, (1 << 20) - 4096, 4096, buf, 0), ==, 0);

    g_assert_cmpint(blk_truncate(blk, 4096, true, PREALLOC_MODE_OFF,
                                 &error_abort), ==, 0);
    g_assert_cmpint(blk_getlength(blk), ==, 4096);
    g_assert_cmpint(file_size(path), ==, 4096);
    g_assert_cmpint(blk_pread(blk, 4000, 97, buf, 0), ==, -EIO);

    g_assert_cmpint(blk_truncate(blk, 8192, true, PREALLOC_MODE_FULL, &err),
                    ==, -ENOTSUP);
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Unsupported preallocation mode 'full'");
    error_free(err);
    err = NULL;
    blk_unref(blk);

    /* Without the resize permission. */
    blk = new_blk(bs, PERM_RW);
    g_assert_cmpint(blk_truncate(blk, 8192, true, PREALLOC_MODE_OFF, &err),
                    ==, -EPERM);
    error_free(err);
    err = NULL;
    blk_unref(blk);

    /* A raw node without size follows; one with a size refuses. */
    raw = open_fmt(&error_abort, "{\"driver\": \"raw\", \"node-name\": "
                   "\"r\", \"offset\": 512, \"file\": \"f\"}");
    blk = new_blk(raw, PERM_RW | BLK_PERM_RESIZE);
    g_assert_cmpint(blk_truncate(blk, 10000, true, PREALLOC_MODE_OFF,
                                 &error_abort), ==, 0);
    g_assert_cmpint(blk_getlength(blk), ==, 10000);
    g_assert_cmpint(file_size(path), ==, 10512);
    blk_unref(blk);
    delete_node("r");

    raw = open_fmt(&error_abort, "{\"driver\": \"raw\", \"node-name\": "
                   "\"r\", \"size\": 512, \"file\": \"f\"}");
    blk = new_blk(raw, PERM_RW | BLK_PERM_RESIZE);
    g_assert_cmpint(blk_truncate(blk, 1024, true, PREALLOC_MODE_OFF, &err),
                    ==, -ENOTSUP);
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Cannot resize fixed-size raw disks");
    error_free(err);
    blk_unref(blk);
    delete_node("r");
    delete_node("f");
}

typedef struct StatusReq {
    BlockBackend *blk;
    int64_t offset, bytes, pnum;
    int ret;
    bool done;
} StatusReq;

static void coroutine_fn status_entry(void *opaque)
{
    StatusReq *s = opaque;

    s->ret = blk_co_block_status(s->blk, s->offset, s->bytes, &s->pnum);
    s->done = true;
    aio_wait_kick();
}

static int block_status(BlockBackend *blk, int64_t offset, int64_t bytes,
                        int64_t *pnum)
{
    StatusReq s = { .blk = blk, .offset = offset, .bytes = bytes };

    qemu_coroutine_enter(qemu_coroutine_create(status_entry, &s));
    AIO_WAIT_WHILE(!s.done);
    *pnum = s.pnum;
    return s.ret;
}

/* Check block status of a sparse file: hole, data, hole to the end. */
static void test_block_status(void)
{
    g_autofree char *path = make_file("sparse.img", 1 << 20, 0);
    BlockDriverState *bs;
    BlockBackend *blk;
    uint8_t buf[4096];
    int64_t pnum;
    int ret;

    bs = open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": "
                  "\"f\", \"filename\": \"%s\"}", path);
    blk = new_blk(bs, PERM_RW);
    memset(buf, 1, sizeof(buf));
    g_assert_cmpint(blk_pwrite(blk, 512 * 1024, sizeof(buf), buf, 0), ==, 0);
    g_assert_cmpint(blk_flush(blk), ==, 0);

    ret = block_status(blk, 0, 1 << 20, &pnum);
    if (ret & BDRV_BLOCK_DATA) {
        /* The filesystem does not report holes. */
        g_assert_cmpint(pnum, ==, 1 << 20);
        g_autofree char *msg = g_strdup_printf("no SEEK_HOLE support "
                                               "under %s", test_dir);

        g_test_skip(msg);
        goto out;
    }
    g_assert_cmpint(ret, ==, BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED);
    g_assert_cmpint(pnum, ==, 512 * 1024);
    ret = block_status(blk, 512 * 1024, 1 << 20, &pnum);
    g_assert_cmpint(ret & BDRV_BLOCK_DATA, ==, BDRV_BLOCK_DATA);
    g_assert_cmpint(pnum, ==, 4096);
    ret = block_status(blk, 512 * 1024 + 4096, 1 << 20, &pnum);
    g_assert_cmpint(ret & BDRV_BLOCK_ZERO, ==, BDRV_BLOCK_ZERO);
    g_assert_cmpint(pnum, ==, 512 * 1024 - 4096);
    ret = block_status(blk, 1 << 20, 4096, &pnum);
    g_assert_cmpint(ret, ==, 0);
    g_assert_cmpint(pnum, ==, 0);
out:
    blk_unref(blk);
    delete_node("f");
}

typedef struct ZeroReqs {
    BlockBackend *blk;
    int r1, r2, r3;
    bool done;
} ZeroReqs;

static void coroutine_fn zero_discard_entry(void *opaque)
{
    ZeroReqs *z = opaque;

    z->r1 = blk_co_pwrite_zeroes(z->blk, 0, 256 * 1024, BDRV_REQ_MAY_UNMAP);
    z->r2 = blk_co_pwrite_zeroes(z->blk, 300000, 1000, 0);
    z->r3 = blk_co_pdiscard(z->blk, 512 * 1024, 256 * 1024);
    z->done = true;
    aio_wait_kick();
}

/* Check write-zeroes (with and without unmap, aligned or not) and
 * discard: zeroes read back, neighbours survive, holes appear. */
static void test_write_zeroes_discard(void)
{
    ZeroReqs z = { 0 };
    g_autofree char *path = make_file("zero.img", 1 << 20, 0x44);
    g_autofree uint8_t *disk = NULL;
    BlockDriverState *bs;
    BlockBackend *blk;
    int64_t before, after;

    bs = open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": "
                  "\"f\", \"filename\": \"%s\", \"discard\": \"unmap\"}",
                  path);
    blk = new_blk(bs, PERM_RW);
    before = bdrv_get_allocated_file_size(bs);
    g_assert_cmpint(before, >=, 1 << 20);

    z.blk = blk;
    qemu_coroutine_enter(qemu_coroutine_create(zero_discard_entry, &z));
    AIO_WAIT_WHILE(!z.done);
    g_assert_cmpint(z.r1, ==, 0);
    g_assert_cmpint(z.r2, ==, 0);
    g_assert_cmpint(z.r3, ==, 0);
    after = bdrv_get_allocated_file_size(bs);
    g_assert_cmpint(after, <, before);
    blk_unref(blk);
    delete_node("f");

    disk = read_file(path, 0, 1 << 20);
    for (int i = 0; i < 256 * 1024; i++) {
        g_assert_cmpint(disk[i], ==, 0);
    }
    g_assert_cmpint(disk[256 * 1024], ==, 0x44);
    g_assert_cmpint(disk[299999], ==, 0x44);
    g_assert_cmpint(disk[300000], ==, 0);
    g_assert_cmpint(disk[300999], ==, 0);
    g_assert_cmpint(disk[301000], ==, 0x44);
    g_assert_cmpint(disk[512 * 1024], ==, 0);
    g_assert_cmpint(disk[768 * 1024 - 1], ==, 0);
    g_assert_cmpint(disk[768 * 1024], ==, 0x44);
    g_assert_cmpint(file_size(path), ==, 1 << 20);
}

/* Check that detect-zeroes=unmap turns a write of zeroes into a hole. */
static void test_detect_zeroes(void)
{
    g_autofree char *path = make_file("detect.img", 1 << 20, 0x55);
    g_autofree uint8_t *zeroes = g_malloc0(512 * 1024);
    g_autofree uint8_t *disk = NULL;
    BlockDriverState *bs;
    BlockBackend *blk;
    int64_t before;

    bs = open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": "
                  "\"f\", \"filename\": \"%s\", \"discard\": \"unmap\", "
                  "\"detect-zeroes\": \"unmap\"}", path);
    blk = new_blk(bs, PERM_RW);
    before = bdrv_get_allocated_file_size(bs);
    g_assert_cmpint(blk_pwrite(blk, 0, 512 * 1024, zeroes, 0), ==, 0);
    g_assert_cmpint(bdrv_get_allocated_file_size(bs), <=,
                    before - 256 * 1024);
    blk_unref(blk);
    delete_node("f");
    disk = read_file(path, 0, 1 << 20);
    g_assert_cmpmem(disk, 512 * 1024, zeroes, 512 * 1024);
    g_assert_cmpint(disk[512 * 1024], ==, 0x55);
}

/* Does any open file description hold a lock on @byte of @path? Asks
 * from a description of its own, so the node's locks count. */
static bool byte_locked(const char *path, int byte)
{
    struct flock fl = {
        .l_whence = SEEK_SET, .l_start = byte, .l_len = 1, .l_type = F_WRLCK,
    };
    int fd = open(path, O_RDONLY);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fcntl(fd, F_OFD_GETLK, &fl), ==, 0);
    close(fd);
    return fl.l_type != F_UNLCK;
}

/* Take a shared lock on @byte of @path from a new description, as another
 * process would; returns the fd that holds it. */
static int lock_byte_elsewhere(const char *path, int byte)
{
    struct flock fl = {
        .l_whence = SEEK_SET, .l_start = byte, .l_len = 1, .l_type = F_RDLCK,
    };
    int fd = open(path, O_RDONLY);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fcntl(fd, F_OFD_SETLK, &fl), ==, 0);
    return fd;
}

/*
 * Check QEMU's lock bytes: 100 + N while permission N is held, 200 + N
 * while it is not shared; a node with no users holds nothing, and the
 * bytes follow the users' permissions when they are dropped.
 */
static void test_locking_bytes(void)
{
    g_autofree char *path = make_file("lockbytes.img", 65536, 0);
    BlockDriverState *bs;
    BlockBackend *blk;

    bs = open_fmt(&error_abort, "{\"driver\": \"raw\", \"node-name\": "
                  "\"r\", \"file\": {\"driver\": \"file\", "
                  "\"filename\": \"%s\"}}", path);
    for (int b = 100; b < 104; b++) {
        g_assert_false(byte_locked(path, b));
        g_assert_false(byte_locked(path, b + 100));
    }
    /* Reading and writing, sharing only consistent read. */
    blk = blk_new(qemu_get_aio_context(), PERM_RW, BLK_PERM_CONSISTENT_READ);
    g_assert_true(blk_insert_bs(blk, bs, &error_abort));
    g_assert_true(byte_locked(path, 100));
    g_assert_true(byte_locked(path, 101));
    g_assert_false(byte_locked(path, 102));
    g_assert_false(byte_locked(path, 103));
    g_assert_false(byte_locked(path, 200));
    g_assert_true(byte_locked(path, 201));
    g_assert_true(byte_locked(path, 202));
    g_assert_true(byte_locked(path, 203));

    /* Dropping write at runtime releases its bytes. */
    g_assert_true(blk_set_perm(blk, BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL,
                               &error_abort));
    g_assert_true(byte_locked(path, 100));
    g_assert_false(byte_locked(path, 101));
    for (int b = 200; b < 204; b++) {
        g_assert_false(byte_locked(path, b));
    }
    blk_unref(blk);
    g_assert_false(byte_locked(path, 100));
    delete_node("r");
}

/*
 * Check that another process's locks refuse conflicting permissions with
 * QEMU's texts and hint, and that nothing changes on a refusal:
 *
 *   other: holds 201 (does not share write)  -> we cannot take write
 *   other: holds 101 (writes)                -> we must share write
 */
static void test_locking_conflicts(void)
{
    g_autofree char *path = make_file("lockconf.img", 65536, 0);
    g_autofree char *hint = g_strdup_printf("Is another process using the "
                                            "image [%s]?\n", path);
    BlockDriverState *bs;
    BlockBackend *blk;
    Error *err = NULL;
    int other;

    bs = open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": "
                  "\"f\", \"filename\": \"%s\"}", path);
    other = lock_byte_elsewhere(path, 201);

    blk = blk_new(qemu_get_aio_context(), PERM_RW, BLK_PERM_ALL);
    g_assert_false(blk_insert_bs(blk, bs, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Failed to get \"write\" lock");
    g_assert_cmpstr(error_get_hint(err), ==, hint);
    error_free(err);
    err = NULL;
    blk_unref(blk);
    /* The refused attempt left nothing locked behind. */
    g_assert_false(byte_locked(path, 100));
    g_assert_false(byte_locked(path, 101));

    /* Reading is fine; upgrading to write at runtime is refused and
     * keeps the old permissions. */
    blk = new_blk(bs, BLK_PERM_CONSISTENT_READ);
    g_assert_true(byte_locked(path, 100));
    g_assert_false(blk_set_perm(blk, PERM_RW, BLK_PERM_ALL, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Failed to get \"write\" lock");
    error_free(err);
    err = NULL;
    g_assert_true(byte_locked(path, 100));
    g_assert_false(byte_locked(path, 101));
    close(other);

    /* Now the other side writes: we may not refuse to share write. */
    other = lock_byte_elsewhere(path, 101);
    g_assert_false(blk_set_perm(blk, BLK_PERM_CONSISTENT_READ,
                                BLK_PERM_CONSISTENT_READ, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Failed to get shared \"write\" lock");
    error_free(err);
    err = NULL;
    g_assert_false(byte_locked(path, 201));
    /* Sharing write works alongside, and the upgrade once it is gone. */
    g_assert_true(blk_set_perm(blk, PERM_RW, BLK_PERM_ALL, &error_abort));
    close(other);
    g_assert_true(blk_set_perm(blk, PERM_RW, BLK_PERM_CONSISTENT_READ,
                               &error_abort));
    g_assert_true(byte_locked(path, 201));
    blk_unref(blk);
    delete_node("f");
}

/* Check that two nodes of one process on the same file exclude each other
 * as two processes would, and that locking=off opts out. */
static void test_locking_off(void)
{
    g_autofree char *path = make_file("lockoff.img", 65536, 0);
    BlockDriverState *a, *b;
    BlockBackend *ba, *bb;
    Error *err = NULL;

    a = open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": "
                 "\"a\", \"filename\": \"%s\", \"locking\": \"on\"}", path);
    ba = blk_new(qemu_get_aio_context(), PERM_RW, BLK_PERM_CONSISTENT_READ);
    g_assert_true(blk_insert_bs(ba, a, &error_abort));

    b = open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": "
                 "\"b\", \"filename\": \"%s\"}", path);
    bb = blk_new(qemu_get_aio_context(), PERM_RW, BLK_PERM_ALL);
    g_assert_false(blk_insert_bs(bb, b, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Failed to get \"write\" lock");
    error_free(err);
    blk_unref(bb);
    delete_node("b");

    b = open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": "
                 "\"b\", \"filename\": \"%s\", \"locking\": \"off\"}",
                 path);
    bb = new_blk(b, PERM_RW);
    blk_unref(bb);
    delete_node("b");
    blk_unref(ba);
    delete_node("a");
    g_assert_false(byte_locked(path, 101));
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

/*
 * Check that an error below a raw node reaches the user with the same
 * errno (a blkdebug filter between raw and file fails writes of one
 * sector with ENOSPC and reads of another with EIO), and that the
 * requests around them still work.
 */
static void test_errno_through_raw(void)
{
    g_autofree char *path = make_file("errno.img", 65536, 0x12);
    BlockDriverState *bs;
    BlockBackend *blk;
    uint8_t buf[1024];

    bs = open_fmt(&error_abort, "{\"driver\": \"raw\", \"node-name\": "
                  "\"r\", \"file\": {\"driver\": \"blkdebug\", "
                  "\"inject-error\": [{\"event\": \"write_aio\", "
                  "\"errno\": 28, \"sector\": 2}, {\"event\": "
                  "\"read_aio\", \"sector\": 6}], \"image\": "
                  "{\"driver\": \"file\", \"filename\": \"%s\"}}}", path);
    blk = new_blk(bs, PERM_RW);
    memset(buf, 0x34, sizeof(buf));
    g_assert_cmpint(blk_pwrite(blk, 1024, 1024, buf, 0), ==, -ENOSPC);
    g_assert_cmpint(blk_pwrite(blk, 0, 1024, buf, 0), ==, 0);
    g_assert_cmpint(blk_pread(blk, 3072, 1024, buf, 0), ==, -EIO);
    g_assert_cmpint(blk_pread(blk, 1024, 1024, buf, 0), ==, 0);
    g_assert_cmpint(buf[0], ==, 0x12);
    blk_unref(blk);
    delete_node("r");
}

/* Check that with the default discard=ignore a discard succeeds but
 * leaves data and allocation alone. */
static void test_discard_ignore(void)
{
    g_autofree char *path = make_file("ignore.img", 1 << 20, 0x45);
    g_autofree uint8_t *disk = NULL;
    BlockDriverState *bs;
    BlockBackend *blk;
    ZeroReqs z = { 0 };
    int64_t before;

    bs = open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": "
                  "\"f\", \"filename\": \"%s\"}", path);
    blk = new_blk(bs, PERM_RW);
    before = bdrv_get_allocated_file_size(bs);
    z.blk = blk;
    qemu_coroutine_enter(qemu_coroutine_create(zero_discard_entry, &z));
    AIO_WAIT_WHILE(!z.done);
    g_assert_cmpint(z.r3, ==, 0);
    /* Only the write-zeroes changed anything, without unmapping. */
    g_assert_cmpint(bdrv_get_allocated_file_size(bs), ==, before);
    blk_unref(blk);
    delete_node("f");
    disk = read_file(path, 512 * 1024, 256 * 1024);
    for (int i = 0; i < 256 * 1024; i++) {
        g_assert_cmpint(disk[i], ==, 0x45);
    }
}

/* Check that detect-zeroes=on turns writes of zeroes into write-zeroes
 * without deallocating (discard stays ignored), and that the data reads
 * back as zeroes. */
static void test_detect_zeroes_on(void)
{
    g_autofree char *path = make_file("detect-on.img", 1 << 20, 0x56);
    g_autofree uint8_t *zeroes = g_malloc0(256 * 1024);
    g_autofree uint8_t *disk = NULL;
    BlockDriverState *bs;
    BlockBackend *blk;
    int64_t before;

    bs = open_fmt(&error_abort, "{\"driver\": \"file\", \"node-name\": "
                  "\"f\", \"filename\": \"%s\", \"detect-zeroes\": "
                  "\"on\"}", path);
    blk = new_blk(bs, PERM_RW);
    before = bdrv_get_allocated_file_size(bs);
    g_assert_cmpint(blk_pwrite(blk, 4096, 256 * 1024, zeroes, 0), ==, 0);
    g_assert_cmpint(bdrv_get_allocated_file_size(bs), >=, before);
    blk_unref(blk);
    delete_node("f");
    disk = read_file(path, 0, 1 << 20);
    g_assert_cmpint(disk[4095], ==, 0x56);
    g_assert_cmpmem(disk + 4096, 256 * 1024, zeroes, 256 * 1024);
    g_assert_cmpint(disk[4096 + 256 * 1024], ==, 0x56);
}

/* Check block status through a raw node with an offset: the window's
 * view of the file's holes and data, clamped to the window's size. */
static void test_raw_offset_block_status(void)
{
    g_autofree char *path = make_file("rawstat.img", 1 << 20, 0);
    BlockDriverState *bs;
    BlockBackend *blk;
    uint8_t buf[4096];
    int64_t pnum;
    int ret;
    int fd = open(path, O_WRONLY);

    /* Data at [512 KiB, 516 KiB) of the file. */
    memset(buf, 1, sizeof(buf));
    g_assert_cmpint(pwrite(fd, buf, sizeof(buf), 512 * 1024), ==, 4096);
    g_assert_cmpint(fsync(fd), ==, 0);
    close(fd);

    bs = open_fmt(&error_abort, "{\"driver\": \"raw\", \"node-name\": "
                  "\"r\", \"offset\": 262144, \"size\": 327680, "
                  "\"file\": {\"driver\": \"file\", \"filename\": "
                  "\"%s\"}}", path);
    blk = new_blk(bs, BLK_PERM_CONSISTENT_READ);
    ret = block_status(blk, 0, 1 << 20, &pnum);
    if (ret & BDRV_BLOCK_DATA) {
        g_autofree char *msg = g_strdup_printf("no SEEK_HOLE support "
                                               "under %s", test_dir);

        g_test_skip(msg);
        goto out;
    }
    /* Window [256 KiB, 576 KiB) of the file: hole for 256 KiB. */
    g_assert_cmpint(ret & BDRV_BLOCK_ZERO, ==, BDRV_BLOCK_ZERO);
    g_assert_cmpint(pnum, ==, 256 * 1024);
    ret = block_status(blk, 256 * 1024, 1 << 20, &pnum);
    g_assert_cmpint(ret & BDRV_BLOCK_DATA, ==, BDRV_BLOCK_DATA);
    g_assert_cmpint(pnum, ==, 4096);
    ret = block_status(blk, 260 * 1024, 1 << 20, &pnum);
    g_assert_cmpint(ret & BDRV_BLOCK_ZERO, ==, BDRV_BLOCK_ZERO);
    g_assert_cmpint(pnum, ==, 320 * 1024 - 260 * 1024);
    g_assert_cmpint(block_status(blk, 320 * 1024, 512, &pnum), ==, 0);
out:
    blk_unref(blk);
    delete_node("r");
}

/* One registered case: a test body, the filesystem it runs on and the
 * variant it runs in. */
typedef struct TestCase {
    TestFs *fs;
    const char *aio;
    bool direct;
    GTestFunc fn;
} TestCase;

static void run_case(const void *opaque)
{
    const TestCase *c = opaque;

    if (!c->fs->dir) {
        g_autofree char *msg = g_strdup_printf("no scratch directory under "
                                               "%s", c->fs->base);

        g_test_skip(msg);
        return;
    }
    test_dir = c->fs->dir;
    variant_aio = c->aio;
    variant_direct = c->direct;
    c->fn();
    variant_aio = "threads";
    variant_direct = false;
    test_dir = NULL;
}

/* Register @fn as /block/file/<fs>/<prefix><name> on every filesystem,
 * in variant @aio/@direct. */
static void add_case(const char *prefix, const char *name, const char *aio,
                     bool direct, GTestFunc fn)
{
    for (size_t i = 0; i < G_N_ELEMENTS(test_fses); i++) {
        /* Lives until the end of the program: the test framework keeps
         * the pointer. */
        TestCase *c = g_new(TestCase, 1);
        g_autofree char *path = g_strdup_printf("/block/file/%s/%s%s",
                                                test_fses[i].label, prefix,
                                                name);

        *c = (TestCase) { &test_fses[i], aio, direct, fn };
        g_test_add_data_func_full(path, c, run_case, g_free);
    }
}

/* Register @fn once per filesystem, in the default variant (threads,
 * no O_DIRECT): /block/file/<fs>/<name>. */
static void add_plain(const char *name, GTestFunc fn)
{
    add_case("", name, "threads", false, fn);
}

/* Set once in main(): can this build and kernel use io_uring? */
static bool have_io_uring;

/* Registered instead of the io_uring variants when they cannot run (an
 * environment that forbids io_uring): skipped, not failed. */
static void test_io_uring_unavailable(void)
{
    g_test_skip("io_uring is not available (built without liburing, or "
                "refused by the kernel)");
}

/* Register @fn as /block/file/<fs>/<variant>/<name> for every filesystem
 * and every variant this build and kernel support. */
static void add_variants(const char *name, GTestFunc fn)
{
    static const struct { const char *label, *aio; bool direct; } vs[] = {
        { "threads/", "threads", false },
        { "threads-direct/", "threads", true },
#ifdef CONFIG_LINUX_IO_URING
        { "io_uring/", "io_uring", false },
        { "io_uring-direct/", "io_uring", true },
#endif
    };

    for (size_t i = 0; i < G_N_ELEMENTS(vs); i++) {
        if (!strcmp(vs[i].aio, "io_uring") && !have_io_uring) {
            continue;
        }
        add_case(vs[i].label, name, vs[i].aio, vs[i].direct, fn);
    }
}

/* Is io_uring usable here (kernel, seccomp, sysctl)? */
static bool io_uring_works(void)
{
#ifdef CONFIG_LINUX_IO_URING
    g_autofree char *path = make_file("probe.img", 4096, 0);
    Error *err = NULL;
    BlockDriverState *bs = open_fmt(&err, "{\"driver\": \"file\", "
                                    "\"node-name\": \"probe\", "
                                    "\"filename\": \"%s\", "
                                    "\"aio\": \"io_uring\"}", path);

    if (!bs) {
        g_printerr("# io_uring unusable: %s\n", error_get_pretty(err));
        error_free(err);
        return false;
    }
    delete_node("probe");
    return true;
#else
    return false;
#endif
}

/* Remove @dir and the files the cases left in it. */
static void remove_test_dir(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        unlink(path);
    }
    rmdir(dir);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    for (size_t i = 0; i < G_N_ELEMENTS(test_fses); i++) {
        g_autofree char *tmpl = g_build_filename(test_fses[i].base,
                                                 "test-block-file-XXXXXX",
                                                 NULL);

        if (mkdtemp(tmpl)) {
            test_fses[i].dir = g_steal_pointer(&tmpl);
        } else {
            g_printerr("# no scratch directory under %s: %s\n",
                       test_fses[i].base, g_strerror(errno));
        }
    }
    /* The disk must be there; the probe runs in its directory. */
    g_assert_nonnull(test_fses[0].dir);
    test_dir = test_fses[0].dir;
    have_io_uring = io_uring_works();
    test_dir = NULL;

    add_plain("open-errors", test_open_errors);
    add_plain("read-only", test_read_only);
    add_plain("perm-conflict-through-raw", test_perm_conflict_through_raw);
    add_plain("delete-busy", test_delete_busy);
    add_plain("errno-through-raw", test_errno_through_raw);
    add_plain("discard-ignore", test_discard_ignore);
    add_plain("detect-zeroes-on", test_detect_zeroes_on);
    add_plain("raw-offset-block-status", test_raw_offset_block_status);
    if (!have_io_uring) {
        g_test_add_func("/block/file/io_uring/unavailable",
                        test_io_uring_unavailable);
    }
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
    add_variants("truncate", test_truncate);
    add_variants("block-status", test_block_status);
    add_variants("write-zeroes-discard", test_write_zeroes_discard);
    add_variants("detect-zeroes", test_detect_zeroes);
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
    add_plain("locking-bytes", test_locking_bytes);
    add_plain("locking-conflicts", test_locking_conflicts);
    add_plain("locking-off", test_locking_off);
    g_test_add_func("/block/file/aio-max-batch-range",
                    test_aio_max_batch_range);
    ret = g_test_run();

    for (size_t i = 0; i < G_N_ELEMENTS(test_fses); i++) {
        if (test_fses[i].dir) {
            remove_test_dir(test_fses[i].dir);
            g_free(test_fses[i].dir);
        }
    }
    return ret;
}
