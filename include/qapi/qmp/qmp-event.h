/*
 * QMP events. Generated qapi_event_send_<name>() functions build the
 * "data" object and call qapi_event_emit(); the monitor implements it by
 * adding a timestamp and sending {"event", "data", "timestamp"} to every
 * client that completed capabilities negotiation.
 */
#ifndef QAPI_QMP_EVENT_H
#define QAPI_QMP_EVENT_H

#include "qemu/qdict.h"

/* @name: "BLOCK_EXPORT_DELETED"; @data: new reference taken over (may be
 * NULL for no data). Main thread. */
void qapi_event_emit(const char *name, JsonObject *data);

#endif /* QAPI_QMP_EVENT_H */
