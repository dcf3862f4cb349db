#ifndef EDGELLM_CMOSQUITTO_SHIM_H
#define EDGELLM_CMOSQUITTO_SHIM_H

// libmosquitto's client API plus the MQTT 5 property identifiers (MQTT_PROP_*) and protocol
// versions, which live in a second header.
#include <mosquitto.h>
#include <mqtt_protocol.h>

#endif
