/*
 * The "blkdebug" filter: passes every request to its "image" child and
 * fails the ones that match an error-injection rule, for testing how
 * users (exports, their clients) handle I/O errors.
 *
 * Options: "image" (a node name or nested options, required) and
 * "inject-error", a list of rules, each with:
 *   event        which requests fail: "read_aio" or "read" (reads),
 *                "write_aio" or "write" (writes, write-zeroes included),
 *                "flush_to_disk" or "flush" (flushes) -- QEMU's event
 *                names, taken as the kind of request they stand for
 *   errno        the error returned (default 5, EIO)
 *   sector       only requests covering this 512-byte sector, i.e. its
 *                first byte, as in QEMU (default: any request; flushes
 *                cover no sector)
 *   skip         let this many matching requests through first, then
 *                fail the ones after them (default 0); with "once", only
 *                request skip+1 fails -- "fail the Nth write" is
 *                skip=N-1, once=true (our own option, not QEMU's)
 *   once         fail only the first matching request (default false)
 *   immediately  fail without yielding first (default false: the error
 *                comes back from the event loop, like a completion)
 *   state        only in this state (default: any); there are no
 *                set-state rules, so the state is always 1
 * QEMU's other members (config, set-state, align, iotype, ...) are
 * refused. The node is read-only if its child is.
 */
#include "qemu/osdep.h"
#include "block/block_int.h"

typedef enum BlkdebugReqType {
    BLKDEBUG_READ,
    BLKDEBUG_WRITE,
    BLKDEBUG_FLUSH,
} BlkdebugReqType;

/* The only state there is: nothing changes it (no set-state rules). */
#define BLKDEBUG_STATE 1

typedef struct BlkdebugRule {
    BlkdebugReqType type;
    int error;                  /* positive errno */
    int64_t sector;             /* -1: any */
    int64_t state;              /* 0: any */
    int64_t skip;               /* matching requests let through first */
    int64_t seen;               /* qatomic: matching requests so far */
    bool once;
    bool immediately;
    bool used;                  /* qatomic: a "once" rule has fired */
} BlkdebugRule;

typedef struct BDRVBlkdebugState {
    BlkdebugRule *rules;        /* read-only after open, except .used */
    size_t nrules;
} BDRVBlkdebugState;

static const struct {
    const char *name;
    BlkdebugReqType type;
} blkdebug_events[] = {
    { "read_aio", BLKDEBUG_READ },
    { "write_aio", BLKDEBUG_WRITE },
    { "flush_to_disk", BLKDEBUG_FLUSH },
    { "read", BLKDEBUG_READ },
    { "write", BLKDEBUG_WRITE },
    { "flush", BLKDEBUG_FLUSH },
};

/* Parse rule @idx from @o into @r. */
static bool blkdebug_parse_rule(JsonObject *o, size_t idx, BlkdebugRule *r,
                                Error **errp)
{
    g_autofree char *event = NULL;
    g_autofree char *prefix = g_strdup_printf("inject-error.%zu.", idx);
    int64_t err = EIO, sector = -1, state = 0, skip = 0;
    size_t i;

    if (!qdict_take_required_str(o, "event", &event, errp) ||
        !qdict_take_int(o, "errno", &err, NULL, errp) ||
        !qdict_take_int(o, "sector", &sector, NULL, errp) ||
        !qdict_take_int(o, "state", &state, NULL, errp) ||
        !qdict_take_int(o, "skip", &skip, NULL, errp) ||
        !qdict_take_bool(o, "once", &r->once, NULL, errp) ||
        !qdict_take_bool(o, "immediately", &r->immediately, NULL, errp) ||
        !qdict_check_empty(o, prefix, errp)) {
        return false;
    }
    for (i = 0; i < G_N_ELEMENTS(blkdebug_events); i++) {
        if (!strcmp(event, blkdebug_events[i].name)) {
            r->type = blkdebug_events[i].type;
            break;
        }
    }
    if (i == G_N_ELEMENTS(blkdebug_events)) {
        error_setg(errp, "blkdebug: event '%s' is not supported (read_aio, "
                   "write_aio, flush_to_disk, read, write, flush are)",
                   event);
        return false;
    }
    if (err <= 0 || err > 4095) {
        error_setg(errp, "blkdebug: errno must be a positive error number, "
                   "not %" PRId64, err);
        return false;
    }
    if (sector < -1 || sector > INT64_MAX / 512) {
        error_setg(errp, "blkdebug: sector %" PRId64 " is out of range",
                   sector);
        return false;
    }
    if (state < 0) {
        error_setg(errp, "blkdebug: state must not be negative");
        return false;
    }
    if (skip < 0) {
        error_setg(errp, "blkdebug: skip must not be negative");
        return false;
    }
    r->skip = skip;
    r->error = err;
    r->sector = sector;
    r->state = state;
    return true;
}

static int blkdebug_open(BlockDriverState *bs, JsonObject *options,
                         int flags, Error **errp)
{
    BDRVBlkdebugState *s = bs->opaque;
    g_autoptr(JsonNode) rules = qdict_take_node(options, "inject-error");
    JsonArray *arr = NULL;

    if (json_object_has_member(options, "set-state")) {
        error_setg(errp, "blkdebug: set-state is not supported");
        return -ENOTSUP;
    }
    if (json_object_has_member(options, "config")) {
        error_setg(errp, "blkdebug: config files are not supported");
        return -ENOTSUP;
    }
    if (rules && !JSON_NODE_HOLDS_NULL(rules)) {
        if (!JSON_NODE_HOLDS_ARRAY(rules)) {
            error_setg(errp, "Invalid parameter type for 'inject-error', "
                       "expected: array");
            return -EINVAL;
        }
        arr = json_node_get_array(rules);
        s->nrules = json_array_get_length(arr);
        s->rules = g_new0(BlkdebugRule, s->nrules);
        for (size_t i = 0; i < s->nrules; i++) {
            JsonNode *n = json_array_get_element(arr, i);

            if (!JSON_NODE_HOLDS_OBJECT(n)) {
                error_setg(errp, "Invalid parameter type for "
                           "'inject-error.%zu', expected: object", i);
                goto fail;
            }
            if (!blkdebug_parse_rule(json_node_get_object(n), i,
                                     &s->rules[i], errp)) {
                goto fail;
            }
        }
    }

    bs->file = bdrv_open_child(bs, options, "image", errp);
    if (!bs->file) {
        goto fail;
    }
    if (bdrv_is_read_only(bs->file->bs)) {
        bs->read_only = true;
    }
    return 0;

fail:
    g_clear_pointer(&s->rules, g_free);
    s->nrules = 0;
    return -EINVAL;
}

static void blkdebug_close(BlockDriverState *bs)
{
    BDRVBlkdebugState *s = bs->opaque;

    g_free(s->rules);
}

static void blkdebug_refresh_limits(BlockDriverState *bs, Error **errp)
{
    /* Byte granularity: the child pads as it needs. */
    bs->bl.request_alignment = 1;
    bs->bl.min_mem_alignment = 1;
    bs->bl.opt_mem_alignment = bs->file->bs->bl.opt_mem_alignment;
}

/*
 * Does a rule fail this request? Returns 0 or -errno; a non-immediate
 * error is returned after one trip through the event loop. May yield.
 */
static int coroutine_fn blkdebug_co_check(BlockDriverState *bs,
                                          BlkdebugReqType type,
                                          int64_t offset, int64_t bytes)
{
    BDRVBlkdebugState *s = bs->opaque;
    BlkdebugRule *hit = NULL;

    for (size_t i = 0; i < s->nrules && !hit; i++) {
        BlkdebugRule *r = &s->rules[i];

        if (r->type != type) {
            continue;
        }
        if (r->state && r->state != BLKDEBUG_STATE) {
            continue;
        }
        if (r->sector >= 0 &&
            !(offset <= r->sector * 512 && r->sector * 512 < offset + bytes)) {
            continue;
        }
        /* Requests may race from several threads: each gets its own
         * count, and one wins a "once". */
        if (r->skip && qatomic_fetch_inc(&r->seen) < r->skip) {
            continue;
        }
        if (r->once && qatomic_xchg(&r->used, true)) {
            continue;
        }
        hit = r;
    }
    if (!hit) {
        return 0;
    }
    if (!hit->immediately) {
        aio_co_schedule(qemu_get_current_aio_context(),
                        qemu_coroutine_self());
        qemu_coroutine_yield();
    }
    return -hit->error;
}

static int coroutine_fn blkdebug_co_preadv(BlockDriverState *bs,
                                           int64_t offset, int64_t bytes,
                                           QEMUIOVector *qiov,
                                           BdrvRequestFlags flags)
{
    int ret = blkdebug_co_check(bs, BLKDEBUG_READ, offset, bytes);

    if (ret < 0) {
        return ret;
    }
    return bdrv_co_preadv(bs->file, offset, bytes, qiov, flags);
}

static int coroutine_fn blkdebug_co_pwritev(BlockDriverState *bs,
                                            int64_t offset, int64_t bytes,
                                            QEMUIOVector *qiov,
                                            BdrvRequestFlags flags)
{
    int ret = blkdebug_co_check(bs, BLKDEBUG_WRITE, offset, bytes);

    if (ret < 0) {
        return ret;
    }
    return bdrv_co_pwritev(bs->file, offset, bytes, qiov, flags);
}

static int coroutine_fn blkdebug_co_pwrite_zeroes(BlockDriverState *bs,
                                                  int64_t offset,
                                                  int64_t bytes,
                                                  BdrvRequestFlags flags)
{
    int ret = blkdebug_co_check(bs, BLKDEBUG_WRITE, offset, bytes);

    if (ret < 0) {
        return ret;
    }
    return bdrv_co_pwrite_zeroes(bs->file, offset, bytes, flags);
}

static int coroutine_fn blkdebug_co_pdiscard(BlockDriverState *bs,
                                             int64_t offset, int64_t bytes)
{
    return bdrv_co_pdiscard(bs->file, offset, bytes);
}

/* Only the injection: the generic layer flushes the child afterwards
 * (and skips this with cache.no-flush=on). */
static int coroutine_fn blkdebug_co_flush(BlockDriverState *bs)
{
    return blkdebug_co_check(bs, BLKDEBUG_FLUSH, 0, 0);
}

static int coroutine_fn blkdebug_co_block_status(BlockDriverState *bs,
                                                 int64_t offset,
                                                 int64_t bytes,
                                                 int64_t *pnum)
{
    return bdrv_co_block_status(bs->file->bs, offset, bytes, pnum);
}

static int coroutine_fn blkdebug_co_truncate(BlockDriverState *bs,
                                             int64_t offset, bool exact,
                                             PreallocMode prealloc,
                                             Error **errp)
{
    return bdrv_co_truncate(bs->file, offset, exact, prealloc, errp);
}

static int64_t blkdebug_getlength(BlockDriverState *bs)
{
    return bdrv_getlength(bs->file->bs);
}

const BlockDriver bdrv_blkdebug = {
    .format_name            = "blkdebug",
    .instance_size          = sizeof(BDRVBlkdebugState),
    /* Its data comes from a child: length and FUA go through it. */
    .is_format              = true,
    .bdrv_open              = blkdebug_open,
    .bdrv_close             = blkdebug_close,
    .bdrv_refresh_limits    = blkdebug_refresh_limits,
    .bdrv_co_preadv         = blkdebug_co_preadv,
    .bdrv_co_pwritev        = blkdebug_co_pwritev,
    .bdrv_co_pwrite_zeroes  = blkdebug_co_pwrite_zeroes,
    .bdrv_co_pdiscard       = blkdebug_co_pdiscard,
    .bdrv_co_flush          = blkdebug_co_flush,
    .bdrv_co_block_status   = blkdebug_co_block_status,
    .bdrv_co_truncate       = blkdebug_co_truncate,
    .bdrv_getlength         = blkdebug_getlength,
};
