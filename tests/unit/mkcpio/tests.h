/* The groups of the mkcpio test binary; each returns its failure count. */
#ifndef MKCPIO_TESTS_H
#define MKCPIO_TESTS_H

int test_spec_run(void);
int test_archive_run(void);
int test_cli_run(void);

#endif
