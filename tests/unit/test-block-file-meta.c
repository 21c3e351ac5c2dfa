/*
 * Unit tests for the block layer over the "file" and "raw" drivers,
 * everything but the data path: option errors, read-only nodes,
 * permission conflicts through a raw node, blockdev-del of a busy node,
 * truncate, block status of a sparse file (also through a raw offset),
 * write-zeroes/discard and detect-zeroes, errors through raw, and image
 * locking.
 *
 * The data path (read/write, alignment, drain, io_uring) is in
 * test-block-file.c; the filesystems and variants every case runs in are
 * described in block-test-util.h.
 */
#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/coroutine.h"
#include "qemu/error.h"
#include "block/aio-wait.h"
#include "block/block_int.h"
#include "system/block-backend.h"
#include "block-test-util.h"

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

    ret = blk_block_status(blk, 0, 1 << 20, &pnum);
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
    ret = blk_block_status(blk, 512 * 1024, 1 << 20, &pnum);
    g_assert_cmpint(ret & BDRV_BLOCK_DATA, ==, BDRV_BLOCK_DATA);
    g_assert_cmpint(pnum, ==, 4096);
    ret = blk_block_status(blk, 512 * 1024 + 4096, 1 << 20, &pnum);
    g_assert_cmpint(ret & BDRV_BLOCK_ZERO, ==, BDRV_BLOCK_ZERO);
    g_assert_cmpint(pnum, ==, 512 * 1024 - 4096);
    ret = blk_block_status(blk, 1 << 20, 4096, &pnum);
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
    ret = blk_block_status(blk, 0, 1 << 20, &pnum);
    if (ret & BDRV_BLOCK_DATA) {
        g_autofree char *msg = g_strdup_printf("no SEEK_HOLE support "
                                               "under %s", test_dir);

        g_test_skip(msg);
        goto out;
    }
    /* Window [256 KiB, 576 KiB) of the file: hole for 256 KiB. */
    g_assert_cmpint(ret & BDRV_BLOCK_ZERO, ==, BDRV_BLOCK_ZERO);
    g_assert_cmpint(pnum, ==, 256 * 1024);
    ret = blk_block_status(blk, 256 * 1024, 1 << 20, &pnum);
    g_assert_cmpint(ret & BDRV_BLOCK_DATA, ==, BDRV_BLOCK_DATA);
    g_assert_cmpint(pnum, ==, 4096);
    ret = blk_block_status(blk, 260 * 1024, 1 << 20, &pnum);
    g_assert_cmpint(ret & BDRV_BLOCK_ZERO, ==, BDRV_BLOCK_ZERO);
    g_assert_cmpint(pnum, ==, 320 * 1024 - 260 * 1024);
    g_assert_cmpint(blk_block_status(blk, 320 * 1024, 512, &pnum), ==, 0);
out:
    blk_unref(blk);
    delete_node("r");
}

int main(int argc, char **argv)
{
    block_test_init(&argc, &argv, "test-block-file-meta");
    add_plain("open-errors", test_open_errors);
    add_plain("read-only", test_read_only);
    add_plain("perm-conflict-through-raw", test_perm_conflict_through_raw);
    add_plain("delete-busy", test_delete_busy);
    add_plain("errno-through-raw", test_errno_through_raw);
    add_plain("discard-ignore", test_discard_ignore);
    add_plain("detect-zeroes-on", test_detect_zeroes_on);
    add_plain("raw-offset-block-status", test_raw_offset_block_status);
    add_variants("truncate", test_truncate);
    add_variants("block-status", test_block_status);
    add_variants("write-zeroes-discard", test_write_zeroes_discard);
    add_variants("detect-zeroes", test_detect_zeroes);
    add_plain("locking-bytes", test_locking_bytes);
    add_plain("locking-conflicts", test_locking_conflicts);
    add_plain("locking-off", test_locking_off);
    return block_test_run();
}
