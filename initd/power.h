/* The end of PID 1's life: power off, or stay up forever trying. */
#ifndef INITD_POWER_H
#define INITD_POWER_H

/* Syncs, then asks the kernel to power off.  If the kernel refuses (no
 * CAP_SYS_BOOT, say), logs it and waits forever: PID 1 must never exit,
 * since the kernel panics when it does. */
_Noreturn void power_off(void);

/* The same for a reboot (RB_AUTOBOOT) or a halt (RB_HALT_SYSTEM). */
_Noreturn void power_reboot(void);
_Noreturn void power_halt(void);

#endif
