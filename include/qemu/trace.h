/*
 * Trace points and their control (QEMU's "log" trace backend).
 *
 * Events are declared in the trace-events files of each subsystem;
 * scripts/tracetool.py makes trace/trace-<group>.h from each, with
 *   trace_<event>(args...)
 * per event: a macro that tests the event's flag and only then evaluates
 * the arguments and calls the typed static inline trace_do_<event>(). So
 * a disabled event costs one load and one predictable branch even when an
 * argument needs computing (a table lookup, say); arguments must not have
 * side effects. An enabled event writes one line with a single write():
 *   <tid>@<seconds>.<microseconds>:<event> <formatted arguments>\n
 * (tid: the calling thread's id, which is the pid in the main thread) to
 * stderr, or to the file given by trace_set_output_file().
 *
 * Events start disabled. They are switched by name or glob pattern
 * ('*' and '?', as QEMU's -T) from the main thread; trace points may fire
 * in any thread.
 */
#ifndef QEMU_TRACE_H
#define QEMU_TRACE_H

#include "qemu/osdep.h"

typedef struct Error Error;

/* One entry of the generated event table. */
typedef struct TraceEvent {
    const char *name;
    bool *state;            /* the flag the trace_<event>() tests */
} TraceEvent;

/* Every event of every trace-events file, in build order (generated). */
extern const TraceEvent trace_events_all[];
extern const size_t trace_events_all_count;

/*
 * Write one trace line: "<tid>@<sec>.<usec>:" then @fmt formatted (which
 * the generated code makes "<event> <format>\n"). One write(); a failed
 * or short write is dropped, never reported. Any thread.
 */
void trace_log(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* True if @s contains a glob character ('*' or '?'). */
bool trace_event_is_pattern(const char *s);

/* The event named exactly @name, or NULL. */
const TraceEvent *trace_event_find(const char *name);

/* Whether @ev is enabled. Any thread. */
bool trace_event_get_state(const TraceEvent *ev);

/*
 * Enable every event matching @pattern (a name or a glob), or disable
 * them if @pattern starts with '-'. Returns the number of events
 * matched; a name (no glob) that is not an event is an error: -1 with
 * errp set to "Event '<name>' does not exist". A glob that matches
 * nothing is not an error (0), as in QEMU. Main thread.
 */
int trace_enable_events(const char *pattern, Error **errp);

/*
 * Apply trace_enable_events() to each line of the file @path: leading and
 * trailing blanks are ignored, as are empty lines and lines starting with
 * '#'. Stops at the first error ("<path>:<line>: Event ... does not
 * exist", or "Could not read trace events file ...") and returns false
 * with errp set. Main thread.
 */
bool trace_enable_events_from_file(const char *path, Error **errp);

/*
 * Send the trace output to @path (created or truncated, mode 0644)
 * instead of stderr; NULL goes back to stderr. The previous file is
 * closed. Returns false with errp set if @path cannot be opened (the
 * output is unchanged then). Main thread, before other threads trace.
 */
bool trace_set_output_file(const char *path, Error **errp);

/* Print the name of every event, one per line, to @f. */
void trace_list_events(FILE *f);

#endif /* QEMU_TRACE_H */
