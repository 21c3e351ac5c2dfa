/*
 * Trace control: switch the generated trace points on and off by name or
 * glob pattern, and write their lines (QEMU's "log" backend format).
 *
 * The event table and the per-event flags are generated
 * (trace/trace-events-all.c, scripts/tracetool.py). Flags are written
 * here from the main thread and read with qatomic_read() by the trace
 * points in any thread.
 */
#include "qemu/osdep.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "qemu/error.h"
#include "qemu/trace.h"

/*
 * Where trace lines go: stderr (2) or the file opened by
 * trace_set_output_file(). Set by the main thread during start-up, read
 * by every thread that traces.
 */
static int trace_fd = STDERR_FILENO;

/* Large enough for any of our lines; longer ones take a heap copy. */
#define TRACE_LINE_BUF 512

static void trace_write_all(const char *buf, size_t len)
{
    int fd = qatomic_read(&trace_fd);

    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;     /* nowhere to report it: drop the line */
        }
        buf += n;
        len -= n;
    }
}

void trace_log(const char *fmt, ...)
{
    char buf[TRACE_LINE_BUF];
    struct timeval tv;
    va_list ap;
    int prefix, len;

    gettimeofday(&tv, NULL);
    prefix = snprintf(buf, sizeof(buf), "%ld@%lld.%06ld:",
                      (long)syscall(SYS_gettid), (long long)tv.tv_sec,
                      (long)tv.tv_usec);
    va_start(ap, fmt);
    len = vsnprintf(buf + prefix, sizeof(buf) - prefix, fmt, ap);
    va_end(ap);
    if (len < 0) {
        return;
    }
    if ((size_t)prefix + len < sizeof(buf)) {
        trace_write_all(buf, prefix + len);
    } else {
        g_autofree char *msg = NULL;
        g_autofree char *line = NULL;

        va_start(ap, fmt);
        msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        buf[prefix] = '\0';
        line = g_strconcat(buf, msg, NULL);
        trace_write_all(line, strlen(line));
    }
}

bool trace_event_is_pattern(const char *s)
{
    return strpbrk(s, "*?") != NULL;
}

const TraceEvent *trace_event_find(const char *name)
{
    for (size_t i = 0; i < trace_events_all_count; i++) {
        if (!strcmp(trace_events_all[i].name, name)) {
            return &trace_events_all[i];
        }
    }
    return NULL;
}

bool trace_event_get_state(const TraceEvent *ev)
{
    return qatomic_read(ev->state);
}

int trace_enable_events(const char *pattern, Error **errp)
{
    bool enable = pattern[0] != '-';
    const char *p = enable ? pattern : pattern + 1;
    int matched = 0;

    if (!trace_event_is_pattern(p)) {
        const TraceEvent *ev = trace_event_find(p);

        if (!ev) {
            error_setg(errp, "Event '%s' does not exist", p);
            return -1;
        }
        qatomic_set(ev->state, enable);
        return 1;
    }
    for (size_t i = 0; i < trace_events_all_count; i++) {
        if (g_pattern_match_simple(p, trace_events_all[i].name)) {
            qatomic_set(trace_events_all[i].state, enable);
            matched++;
        }
    }
    return matched;
}

bool trace_enable_events_from_file(const char *path, Error **errp)
{
    g_autofree char *line = NULL;
    size_t size = 0, lineno = 0;
    bool ok = true;
    FILE *f;

    f = fopen(path, "r");
    if (!f) {
        error_setg_errno(errp, errno, "Could not read trace events file '%s'",
                         path);
        return false;
    }
    while (ok && getline(&line, &size, f) >= 0) {
        const char *p = g_strstrip(line);

        lineno++;
        if (!p[0] || p[0] == '#') {
            continue;
        }
        if (trace_enable_events(p, errp) < 0) {
            error_prepend(errp, "%s:%zu: ", path, lineno);
            ok = false;
        }
    }
    if (ok && ferror(f)) {
        error_setg_errno(errp, errno, "Could not read trace events file '%s'",
                         path);
        ok = false;
    }
    fclose(f);
    return ok;
}

bool trace_set_output_file(const char *path, Error **errp)
{
    int fd = STDERR_FILENO;
    int old;

    if (path) {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
                  0644);
        if (fd < 0) {
            error_setg_errno(errp, errno, "Could not open trace file '%s'",
                             path);
            return false;
        }
    }
    old = qatomic_xchg(&trace_fd, fd);
    if (old != STDERR_FILENO) {
        close(old);
    }
    return true;
}

void trace_list_events(FILE *f)
{
    for (size_t i = 0; i < trace_events_all_count; i++) {
        fprintf(f, "%s\n", trace_events_all[i].name);
    }
}
