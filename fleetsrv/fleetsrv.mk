# fleetsrv: what the config server's daemons (attestd, reportd) share:
# the FastCGI serve loop and reply (srv_fcgi), the SQLite file's opening,
# migration and transactions (srv_db).  Linked into each; not a program of
# its own, never in the image.

FLEETSRV_SRCS := $(sort $(wildcard fleetsrv/*.c))
FLEETSRV_HDRS := $(sort $(wildcard fleetsrv/*.h)) include/lethe_exit.h
FLEETSRV_OBJS := $(FLEETSRV_SRCS:%.c=$(HB)/obj/%.o)
FLEETSRV_CFLAGS := -iquote fleetsrv

$(HB)/obj/fleetsrv/%.o: fleetsrv/%.c $(FLEETSRV_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<
