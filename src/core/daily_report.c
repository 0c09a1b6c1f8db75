/* daily_report.c — releasing the daily report's plain data (daily_report.h). */
#include "daily_report.h"

#include <stdlib.h>
#include <string.h>

void daily_report_free(struct daily_report *r)
{
	if (!r)
		return;
	free(r->day.v), free(r->month.v), free(r->fees.v), free(r->symbols.v);
	free(r->winners.v), free(r->losers.v), free(r->positions.v), free(r->gaps.v);
	free(r->incomplete.v), free(r->findings.v), free(r->actions.v), free(r->failed.v);
	free(r->halts.v), free(r->curve.v);
	memset(r, 0, sizeof *r);
}
