# logtool: lethe-log, the transparency log's writer, prover and monitor
# (docs/transparency.md "lethe-log"), a host tool for operators and monitors.
#
#   $(HB)/lethe-log      the program (tlog + libsodium + libcurl)
#   check-log            its end-to-end tests (tests/log/log.t; in CHECK_TARGETS)
#   bench-log            append and proof cost at 1, 1,000 and 100,000 entries
#                        (printed, never asserted)

LOGTOOL_SRCS := $(sort $(wildcard logtool/*.c))
LOGTOOL_HDRS := $(wildcard logtool/*.h) include/lethe_exit.h include/lethe_nocore.h $(TLOG_HDRS)
LOGTOOL_OBJS := $(LOGTOOL_SRCS:%.c=$(HB)/obj/%.o)

$(HB)/obj/logtool/%.o: logtool/%.c $(LOGTOOL_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Itlog -c -o $@ $<

$(HB)/lethe-log: $(LOGTOOL_OBJS) $(TLOG_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_LDFLAGS) -o $@ $^ $(TLOG_LIBS) -lcurl

.PHONY: bench-log
bench-log: $(HB)/lethe-log
	LETHE_LOG=$(HB)/lethe-log tests/log/bench.sh
