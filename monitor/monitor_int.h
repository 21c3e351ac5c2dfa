/*
 * Internal to monitor/: shared by the session code and the handlers.
 */
#ifndef MONITOR_MONITOR_INT_H
#define MONITOR_MONITOR_INT_H

#include "monitor/monitor.h"

/* The daemon's version as QMP reports it (from STORAGE_DAEMON_VERSION). */
void monitor_version_triple(int64_t *major, int64_t *minor, int64_t *micro);

#endif /* MONITOR_MONITOR_INT_H */
