/* recon_text.c — a pass's report as text (see recon_text.h). */
#include "recon_text.h"

void recon_text_write(FILE *out, const struct recon_pass_report *r)
{
	fprintf(out, "\n== %s / %s: run %lld — snapshot %s", venue_name(r->venue), r->account,
		(long long)r->run_id, r->complete ? "complete" : "INCOMPLETE");
	if (!r->complete)
		fprintf(out, " (%s): no destructive action taken", r->incomplete_reason);
	fprintf(out, "; %zu open orders, %zu positions on the exchange\n", r->norders,
		r->npositions);
	if (r->nfindings == 0)
		fprintf(out, "findings: none\n");
	else
		fprintf(out, "findings:\n  %-22s %-13s %-36s %s\n", "KIND", "SYMBOL", "ORDER", "DETAIL");
	for (size_t f = 0; f < r->nfindings; f++) {
		const struct finding *fd = &r->findings[f];
		fprintf(out, "  %-22s %-13s %-36s %.100s\n", finding_kind_name(fd->kind), fd->symbol,
			fd->order_id[0] ? fd->order_id : "-", fd->detail);
	}
	if (r->nactions == 0) {
		fprintf(out, "actions: none\n");
		return;
	}
	fprintf(out, "actions:\n  %-5s %-20s %-13s %-9s %s\n", "ID", "KIND", "SYMBOL", "STATUS", "WHAT HAPPENED");
	for (size_t i = 0; i < r->nactions; i++) {
		const struct recon_action_report *a = &r->actions[i];
		fprintf(out, "  %-5lld %-20s %-13s %-9s %s%s%s\n", (long long)a->id,
			action_kind_name(a->kind), a->symbol, action_status_name(a->status), a->note,
			a->result[0] ? " -> " : "", a->result);
	}
}

static void write_pass(void *ctx, const struct recon_pass_report *r)
{
	recon_text_write(ctx, r);
}

struct recon_sink recon_text_sink(FILE *out)
{
	return (struct recon_sink){.pass = write_pass, .ctx = out};
}
