/*
 * Unit tests for the block layer over the null drivers: opening and
 * option errors, BlockBackend I/O (sync and in coroutines), permissions,
 * read-only nodes, drain, blockdev-del refusal and multi-queue requests
 * from an IOThread; the blkdebug error-injection filter over null-co.
 */
#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/coroutine.h"
#include "qemu/error.h"
#include "qemu/iothread.h"
#include "block/aio-wait.h"
#include "block/block_int.h"
#include "system/block-backend.h"

/* Open a node from JSON text; aborts on error. */
static BlockDriverState *open_json(const char *json)
{
    JsonObject *opts = qdict_from_json(json, &error_abort);

    return bdrv_open_blockdev(opts, &error_abort);
}

/* Open from JSON text expecting failure; returns the error message. */
static char *open_json_error(const char *json)
{
    JsonObject *opts = qdict_from_json(json, &error_abort);
    Error *err = NULL;
    BlockDriverState *bs = bdrv_open_blockdev(opts, &err);
    char *msg;

    g_assert_null(bs);
    g_assert_nonnull(err);
    msg = g_strdup(error_get_pretty(err));
    error_free(err);
    return msg;
}

static void delete_node(const char *name)
{
    bdrv_delete_named(name, &error_abort);
    g_assert_null(bdrv_find_node(name));
}

static BlockBackend *new_blk(BlockDriverState *bs, uint64_t perm,
                             uint64_t shared)
{
    BlockBackend *blk = blk_new(qemu_get_aio_context(), perm, shared);

    blk_insert_bs(blk, bs, &error_abort);
    return blk;
}

/* Poll the main loop without blocking, a few rounds with short sleeps. */
static void poll_briefly(int rounds)
{
    for (int i = 0; i < rounds; i++) {
        while (aio_poll(qemu_get_aio_context(), false)) {
            /* run everything that is ready */
        }
        g_usleep(1000);
    }
}

/* Check that a null-co node opens with its defaults and closes on
 * blockdev-del. */
static void test_open_close(void)
{
    BlockDriverState *bs = open_json("{\"driver\": \"null-co\", "
                                     "\"node-name\": \"null0\"}");

    g_assert_true(bdrv_find_node("null0") == bs);
    g_assert_cmpstr(bdrv_get_node_name(bs), ==, "null0");
    g_assert_cmpstr(bdrv_get_format_name(bs), ==, "null-co");
    g_assert_cmpint(bdrv_getlength(bs), ==, 1LL << 30);
    g_assert_false(bdrv_is_read_only(bs));
    g_assert_cmpuint(bdrv_get_request_alignment(bs), ==, 1);
    g_assert_true(bdrv_next_node(NULL) == bs);
    g_assert_null(bdrv_next_node(bs));
    delete_node("null0");
    g_assert_null(bdrv_next_node(NULL));
}

/* Check that a node without node-name gets a generated '#' name and
 * that the generic members are accepted. */
static void test_generated_name_and_generic_options(void)
{
    BlockDriverState *bs = open_json(
        "{\"driver\": \"null-aio\", \"size\": \"64M\", "
        "\"read-only\": true, \"force-share\": true, "
        "\"auto-read-only\": false, "
        "\"cache\": {\"direct\": false, \"no-flush\": true}, "
        "\"discard\": \"unmap\", \"detect-zeroes\": \"unmap\"}");
    const char *name = bdrv_get_node_name(bs);

    g_assert_cmpint(name[0], ==, '#');
    g_assert_true(bdrv_find_node(name) == bs);
    g_assert_cmpint(bdrv_getlength(bs), ==, 64 << 20);
    g_assert_true(bdrv_is_read_only(bs));
    g_assert_true(bs->open_flags & BDRV_O_NO_FLUSH);
    g_assert_true(bs->open_flags & BDRV_O_UNMAP);
    delete_node(name);
}

/* Check the error texts of bad generic and driver options. */
static void test_option_errors(void)
{
    static const struct {
        const char *json;
        const char *error;
    } cases[] = {
        { "{}", "Parameter 'driver' is missing" },
        { "{\"driver\": \"nosuch\"}",
          "Parameter 'driver' does not accept value 'nosuch'" },
        { "{\"driver\": \"null-co\", \"node-name\": \"1abc\"}",
          "Invalid node-name: '1abc'" },
        { "{\"driver\": \"null-co\", \"node-name\": \"a b\"}",
          "Invalid node-name: 'a b'" },
        { "{\"driver\": \"null-co\", \"node-name\": "
          "\"a123456789012345678901234567890123\"}",
          "Node name too long" },
        { "{\"driver\": \"null-co\", \"bogus\": 1}",
          "Parameter 'bogus' is unexpected" },
        { "{\"driver\": \"null-co\", \"cache\": {\"bogus\": true}}",
          "Parameter 'cache.bogus' is unexpected" },
        { "{\"driver\": \"null-co\", \"discard\": \"maybe\"}",
          "Parameter 'discard' does not accept value 'maybe'" },
        { "{\"driver\": \"null-co\", \"detect-zeroes\": \"unmap\"}",
          "setting detect-zeroes to unmap is not allowed without setting "
          "discard operation to unmap" },
        { "{\"driver\": \"null-co\", \"force-share\": true}",
          "force-share=on can only be used with read-only images" },
        { "{\"driver\": \"null-co\", \"read-only\": \"maybe\"}",
          "Parameter 'read-only' expects 'on' or 'off'" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *msg = open_json_error(cases[i].json);
        g_assert_cmpstr(msg, ==, cases[i].error);
    }
    /* Nothing was left behind by the failures. */
    g_assert_null(bdrv_next_node(NULL));
}

/* Check that a second node with the same name is refused and the first
 * one is untouched. */
static void test_duplicate_name(void)
{
    BlockDriverState *bs = open_json("{\"driver\": \"null-co\", "
                                     "\"node-name\": \"dup\"}");
    g_autofree char *msg = open_json_error("{\"driver\": \"null-co\", "
                                           "\"node-name\": \"dup\"}");

    g_assert_cmpstr(msg, ==, "Duplicate nodes with node-name='dup'");
    g_assert_true(bdrv_find_node("dup") == bs);
    delete_node("dup");
}

/* Check that reads leave the buffer alone without read-zeroes and zero
 * it with read-zeroes=on, and that block status reports zeroes then. */
static void test_read_zeroes(void)
{
    BlockDriverState *bs = open_json("{\"driver\": \"null-co\", "
                                     "\"node-name\": \"nz\", "
                                     "\"read-zeroes\": false}");
    BlockDriverState *zs = open_json("{\"driver\": \"null-co\", "
                                     "\"node-name\": \"z\", \"size\": 4096, "
                                     "\"read-zeroes\": true}");
    BlockBackend *blk = new_blk(bs, BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL);
    BlockBackend *zblk = new_blk(zs, BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL);
    uint8_t buf[512];

    memset(buf, 0xa5, sizeof(buf));
    g_assert_cmpint(blk_pread(blk, 0, sizeof(buf), buf, 0), ==, 0);
    g_assert_cmpint(buf[0], ==, 0xa5);
    g_assert_cmpint(buf[511], ==, 0xa5);

    g_assert_cmpint(blk_pread(zblk, 100, sizeof(buf), buf, 0), ==, 0);
    for (size_t i = 0; i < sizeof(buf); i++) {
        g_assert_cmpint(buf[i], ==, 0);
    }
    g_assert_cmpint(blk_getlength(zblk), ==, 4096);

    /* null-aio completes through the event loop, with the same result. */
    {
        BlockDriverState *as = open_json("{\"driver\": \"null-aio\", "
                                         "\"node-name\": \"az\", "
                                         "\"read-zeroes\": true}");
        BlockBackend *ablk = new_blk(as, BLK_PERM_CONSISTENT_READ,
                                     BLK_PERM_ALL);

        memset(buf, 0xa5, sizeof(buf));
        g_assert_cmpint(blk_pread(ablk, 0, sizeof(buf), buf, 0), ==, 0);
        g_assert_cmpint(buf[0], ==, 0);
        g_assert_cmpint(buf[511], ==, 0);
        blk_unref(ablk);
        delete_node("az");
    }

    blk_unref(blk);
    blk_unref(zblk);
    delete_node("nz");
    delete_node("z");
}

/* Check BlockBackend range and permission checks: -EIO past the end,
 * -EPERM for writes without the write permission. */
static void test_range_and_perm_checks(void)
{
    BlockDriverState *bs = open_json("{\"driver\": \"null-co\", "
                                     "\"node-name\": \"r\", \"size\": 8192}");
    BlockBackend *ro = new_blk(bs, BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL);
    BlockBackend *rw = new_blk(bs, BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE,
                               BLK_PERM_ALL);
    uint8_t buf[4096] = { 0 };

    g_assert_cmpint(blk_pread(ro, 4096, 4096, buf, 0), ==, 0);
    g_assert_cmpint(blk_pread(ro, 4097, 4096, buf, 0), ==, -EIO);
    g_assert_cmpint(blk_pread(ro, 8192, 1, buf, 0), ==, -EIO);
    g_assert_cmpint(blk_pread(ro, -1, 1, buf, 0), ==, -EIO);
    g_assert_cmpint(blk_pread(ro, 8192, 0, buf, 0), ==, 0);
    g_assert_cmpint(blk_pwrite(ro, 0, 512, buf, 0), ==, -EPERM);
    g_assert_cmpint(blk_pwrite(rw, 0, 512, buf, 0), ==, 0);
    g_assert_cmpint(blk_pwrite(rw, 8000, 512, buf, 0), ==, -EIO);
    g_assert_cmpint(blk_flush(rw), ==, 0);
    g_assert_true(blk_is_writable(rw));
    g_assert_false(blk_is_writable(ro));

    blk_unref(ro);
    blk_unref(rw);
    delete_node("r");
}

typedef struct CoReq {
    BlockBackend *blk;
    int64_t offset;
    int64_t bytes;
    bool write;
    int ret;
    bool done;
    int *completed;
} CoReq;

static void coroutine_fn co_req_entry(void *opaque)
{
    CoReq *r = opaque;
    g_autofree uint8_t *buf = g_malloc0(r->bytes);

    if (r->write) {
        r->ret = blk_co_pwrite(r->blk, r->offset, r->bytes, buf, 0);
    } else {
        r->ret = blk_co_pread(r->blk, r->offset, r->bytes, buf, 0);
    }
    r->done = true;
    if (r->completed) {
        qatomic_inc(r->completed);
    }
    aio_wait_kick();
}

/* Check that many requests run concurrently in coroutines: with 10 ms of
 * latency each, 100 requests finish in far less than 100 * 10 ms. */
static void test_concurrent_coroutines(void)
{
    BlockDriverState *bs = open_json("{\"driver\": \"null-co\", "
                                     "\"node-name\": \"c\", "
                                     "\"latency-ns\": 10000000}");
    BlockBackend *blk = new_blk(bs, BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE,
                                BLK_PERM_ALL);
    CoReq reqs[100];
    int completed = 0;
    int64_t start = get_clock_ns();

    for (int i = 0; i < 100; i++) {
        reqs[i] = (CoReq) { .blk = blk, .offset = i * 4096, .bytes = 4096,
                            .write = i % 2, .completed = &completed };
        qemu_coroutine_enter(qemu_coroutine_create(co_req_entry, &reqs[i]));
    }
    g_assert_cmpuint(blk_in_flight(blk), ==, 100);
    AIO_WAIT_WHILE(qatomic_read(&completed) < 100);
    g_assert_cmpint(get_clock_ns() - start, <, 500000000LL);
    for (int i = 0; i < 100; i++) {
        g_assert_cmpint(reqs[i].ret, ==, 0);
    }
    g_assert_cmpuint(blk_in_flight(blk), ==, 0);
    blk_unref(blk);
    delete_node("c");
}

/*
 * Check latency-ns on both null drivers: every request, alone or among
 * 20 concurrent ones (reads, writes, flushes), takes at least the latency,
 * and concurrent requests overlap (20 x 20 ms finish in far less than
 * 400 ms). Without latency, null-co completes inside the request's first
 * run while null-aio completes later, from the event loop.
 */
static void test_latency(void)
{
    static const char *const drivers[] = { "null-co", "null-aio" };

    for (size_t d = 0; d < G_N_ELEMENTS(drivers); d++) {
        g_autofree char *json = g_strdup_printf(
            "{\"driver\": \"%s\", \"node-name\": \"lat\", "
            "\"latency-ns\": 20000000, \"read-zeroes\": true}", drivers[d]);
        g_autofree char *json0 = g_strdup_printf(
            "{\"driver\": \"%s\", \"node-name\": \"lat0\"}", drivers[d]);
        BlockDriverState *bs = open_json(json);
        BlockBackend *blk = new_blk(bs, BLK_PERM_CONSISTENT_READ |
                                    BLK_PERM_WRITE, BLK_PERM_ALL);
        CoReq reqs[20];
        CoReq one = { 0 };
        int completed = 0;
        uint8_t buf[512];
        int64_t start = get_clock_ns();

        memset(buf, 0xa5, sizeof(buf));
        g_assert_cmpint(blk_pread(blk, 0, sizeof(buf), buf, 0), ==, 0);
        g_assert_cmpint(buf[0], ==, 0);
        g_assert_cmpint(get_clock_ns() - start, >=, 20000000);
        start = get_clock_ns();
        g_assert_cmpint(blk_flush(blk), ==, 0);
        g_assert_cmpint(get_clock_ns() - start, >=, 20000000);

        start = get_clock_ns();
        for (int i = 0; i < 20; i++) {
            reqs[i] = (CoReq) { .blk = blk, .offset = i * 4096,
                                .bytes = 4096, .write = i % 2,
                                .completed = &completed };
            qemu_coroutine_enter(qemu_coroutine_create(co_req_entry,
                                                       &reqs[i]));
        }
        g_assert_cmpint(qatomic_read(&completed), ==, 0);
        AIO_WAIT_WHILE(qatomic_read(&completed) < 20);
        g_assert_cmpint(get_clock_ns() - start, >=, 20000000);
        g_assert_cmpint(get_clock_ns() - start, <, 300000000);
        for (int i = 0; i < 20; i++) {
            g_assert_cmpint(reqs[i].ret, ==, 0);
        }
        blk_unref(blk);
        delete_node("lat");

        bs = open_json(json0);
        blk = new_blk(bs, BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL);
        one = (CoReq) { .blk = blk, .bytes = 512 };
        qemu_coroutine_enter(qemu_coroutine_create(co_req_entry, &one));
        g_assert_cmpint(one.done, ==, d == 0);
        AIO_WAIT_WHILE(!one.done);
        g_assert_cmpint(one.ret, ==, 0);
        blk_unref(blk);
        delete_node("lat0");
    }
}

/*
 * Check that drain waits for in-flight requests and that a request
 * started while drained waits until the drained section ends:
 *
 *   main                          coroutines
 *   start A, B (50 ms latency)    A, B sleeping
 *   drained_begin ...             A, B complete
 *   ... returns, in_flight == 0
 *   start C                       C parked
 *   poll 30 ms: C not done
 *   drained_end                   C runs and completes
 */
static void test_drain(void)
{
    BlockDriverState *bs = open_json("{\"driver\": \"null-co\", "
                                     "\"node-name\": \"d\", "
                                     "\"latency-ns\": 50000000}");
    BlockBackend *blk = new_blk(bs, BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL);
    CoReq a = { .blk = blk, .bytes = 512 };
    CoReq b = { .blk = blk, .offset = 512, .bytes = 512 };
    CoReq c = { .blk = blk, .offset = 1024, .bytes = 512 };

    qemu_coroutine_enter(qemu_coroutine_create(co_req_entry, &a));
    qemu_coroutine_enter(qemu_coroutine_create(co_req_entry, &b));
    g_assert_false(a.done || b.done);
    g_assert_cmpuint(blk_in_flight(blk), ==, 2);

    bdrv_drained_begin(bs);
    g_assert_true(a.done && b.done);
    g_assert_cmpuint(blk_in_flight(blk), ==, 0);
    g_assert_cmpuint(qatomic_read(&bs->in_flight), ==, 0);

    qemu_coroutine_enter(qemu_coroutine_create(co_req_entry, &c));
    poll_briefly(30);
    g_assert_false(c.done);
    g_assert_cmpuint(blk_in_flight(blk), ==, 0);

    bdrv_drained_end(bs);
    AIO_WAIT_WHILE(!c.done);
    g_assert_cmpint(c.ret, ==, 0);

    /* blk_drain waits as well. */
    a.done = false;
    qemu_coroutine_enter(qemu_coroutine_create(co_req_entry, &a));
    g_assert_false(a.done);
    blk_drain(blk);
    g_assert_true(a.done);
    g_assert_cmpuint(blk_in_flight(blk), ==, 0);

    blk_unref(blk);
    delete_node("d");
}

/*
 * Check that a backend with request queuing disabled (the one block_resize
 * uses) does I/O on a drained node while another backend's request stays
 * parked until the drained section ends.
 */
static void test_drain_no_queuing(void)
{
    BlockDriverState *bs = open_json("{\"driver\": \"null-co\", "
                                     "\"node-name\": \"dq\"}");
    BlockBackend *blk = new_blk(bs, BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL);
    BlockBackend *own = new_blk(bs, BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL);
    CoReq parked = { .blk = blk, .bytes = 512 };
    CoReq mine = { .blk = own, .offset = 512, .bytes = 512 };

    blk_set_disable_request_queuing(own, true);
    bdrv_drained_begin(bs);
    qemu_coroutine_enter(qemu_coroutine_create(co_req_entry, &parked));
    qemu_coroutine_enter(qemu_coroutine_create(co_req_entry, &mine));
    AIO_WAIT_WHILE(!mine.done);
    g_assert_cmpint(mine.ret, ==, 0);
    poll_briefly(10);
    g_assert_false(parked.done);
    g_assert_cmpuint(qatomic_read(&bs->parked), ==, 1);

    bdrv_drained_end(bs);
    AIO_WAIT_WHILE(!parked.done);
    g_assert_cmpint(parked.ret, ==, 0);

    blk_unref(own);
    blk_unref(blk);
    delete_node("dq");
}

/* Holds @bs's drain_lock across one yield: enter once to take it, again
 * to release it. */
static void coroutine_fn hold_drain_lock_entry(void *opaque)
{
    BlockDriverState *bs = opaque;

    qemu_co_mutex_lock(&bs->drain_lock);
    qemu_coroutine_yield();
    qemu_co_mutex_unlock(&bs->drain_lock);
}

/*
 * Park a read of @blk in a drained section of @bs, end the section and
 * let the read finish, without running the event loop. With @contended,
 * the restart of the parked read has to wait for drain_lock (held by
 * another coroutine while the section ends), so it finishes after
 * bdrv_drained_end() returned.
 */
static void park_and_restart(BlockDriverState *bs, BlockBackend *blk,
                             bool contended)
{
    CoReq c = { .blk = blk, .bytes = 512 };
    Coroutine *holder = qemu_coroutine_create(hold_drain_lock_entry, bs);

    bdrv_drained_begin(bs);
    qemu_coroutine_enter(qemu_coroutine_create(co_req_entry, &c));
    g_assert_false(c.done);
    g_assert_cmpuint(qatomic_read(&bs->parked), ==, 1);
    if (contended) {
        qemu_coroutine_enter(holder);
    }
    bdrv_drained_end(bs);
    g_assert_cmpint(c.done, ==, !contended);
    if (contended) {
        qemu_coroutine_enter(holder);   /* unlocks: the restart runs */
    } else {
        /* Never entered: the lock is free. */
        qemu_coroutine_enter(holder);
        qemu_coroutine_enter(holder);
    }
    g_assert_true(c.done);
    g_assert_cmpint(c.ret, ==, 0);
}

/*
 * Check that blockdev-del succeeds right after a drained section that
 * restarted a parked request, before the event loop runs again: the
 * restart must not leave a reference on the node that makes it "in use"
 * (uncontended: dropped when bdrv_drained_end() returns; contended: the
 * delete waits for the restart to finish).
 */
static void test_drain_end_then_delete(void)
{
    for (int contended = 0; contended < 2; contended++) {
        BlockDriverState *bs = open_json("{\"driver\": \"null-co\", "
                                         "\"node-name\": \"dd\"}");
        BlockBackend *blk = new_blk(bs, BLK_PERM_CONSISTENT_READ,
                                    BLK_PERM_ALL);
        Error *err = NULL;
        bool ok;

        park_and_restart(bs, blk, contended);
        if (!contended) {
            g_assert_cmpint(bs->refcnt, ==, 2);
        }
        blk_unref(blk);
        ok = bdrv_delete_named("dd", &err);
        if (!ok) {
            g_test_message("blockdev-del: %s", error_get_pretty(err));
            error_free(err);
        }
        g_assert_true(ok);
        g_assert_null(bdrv_find_node("dd"));
    }
}

/*
 * Check that the shutdown path (bdrv_close_all()) closes a node whose
 * parked request was restarted by a contended drained_end just before,
 * instead of leaving it open with the restart's reference.
 */
static void test_drain_end_then_close_all(void)
{
    BlockDriverState *bs = open_json("{\"driver\": \"null-co\", "
                                     "\"node-name\": \"dc\"}");
    BlockBackend *blk = new_blk(bs, BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL);

    park_and_restart(bs, blk, true);
    blk_unref(blk);
    bdrv_close_all();
    g_assert_null(bdrv_find_node("dc"));
    g_assert_null(bdrv_next_node(NULL));
}

/* Check that a second writer is refused while the first does not share
 * write, with QEMU's text, and accepted once the first is gone. */
static void test_perm_conflict(void)
{
    BlockDriverState *bs = open_json("{\"driver\": \"null-co\", "
                                     "\"node-name\": \"p\"}");
    BlockBackend *a = new_blk(bs, BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE,
                              BLK_PERM_CONSISTENT_READ);
    BlockBackend *b = blk_new(qemu_get_aio_context(),
                              BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE,
                              BLK_PERM_ALL);
    BlockBackend *reader = blk_new(qemu_get_aio_context(),
                                   BLK_PERM_CONSISTENT_READ,
                                   BLK_PERM_CONSISTENT_READ);
    Error *err = NULL;

    g_assert_false(blk_insert_bs(b, bs, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Conflicts with use by a block device as 'root', which "
                    "does not allow 'write' on p");
    error_free(err);
    err = NULL;

    /* A reader that does not share write conflicts the other way. */
    g_assert_false(blk_insert_bs(reader, bs, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Conflicts with use by a block device as 'root', which "
                    "uses 'write' on p");
    error_free(err);
    err = NULL;

    /* Dropping write on the first backend lets the others in. */
    g_assert_true(blk_set_perm(a, BLK_PERM_CONSISTENT_READ,
                               BLK_PERM_CONSISTENT_READ, &error_abort));
    g_assert_true(blk_insert_bs(reader, bs, &error_abort));
    g_assert_false(blk_set_perm(a, BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE,
                                BLK_PERM_CONSISTENT_READ, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Conflicts with use by a block device as 'root', which "
                    "does not allow 'write' on p");
    error_free(err);

    blk_unref(reader);
    blk_unref(a);
    g_assert_true(blk_insert_bs(b, bs, &error_abort));
    blk_unref(b);
    delete_node("p");
}

/* Check that a read-only node refuses a writer but takes a reader. */
static void test_read_only(void)
{
    BlockDriverState *bs = open_json("{\"driver\": \"null-co\", "
                                     "\"node-name\": \"ro\", "
                                     "\"read-only\": true}");
    BlockBackend *blk = blk_new(qemu_get_aio_context(),
                                BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE,
                                BLK_PERM_ALL);
    Error *err = NULL;

    g_assert_false(blk_insert_bs(blk, bs, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Block node is read-only");
    error_free(err);
    g_assert_null(blk_bs(blk));
    g_assert_true(blk_set_perm(blk, BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL,
                               &error_abort));
    g_assert_true(blk_insert_bs(blk, bs, &error_abort));
    g_assert_true(blk_bs(blk) == bs);
    blk_unref(blk);
    delete_node("ro");
}

/* Check that blockdev-del refuses a node in use and an unknown name. */
static void test_delete_busy(void)
{
    BlockDriverState *bs = open_json("{\"driver\": \"null-co\", "
                                     "\"node-name\": \"busy\"}");
    BlockBackend *blk = new_blk(bs, BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL);
    Error *err = NULL;

    g_assert_false(bdrv_delete_named("busy", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Node busy is in use");
    error_free(err);
    err = NULL;
    g_assert_true(bdrv_find_node("busy") == bs);

    g_assert_false(bdrv_delete_named("nosuch", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Failed to find node with node-name='nosuch'");
    error_free(err);

    blk_unref(blk);
    delete_node("busy");
}

/* Check that bdrv_close_all() drops the monitor's references, but a node
 * still used by a backend stays until the backend goes away. */
static void test_close_all(void)
{
    BlockDriverState *bs;
    BlockBackend *blk;

    open_json("{\"driver\": \"null-co\", \"node-name\": \"ca1\"}");
    bs = open_json("{\"driver\": \"null-co\", \"node-name\": \"ca2\"}");
    blk = new_blk(bs, BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL);
    bdrv_close_all();
    g_assert_null(bdrv_find_node("ca1"));
    g_assert_true(bdrv_find_node("ca2") == bs);
    blk_unref(blk);
    g_assert_null(bdrv_find_node("ca2"));
}

/* Check the list of drivers for --blockdev help. */
static void test_driver_names(void)
{
    const char *const *names = bdrv_driver_names();
    g_autofree char *all = g_strjoinv(",", (char **)names);

    g_assert_cmpstr(all, ==, "blkdebug,file,null-co,null-aio,raw");
    g_assert_nonnull(bdrv_find_driver("null-aio"));
    g_assert_null(bdrv_find_driver("qcow2"));
}

typedef struct IOThreadReqs {
    BlockBackend *blk;
    int started;
    int completed;                  /* qatomic */
} IOThreadReqs;

static void coroutine_fn iothread_req_entry(void *opaque)
{
    IOThreadReqs *t = opaque;
    uint8_t buf[512];
    int ret;

    g_assert_false(qemu_in_main_thread());
    ret = blk_co_pread(t->blk, 0, sizeof(buf), buf, 0);
    g_assert_cmpint(ret, ==, 0);
    qatomic_inc(&t->completed);
    aio_wait_kick();
}

/*
 * Check that a multi-queue backend takes requests from an IOThread while
 * the main thread issues its own, and that drain from the main thread
 * waits for the IOThread's requests.
 *
 * Drain covers a request until it leaves the node, not the caller's code
 * after blk_co_pread() returns: the IOThread may still be about to count
 * its last completion when bdrv_drain() returns. So right after the drain
 * only the backend's and the node's counters are checked (0, although all
 * 20 requests were inside with 20 ms of latency left), then we wait for
 * the completion counter.
 */
static void test_multiqueue_iothread(void)
{
    BlockDriverState *bs = open_json("{\"driver\": \"null-aio\", "
                                     "\"node-name\": \"mq\", "
                                     "\"latency-ns\": 20000000}");
    BlockBackend *blk = new_blk(bs, BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL);
    IOThread *iot = iothread_create("iot0", &error_abort);
    AioContext *ctx = iothread_get_aio_context(iot);
    IOThreadReqs t = { .blk = blk };
    CoReq main_req = { .blk = blk, .bytes = 512 };

    blk_set_multiqueue(blk, true);
    for (int i = 0; i < 20; i++) {
        aio_co_enter(ctx, qemu_coroutine_create(iothread_req_entry, &t));
    }
    qemu_coroutine_enter(qemu_coroutine_create(co_req_entry, &main_req));
    /*
     * Drain only once every IOThread request is in the backend or done
     * (main_req stays in flight: nothing polls the main loop here). Read
     * the completions first: a request counted there has already left
     * blk_in_flight(), so none is counted twice.
     */
    for (;;) {
        int done = qatomic_read(&t.completed);

        if (done + blk_in_flight(blk) >= 21) {
            break;
        }
        g_usleep(1000);
    }
    bdrv_drain(bs);
    g_assert_cmpuint(blk_in_flight(blk), ==, 0);
    g_assert_cmpuint(qatomic_read(&bs->in_flight), ==, 0);
    g_assert_true(main_req.done);
    AIO_WAIT_WHILE(qatomic_read(&t.completed) < 20);

    blk_unref(blk);
    iothread_destroy(iot);
    delete_node("mq");
}

/* Check that moving a node to an IOThread moves its backend, and that
 * the sync wrappers then run the request there. */
static void test_change_aio_context(void)
{
    BlockDriverState *bs = open_json("{\"driver\": \"null-co\", "
                                     "\"node-name\": \"ctx\", "
                                     "\"read-zeroes\": true}");
    BlockBackend *blk = new_blk(bs, BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL);
    IOThread *iot = iothread_create("iot1", &error_abort);
    AioContext *ctx = iothread_get_aio_context(iot);
    uint8_t buf[512];

    g_assert_true(blk_set_aio_context(blk, ctx, &error_abort));
    g_assert_true(bdrv_get_aio_context(bs) == ctx);
    g_assert_true(blk_get_aio_context(blk) == ctx);
    memset(buf, 1, sizeof(buf));
    g_assert_cmpint(blk_pread(blk, 0, sizeof(buf), buf, 0), ==, 0);
    g_assert_cmpint(buf[0], ==, 0);
    g_assert_cmpint(bdrv_try_change_aio_context(bs, qemu_get_aio_context(),
                                                &error_abort), ==, 0);
    g_assert_true(blk_get_aio_context(blk) == qemu_get_aio_context());

    blk_unref(blk);
    iothread_destroy(iot);
    delete_node("ctx");
}

/* Check block status of null nodes: zeroes with read-zeroes=on, data
 * otherwise, clamped at the end; and through a blkdebug filter. */
static void test_null_block_status(void)
{
    BlockBackend *blk;
    int64_t pnum;

    open_json("{\"driver\": \"null-co\", \"node-name\": \"z\", "
              "\"size\": 65536, \"read-zeroes\": true}");
    open_json("{\"driver\": \"null-aio\", \"node-name\": \"d\", "
              "\"size\": 65536}");
    open_json("{\"driver\": \"blkdebug\", \"node-name\": \"dbg\", "
              "\"image\": \"z\"}");

    blk = new_blk(bdrv_find_node("z"), BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL);
    g_assert_cmpint(blk_block_status(blk, 4096, 1 << 20, &pnum), ==,
                    BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED);
    g_assert_cmpint(pnum, ==, 65536 - 4096);
    g_assert_cmpint(blk_block_status(blk, 65536, 512, &pnum), ==, 0);
    g_assert_cmpint(pnum, ==, 0);
    blk_unref(blk);

    blk = new_blk(bdrv_find_node("d"), BLK_PERM_CONSISTENT_READ, BLK_PERM_ALL);
    g_assert_cmpint(blk_block_status(blk, 0, 512, &pnum), ==,
                    BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED);
    g_assert_cmpint(pnum, ==, 512);
    blk_unref(blk);

    blk = new_blk(bdrv_find_node("dbg"), BLK_PERM_CONSISTENT_READ,
                  BLK_PERM_ALL);
    g_assert_cmpint(blk_block_status(blk, 0, 1 << 20, &pnum), ==,
                    BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED);
    g_assert_cmpint(pnum, ==, 65536);
    blk_unref(blk);
    delete_node("dbg");
    delete_node("z");
    delete_node("d");
}

/* Check the option errors of blkdebug. */
static void test_blkdebug_option_errors(void)
{
    static const struct { const char *json, *msg; } cases[] = {
        { "{\"driver\": \"blkdebug\"}",
          "A block device must be specified for \"image\"" },
        { "{\"driver\": \"blkdebug\", \"image\": \"nosuch\"}",
          "Cannot find device=nosuch nor node-name=nosuch" },
        { "{\"driver\": \"blkdebug\", \"image\": {\"driver\": "
          "\"null-co\"}, \"inject-error\": [{\"event\": \"l1_update\"}]}",
          "blkdebug: event 'l1_update' is not supported (read_aio, "
          "write_aio, flush_to_disk, read, write, flush are)" },
        { "{\"driver\": \"blkdebug\", \"image\": {\"driver\": "
          "\"null-co\"}, \"inject-error\": [{\"errno\": 5}]}",
          "Parameter 'event' is missing" },
        { "{\"driver\": \"blkdebug\", \"image\": {\"driver\": "
          "\"null-co\"}, \"inject-error\": [{\"event\": \"read\"}, "
          "{\"event\": \"read\", \"bogus\": 1}]}",
          "Parameter 'inject-error.1.bogus' is unexpected" },
        { "{\"driver\": \"blkdebug\", \"image\": {\"driver\": "
          "\"null-co\"}, \"inject-error\": [{\"event\": \"read\", "
          "\"errno\": 0}]}",
          "blkdebug: errno must be a positive error number, not 0" },
        { "{\"driver\": \"blkdebug\", \"image\": {\"driver\": "
          "\"null-co\"}, \"inject-error\": [{\"event\": \"read\", "
          "\"skip\": -1}]}",
          "blkdebug: skip must not be negative" },
        { "{\"driver\": \"blkdebug\", \"image\": {\"driver\": "
          "\"null-co\"}, \"inject-error\": {\"event\": \"read\"}}",
          "Invalid parameter type for 'inject-error', expected: array" },
        { "{\"driver\": \"blkdebug\", \"image\": {\"driver\": "
          "\"null-co\"}, \"set-state\": []}",
          "blkdebug: set-state is not supported" },
        { "{\"driver\": \"blkdebug\", \"image\": {\"driver\": "
          "\"null-co\"}, \"align\": 4096}",
          "Parameter 'align' is unexpected" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *msg = open_json_error(cases[i].json);

        g_assert_cmpstr(msg, ==, cases[i].msg);
    }
    g_assert_null(bdrv_next_node(NULL));
}

/*
 * Check that blkdebug fails exactly the requests covering the chosen
 * sector with the chosen errno, passes the others through, and that a
 * "once" rule fires once.
 */
static void test_blkdebug_inject(void)
{
    BlockBackend *blk;
    uint8_t buf[8192];

    open_json("{\"driver\": \"blkdebug\", \"node-name\": \"dbg\", "
              "\"image\": {\"driver\": \"null-co\", \"size\": 65536, "
              "\"read-zeroes\": true}, \"inject-error\": ["
              "{\"event\": \"read_aio\", \"sector\": 8}, "
              "{\"event\": \"write_aio\", \"errno\": 28, \"once\": true, "
              "\"immediately\": true}, "
              "{\"event\": \"read\", \"sector\": 100, \"state\": 2, "
              "\"errno\": 1}, "
              "{\"event\": \"read\", \"sector\": 100, \"state\": 1, "
              "\"errno\": 13}]}");
    blk = new_blk(bdrv_find_node("dbg"),
                  BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE, BLK_PERM_ALL);
    g_assert_cmpint(blk_getlength(blk), ==, 65536);

    memset(buf, 0xaa, sizeof(buf));
    g_assert_cmpint(blk_pread(blk, 0, 4096, buf, 0), ==, 0);
    g_assert_cmpint(buf[0], ==, 0);
    g_assert_cmpint(blk_pread(blk, 0, 4097, buf, 0), ==, -EIO);
    /* As in QEMU, "covering" means containing the sector's first byte. */
    g_assert_cmpint(blk_pread(blk, 4607, 1, buf, 0), ==, 0);
    g_assert_cmpint(blk_pread(blk, 4095, 2, buf, 0), ==, -EIO);
    g_assert_cmpint(blk_pread(blk, 4608, 512, buf, 0), ==, 0);
    /* Still failing: no "once" on this rule. */
    g_assert_cmpint(blk_pread(blk, 4096, 8192, buf, 0), ==, -EIO);
    /* State 2 never comes; the state-1 rule fires. */
    g_assert_cmpint(blk_pread(blk, 100 * 512, 512, buf, 0), ==, -EACCES);

    g_assert_cmpint(blk_pwrite(blk, 60000, 100, buf, 0), ==, -ENOSPC);
    g_assert_cmpint(blk_pwrite(blk, 60000, 100, buf, 0), ==, 0);
    g_assert_cmpint(blk_flush(blk), ==, 0);
    blk_unref(blk);
    delete_node("dbg");
}

/*
 * Check that "skip" lets the first matching requests through: with
 * "once" exactly the Nth matching read/write/flush fails (skip = N-1),
 * without it every one from the Nth on; requests the rule does not match
 * (other sectors, other kinds) do not count.
 */
static void test_blkdebug_skip(void)
{
    BlockBackend *blk;
    uint8_t buf[2048] = { 0 };

    open_json("{\"driver\": \"blkdebug\", \"node-name\": \"dbg\", "
              "\"image\": {\"driver\": \"null-co\", \"size\": 65536}, "
              "\"inject-error\": ["
              "{\"event\": \"write\", \"skip\": 2, \"once\": true, "
              "\"errno\": 28}, "
              "{\"event\": \"read\", \"sector\": 4, \"skip\": 1}, "
              "{\"event\": \"flush\", \"skip\": 1, \"once\": true}]}");
    blk = new_blk(bdrv_find_node("dbg"),
                  BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE, BLK_PERM_ALL);

    /* The third write fails, and only that one. */
    g_assert_cmpint(blk_pwrite(blk, 0, 512, buf, 0), ==, 0);
    g_assert_cmpint(blk_pwrite(blk, 512, 512, buf, 0), ==, 0);
    g_assert_cmpint(blk_pwrite(blk, 1024, 512, buf, 0), ==, -ENOSPC);
    g_assert_cmpint(blk_pwrite(blk, 1024, 512, buf, 0), ==, 0);
    g_assert_cmpint(blk_pwrite(blk, 1536, 512, buf, 0), ==, 0);

    /* Reads of other sectors do not count; from the second read of
     * sector 4 on, every one fails. */
    g_assert_cmpint(blk_pread(blk, 0, 512, buf, 0), ==, 0);
    g_assert_cmpint(blk_pread(blk, 2048, 512, buf, 0), ==, 0);
    g_assert_cmpint(blk_pread(blk, 4096, 512, buf, 0), ==, 0);
    g_assert_cmpint(blk_pread(blk, 2048, 512, buf, 0), ==, -EIO);
    g_assert_cmpint(blk_pread(blk, 1024, 2048, buf, 0), ==, -EIO);
    g_assert_cmpint(blk_pread(blk, 2560, 512, buf, 0), ==, 0);

    /* The second flush fails. */
    g_assert_cmpint(blk_flush(blk), ==, 0);
    g_assert_cmpint(blk_flush(blk), ==, -EIO);
    g_assert_cmpint(blk_flush(blk), ==, 0);
    blk_unref(blk);
    delete_node("dbg");
}

/* Check that flush errors are injected, and that cache.no-flush=on keeps
 * flushes from reaching the driver at all. */
static void test_blkdebug_flush_no_flush(void)
{
    BlockBackend *blk;

    open_json("{\"driver\": \"blkdebug\", \"node-name\": \"dbg\", "
              "\"image\": {\"driver\": \"null-co\"}, \"inject-error\": "
              "[{\"event\": \"flush_to_disk\", \"errno\": 122}]}");
    open_json("{\"driver\": \"blkdebug\", \"node-name\": \"nf\", "
              "\"cache\": {\"no-flush\": true}, "
              "\"image\": {\"driver\": \"null-co\"}, \"inject-error\": "
              "[{\"event\": \"flush\"}]}");
    blk = new_blk(bdrv_find_node("dbg"), BLK_PERM_CONSISTENT_READ,
                  BLK_PERM_ALL);
    g_assert_cmpint(blk_flush(blk), ==, -EDQUOT);
    blk_unref(blk);
    blk = new_blk(bdrv_find_node("nf"), BLK_PERM_CONSISTENT_READ,
                  BLK_PERM_ALL);
    g_assert_cmpint(blk_flush(blk), ==, 0);
    blk_unref(blk);
    delete_node("dbg");
    delete_node("nf");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);

    g_test_add_func("/block/null/open-close", test_open_close);
    g_test_add_func("/block/null/generated-name-generic-options",
                    test_generated_name_and_generic_options);
    g_test_add_func("/block/null/option-errors", test_option_errors);
    g_test_add_func("/block/null/duplicate-name", test_duplicate_name);
    g_test_add_func("/block/null/read-zeroes", test_read_zeroes);
    g_test_add_func("/block/null/range-and-perm-checks",
                    test_range_and_perm_checks);
    g_test_add_func("/block/null/concurrent-coroutines",
                    test_concurrent_coroutines);
    g_test_add_func("/block/null/latency", test_latency);
    g_test_add_func("/block/null/drain", test_drain);
    g_test_add_func("/block/null/drain-no-queuing", test_drain_no_queuing);
    g_test_add_func("/block/null/drain-end-then-delete",
                    test_drain_end_then_delete);
    g_test_add_func("/block/null/drain-end-then-close-all",
                    test_drain_end_then_close_all);
    g_test_add_func("/block/null/perm-conflict", test_perm_conflict);
    g_test_add_func("/block/null/read-only", test_read_only);
    g_test_add_func("/block/null/delete-busy", test_delete_busy);
    g_test_add_func("/block/null/close-all", test_close_all);
    g_test_add_func("/block/null/driver-names", test_driver_names);
    g_test_add_func("/block/null/block-status", test_null_block_status);
    g_test_add_func("/block/blkdebug/option-errors",
                    test_blkdebug_option_errors);
    g_test_add_func("/block/blkdebug/inject", test_blkdebug_inject);
    g_test_add_func("/block/blkdebug/skip", test_blkdebug_skip);
    g_test_add_func("/block/blkdebug/flush-no-flush",
                    test_blkdebug_flush_no_flush);
    g_test_add_func("/block/null/multiqueue-iothread",
                    test_multiqueue_iothread);
    g_test_add_func("/block/null/change-aio-context",
                    test_change_aio_context);
    return g_test_run();
}
