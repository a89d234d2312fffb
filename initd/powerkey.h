/* The power button: QEMU's system_powerdown and a real machine's button
 * are an ACPI event that the kernel's `button` driver turns into KEY_POWER
 * on an input device (evdev: /dev/input/eventN).  initd watches every
 * device that can report KEY_POWER and treats a press as a poweroff
 * request (s6-linux-init's SIGUSR2).  No linux/input.h: musl has no
 * kernel headers, and the ABI below is fixed. */
#ifndef INITD_POWERKEY_H
#define INITD_POWERKEY_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"

#define POWERKEY_EV_KEY 1
#define POWERKEY_KEY_POWER 116
#define POWERKEY_KEY_MAX 0x2ff
#define POWERKEY_DEVICES_MAX 4

/* struct input_event on 64-bit Linux */
struct powerkey_event {
	uint64_t sec, usec;
	uint16_t type, code;
	int32_t value;
};

/* Nonzero when the EV_KEY capability bitmap (EVIOCGBIT, len bytes) has
 * KEY_POWER. */
int powerkey_capable(unsigned char const *bits, size_t len);

/* Nonzero when events[0..n) hold a KEY_POWER press (value 1). */
int powerkey_pressed(struct powerkey_event const *ev, size_t n);

/* Opens every dir/event* (at most POWERKEY_DEVICES_MAX of them with
 * KEY_POWER) into l's poll; a press calls loop_shutdown(l, SIGUSR2).
 * Returns the number of devices watched (0: none found). */
int powerkey_open(struct loop *l, char const *dir);

#endif
