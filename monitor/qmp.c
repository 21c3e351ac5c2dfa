/*
 * QMP sessions: greeting, capabilities negotiation, request queue and
 * dispatch, replies and events.
 *
 * One MonitorQMP per --monitor; one QmpSession per connected client. A
 * session owns a coroutine that takes requests from its queue one at a
 * time and runs qmp_dispatch() (which may yield for coroutine commands,
 * or while a plain command runs from a bottom half), so commands of one
 * client are answered in order while other clients go on.
 *
 * A session outlives its client: when the client leaves during a
 * command, the command still completes and its reply is dropped; the
 * coroutine then frees the session.
 */
#include "qemu/osdep.h"
#include "qemu/aio.h"
#include "qemu/coroutine.h"
#include "qemu/error.h"
#include "chardev/char.h"
#include "block/export.h"
#include "qapi/qmp/dispatch.h"
#include "trace/trace-monitor.h"
#include "qapi/qmp/qmp-event.h"
#include "qapi/qapi-commands.h"
#include "qapi/qapi-events.h"
#include "monitor/json-streamer.h"
#include "qemu/json-writer.h"
#include "monitor_int.h"

/*
 * Requests queued per session before we stop reading from the client:
 * QEMU's limit too. A client can't make us buffer without bound.
 */
#define QMP_REQ_QUEUE_LEN_MAX 8

typedef struct MonitorQMP {
    char *id;                   /* may be NULL */
    Chardev *chr;
    bool pretty;
} MonitorQMP;

typedef struct QmpRequest {
    JsonNode *req;              /* exactly one of req and err is set */
    Error *err;
} QmpRequest;

typedef struct QmpSession {
    CharClient *client;         /* NULL once the client is gone */
    bool pretty;
    JsonStreamer *streamer;
    GQueue requests;            /* of QmpRequest * */
    bool negotiating;           /* qmp_capabilities not yet accepted */
    bool eof;                   /* input ended: close once answered */
    bool idle;                  /* the coroutine waits for requests */
    Coroutine *co;
} QmpSession;

/* All --monitor instances. Main thread only. */
static GPtrArray *monitors;
/* Every live session (connected, or finishing a command). Main thread only. */
static GList *sessions;
/* The command table; set once by monitor_init_globals(). Main thread only. */
static QmpCommandList *qmp_commands;

void monitor_version_triple(int64_t *major, int64_t *minor, int64_t *micro)
{
    int64_t v[3] = { 0, 0, 0 };
    const char *p = STORAGE_DAEMON_VERSION;

    for (int i = 0; i < 3 && *p; i++) {
        char *end;

        v[i] = g_ascii_strtoll(p, &end, 10);
        p = *end == '.' ? end + 1 : end + strlen(end);
    }
    *major = v[0];
    *minor = v[1];
    *micro = v[2];
}

const QmpCommandList *monitor_qmp_commands(void)
{
    return qmp_commands;
}

/* ---- output ---- */

/* Send @obj (consumed) as one line: JSON + "\r\n" (CRLF line ends when pretty). */
static void session_send(QmpSession *s, JsonObject *obj)
{
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
    g_autofree char *text = NULL;

    json_node_take_object(node, obj);
    if (!s->client) {
        return;
    }
    text = qobject_to_json(node, s->pretty);
    if (s->pretty) {
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        g_autofree char *crlf = g_strjoinv("\r\n", lines);

        g_free(text);
        text = g_strconcat(crlf, "\r\n", NULL);
    } else {
        char *line = g_strconcat(text, "\r\n", NULL);

        g_free(text);
        text = line;
    }
    /* One write per message: a reply is never split by another one. */
    qemu_chr_client_write(s->client, text, strlen(text));
}

static JsonObject *build_greeting(void)
{
    JsonObject *triple = json_object_new();
    JsonObject *version = json_object_new();
    JsonObject *qmp = json_object_new();
    JsonObject *greeting = json_object_new();
    int64_t major, minor, micro;

    monitor_version_triple(&major, &minor, &micro);
    json_object_set_int_member(triple, "major", major);
    json_object_set_int_member(triple, "minor", minor);
    json_object_set_int_member(triple, "micro", micro);
    json_object_set_object_member(version, "qemu", triple);
    json_object_set_string_member(version, "package", "");
    json_object_set_object_member(qmp, "version", version);
    /*
     * No capability is offered: "oob" would promise out-of-band
     * execution (exec-oob), which dispatch does not implement.
     */
    json_object_set_array_member(qmp, "capabilities", json_array_new());
    json_object_set_object_member(greeting, "QMP", qmp);
    return greeting;
}

/* ---- events ---- */

typedef struct PendingEvent {
    char *name;
    JsonObject *data;
} PendingEvent;

static void emit_in_main_thread(const char *name, JsonObject *data)
{
    gint64 now = g_get_real_time();
    JsonObject *ts = json_object_new();

    trace_monitor_event_emit(name);
    json_object_set_int_member(ts, "seconds", now / G_USEC_PER_SEC);
    json_object_set_int_member(ts, "microseconds", now % G_USEC_PER_SEC);

    for (GList *l = sessions; l; l = l->next) {
        QmpSession *s = l->data;
        JsonObject *ev;

        if (!s->client || s->negotiating) {
            continue;
        }
        /* QEMU's member order: timestamp, event, data. */
        ev = json_object_new();
        json_object_set_object_member(ev, "timestamp", json_object_ref(ts));
        json_object_set_string_member(ev, "event", name);
        if (data) {
            json_object_set_object_member(ev, "data", json_object_ref(data));
        }
        session_send(s, ev);
    }
    json_object_unref(ts);
    if (data) {
        json_object_unref(data);
    }
}

static void emit_bh(void *opaque)
{
    PendingEvent *ev = opaque;

    emit_in_main_thread(ev->name, ev->data);
    g_free(ev->name);
    g_free(ev);
}

void qapi_event_emit(const char *name, JsonObject *data)
{
    if (!qemu_in_main_thread()) {
        /* Sessions are main-thread state: hand the event over. */
        PendingEvent *ev = g_new0(PendingEvent, 1);

        ev->name = g_strdup(name);
        ev->data = data;
        aio_bh_schedule_oneshot(qemu_get_aio_context(), emit_bh, ev);
        return;
    }
    emit_in_main_thread(name, data);
}

static void block_export_deleted(const char *id)
{
    qapi_event_send_block_export_deleted(id);
}

/* ---- requests ---- */

static void request_free(QmpRequest *req)
{
    if (req->req) {
        json_node_unref(req->req);
    }
    error_free(req->err);
    g_free(req);
}

/*
 * Resume the idle session coroutine. From on_read (@defer) it only runs
 * at the next poll: the streamer is still busy with the read buffer then.
 */
static void session_wake(QmpSession *s, bool defer)
{
    if (!s->idle) {
        return;     /* busy: it looks at the queue when the command ends */
    }
    s->idle = false;
    if (defer || qemu_in_coroutine()) {
        aio_co_schedule(qemu_get_aio_context(), s->co);
    } else {
        qemu_coroutine_enter(s->co);
    }
}

static void session_free(QmpSession *s)
{
    QmpRequest *req;

    while ((req = g_queue_pop_head(&s->requests))) {
        request_free(req);
    }
    sessions = g_list_remove(sessions, s);
    json_streamer_free(s->streamer);
    g_free(s);
}

/* The "execute" member of a request, for tracing; NULL if it has none. */
static const char *request_command(QmpRequest *req)
{
    JsonObject *obj;
    JsonNode *cmd;

    if (!req->req || !JSON_NODE_HOLDS_OBJECT(req->req)) {
        return NULL;
    }
    obj = json_node_get_object(req->req);
    cmd = json_object_get_member(obj, "execute");
    if (!cmd || json_node_get_value_type(cmd) != G_TYPE_STRING) {
        return NULL;
    }
    return json_node_get_string(cmd);
}

static void session_handle(QmpSession *s, QmpRequest *req)
{
    const char *cmd = request_command(req);
    JsonObject *rsp;

    trace_monitor_qmp_cmd(s, cmd ? cmd : "(none)");
    if (req->err) {
        rsp = qmp_error_response(req->err);
    } else {
        rsp = qmp_dispatch(qmp_commands, req->req, s->negotiating);
        /* In negotiation mode only qmp_capabilities can succeed. */
        if (s->negotiating && json_object_has_member(rsp, "return")) {
            s->negotiating = false;
        }
    }
    trace_monitor_qmp_reply(s, cmd ? cmd : "(none)",
                            json_object_has_member(rsp, "error"));
    session_send(s, rsp);
}

static void coroutine_fn session_co(void *opaque)
{
    QmpSession *s = opaque;

    for (;;) {
        QmpRequest *req = g_queue_pop_head(&s->requests);

        if (!req) {
            if (!s->client) {
                break;
            }
            if (s->eof && !qemu_chr_client_output_after_eof(s->client)) {
                /* Everything read was answered: close after the output. */
                qemu_chr_client_close(s->client);
            }
            s->idle = true;
            qemu_coroutine_yield();
            continue;
        }
        if (s->client && !s->eof &&
            g_queue_get_length(&s->requests) < QMP_REQ_QUEUE_LEN_MAX) {
            qemu_chr_client_set_read_enabled(s->client, true);
        }
        session_handle(s, req);
        request_free(req);
    }
    session_free(s);
}

/* Streamer callback: queue one parsed value (or parse error). */
static void session_enqueue(void *opaque, JsonNode *value, Error *err)
{
    QmpSession *s = opaque;
    QmpRequest *req = g_new0(QmpRequest, 1);

    req->req = value;
    req->err = err;
    g_queue_push_tail(&s->requests, req);
}

/* ---- chardev frontend ---- */

static void qmp_on_connect(Chardev *chr, CharClient *client, void *fe_opaque)
{
    MonitorQMP *mon = fe_opaque;
    QmpSession *s = g_new0(QmpSession, 1);

    s->client = client;
    s->pretty = mon->pretty;
    s->negotiating = true;
    s->streamer = json_streamer_new(session_enqueue, s);
    g_queue_init(&s->requests);
    qemu_chr_client_set_opaque(client, s);
    sessions = g_list_append(sessions, s);

    session_send(s, build_greeting());
    s->co = qemu_coroutine_create(session_co, s);
    if (qemu_in_coroutine()) {
        aio_co_schedule(qemu_get_aio_context(), s->co);
    } else {
        qemu_coroutine_enter(s->co);    /* runs until it waits for input */
    }
}

static void qmp_on_read(CharClient *client, const uint8_t *buf, size_t len)
{
    QmpSession *s = qemu_chr_client_get_opaque(client);

    json_streamer_feed(s->streamer, (const char *)buf, len);
    if (g_queue_get_length(&s->requests) >= QMP_REQ_QUEUE_LEN_MAX) {
        qemu_chr_client_set_read_enabled(client, false);
    }
    if (!g_queue_is_empty(&s->requests)) {
        session_wake(s, true);
    }
}

static void qmp_on_eof(CharClient *client)
{
    QmpSession *s = qemu_chr_client_get_opaque(client);

    /* A last value without delimiter ("...}" is complete; "42" is not). */
    json_streamer_flush(s->streamer);
    s->eof = true;
    session_wake(s, true);
}

static void qmp_on_disconnect(CharClient *client)
{
    QmpSession *s = qemu_chr_client_get_opaque(client);
    QmpRequest *req;

    s->client = NULL;
    while ((req = g_queue_pop_head(&s->requests))) {
        request_free(req);
    }
    session_wake(s, false);
}

static const CharFrontendOps qmp_frontend_ops = {
    .on_connect = qmp_on_connect,
    .on_read = qmp_on_read,
    .on_eof = qmp_on_eof,
    .on_disconnect = qmp_on_disconnect,
};

/* ---- monitors ---- */

void monitor_init_globals(void)
{
    if (qmp_commands) {
        return;
    }
    assert(qemu_in_main_thread());
    qmp_commands = qmp_command_list_new();
    qmp_init_marshal(qmp_commands);
    blk_exp_set_deleted_notifier(block_export_deleted);
}

static void monitor_free(MonitorQMP *mon)
{
    g_free(mon->id);
    g_free(mon);
}

bool monitor_new_from_opts(JsonObject *opts, Error **errp)
{
    g_autoptr(JsonObject) o = opts;
    static const char *const mode_names[] = { "readline", "control", NULL };
    g_autofree char *chardev = NULL;
    g_autofree char *id = NULL;
    int mode = 1;   /* control: the daemon's default */
    bool pretty = false;
    MonitorQMP *mon;
    Chardev *chr;

    monitor_init_globals();
    if (!qdict_take_str(o, "id", &id, NULL, errp) ||
        !qdict_take_enum(o, "mode", mode_names, &mode, NULL, errp) ||
        !qdict_take_bool(o, "pretty", &pretty, NULL, errp) ||
        !qdict_take_required_str(o, "chardev", &chardev, errp) ||
        !qdict_check_empty(o, NULL, errp)) {
        return false;
    }
    if (mode == 0) {
        error_setg(errp, "Only QMP is supported");
        return false;
    }
    if (id && monitors) {
        for (guint i = 0; i < monitors->len; i++) {
            MonitorQMP *other = monitors->pdata[i];

            if (other->id && !strcmp(other->id, id)) {
                error_setg(errp, "Duplicate monitor ID '%s'", id);
                return false;
            }
        }
    }
    chr = qemu_chr_find(chardev);
    if (!chr) {
        error_setg(errp, "chardev \"%s\" not found", chardev);
        return false;
    }

    mon = g_new0(MonitorQMP, 1);
    mon->id = g_steal_pointer(&id);
    mon->chr = chr;
    mon->pretty = pretty;
    if (!monitors) {
        monitors = g_ptr_array_new();
    }
    g_ptr_array_add(monitors, mon);
    /* A stdio chardev connects its client right here. */
    if (!qemu_chr_attach_frontend(chr, &qmp_frontend_ops, mon, errp)) {
        g_ptr_array_remove(monitors, mon);
        monitor_free(mon);
        return false;
    }
    return true;
}

void monitor_cleanup(void)
{
    qemu_chr_flush_all(1000);
    while (monitors && monitors->len) {
        MonitorQMP *mon = monitors->pdata[monitors->len - 1];

        /* Disconnects the client; idle sessions end and are freed now. */
        qemu_chr_detach_frontend(mon->chr);
        g_ptr_array_remove_index(monitors, monitors->len - 1);
        monitor_free(mon);
    }
    blk_exp_set_deleted_notifier(NULL);
}
