/*
 * recon_text.h — a pass's report as text, the way `reckon reconcile` and
 * `reckon demo` show it: a header line (venue, account, run, snapshot),
 * the findings table and the actions table with what happened to each.
 * A sink for recon_run_pass (recon_exec.h); it writes the pass report once,
 * at the end of a pass, and ignores the per-action progress.
 */
#ifndef RECKON_RECON_TEXT_H
#define RECKON_RECON_TEXT_H

#include <stdio.h>

#include "recon_exec.h"

/* Writes `r` to `out`. */
void recon_text_write(FILE *out, const struct recon_pass_report *r);

/* A sink that writes each pass's report to `out` (borrowed: it must outlive
 * the passes run with the sink). */
struct recon_sink recon_text_sink(FILE *out);

#endif
