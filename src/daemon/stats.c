/* stats.c — the daemon's counters and their renderings (stats.h). */
#include "stats.h"

const int64_t stats_latency_le_us[STATS_LATENCY_BUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000,
};

void daemon_stats_observe_latency(struct daemon_stats *s, int64_t us)
{
	size_t i = 0;
	while (i < STATS_LATENCY_BUCKETS && us > stats_latency_le_us[i])
		i++;
	s->latency_buckets[i]++;
	s->latency_count++;
	s->latency_sum_us += us < 0 ? 0 : us;
}
