# image/lib: what the image host tools share (ospkg, pcrpredict): the
# error slot (err), the growable buffer (buf), bounded reads and atomic
# writes (fileio).  Linked into each tool; not a program of its own.

IMGLIB_SRCS := $(sort $(wildcard image/lib/*.c))
IMGLIB_HDRS := $(sort $(wildcard image/lib/*.h)) include/lethe_exit.h
IMGLIB_OBJS := $(IMGLIB_SRCS:%.c=$(HB)/obj/%.o)
IMGLIB_CFLAGS := -Iimage/lib

$(HB)/obj/image/lib/%.o: image/lib/%.c $(IMGLIB_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<
