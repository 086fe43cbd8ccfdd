// What the status bar item says about a session, by its state. No vscode import.

import type { ExitModel } from './exit-model';

export type SessionState = 'running' | 'stopped' | 'ended';

const n = (v: number) => Math.round(v).toLocaleString('en-US');

/** Instructions in the unit a reader takes in at a glance (1.23M, 45.6k). */
export function shortCount(v: number): string {
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)}G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (v >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  return n(v);
}

/**
 * Running: rates over the last seconds of events (until two samples exist, the totals).
 * Stopped or ended: the totals so far, since a rate over time spent stopped means nothing.
 */
export function statusText(model: ExitModel, state: SessionState): { text: string; tooltip: string } {
  const mode = (model.mode || 'hvm').toUpperCase();
  const totals = `${shortCount(model.icount)} instr · ${n(model.total)} exits`;
  const r = state === 'running' ? model.rates() : null;
  const text = state === 'running'
    ? `$(vm) ${mode} · ${r ? `${r.mips.toFixed(1)} MIPS · ${n(r.exitsPerSecond)} exits/s` : totals}`
    : `$(vm) ${mode} · ${state} · ${totals}`;
  const tooltip = `Paravirt ${mode} session, ${state}: ${n(model.icount)} guest instructions, ${n(model.total)} VM exits${model.mode === 'pv' ? ' and hypercalls' : ''} so far. Rates are wall-clock over the last seconds while the guest runs; cycles elsewhere are estimates.`;
  return { text, tooltip };
}
