/*
 * exec_int.h — what the executor's files share (private to src/engine/;
 * recon_exec.h is the contract). One struct exec per pass holds the plan,
 * the per-action slots and where to report; the files split its work:
 * exec.c runs and journals actions, exec_place.c placements, followup.c what
 * follows a failed placement, recovery.c crash recovery, exec_json.c the
 * JSON the actions carry, recon_pass.c the pass around them.
 */
#ifndef RECKON_EXEC_INT_H
#define RECKON_EXEC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "follow_up.h"
#include "recon_exec.h"

/* What the executor knows of one action of the plan (follow-ups included). */
struct slot {
	int64_t id;                /* the action's journal id */
	enum action_status status; /* final (or `sent` while its outcome is unknown) */
	char result[160];          /* what happened, for the report */
	int64_t cancel_done_us;    /* cancels: when a protective stop's cancel was verified, else 0 */
	int64_t bare_since_us;     /* placements: since when the position has had no stop because
				    * this pass cancelled it; 0 when it did not */
	int next;                  /* the follow-up that answered this action's failure, -1 none */
	int replaced;              /* placements: stops re-placed before this one in its chain
				    * after would-trigger refusals */
	int resent;                /* placements: fresh-id re-sends before this one in its chain */
	char root[MODEL_ID_MAX];   /* placements: the client order id of its chain's first (or of
				    * its latest fresh-id re-send) */
};

struct exec {
	struct journal *j;
	struct venue *v;
	const char *account;
	const struct policy *policy;
	struct rk_clock clock;
	void (*sleep_ms)(int64_t ms);
	struct recon_sink sink;
	const struct venue_snapshot *snap;
	const struct local_state *local;
	struct recon_plan *plan;
	size_t actions_cap;         /* plan->actions' capacity, grown with the follow-ups */
	int64_t run_id;
	int64_t *finding_ids;       /* per plan finding */
	struct slot *slot;          /* per plan action, grown with the follow-ups */
	size_t slot_cap;
	struct recon_outcome *out;
	bool inferred_fill_failed;
};

/* What an action's journaled status change also records. */
struct settlement {
	enum action_status status;
	const struct order_rec *orders; /* orders learnt or placed, may be NULL */
	size_t norders;
	const struct fill_rec *fills;   /* fills that prove them, may be NULL */
	size_t nfills;
	bool orders_first;              /* a placed market order: its row before its fills */
	const char *order_id;           /* the order id learnt, or NULL */
	const char *response;           /* the venue's answer (JSON), or NULL */
	const char *error;              /* why it failed or was skipped, or NULL */
};

/* ---- exec.c: running and journaling actions ------------------------------ */

int64_t exec_now(const struct exec *x);

/* Runs action i (placement, cancel, lookup or record) unless it already ran
 * or the planner skipped it; journals each status change. */
enum rk_rc exec_action(struct exec *x, size_t i, struct rk_err *err);

/* Journals action i's status change with what it learnt, in one transaction,
 * then reports it to the sink. */
enum rk_rc exec_settle(struct exec *x, size_t i, const struct settlement *s, struct rk_err *err);
/* exec_settle with nothing learnt. */
enum rk_rc exec_update(struct exec *x, size_t i, enum action_status st, const char *order_id,
		       const char *response, const char *error, struct rk_err *err);

void exec_result(struct exec *x, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The order as reckon knows it: exchange snapshot first, then the journal. */
bool exec_find_order(const struct exec *x, const char *order_id, struct order_rec *out);
/* Stamps an order row with now, the venue and the account. */
void exec_stamp(struct order_rec *o, const struct exec *x);

void exec_slot_init(struct slot *s, const struct action *a);
bool exec_is_placement(enum action_kind k);

/* Fills of `order_id` the journal does not have yet, and the quantity of all
 * of them. *out owned by the caller. RK_EUNKNOWN when the venue could not
 * list them; a journal error is returned as such. */
enum rk_rc exec_unknown_fills(struct journal *j, struct venue *v, const char *account,
			      const char *symbol, const char *order_id, struct fill_rec **out,
			      size_t *n, struct dec *total, struct rk_err *err);

/* ---- exec_place.c --------------------------------------------------------- */

/* One placement's answer, after the retries of an unknown outcome. */
struct placed {
	struct venue_place_result r; /* the last answer; VOUT_OK also when found by lookup */
	int sends;                   /* placement requests sent */
	bool absent;                 /* no answer, and the venue confirmed it has no such order */
};

/* Sends placement i and journals what it proves (see recon_exec.h, step 4). */
enum rk_rc exec_place(struct exec *x, size_t i, struct rk_err *err);

/* Placement i's answer as journaled, with the order `status` (may be NULL).
 * Caller frees. */
char *exec_placed_json(const struct exec *x, size_t i, const struct placed *p,
		       const char *status);

/* ---- followup.c ------------------------------------------------------------ */

/*
 * Journals placement i as failed (`why`, with the venue's answer p) and acts
 * on follow_up.h's decision for `cause`: a follow-up is journaled as a new
 * action and run at once.
 */
enum rk_rc exec_placement_failed(struct exec *x, size_t i, const struct placed *p,
				 enum follow_up_cause cause, const char *why, struct rk_err *err);

/* ---- recovery.c ------------------------------------------------------------ */

/*
 * Crash recovery before a pass (step 1): actions still `planned` are closed
 * as skipped (their run was interrupted before sending them); actions left
 * `sent` are resolved by looking them up, never by sending again.
 * *resolved (OUT, added to) counts those resolved.
 */
enum rk_rc exec_recover(struct journal *j, struct venue *v, const char *account,
			struct rk_clock clock, size_t *resolved, struct rk_err *err);

/* ---- exec_json.c: the JSON actions carry (each caller frees) -------------- */

/* A venue's answer, as journaled in actions.response. */
struct resp {
	enum venue_outcome outcome;
	enum venue_reject reject;
	int code;                /* the venue's own code, 0 none */
	const char *reason;      /* may be NULL */
	const char *order_id;    /* may be NULL */
	const char *status;      /* the order's status, may be NULL */
	bool unprotected;        /* a placement after this pass cancelled the position's stop */
	int64_t unprotected_ms;  /* how long it has been bare, when `unprotected` */
	int sends;               /* placements: requests sent; shown when more than one */
};

char *exec_resp_json(const struct resp *r);
/* Request JSON for a placement. */
char *exec_req_json(const struct venue_order_req *r);
/* Request JSON of a record_inferred_fill: the fill and its basis (the
 * finding's "basis" when it gives one, else the action's note). */
char *exec_record_json(const struct action *a, const struct finding *fd);

#endif
