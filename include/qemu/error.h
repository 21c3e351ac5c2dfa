/*
 * Error reporting for the control plane.
 *
 * Functions that can fail take "Error **errp" as last argument and return
 * bool (true on success) or a negative errno. On failure they set *errp
 * with error_setg() unless errp is NULL. Pass &error_abort to abort on
 * error (true invariants only), &error_fatal to report and exit(1).
 *
 * The data path never uses Error: it returns -errno.
 */
#ifndef QEMU_ERROR_H
#define QEMU_ERROR_H

#include "qemu/osdep.h"

typedef struct Error Error;

/* QMP error classes, in QMP's spelling order. */
typedef enum ErrorClass {
    ERROR_CLASS_GENERIC_ERROR,
    ERROR_CLASS_COMMAND_NOT_FOUND,
    ERROR_CLASS_DEVICE_NOT_ACTIVE,
    ERROR_CLASS_DEVICE_NOT_FOUND,
    ERROR_CLASS_KVM_MISSING_CAP,
    ERROR_CLASS__MAX,
} ErrorClass;

/* "GenericError", "CommandNotFound", ... */
const char *error_class_name(ErrorClass cls);

extern Error *error_abort;
extern Error *error_fatal;

void error_setg_internal(Error **errp, const char *src, int line,
                         const char *func, ErrorClass cls,
                         int os_errno, const char *fmt, ...)
    G_GNUC_PRINTF(7, 8);

#define error_setg(errp, ...) \
    error_setg_internal(errp, __FILE__, __LINE__, __func__, \
                        ERROR_CLASS_GENERIC_ERROR, 0, __VA_ARGS__)
/* Appends ": strerror(os_errno)" to the message. */
#define error_setg_errno(errp, os_errno, ...) \
    error_setg_internal(errp, __FILE__, __LINE__, __func__, \
                        ERROR_CLASS_GENERIC_ERROR, (os_errno), __VA_ARGS__)
#define error_set(errp, cls, ...) \
    error_setg_internal(errp, __FILE__, __LINE__, __func__, \
                        (cls), 0, __VA_ARGS__)

/* Hints are printed on their own line by error_report_err(); not sent over QMP. */
void error_append_hint(Error *const *errp, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
/* Prepends to the message of *errp, if set. */
void error_prepend(Error *const *errp, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/* Moves @local_err into @dst_errp (or frees it if dst_errp is NULL or already set). */
void error_propagate(Error **dst_errp, Error *local_err);

const char *error_get_pretty(const Error *err);
const char *error_get_hint(const Error *err);   /* NULL if none */
ErrorClass error_get_class(const Error *err);
Error *error_copy(const Error *err);
void error_free(Error *err);
void error_free_or_abort(Error **errp);

/*
 * Program name prefix used by error_report() ("storage-daemon: ").
 * Set once at start-up, before any thread exists.
 */
void error_set_progname(const char *progname);

/* Print "<progname>: <message>\n" (and the hint) to stderr, then free. */
void error_report_err(Error *err);
void warn_report_err(Error *err);
void error_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void warn_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void info_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Error, error_free)

/*
 * ERRP_GUARD(): put first in a function taking "Error **errp" that needs to
 * look at *errp or append a hint. If the caller passed NULL or
 * &error_fatal, errp is redirected to a local Error that is handed back
 * (reported and exited for &error_fatal) when the function returns.
 */
typedef struct ErrorPropagator {
    Error *local_err;
    Error **errp;
} ErrorPropagator;

static inline void error_propagator_cleanup(ErrorPropagator *prop)
{
    error_propagate(prop->errp, prop->local_err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ErrorPropagator, error_propagator_cleanup)

#define ERRP_GUARD()                                                    \
    g_auto(ErrorPropagator) _auto_errp_prop = { .errp = errp };         \
    do {                                                                \
        if (!errp || errp == &error_fatal) {                            \
            errp = &_auto_errp_prop.local_err;                          \
        }                                                               \
    } while (0)


#endif /* QEMU_ERROR_H */
