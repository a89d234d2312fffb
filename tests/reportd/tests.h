/* tests.h: the groups of test_reportd (test_main.c runs them) and the
 * reports they share. */
#ifndef REPORTD_TESTS_H
#define REPORTD_TESTS_H

#define NODE_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define NODE_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define BOOT_1 "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
#define BOOT_2 "00000000-1111-2222-3333-444444444444"

/* A report with every key of version 1 (docs/observability.md), the
 * rollout-capable agent's epoch, rollout and tor_state included: a printf
 * format taking the node (%s), the seq (%lld) and the boot_id (%s). */
#define REPORT_FULL_FMT                                                                                          \
	"{\n"                                                                                                    \
	"  \"version\": 1, \"node\": \"%s\", \"seq\": %lld, \"time\": 1767225600,\n"                             \
	"  \"boot_id\": \"%s\", \"uptime_s\": 3600,\n"                                                           \
	"  \"image\": \"v1.2.3-4-gabcdef0\", \"epoch\": 1796280102,"                                             \
	" \"image_wanted\": \"v1.2.4\", \"image_mismatch\": true,\n"                                             \
	"  \"stage\": \"tor\", \"stage_error\": \"\", \"last_error\": \"tor.relay2: exited 1 \\\"bad\\\"\",\n"   \
	"  \"unseal\": {\"result\": \"ok\", \"mode\": \"authorized\"},\n"                                        \
	"  \"attestation\": \"attested\", \"config_etag\": \"\\\"5f3e-1a2b\\\"\",\n"                             \
	"  \"pull\": {\"exit\": 3, \"ms\": 412},\n"                                                              \
	"  \"marks\": {\"network\": 900, \"clock\": 1200, \"config\": 2500, \"keys\": 3100,"                    \
	" \"tor-exec\": 3200, \"tor-ready\": 9000, \"ready\": 9100},\n"                                         \
	"  \"instances\": [\n"                                                                                   \
	"    {\"name\": \"relay1\", \"fingerprint\": \"0123456789ABCDEF0123456789ABCDEF01234567\","             \
	" \"tor_version\": \"0.4.9.11\", \"state\": \"up\", \"restarts\": 0, \"last_exit\": \"-\","             \
	" \"crashloop\": false, \"rss_kib\": 412000, \"allocator\": \"mimalloc\", \"allocator_mapped\": \"yes\"},\n" \
	"    {\"name\": \"relay2\", \"fingerprint\": \"\", \"tor_version\": \"\", \"state\": \"backoff\","      \
	" \"restarts\": 4, \"last_exit\": \"exit 1\", \"crashloop\": false, \"rss_kib\": 0,"                   \
	" \"allocator\": \"jemalloc\", \"allocator_mapped\": \"unknown\"}\n"                                    \
	"  ],\n"                                                                                                 \
	"  \"memory\": {\"total_kib\": 2048000, \"available_kib\": 1024000, \"swap_total_kib\": 512000,"        \
	" \"swap_free_kib\": 512000},\n"                                                                         \
	"  \"psi\": {\"some_avg10\": 0.1, \"full_avg10\": 0, \"events\": 2},\n"                                \
	"  \"rollout\": {\"wanted\": 7, \"done\": 6, \"state\": \"waiting\","                                    \
	" \"reason\": \"outside the window 22:00-02:00\"},\n"                                                    \
	"  \"tor_state\": {\"restore\": \"restored\", \"reason\": \"\", \"saved\": 1767222000,"                  \
	" \"counter\": 42},\n"                                                                                   \
	"  \"zram\": {\"disksize_bytes\": 536870912, \"orig_bytes\": 1000, \"compr_bytes\": 300},\n"           \
	"  \"telemetry\": {\"reports_dropped\": 0, \"lines_dropped\": 12, \"send_failures\": 1, \"rss_kib\": 3000}\n" \
	"}\n"

/* Only the keys a report cannot be without; the same arguments. */
#define REPORT_MIN_FMT                                                                                           \
	"{\"version\": 1, \"node\": \"%s\", \"seq\": %lld, \"time\": 0, \"boot_id\": \"%s\", \"uptime_s\": 0,"  \
	" \"image\": \"dev\", \"stage\": \"network\"}"

int test_report_group(void);
int test_logs_group(void);
int test_db_group(void);

#endif
