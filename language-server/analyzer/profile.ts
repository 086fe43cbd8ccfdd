// The exit profile written after a run (.paravirt/last-run.json; format in
// docs/profile-format.md): parsed defensively, indexed by file for per-line annotations.

import { isAbsolute, normalize, resolve, sep } from 'node:path';

export interface ProfileLine { file: string; line: number; exits: number; cycles: number; byReason: Record<string, number> }
export interface Profile { version: 1; program: string; mode: string; lines: ProfileLine[] }

export const PROFILE_PATH = '.paravirt/last-run.json';

/** Validate parsed JSON; returns null (not an exception) for anything malformed. */
export function parseProfile(text: string): Profile | null {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { return null; }
  if (!raw || typeof raw !== 'object') return null;
  const o = raw as Record<string, unknown>;
  if (o.version !== 1) return null;
  // `lines` is the editor's view; `exitsByAddress` entries that carry file/line (the CLI's
  // per-address profile, when the writer resolved source lines) are accepted as well.
  const rawLines: unknown[] = Array.isArray(o.lines) ? [...(o.lines as unknown[])] : [];
  if (o.exitsByAddress && typeof o.exitsByAddress === 'object') rawLines.push(...Object.values(o.exitsByAddress as Record<string, unknown>));
  if (!Array.isArray(o.lines) && rawLines.length === 0) return null;
  const lines: ProfileLine[] = [];
  for (const l of rawLines) {
    if (!l || typeof l !== 'object') continue;
    const r = l as Record<string, unknown>;
    if (typeof r.file !== 'string' || typeof r.line !== 'number' || !Number.isInteger(r.line) || r.line < 1) continue;
    const byReason: Record<string, number> = {};
    if (r.byReason && typeof r.byReason === 'object') {
      for (const [k, v] of Object.entries(r.byReason as Record<string, unknown>)) if (typeof v === 'number' && Number.isFinite(v)) byReason[k] = v;
    }
    lines.push({
      file: r.file, line: r.line,
      exits: typeof r.exits === 'number' && Number.isFinite(r.exits) ? r.exits : 0,
      cycles: typeof r.cycles === 'number' && Number.isFinite(r.cycles) ? r.cycles : 0,
      byReason,
    });
  }
  return { version: 1, program: typeof o.program === 'string' ? o.program : '', mode: typeof o.mode === 'string' ? o.mode : '', lines };
}

/** Profile lines for one document, keyed by 0-based line. `file` may be absolute or relative to root. */
export function linesForFile(p: Profile, docPath: string, root: string | null): Map<number, ProfileLine> {
  const out = new Map<number, ProfileLine>();
  const target = normalize(docPath);
  for (const l of p.lines) {
    const abs = isAbsolute(l.file) ? normalize(l.file) : root ? resolve(root, l.file) : null;
    const rel = normalize(l.file);
    const match = abs === target || (!isAbsolute(l.file) && (target.endsWith(sep + rel) || target === rel));
    if (!match) continue;
    const prev = out.get(l.line - 1);
    if (prev) {
      prev.exits += l.exits; prev.cycles += l.cycles;
      for (const [k, v] of Object.entries(l.byReason)) prev.byReason[k] = (prev.byReason[k] ?? 0) + v;
    } else out.set(l.line - 1, { ...l, byReason: { ...l.byReason } });
  }
  return out;
}

export function lensTitle(l: ProfileLine): string {
  const reasons = Object.entries(l.byReason).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k} ${v}`).join(', ');
  return `${l.exits} exit${l.exits === 1 ? '' : 's'}, ~${Math.round(l.cycles).toLocaleString('en-US')} cycles (estimated)${reasons ? ` — ${reasons}` : ''}`;
}
