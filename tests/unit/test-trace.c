/*
 * Unit tests for the trace control API (util/trace-control.c) and the
 * generated trace points (scripts/tracetool.py).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"

#include "qemu/error.h"
#include "qemu/trace.h"
#include "trace/trace-block_export.h"

static void all_off(void)
{
    g_assert_cmpint(trace_enable_events("-*", &error_abort), ==,
                    trace_events_all_count);
}

static bool enabled(const char *name)
{
    const TraceEvent *ev = trace_event_find(name);

    g_assert_nonnull(ev);
    return trace_event_get_state(ev);
}

/* A file name in a fresh temporary directory; free with free_tmp(). */
static char *tmp_path(const char *name)
{
    g_autofree char *dir = g_dir_make_tmp("test-trace-XXXXXX", NULL);

    g_assert_nonnull(dir);
    return g_build_filename(dir, name, NULL);
}

static void free_tmp(char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);

    unlink(path);
    rmdir(dir);
    g_free(path);
}

/* Check that only '*' and '?' make a pattern. */
static void test_is_pattern(void)
{
    g_assert_true(trace_event_is_pattern("fuse_*"));
    g_assert_true(trace_event_is_pattern("fuse_re?ly"));
    g_assert_false(trace_event_is_pattern("fuse_reply"));
    g_assert_false(trace_event_is_pattern(""));
}

/* Check that a name switches exactly that event, '-' switches it off. */
static void test_enable_name(void)
{
    all_off();
    g_assert_cmpint(trace_enable_events("fuse_request", &error_abort), ==, 1);
    g_assert_true(enabled("fuse_request"));
    g_assert_false(enabled("fuse_reply"));
    g_assert_false(enabled("block_export_add"));
    g_assert_cmpint(trace_enable_events("-fuse_request", &error_abort), ==, 1);
    g_assert_false(enabled("fuse_request"));
}

/* Check that a glob enables every match and nothing else. */
static void test_enable_glob(void)
{
    int n;

    all_off();
    n = trace_enable_events("fuse_*", &error_abort);
    g_assert_cmpint(n, >=, 3);
    for (size_t i = 0; i < trace_events_all_count; i++) {
        const TraceEvent *ev = &trace_events_all[i];

        g_assert_cmpint(trace_event_get_state(ev), ==,
                        g_str_has_prefix(ev->name, "fuse_"));
        n -= trace_event_get_state(ev);
    }
    g_assert_cmpint(n, ==, 0);

    all_off();
    g_assert_cmpint(trace_enable_events("fuse_re?ly", &error_abort), ==, 1);
    g_assert_true(enabled("fuse_reply"));
    g_assert_false(enabled("fuse_request"));
}

/*
 * Check that an unknown name is an error (QEMU's text) while a glob that
 * matches nothing is not.
 */
static void test_enable_missing(void)
{
    Error *err = NULL;

    all_off();
    g_assert_cmpint(trace_enable_events("nosuch", &err), ==, -1);
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, "Event 'nosuch' does not exist");
    error_free(err);
    err = NULL;

    g_assert_cmpint(trace_enable_events("-nosuch", &err), ==, -1);
    g_assert_cmpstr(error_get_pretty(err), ==, "Event 'nosuch' does not exist");
    error_free(err);

    g_assert_cmpint(trace_enable_events("nosuch_*", &error_abort), ==, 0);
    for (size_t i = 0; i < trace_events_all_count; i++) {
        g_assert_false(trace_event_get_state(&trace_events_all[i]));
    }
}

/* Check that an events file applies each line, skipping comments. */
static void test_events_file(void)
{
    char *path = tmp_path("events");
    Error *err = NULL;

    all_off();
    g_assert_true(g_file_set_contents(path,
        "# comment\n"
        "\n"
        "  fuse_*  \n"
        "-fuse_init\n"
        "block_export_add", -1, NULL));
    g_assert_true(trace_enable_events_from_file(path, &error_abort));
    g_assert_true(enabled("fuse_request"));
    g_assert_true(enabled("fuse_reply"));
    g_assert_false(enabled("fuse_init"));
    g_assert_true(enabled("block_export_add"));
    g_assert_false(enabled("block_export_delete"));

    g_assert_true(g_file_set_contents(path, "fuse_init\n#x\nbogus\n", -1,
                                      NULL));
    g_assert_false(trace_enable_events_from_file(path, &err));
    g_assert_true(g_str_has_suffix(error_get_pretty(err),
                                   ":3: Event 'bogus' does not exist"));
    error_free(err);
    err = NULL;
    free_tmp(path);

    g_assert_false(trace_enable_events_from_file("/nonexistent/events",
                                                 &err));
    g_assert_true(g_str_has_prefix(error_get_pretty(err),
                                   "Could not read trace events file "
                                   "'/nonexistent/events': "));
    error_free(err);
}

/*
 * Check the log line format "<tid>@<sec>.<usec>:<event> <args>\n", and
 * that a disabled event writes nothing.
 */
static void test_log_format(void)
{
    char *path = tmp_path("log");
    g_autofree char *contents = NULL;
    g_autofree char *expect = NULL;
    g_auto(GStrv) lines = NULL;

    all_off();
    g_assert_true(trace_set_output_file(path, &error_abort));
    trace_fuse_request(7, 15, "READ");
    g_assert_cmpint(trace_enable_events("fuse_request", &error_abort), ==, 1);
    trace_fuse_request(8, 16, "WRITE");
    trace_fuse_reply(8, -5, 16);
    g_assert_cmpint(trace_enable_events("fuse_reply", &error_abort), ==, 1);
    trace_fuse_reply(8, -5, 16);
    g_assert_true(trace_set_output_file(NULL, &error_abort));

    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    lines = g_strsplit(contents, "\n", -1);
    g_assert_cmpint(g_strv_length(lines), ==, 3);
    g_assert_true(g_regex_match_simple(
        "^[0-9]+@[0-9]+\\.[0-9]{6}:fuse_request unique 8 op 16 WRITE$",
        lines[0], 0, 0));
    g_assert_true(g_regex_match_simple(
        "^[0-9]+@[0-9]+\\.[0-9]{6}:fuse_reply unique 8 error -5 len 16$",
        lines[1], 0, 0));
    expect = g_strdup_printf("%d@", getpid());
    g_assert_true(g_str_has_prefix(lines[0], expect));
    g_assert_cmpstr(lines[2], ==, "");
    free_tmp(path);
}

/* Check that a line longer than the stack buffer is written whole. */
static void test_log_long_line(void)
{
    char *path = tmp_path("log");
    g_autofree char *arg = g_strnfill(5000, 'x');
    g_autofree char *contents = NULL;
    g_autofree char *tail = g_strdup_printf(":fuse_request unique 1 op 2 %s\n",
                                            arg);

    all_off();
    g_assert_true(trace_set_output_file(path, &error_abort));
    trace_enable_events("fuse_request", &error_abort);
    trace_fuse_request(1, 2, arg);
    g_assert_true(trace_set_output_file(NULL, &error_abort));
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_true(g_str_has_suffix(contents, tail));
    /* One line: the only newline is the last byte. */
    g_assert_true(strchr(contents, '\n') == contents + strlen(contents) - 1);
    free_tmp(path);
}

/* Check that an output file that cannot be opened is an error. */
static void test_output_file_error(void)
{
    Error *err = NULL;

    g_assert_false(trace_set_output_file("/nonexistent/dir/log", &err));
    g_assert_true(g_str_has_prefix(error_get_pretty(err),
                                   "Could not open trace file "
                                   "'/nonexistent/dir/log'"));
    error_free(err);
}

/* Check that the list holds every event once, one name per line. */
static void test_list(void)
{
    char *path = tmp_path("list");
    FILE *f = fopen(path, "w");
    g_autofree char *contents = NULL;
    g_auto(GStrv) lines = NULL;

    g_assert_nonnull(f);
    trace_list_events(f);
    fclose(f);
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    lines = g_strsplit(contents, "\n", -1);
    g_assert_cmpint(g_strv_length(lines), ==, trace_events_all_count + 1);
    g_assert_true(g_strv_contains((const char *const *)lines,
                                  "fuse_request"));
    g_assert_true(g_strv_contains((const char *const *)lines,
                                  "monitor_qmp_cmd"));
    g_assert_true(g_strv_contains((const char *const *)lines, "bdrv_open"));
    free_tmp(path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/trace/is-pattern", test_is_pattern);
    g_test_add_func("/trace/enable-name", test_enable_name);
    g_test_add_func("/trace/enable-glob", test_enable_glob);
    g_test_add_func("/trace/enable-missing", test_enable_missing);
    g_test_add_func("/trace/events-file", test_events_file);
    g_test_add_func("/trace/log-format", test_log_format);
    g_test_add_func("/trace/log-long-line", test_log_long_line);
    g_test_add_func("/trace/output-file-error", test_output_file_error);
    g_test_add_func("/trace/list", test_list);
    return g_test_run();
}
