# reportd: the node reports and log lines of docs/observability.md, and the
# sealed tor state blobs of docs/torstate.md, kept on the config server (a
# host tool only, never in the image).
#
#   $(HB)/reportd               serve (FastCGI), status, report, logs, state, forget
#   $(HB)/test_reportd          cmocka unit tests (in UNIT_TESTS): the report and
#                               log-batch checks, the database's retention and
#                               the status line (tests/reportd/)
#   $(HB)/fuzz_reportd_report   replays tests/fuzz/reportd_report/corpus (in FUZZ_REPLAYS)
#   $(B)/libfuzzer/fuzz_reportd_report   the same under libFuzzer
#   $(HB)/fuzz_reportd_logs, $(B)/libfuzzer/fuzz_reportd_logs
#                               the same for a log batch (logs.c)
#   check-configserver          reportd, nginx, Pushgateway, Prometheus and its
#                               dashboard together (tests/configserver/configserver.mk)
#
# serve.c and db.c run on fleetsrv/ (FLEETSRV_OBJS): the FastCGI loop and
# the SQLite file's opening, migration and transactions, shared with attestd.

REPORTD_SRCS := $(sort $(wildcard reportd/*.c))
REPORTD_HDRS := $(sort $(wildcard reportd/*.h)) include/lethe_exit.h include/lethe_nocore.h \
	include/lethe_telemetry.h include/lethe_state.h $(FLEETSRV_HDRS)
REPORTD_LIB_SRCS := $(filter-out reportd/main.c,$(REPORTD_SRCS))
REPORTD_LIB_OBJS := $(REPORTD_LIB_SRCS:%.c=$(HB)/obj/%.o)
REPORTD_LIBS := -ljansson -lsqlite3 -lfcgi -lm
# The fuzz harnesses reach the checks, not the database.
REPORTD_REPORT_SRCS := reportd/util.c reportd/report.c
REPORTD_LOGS_SRCS := reportd/util.c reportd/logs.c

REPORTD_TEST_SRCS := $(sort $(wildcard tests/reportd/*.c))
REPORTD_TEST_OBJS := $(REPORTD_TEST_SRCS:%.c=$(HB)/obj/%.o)

$(HB)/obj/reportd/%.o: reportd/%.c $(REPORTD_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(FLEETSRV_CFLAGS) -c -o $@ $<

$(HB)/reportd: $(HB)/obj/reportd/main.o $(REPORTD_LIB_OBJS) $(FLEETSRV_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(REPORTD_LIBS)

$(HB)/obj/tests/reportd/%.o: tests/reportd/%.c $(REPORTD_HDRS) $(wildcard tests/reportd/*.h)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -iquote reportd -c -o $@ $<

$(HB)/test_reportd: $(REPORTD_TEST_OBJS) $(REPORTD_LIB_OBJS) $(FLEETSRV_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(REPORTD_LIBS) -lcmocka

UNIT_TESTS += $(HB)/test_reportd

$(HB)/obj/tests/fuzz/reportd_%/fuzz.o: tests/fuzz/reportd_%/fuzz.c $(REPORTD_HDRS) tests/fuzz/replay.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -iquote reportd -c -o $@ $<

$(HB)/fuzz_reportd_report: $(HB)/obj/tests/fuzz/reportd_report/fuzz.o $(REPORTD_REPORT_SRCS:%.c=$(HB)/obj/%.o)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ -ljansson -lm

$(HB)/fuzz_reportd_logs: $(HB)/obj/tests/fuzz/reportd_logs/fuzz.o $(REPORTD_LOGS_SRCS:%.c=$(HB)/obj/%.o)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^

FUZZ_REPLAYS += $(HB)/fuzz_reportd_report:tests/fuzz/reportd_report/corpus
FUZZ_REPLAYS += $(HB)/fuzz_reportd_logs:tests/fuzz/reportd_logs/corpus

$(B)/libfuzzer/fuzz_reportd_report: tests/fuzz/reportd_report/fuzz.c $(REPORTD_REPORT_SRCS) $(REPORTD_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -iquote reportd -o $@ $< $(REPORTD_REPORT_SRCS) -ljansson -lm

$(B)/libfuzzer/fuzz_reportd_logs: tests/fuzz/reportd_logs/fuzz.c $(REPORTD_LOGS_SRCS) $(REPORTD_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -iquote reportd -o $@ $< $(REPORTD_LOGS_SRCS)

FUZZ_TARGETS += $(B)/libfuzzer/fuzz_reportd_report $(B)/libfuzzer/fuzz_reportd_logs
