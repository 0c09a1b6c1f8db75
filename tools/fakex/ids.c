/*
 * ids.c — Binance's numeric order and trade ids for the sim's text ids.
 *
 * Binance sends orderId, algoId and trade id as JSON numbers. The demo's
 * Binance ids are already numbers ("8389765904") and stay themselves; the
 * ids the sim makes up ("sim-binance-usdm-3") get numbers above every id
 * seen, in the order they are first shown, so they sort after the
 * scenario's as real ids would.
 */
#include "fakex.h"

#include <stdlib.h>
#include <string.h>

#define FX_IDS_FIRST 1000000000LL /* synthetic ids start here at the least */
#define FX_IDS_DIGITS_MAX 15      /* stays exact in a JSON double */

/* The id as a number when it is one (1 to 15 digits, no leading zero). */
static bool numeric(const char *id, int64_t *out)
{
	size_t n = strlen(id);
	if (n == 0 || n > FX_IDS_DIGITS_MAX || id[0] == '0')
		return false;
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (id[i] < '0' || id[i] > '9')
			return false;
		v = v * 10 + (id[i] - '0');
	}
	*out = v;
	return true;
}

void fx_ids_seed(struct fx_ids *m, const char *sim_id)
{
	int64_t v;
	if (m->next < FX_IDS_FIRST)
		m->next = FX_IDS_FIRST;
	if (sim_id && numeric(sim_id, &v) && v >= m->next)
		m->next = v + 1;
}

int64_t fx_ids_num(struct fx_ids *m, const char *sim_id)
{
	int64_t v;
	if (!sim_id || !sim_id[0])
		return 0;
	if (numeric(sim_id, &v))
		return v;
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].sim, sim_id) == 0)
			return m->v[i].num;
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 32;
		void *p = realloc(m->v, ncap * sizeof *m->v);
		if (!p)
			return 0;
		m->v = p;
		m->cap = ncap;
	}
	fx_ids_seed(m, NULL);
	snprintf(m->v[m->n].sim, sizeof m->v[m->n].sim, "%s", sim_id);
	m->v[m->n].num = m->next++;
	return m->v[m->n++].num;
}

void fx_ids_sim(const struct fx_ids *m, int64_t num, char *out, size_t cap)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].num == num) {
			snprintf(out, cap, "%s", m->v[i].sim);
			return;
		}
	snprintf(out, cap, "%lld", (long long)num);
}

void fx_ids_free(struct fx_ids *m)
{
	free(m->v);
	memset(m, 0, sizeof *m);
}
