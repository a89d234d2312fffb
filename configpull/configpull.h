/* configpull's exit codes are a contract with initd: defined once, in
 * include/lethe_exit.h (enum configpull_exit). */
#ifndef CONFIGPULL_H
#define CONFIGPULL_H

#include "lethe_exit.h"

#endif
