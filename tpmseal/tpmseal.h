/* tpmseal: its exit codes are a contract with initd, defined once in
 * include/lethe_exit.h (enum tpmseal_exit); the instance limit in
 * include/lethe_paths.h. */
#ifndef TPMSEAL_H
#define TPMSEAL_H

#include "lethe_exit.h"
#include "lethe_paths.h"

#define TPMSEAL_MAX_INSTANCES LETHE_INSTANCES_MAX

#endif
