/* rk_clock.c — see rk_clock.h */
#include "rk_clock.h"

#include <time.h>

static int64_t system_now(void *ctx)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t manual_now(void *ctx)
{
	return *(const int64_t *)ctx;
}

struct rk_clock rk_clock_system(void)
{
	return (struct rk_clock){.now_us = system_now};
}

struct rk_clock rk_clock_manual(int64_t *now_us)
{
	return (struct rk_clock){.now_us = manual_now, .ctx = now_us};
}

int64_t rk_clock_now(struct rk_clock c)
{
	return c.now_us ? c.now_us(c.ctx) : system_now(NULL);
}
