// The rule engine: table entries -> findings, with severity by target, per-rule overrides,
// suppression of user macros named like instructions, and messages that say what happens in
// each mode and what to use instead.

import type { IsaEntry } from '../../emulator/isa';
import type { AnalyzedDocument, Hit } from './document';
import { planFix, type FixPlan } from './fixes';
import type { Finding, Settings, SeverityName, Target } from './types';

export const DOCS_BASE = 'https://github.com/paravirt/paravirt/blob/main/docs/rules.md';
export const MAX_FINDINGS = 20_000;

export function ruleHref(entry: IsaEntry): string { return `${DOCS_BASE}#${entry.docsAnchor}`; }

const CLASS_LABEL: Record<IsaEntry['class'], string> = {
  privileged: 'privileged',
  'iopl-sensitive': 'IOPL-sensitive',
  sensitive: 'sensitive (unprivileged)',
  'exit-only': 'intercepted by VT-x',
};

export function hvmText(entry: IsaEntry): string {
  const h = entry.hvm;
  if (!h) return 'no VM exit (the guest runs at CPL 0)';
  return `VM exit ${h.reason} ${h.name}${h.when === 'conditional' && h.condition ? ` (${h.condition})` : ''}`;
}

export function severityFor(entry: IsaEntry, target: Target, settings: Settings): SeverityName | null {
  const o = settings.severity[entry.rule];
  const base: SeverityName | null = target === 'pv' ? entry.pvSeverity : entry.hvm ? 'information' : null;
  if (o === 'off') return null;
  if (o && base) return o;
  return base;
}

/** The first clause of a table sentence (up to `; `), for one-line messages. */
function firstClause(t: string): string {
  const i = t.indexOf('; ');
  return i > 0 ? t.slice(0, i) : t;
}

function hvmShort(entry: IsaEntry): string {
  const h = entry.hvm;
  if (!h) return 'no VM exit';
  return `VM exit ${h.reason} ${h.name}${h.when === 'conditional' ? ` (conditional: ${h.condition ?? 'when enabled'})` : ''}`;
}

/** One line per mode plus the replacement; the hover and the docs link carry the details. */
export function messageFor(entry: IsaEntry, target: Target, fix: FixPlan, settings: Settings): string {
  const head = `${entry.title} (${CLASS_LABEL[entry.class]}).`;
  const pv = `PV: ${firstClause(entry.pvBehaviour)}.`;
  let hvm = `HVM: ${hvmShort(entry)}.`;
  if (entry.id === 'vmcall') hvm += settings.abi === 'kvm' ? ' With abi=kvm this is the KVM hypercall.' : ' Xen HVM guests use the hypercall page instead.';
  const use = `Use instead: ${firstClause(entry.pvReplacement)}.`;
  const tail = fix.ok ? `Quick fix: ${fix.replacement}.` : `No automatic rewrite: ${fix.reason}.`;
  return target === 'hvm' ? `${head} ${hvm} ${pv} ${use} ${tail}` : `${head} ${pv} ${hvm} ${use} ${tail}`;
}

export interface AnalyzeContext {
  /** Macro names defined in included files (exact), and case-insensitive ones (lower case). */
  macros?: Set<string>;
  imacros?: Set<string>;
}

/** Names of macros defined in the document itself. */
export function documentMacros(doc: AnalyzedDocument, macros: Set<string>, imacros: Set<string>): void {
  if (doc.syntax === 'c') return;
  for (const f of doc.facts) {
    if (!f.defs) continue;
    for (const d of f.defs) {
      // cpp function-like macros expand only before '(', so they never shadow an instruction.
      if (d.kind !== 'macro' || d.cpp) continue;
      if (d.caseInsensitive || doc.syntax === 'gas') imacros.add(d.name.toLowerCase()); else macros.add(d.name);
    }
  }
}

export interface HitFinding { hit: Hit; finding: Finding }

interface Cached { gen: string; severity: SeverityName; message: string; fixable: boolean }
/** Per-instruction results: parsed instructions are new objects whenever their line changes. */
const cache = new WeakMap<object, Cached>();
/** Most occurrences share a message; building it once per distinct text keeps opens fast. */
const messages = new Map<string, string>();

/** Findings for a document, in document order. */
export function analyze(doc: AnalyzedDocument, settings: Settings, ctx: AnalyzeContext = {}): HitFinding[] {
  const target = doc.targetOverride() ?? settings.target;
  const gen = `${target}|${settings.abi}|${JSON.stringify(settings.severity)}|${doc.syntax}`;
  const macros = new Set(ctx.macros ?? []);
  const imacros = new Set(ctx.imacros ?? []);
  documentMacros(doc, macros, imacros);
  const out: HitFinding[] = [];
  for (const hit of doc.hits()) {
    if (hit.ignore) continue;
    if (!hit.c && (macros.has(hit.instr.raw) || imacros.has(hit.instr.raw.toLowerCase()))) continue;
    let c = cache.get(hit.instr);
    if (!c || c.gen !== gen) {
      const severity = severityFor(hit.entry, target, settings);
      if (!severity) continue;
      const fix = planFix(doc, hit);
      const mkey = `${gen}|${hit.entry.id}|${fix.ok ? fix.replacement : fix.reason}`;
      let message = messages.get(mkey);
      if (message === undefined) {
        message = messageFor(hit.entry, target, fix, settings);
        if (messages.size > 10_000) messages.clear();
        messages.set(mkey, message);
      }
      c = { gen, severity, message, fixable: fix.ok };
      cache.set(hit.instr, c);
    }
    out.push({
      hit,
      finding: {
        range: hit.range, severity: c.severity, code: hit.entry.rule, message: c.message,
        href: ruleHref(hit.entry), entry: hit.entry.id, fixable: c.fixable,
      },
    });
    if (out.length >= MAX_FINDINGS) break;
  }
  return out;
}
