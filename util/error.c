/*
 * Error objects for the control plane, and reporting to stderr.
 */
#include "qemu/osdep.h"
#include "qemu/error.h"

struct Error {
    char *msg;
    GString *hint;          /* NULL until error_append_hint() */
    ErrorClass cls;
    const char *src;        /* where the error was created, for error_abort */
    const char *func;
    int line;
};

/*
 * Sentinels: only their addresses matter. Nothing ever stores an Error in
 * them (setting through them aborts or exits first), so they stay NULL.
 */
Error *error_abort;
Error *error_fatal;

/* Written once by error_set_progname() before threads exist; read-only after. */
static const char *error_progname;

static const char *const error_class_names[ERROR_CLASS__MAX] = {
    [ERROR_CLASS_GENERIC_ERROR] = "GenericError",
    [ERROR_CLASS_COMMAND_NOT_FOUND] = "CommandNotFound",
    [ERROR_CLASS_DEVICE_NOT_ACTIVE] = "DeviceNotActive",
    [ERROR_CLASS_DEVICE_NOT_FOUND] = "DeviceNotFound",
    [ERROR_CLASS_KVM_MISSING_CAP] = "KVMMissingCap",
};

/* QMP spelling of @cls; "GenericError" for out-of-range values. */
const char *error_class_name(ErrorClass cls)
{
    if ((unsigned)cls >= ERROR_CLASS__MAX) {
        return error_class_names[ERROR_CLASS_GENERIC_ERROR];
    }
    return error_class_names[cls];
}

/* Set the prefix of every report line. @progname must outlive the program
 * (a string literal or argv[0]); call before starting threads. */
void error_set_progname(const char *progname)
{
    error_progname = progname;
}

static const char *progname(void)
{
    if (error_progname) {
        return error_progname;
    }
    if (g_get_prgname()) {
        return g_get_prgname();
    }
    return "storage-daemon";
}

/*
 * Print "<progname>: <prefix><msg>\n" followed by @hint as one write, so
 * that lines from concurrent threads do not interleave.
 */
static void report_line(const char *prefix, const char *msg, const char *hint)
{
    g_autoptr(GString) out = g_string_new(NULL);

    g_string_append_printf(out, "%s: %s%s\n", progname(), prefix, msg);
    if (hint && *hint) {
        g_string_append(out, hint);
        if (out->str[out->len - 1] != '\n') {
            g_string_append_c(out, '\n');
        }
    }
    fputs(out->str, stderr);
    fflush(stderr);
}

/* Handle an error aimed at &error_abort or &error_fatal; does not return
 * for those. Returns for any other destination. */
static void error_handle_special(Error **errp, Error *err)
{
    if (errp == &error_abort) {
        fprintf(stderr, "Unexpected error in %s() at %s:%d:\n",
                err->func ? err->func : "?", err->src ? err->src : "?",
                err->line);
        report_line("", err->msg, err->hint ? err->hint->str : NULL);
        abort();
    }
    if (errp == &error_fatal) {
        error_report_err(err);
        exit(1);
    }
}

/*
 * Create an error with a printf-style message (plus ": strerror(os_errno)"
 * if @os_errno is non-zero) and store it in *errp. NULL @errp discards it;
 * &error_abort aborts, &error_fatal reports and exits(1). *errp must be
 * NULL on entry (setting an error twice is a programming bug).
 */
void error_setg_internal(Error **errp, const char *src, int line,
                         const char *func, ErrorClass cls,
                         int os_errno, const char *fmt, ...)
{
    Error *err;
    va_list ap;
    int saved_errno = errno;

    if (!errp) {
        return;
    }
    assert(*errp == NULL);

    err = g_new0(Error, 1);
    va_start(ap, fmt);
    err->msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (os_errno != 0) {
        char *full = g_strdup_printf("%s: %s", err->msg, g_strerror(os_errno));
        g_free(err->msg);
        err->msg = full;
    }
    err->cls = cls;
    err->src = src;
    err->line = line;
    err->func = func;

    error_handle_special(errp, err);
    *errp = err;
    errno = saved_errno;
}

/*
 * Append to the hint of *errp (printed by error_report_err() on the lines
 * after the message, never sent over QMP). No-op if @errp is NULL or holds
 * no error. Note that with &error_fatal the program has already exited, so
 * callers that want their hint shown use ERRP_GUARD().
 */
void error_append_hint(Error *const *errp, const char *fmt, ...)
{
    va_list ap;
    int saved_errno = errno;
    Error *err;

    if (!errp || !*errp) {
        return;
    }
    err = *errp;
    if (!err->hint) {
        err->hint = g_string_new(NULL);
    }
    va_start(ap, fmt);
    g_string_append_vprintf(err->hint, fmt, ap);
    va_end(ap);
    errno = saved_errno;
}

/* Prefix the message of *errp with the formatted text. No-op if @errp is
 * NULL or holds no error. */
void error_prepend(Error *const *errp, const char *fmt, ...)
{
    va_list ap;
    Error *err;
    char *prefix;
    char *full;
    int saved_errno = errno;

    if (!errp || !*errp) {
        return;
    }
    err = *errp;
    va_start(ap, fmt);
    prefix = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    full = g_strconcat(prefix, err->msg, NULL);
    g_free(prefix);
    g_free(err->msg);
    err->msg = full;
    errno = saved_errno;
}

/*
 * Hand @local_err to @dst_errp: stored if *dst_errp is free, freed if
 * @dst_errp is NULL or already holds an error (the first error wins);
 * aborts/exits for &error_abort/&error_fatal. NULL @local_err is a no-op.
 */
void error_propagate(Error **dst_errp, Error *local_err)
{
    if (!local_err) {
        return;
    }
    error_handle_special(dst_errp, local_err);
    if (dst_errp && !*dst_errp) {
        *dst_errp = local_err;
    } else {
        error_free(local_err);
    }
}

/* The message without hint; owned by @err. */
const char *error_get_pretty(const Error *err)
{
    return err->msg;
}

/* The accumulated hint or NULL; owned by @err. */
const char *error_get_hint(const Error *err)
{
    return err->hint ? err->hint->str : NULL;
}

/* The QMP class of @err (ERROR_CLASS_GENERIC_ERROR unless error_set()). */
ErrorClass error_get_class(const Error *err)
{
    return err->cls;
}

/* A deep copy of @err; free it with error_free(). */
Error *error_copy(const Error *err)
{
    Error *copy = g_new0(Error, 1);

    copy->msg = g_strdup(err->msg);
    copy->hint = err->hint ? g_string_new(err->hint->str) : NULL;
    copy->cls = err->cls;
    copy->src = err->src;
    copy->func = err->func;
    copy->line = err->line;
    return copy;
}

/* Free @err (NULL is fine). */
void error_free(Error *err)
{
    if (!err) {
        return;
    }
    g_free(err->msg);
    if (err->hint) {
        g_string_free(err->hint, TRUE);
    }
    g_free(err);
}

/* Free *errp and reset it to NULL; aborts if no error is set (for tests
 * that expect a failure). */
void error_free_or_abort(Error **errp)
{
    assert(errp && *errp);
    error_free(*errp);
    *errp = NULL;
}

/* Print "<progname>: <msg>" and the hint to stderr, then free @err. */
void error_report_err(Error *err)
{
    report_line("", err->msg, err->hint ? err->hint->str : NULL);
    error_free(err);
}

/* Like error_report_err() with "warning: " before the message. */
void warn_report_err(Error *err)
{
    report_line("warning: ", err->msg, err->hint ? err->hint->str : NULL);
    error_free(err);
}

static void vreport(const char *prefix, const char *fmt, va_list ap)
    G_GNUC_PRINTF(2, 0);

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);

    report_line(prefix, msg, NULL);
}

/* Print "<progname>: <formatted message>\n" to stderr. */
void error_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("", fmt, ap);
    va_end(ap);
}

/* Print "<progname>: warning: <formatted message>\n" to stderr. */
void warn_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("warning: ", fmt, ap);
    va_end(ap);
}

/* Print "<progname>: info: <formatted message>\n" to stderr. */
void info_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("info: ", fmt, ap);
    va_end(ap);
}
