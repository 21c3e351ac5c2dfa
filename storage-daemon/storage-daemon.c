/*
 * storage-daemon: command line, main loop, signals, pidfile, daemonize.
 *
 * The command line follows qemu-storage-daemon. Options are read in two
 * passes: the first handles --help, --version, --trace, --pidfile and
 * --daemonize and rejects unknown options and stray arguments before
 * anything is created; the second applies --blockdev, --chardev,
 * --export, --monitor and --object in the order given (options.c). Any
 * error prints "storage-daemon: <msg>", tears down what was already
 * created and exits 1.
 *
 * The main loop runs until a shutdown is requested (system/runstate.h):
 * by QMP quit or by SIGTERM/SIGINT/SIGHUP, read from a signalfd. Then the
 * SHUTDOWN event goes out, exports are deleted (BLOCK_EXPORT_DELETED),
 * monitors flush and close, and the daemon exits 0.
 */
#include "qemu/osdep.h"

#include <getopt.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "block/block.h"
#include "block/export.h"
#include "chardev/char.h"
#include "monitor/monitor.h"
#include "qemu/aio.h"
#include "qemu/error.h"
#include "qemu/iothread.h"
#include "system/runstate.h"

#include "options.h"

/* Everything the daemon itself keeps; one instance, owned by main(). */
typedef struct DaemonState {
    bool daemonize;
    const char *pidfile_arg;    /* --pidfile as given */
    char *pidfile;              /* absolute path, once we wrote and locked it */
    int pidfile_fd;
    int ready_fd;               /* pipe to the waiting parent (--daemonize), or -1 */
    int signal_fd;              /* signalfd for SIGTERM/SIGINT/SIGHUP, or -1 */
    bool main_loop_ready;       /* qemu_init_main_loop() succeeded */
} DaemonState;

enum {
    OPTION_BLOCKDEV = 256,
    OPTION_CHARDEV,
    OPTION_DAEMONIZE,
    OPTION_EXPORT,
    OPTION_MONITOR,
    OPTION_NBD_SERVER,
    OPTION_OBJECT,
    OPTION_PIDFILE,
};

static const struct option long_options[] = {
    { "help",       no_argument,       NULL, 'h' },
    { "version",    no_argument,       NULL, 'V' },
    { "trace",      required_argument, NULL, 'T' },
    { "blockdev",   required_argument, NULL, OPTION_BLOCKDEV },
    { "chardev",    required_argument, NULL, OPTION_CHARDEV },
    { "daemonize",  no_argument,       NULL, OPTION_DAEMONIZE },
    { "export",     required_argument, NULL, OPTION_EXPORT },
    { "monitor",    required_argument, NULL, OPTION_MONITOR },
    { "nbd-server", required_argument, NULL, OPTION_NBD_SERVER },
    { "object",     required_argument, NULL, OPTION_OBJECT },
    { "pidfile",    required_argument, NULL, OPTION_PIDFILE },
    { NULL, 0, NULL, 0 },
};

/* '-': stray arguments come back as 1, in order; ':': report missing arguments. */
static const char short_options[] = "-:hT:V";

static void print_help(const char *progname)
{
    printf(
"Usage: %s [options]\n"
"Serve block devices to the outside (a qemu-storage-daemon work-alike).\n"
"\n"
"  -h, --help             display this help and exit\n"
"  -T, --trace [[enable=]<pattern>][,events=<file>][,file=<file>]\n"
"                         specify tracing options: enable the events that\n"
"                         match <pattern> (a name or a '*'/'?' glob; a\n"
"                         leading '-' disables), and those matching each\n"
"                         line of events=<file>; write the trace to\n"
"                         file=<file> instead of stderr; '-T help' lists\n"
"                         the events\n"
"  -V, --version          output version information and exit\n"
"\n"
"  --blockdev [driver=]<driver>[,node-name=<N>][,discard=ignore|unmap]\n"
"             [,cache.direct=on|off][,cache.no-flush=on|off]\n"
"             [,read-only=on|off][,auto-read-only=on|off]\n"
"             [,force-share=on|off][,detect-zeroes=on|off|unmap]\n"
"             [,driver specific parameters...]\n"
"                         configure a block backend; '--blockdev help'\n"
"                         lists the drivers, '--blockdev <driver>,help'\n"
"                         a driver's parameters\n"
"\n"
"  --chardev socket,id=<id>,path=<path>,server=on,wait=off\n"
"  --chardev stdio,id=<id>\n"
"                         configure a character device backend (for\n"
"                         --monitor); '--chardev help' lists the backends\n"
"\n"
"  --daemonize            daemonize the process, and have the parent exit\n"
"                         once startup is complete\n"
"\n"
"  --export [type=]fuse,id=<id>,node-name=<node-name>,mountpoint=<file>\n"
"           [,growable=on|off][,writable=on|off][,allow-other=on|off|auto]\n"
"           [,io-uring=on|off][,iothread=<id>]\n"
"                         export the specified block node over FUSE on the\n"
"                         regular file <file>\n"
"\n"
"  --monitor [chardev=]name[,mode=control][,pretty[=on|off]]\n"
"                         configure a QMP monitor\n"
"\n"
"  --nbd-server <options> start an NBD server (not supported yet)\n"
"\n"
"  --object help          list object types that can be added\n"
"  --object <type>,help   list properties for the given object type\n"
"  --object <type>[,<property>=<value>...]\n"
"                         create a new object of type <type>, setting\n"
"                         properties in the order they are specified. Note\n"
"                         that the 'id' property must be set.\n"
"                         Types: iothread (--object iothread,id=<id>)\n"
"\n"
"  --pidfile <path>       write process ID to a file after startup\n"
"\n"
"Option values are key=value lists (',,' for a literal comma, dotted keys\n"
"for nested options, key.0=a,key.1=b for lists) or a JSON object starting\n"
"with '{', with the members of the matching QMP command. Options are\n"
"applied in the order given.\n",
           progname);
}

static void print_version(void)
{
    printf("storage-daemon version " STORAGE_DAEMON_VERSION "\n"
           "Copyright (c) 2026 the storage-daemon authors\n");
}

/*
 * Write our pid to s->pidfile_arg, holding an fcntl write lock for as long
 * as we run. Refuses a file locked by another (running) daemon.
 */
static bool write_pidfile(DaemonState *s, Error **errp)
{
    g_autofree char *path = g_canonicalize_filename(s->pidfile_arg, NULL);
    g_autofree char *text = g_strdup_printf("%d\n", (int)getpid());
    struct stat st_fd, st_path;
    int fd;

    for (;;) {
        struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            error_setg_errno(errp, errno, "Cannot open pid file");
            return false;
        }
        if (fcntl(fd, F_SETLK, &lock) < 0) {
            error_setg_errno(errp, errno, "Cannot lock pid file");
            close(fd);
            return false;
        }
        /*
         * The previous owner unlinks the file before it lets go of the
         * lock: if that happened between our open and lock, we locked an
         * orphan. Retry until the locked file is the one at @path.
         */
        if (fstat(fd, &st_fd) == 0 && stat(path, &st_path) == 0 &&
            st_fd.st_dev == st_path.st_dev && st_fd.st_ino == st_path.st_ino) {
            break;
        }
        close(fd);
    }
    if (ftruncate(fd, 0) < 0 ||
        pwrite(fd, text, strlen(text), 0) != (ssize_t)strlen(text)) {
        error_setg_errno(errp, errno, "Failed to write pid file");
        unlink(path);
        close(fd);
        return false;
    }
    s->pidfile_fd = fd;
    s->pidfile = g_steal_pointer(&path);
    return true;
}

static void remove_pidfile(DaemonState *s)
{
    if (s->pidfile) {
        /* unlink while still holding the lock; see write_pidfile() */
        unlink(s->pidfile);
        close(s->pidfile_fd);
        g_clear_pointer(&s->pidfile, g_free);
    }
}

/*
 * Tear down everything created so far and exit. Exports go first, so that
 * the monitors still send their BLOCK_EXPORT_DELETED events; then the
 * monitors flush and close, then nodes, IOThreads and chardevs (socket
 * files) go.
 */
static G_NORETURN void daemon_exit(DaemonState *s, int status)
{
    if (s->main_loop_ready) {
        blk_exp_close_all();
        monitor_cleanup();
        bdrv_close_all();
        iothread_destroy_all();
        qemu_chr_delete_all();
    }
    remove_pidfile(s);
    exit(status);
}

static G_NORETURN void daemon_fail(DaemonState *s, Error *err)
{
    error_report_err(err);
    daemon_exit(s, 1);
}

/*
 * --daemonize: fork before any thread exists. The parent waits on a pipe
 * until the child reports that start-up is complete (one zero byte) and
 * exits 0; if the pipe closes without it, the child failed (and printed
 * its error to the stderr we share), so exit with the child's status.
 */
static void daemonize(DaemonState *s)
{
    int fds[2];
    pid_t pid;
    char c;
    ssize_t n;
    int status;

    if (pipe2(fds, O_CLOEXEC) < 0) {
        error_report("Cannot create pipe: %s", g_strerror(errno));
        exit(1);
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        error_report("Cannot fork: %s", g_strerror(errno));
        exit(1);
    }
    if (pid > 0) {
        close(fds[1]);
        do {
            n = read(fds[0], &c, 1);
        } while (n < 0 && errno == EINTR);
        if (n == 1 && c == 0) {
            exit(0);
        }
        while (waitpid(pid, &status, 0) < 0) {
            if (errno != EINTR) {
                exit(1);
            }
        }
        exit(WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1);
    }
    close(fds[0]);
    s->ready_fd = fds[1];
    setsid();
}

/* --daemonize: detach from the terminal and release the waiting parent. */
static void daemon_ready(DaemonState *s)
{
    const char zero = 0;
    int null_fd;

    if (s->ready_fd < 0) {
        return;
    }
    if (chdir("/") < 0) {
        /* harmless: we only keep the old directory busy */
    }
    null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO);
        dup2(null_fd, STDOUT_FILENO);
        dup2(null_fd, STDERR_FILENO);
        if (null_fd > STDERR_FILENO) {
            close(null_fd);
        }
    }
    while (write(s->ready_fd, &zero, 1) < 0 && errno == EINTR) {
        /* retry */
    }
    close(s->ready_fd);
    s->ready_fd = -1;
}

/*
 * Main-loop fd handler of the signalfd: any termination signal requests
 * the shutdown (SHUTDOWN reason host-signal, unless quit came first).
 */
static void signal_fd_read(void *opaque)
{
    DaemonState *s = opaque;
    struct signalfd_siginfo info;

    while (read(s->signal_fd, &info, sizeof(info)) == sizeof(info)) {
        qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_SIGNAL);
    }
}

/*
 * Block the termination signals in this thread (threads created later
 * inherit the mask, so only the signalfd sees them) and open a signalfd
 * for them. Call before any thread exists.
 */
static bool setup_signals(DaemonState *s, Error **errp)
{
    sigset_t set;

    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) {
        error_setg(errp, "Cannot block signals");
        return false;
    }
    s->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (s->signal_fd < 0) {
        error_setg_errno(errp, errno, "Cannot create signalfd");
        return false;
    }
    return true;
}

/* Report a getopt failure in our format ("storage-daemon: ...") and exit 1. */
static G_NORETURN void bad_option(int c, char **argv)
{
    const char *opt = argv[optind - 1];
    bool is_long = g_str_has_prefix(opt, "--");

    if (c == ':' && is_long) {
        error_report("option '%s' requires an argument", opt);
    } else if (c == ':') {
        error_report("option requires an argument -- '%c'", optopt);
    } else if (is_long) {
        error_report("unrecognized option '%s'", opt);
    } else {
        error_report("invalid option -- '%c'", optopt);
    }
    fprintf(stderr, "Try '%s --help' for more information.\n", argv[0]);
    exit(1);
}

/*
 * First pass: options that must take effect before anything is created.
 * Exits for --help, --version and any syntax error.
 */
static void process_early_options(DaemonState *s, int argc, char **argv)
{
    int c;

    optind = 0;     /* full getopt re-initialisation (glibc) */
    opterr = 0;
    while ((c = getopt_long(argc, argv, short_options, long_options,
                            NULL)) != -1) {
        switch (c) {
        case 'h':
            print_help(argv[0]);
            exit(0);
        case 'V':
            print_version();
            exit(0);
        case 'T': {
            Error *err = NULL;
            OptResult res = sd_opt_trace(optarg, &err);

            if (res == OPT_ERROR) {
                error_report_err(err);
                exit(1);
            } else if (res == OPT_EXIT) {
                exit(0);
            }
            break;
        }
        case OPTION_DAEMONIZE:
            s->daemonize = true;
            break;
        case OPTION_PIDFILE:
            s->pidfile_arg = optarg;
            break;
        case 1:
            error_report("Unexpected argument: %s", optarg);
            exit(1);
        case '?':
        case ':':
            bad_option(c, argv);
        default:
            break;      /* applied in the second pass */
        }
    }
}

/* Second pass: create objects in command-line order. */
static OptResult process_options(int argc, char **argv, bool daemonize,
                                 Error **errp)
{
    OptResult res = OPT_OK;
    int c, index = 0;

    optind = 0;
    opterr = 0;
    while (res == OPT_OK &&
           (c = getopt_long(argc, argv, short_options, long_options,
                            &index)) != -1) {
        switch (c) {
        case OPTION_BLOCKDEV:
            res = sd_opt_blockdev(optarg, errp);
            break;
        case OPTION_CHARDEV:
            res = sd_opt_chardev(optarg, daemonize, errp);
            break;
        case OPTION_EXPORT:
            res = sd_opt_export(optarg, errp);
            break;
        case OPTION_MONITOR:
            res = sd_opt_monitor(optarg, errp);
            break;
        case OPTION_OBJECT:
            res = sd_opt_object(optarg, errp);
            break;
        case OPTION_NBD_SERVER:
            error_setg(errp, "Option '--%s' is not supported yet",
                       long_options[index].name);
            res = OPT_ERROR;
            break;
        default:
            break;      /* handled in the first pass */
        }
    }
    return res;
}

int main(int argc, char **argv)
{
    DaemonState s = {
        .pidfile_fd = -1, .ready_fd = -1, .signal_fd = -1,
    };
    Error *err = NULL;
    OptResult res;

    error_set_progname("storage-daemon");
    process_early_options(&s, argc, argv);
    if (s.daemonize) {
        daemonize(&s);
    }
    if (!setup_signals(&s, &err) || !qemu_init_main_loop(&err)) {
        daemon_fail(&s, err);
    }
    s.main_loop_ready = true;
    /* Before any option: exports created by --export send their events. */
    monitor_init_globals();
    aio_set_fd_handler(qemu_get_aio_context(), s.signal_fd, signal_fd_read,
                       NULL, &s);

    res = process_options(argc, argv, s.daemonize, &err);
    if (res == OPT_ERROR) {
        daemon_fail(&s, err);
    } else if (res == OPT_EXIT) {
        daemon_exit(&s, 0);
    }
    if (s.pidfile_arg && !write_pidfile(&s, &err)) {
        daemon_fail(&s, err);
    }
    daemon_ready(&s);

    while (!main_loop_should_exit()) {
        aio_poll(qemu_get_aio_context(), true);
    }
    aio_set_fd_handler(qemu_get_aio_context(), s.signal_fd, NULL, NULL, NULL);
    daemon_exit(&s, 0);
}
