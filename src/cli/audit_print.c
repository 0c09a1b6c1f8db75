/* audit_print.c — text and JSON output of the post-mortem commands (see
 * audit_print.h). */
#include "audit_print.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonout.h"
#include "rtime.h"

char *audit_format_duration(int64_t us, char buf[48])
{
	int64_t s = us / 1000000, frac = us % 1000000;
	int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
	if (d)
		snprintf(buf, 48, "%" PRId64 "d %02" PRId64 ":%02" PRId64 ":%02" PRId64 ".%06" PRId64,
			 d, h, m, sec, frac);
	else
		snprintf(buf, 48, "%02" PRId64 ":%02" PRId64 ":%02" PRId64 ".%06" PRId64, h, m, sec,
			 frac);
	return buf;
}

static int64_t gap_us(const struct audit_gap *g, int64_t until_us)
{
	int64_t end = g->end_us ? g->end_us : until_us;
	return end > g->start_us ? end - g->start_us : 0;
}

/* One position's total. */
struct pos_total {
	const struct audit_gap *first; /* names the position */
	int64_t us;
	size_t n, open;
};

static bool same_pos(const struct audit_gap *a, const struct audit_gap *b)
{
	return a->venue == b->venue && strcmp(a->account, b->account) == 0 &&
	       strcmp(a->symbol, b->symbol) == 0;
}

static int total_cmp(const void *a, const void *b)
{
	const struct pos_total *x = a, *y = b;
	int c = strcmp(x->first->symbol, y->first->symbol);
	if (c)
		return c;
	if ((c = strcmp(venue_name(x->first->venue), venue_name(y->first->venue))))
		return c;
	return strcmp(x->first->account, y->first->account);
}

/* Totals per position, sorted by symbol; NULL on ENOMEM (n > 0). */
static struct pos_total *totals(const struct audit_gap *g, size_t n, int64_t until_us, size_t *nt)
{
	struct pos_total *t = calloc(n ? n : 1, sizeof *t);
	*nt = 0;
	for (size_t i = 0; t && i < n; i++) {
		size_t k = 0;
		while (k < *nt && !same_pos(t[k].first, &g[i]))
			k++;
		if (k == *nt)
			t[(*nt)++].first = &g[i];
		t[k].us += gap_us(&g[i], until_us);
		t[k].n++;
		t[k].open += g[i].end_us == 0;
	}
	if (t && *nt)
		qsort(t, *nt, sizeof *t, total_cmp);
	return t;
}

static bool print_text(FILE *out, const struct audit_gap *g, size_t n, const struct pos_total *t,
		       size_t nt, int64_t all, int64_t until_us)
{
	char d[48], a[RTIME_STR_MAX], b[RTIME_STR_MAX];
	fprintf(out, "unprotected: %s in total, %zu interval%s over %zu position%s (open ones counted"
		     " until %s)\n",
		audit_format_duration(all, d), n, n == 1 ? "" : "s", nt, nt == 1 ? "" : "s",
		rtime_format(until_us, a));
	if (nt)
		fprintf(out, "\nper position:\n");
	for (size_t i = 0; i < nt; i++)
		fprintf(out, "  %-14s %-10s %-16s %22s  %zu interval%s%s\n",
			venue_name(t[i].first->venue), t[i].first->account, t[i].first->symbol,
			audit_format_duration(t[i].us, d), t[i].n, t[i].n == 1 ? "" : "s",
			t[i].open ? ", still open" : "");
	if (n)
		fprintf(out, "\nintervals:\n  %-27s  %-27s  %22s  %-14s %-16s %-18s %s\n", "START",
			"END", "DURATION", "VENUE", "SYMBOL", "STARTED BY", "ENDED BY");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %-27s  %-27s  %22s  %-14s %-16s %-18s %s\n",
			rtime_format(g[i].start_us, a), g[i].end_us ? rtime_format(g[i].end_us, b)
								    : "still open",
			audit_format_duration(gap_us(&g[i], until_us), d), venue_name(g[i].venue),
			g[i].symbol, g[i].start_cause, g[i].end_us ? g[i].end_cause : "-");
	return !ferror(out);
}

static cJSON *gap_json(const struct audit_gap *g, int64_t until_us)
{
	char a[RTIME_STR_MAX];
	cJSON *o = cJSON_CreateObject();
	bool ok = o && jsonout_add_str(o, "venue", venue_name(g->venue)) &&
		  jsonout_add_str(o, "account", g->account) &&
		  jsonout_add_str(o, "symbol", g->symbol) &&
		  jsonout_add_str(o, "start", rtime_format(g->start_us, a)) &&
		  (g->end_us ? jsonout_add_str(o, "end", rtime_format(g->end_us, a))
			     : cJSON_AddNullToObject(o, "end") != NULL) &&
		  jsonout_add_int(o, "duration_us", gap_us(g, until_us)) &&
		  cJSON_AddBoolToObject(o, "open", g->end_us == 0) &&
		  jsonout_add_str(o, "start_cause", g->start_cause) &&
		  jsonout_add_int(o, "start_seq", g->start_seq) &&
		  (g->end_us ? jsonout_add_str(o, "end_cause", g->end_cause) &&
				       jsonout_add_int(o, "end_seq", g->end_seq)
			     : true);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static bool print_json(FILE *out, const struct audit_gap *g, size_t n, const struct pos_total *t,
		       size_t nt, int64_t all, int64_t until_us)
{
	char a[RTIME_STR_MAX];
	cJSON *o = cJSON_CreateObject(), *per = NULL, *list = NULL;
	bool ok = o && jsonout_add_int(o, "total_us", all) &&
		  jsonout_add_str(o, "until", rtime_format(until_us, a)) &&
		  (per = cJSON_AddArrayToObject(o, "positions")) &&
		  (list = cJSON_AddArrayToObject(o, "intervals"));
	for (size_t i = 0; ok && i < nt; i++) {
		cJSON *p = cJSON_CreateObject();
		ok = p && cJSON_AddItemToArray(per, p) &&
		     jsonout_add_str(p, "venue", venue_name(t[i].first->venue)) &&
		     jsonout_add_str(p, "account", t[i].first->account) &&
		     jsonout_add_str(p, "symbol", t[i].first->symbol) &&
		     jsonout_add_int(p, "total_us", t[i].us) &&
		     jsonout_add_int(p, "intervals", (int64_t)t[i].n) &&
		     cJSON_AddBoolToObject(p, "open", t[i].open > 0);
	}
	for (size_t i = 0; ok && i < n; i++) {
		cJSON *x = gap_json(&g[i], until_us);
		ok = x && cJSON_AddItemToArray(list, x);
	}
	char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!text)
		return false;
	fprintf(out, "%s\n", text);
	free(text);
	return !ferror(out);
}

bool audit_print_gaps(FILE *out, const struct audit_gap *g, size_t n, int64_t until_us, bool json)
{
	size_t nt;
	int64_t all = 0;
	struct pos_total *t = totals(g, n, until_us, &nt);
	if (!t)
		return false;
	for (size_t i = 0; i < n; i++)
		all += gap_us(&g[i], until_us);
	bool ok = json ? print_json(out, g, n, t, nt, all, until_us)
		       : print_text(out, g, n, t, nt, all, until_us);
	free(t);
	return ok;
}
