/* tests.h: the groups of test_attestd, run by test_main.c. */
#ifndef ATTESTD_TESTS_H
#define ATTESTD_TESTS_H

int test_check_group(void);
int test_activate_group(void);
int test_eventlog_group(void);
int test_quote_group(void);
int test_releases_group(void);
int test_pull_group(void);
int test_db_group(void);

#endif
