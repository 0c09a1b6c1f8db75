/*
 * load.c — a config file read and checked completely before anything uses
 * it (start and SIGHUP alike): the config itself (config.h), its policy,
 * and every venue opened (credentials present, scenario readable), so that
 * a reload that would fail half-way fails before it changes anything.
 */
#include <stdlib.h>
#include <string.h>

#include "config_file.h"
#include "daemon_int.h"
#include "registry.h"
#include "rk_file.h"

#define SCENARIO_FILE_MAX (256u << 20)   /* as `reckon reconcile --sim` */

struct dpolicy *dpolicy_retain(struct daemon *d, struct dpolicy *p)
{
	if (d)
		pthread_mutex_lock(&d->mu);
	p->refs++;
	if (d)
		pthread_mutex_unlock(&d->mu);
	return p;
}

void dpolicy_release(struct daemon *d, struct dpolicy *p)
{
	if (!p)
		return;
	if (d)
		pthread_mutex_lock(&d->mu);
	bool last = --p->refs == 0;
	if (d)
		pthread_mutex_unlock(&d->mu);
	if (last) {
		policy_free(p->p);
		free(p);
	}
}

/* Reads a text file the config names, of at most `max` bytes with no NUL
 * byte; `what` names it. A file missing or unreadable is the config's error
 * (RK_ECONFIG), as is one too large. */
static enum rk_rc read_text(const char *path, size_t max, const char *what, char **out,
			    struct rk_err *err)
{
	size_t len = 0;
	enum rk_rc rc = rk_file_read(path, max, out, &len, err);
	if (rc == RK_EINVAL)
		return rk_err_set(err, RK_ECONFIG, "%s %s: larger than %zu bytes", what, path, max);
	if (rc) {
		if (rc != RK_ENOMEM)
			err->rc = rc = RK_ECONFIG;
		return rk_err_prefix(err, "%s", what);
	}
	if (strlen(*out) != len) {
		free(*out);
		*out = NULL;
		return rk_err_set(err, RK_ECONFIG, "%s %s: contains a NUL byte", what, path);
	}
	return RK_OK;
}

static enum rk_rc load_policy(const struct rk_config *cfg, struct policy **out, struct rk_err *err)
{
	char *text = NULL;
	enum rk_rc rc;
	if (cfg->policy_json) {
		if ((rc = policy_parse(cfg->policy_json, out, err)))
			rk_err_prefix(err, "policy");
		return rc;
	}
	if (!cfg->policy_file)
		return policy_default(out, err);
	if ((rc = read_text(cfg->policy_file, CONFIG_FILE_MAX, "policy_file", &text, err)))
		return rc;
	if ((rc = policy_parse(text, out, err)))
		rk_err_prefix(err, "policy_file %s", cfg->policy_file);
	free(text);
	return rc;
}

/* Adds a unit; RK_ECONFIG when its venue account is there already. */
static enum rk_rc add_unit(struct loaded *l, const struct config_venue *cv, size_t k,
			   struct venue *v, struct rk_err *err)
{
	enum venue_kind kind = v->kind;
	for (size_t i = 0; i < l->nunits; i++)
		if (l->units[i].kind == kind && strcmp(l->units[i].account, cv->account) == 0) {
			venue_destroy(v);
			return rk_err_set(err, RK_ECONFIG,
					  "venues[%zu]: %s account %s is reconciled twice", k,
					  venue_name(kind), cv->account);
		}
	if (l->nunits == CONFIG_MAX_VENUES) {
		venue_destroy(v);
		return rk_err_set(err, RK_ECONFIG, "venues[%zu]: more than %d venue accounts", k,
				  CONFIG_MAX_VENUES);
	}
	l->units[l->nunits++] = (struct unit){kind, cv->account, cv->interval_s, v};
	return RK_OK;
}

/* Opens venues[k] as `reckon reconcile` does: a sim entry is every venue its
 * scenario defines (as --sim without --venue), a real venue is its client
 * with credentials from the environment. */
static enum rk_rc open_venue(struct loaded *l, const struct config_venue *cv, size_t k,
			     const struct policy *pol, struct rk_err *err)
{
	char *scenario = NULL;
	enum rk_rc rc;
	struct venue_config vc = {
		.kind = cv->venue, .account = cv->account, .base_url = cv->base_url,
		.timeout_ms = cv->timeout_ms, .key_env = cv->key_env, .secret_env = cv->secret_env,
		.fills_lookback_hours = policy_for(pol, cv->venue, NULL)->fill_lookback_hours};
	if (cv->venue == VENUE_SIM) {
		struct venue *all[REGISTRY_SIM_VENUES] = {NULL};
		size_t n = 0;
		if ((rc = read_text(cv->scenario, SCENARIO_FILE_MAX, "scenario", &scenario, err)))
			return rk_err_prefix(err, "venues[%zu].scenario", k);
		vc = (struct venue_config){.kind = VENUE_UNKNOWN, .scenario = scenario,
					   .account = cv->account};
		rc = registry_open_all(&vc, all, &n, err);
		for (size_t i = 0; !rc && i < n; i++) {
			rc = add_unit(l, cv, k, all[i], err);
			all[i] = NULL;
		}
		for (size_t i = 0; i < n; i++)
			venue_destroy(all[i]);
	} else {
		struct venue *v = NULL;
		if (!(rc = registry_open(&vc, &v, err)))
			rc = add_unit(l, cv, k, v, err);
	}
	if (rc && !strstr(err->msg, "venues[")) {
		rk_err_prefix(err, "venues[%zu] (%s)", k, venue_name(cv->venue));
		/* Missing or refused credentials, a bad scenario: configuration. */
		if (rc != RK_ENOMEM)
			err->rc = rc = RK_ECONFIG;
	}
	free(scenario);
	return rc;
}

enum rk_rc loaded_read(const char *config_path, struct loaded **out, struct rk_err *err)
{
	struct policy *pol = NULL;
	enum rk_rc rc;
	struct loaded *l = calloc(1, sizeof *l);
	*out = NULL;
	if (!l) {
		rc = rk_err_set(err, RK_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = config_load(config_path, &l->cfg, err)))
		goto out;
	if ((rc = load_policy(l->cfg, &pol, err))) {
		rk_err_prefix(err, "%s", config_path);
		goto out;
	}
	if (!(l->policy = calloc(1, sizeof *l->policy))) {
		rc = rk_err_set(err, RK_ENOMEM, "out of memory");
		goto out;
	}
	l->policy->p = pol;
	l->policy->refs = 1;
	pol = NULL;
	size_t nsim = 0;
	for (size_t k = 0; k < l->cfg->nvenues; k++)
		nsim += l->cfg->venues[k].venue == VENUE_SIM;
	if (nsim && nsim != l->cfg->nvenues) {
		rc = rk_err_set(err, RK_ECONFIG,
				"%s: venues: the simulated venue and real venues cannot share "
				"a journal (a simulation journal holds only simulated results)",
				config_path);
		goto out;
	}
	l->kind = nsim ? JOURNAL_SIM : JOURNAL_REAL;
	for (size_t k = 0; k < l->cfg->nvenues; k++)
		if ((rc = open_venue(l, &l->cfg->venues[k], k, l->policy->p, err))) {
			rk_err_prefix(err, "%s", config_path);
			goto out;
		}
out:
	policy_free(pol);
	if (rc)
		loaded_free(NULL, l);
	else
		*out = l;
	return rc;
}

void loaded_free(struct daemon *d, struct loaded *l)
{
	if (!l)
		return;
	for (size_t k = 0; k < l->nunits; k++)
		venue_destroy(l->units[k].v);
	dpolicy_release(d, l->policy);
	config_free(l->cfg);
	free(l);
}
