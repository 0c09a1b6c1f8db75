/*
 * rk_clock.h — the clock, passed as a value to whatever needs "now" (the
 * journal's recorded_at, the executor's timings, venues' request stamps).
 * Nothing reads a process-wide clock: a test or the simulated venue hands
 * its own clock to the module it drives, and a daemon can run several.
 *
 * Units: microseconds since the Unix epoch, UTC.
 * Threads: the system clock is thread-safe; a manual clock is as safe as
 * the caller's use of its struct.
 */
#ifndef RECKON_RK_CLOCK_H
#define RECKON_RK_CLOCK_H

#include <stdint.h>

struct rk_clock {
	int64_t (*now_us)(void *ctx);
	void *ctx;
};

/* The wall clock (CLOCK_REALTIME). */
struct rk_clock rk_clock_system(void);

/* A clock that reads *now_us (tests, scenario time): the caller moves it.
 * The pointed-to value must outlive every copy of the clock. */
struct rk_clock rk_clock_manual(int64_t *now_us);

/* Reads `c`; a zeroed clock reads the system clock, so an options struct
 * left {0} behaves as production. */
int64_t rk_clock_now(struct rk_clock c);

#endif
