// The rule engine: table entries -> findings, with severity by target, per-rule overrides,
// suppression of user macros named like instructions, and messages that say what happens in
// each mode and what to use instead.

import { classify, entryForBits, legacyPortDevice, pvhView, type IsaEntry } from '../../emulator/isa';
import type { Bits } from './bitness';
import { asmMsrBefore, cMsr, MSR_LOOKBACK } from './msr';
import { asmPortBefore, cPort, isPortInstr, PORT_LOOKBACK } from './io-port';
import type { CAsmStmt } from './c-inline';
import { reachStatements, type ReachRegion } from './c-asm-reach';
import { asmBlockStatements } from './c-asm-blocks';
import { inactiveRegions, lineInactive, type DefineSet, type InactiveRegion } from './preprocessor';
import type { AnalyzedDocument, Hit } from './document';
import { planFix, type FixPlan } from './fixes';
import { HAS_INSTR, HAS_MACRO_DEF } from './line-flags';
import type { Finding, LineInstr, Range, RelatedLocation, Settings, SeverityName, Target } from './types';

export const DOCS_BASE = 'https://github.com/paravirt/paravirt/blob/main/docs/rules.md';
export const MAX_FINDINGS = 20_000;

const hrefs = new Map<IsaEntry, string>();
/** One string per entry, so findings share it (and compare by identity). */
export function ruleHref(entry: IsaEntry): string {
  let h = hrefs.get(entry);
  if (h === undefined) { h = `${DOCS_BASE}#${entry.docsAnchor}`; hrefs.set(entry, h); }
  return h;
}

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
  const base: SeverityName | null = target === 'pv' ? entry.pvSeverity : target === 'pvh' ? pvhView(entry).severity : entry.hvm ? 'information' : null;
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

const hex = (n: number) => '0x' + n.toString(16).toUpperCase();

/**
 * A PVH kernel's message: what Xen does with it, the device behind the port when the code
 * names one, the HVM exit, and what to use instead (only where PVH has something else).
 */
function pvhMessage(entry: IsaEntry, fix: FixPlan, port: number | undefined): string {
  const p = pvhView(entry);
  const parts = [`${entry.title} (${CLASS_LABEL[entry.class]}).`, `PVH: ${firstClause(p.behaviour)}.`];
  const device = port === undefined ? undefined : legacyPortDevice(port);
  if (port !== undefined) parts.push(device ? `Port ${hex(port)} is the ${device.device}, which a PVH domain does not have.` : `Port ${hex(port)} is no legacy PC device.`);
  parts.push(`HVM: ${hvmShort(entry)}.`);
  const instead = device?.pvh ?? p.replacement;
  if (instead) parts.push(`Use instead: ${instead}.`);
  if (fix.ok) parts.push(`Quick fix: ${fix.replacement}.`);
  else if (fix.reason) parts.push(`No automatic rewrite: ${fix.reason}.`);
  return parts.join(' ');
}

/**
 * Under target=pvh an instruction stays as it is (the kernel runs at ring 0), unless PVH
 * lacks what it reaches: then the change is a redesign, said in the message (empty: nothing to say).
 */
function pvhRefusal(entry: IsaEntry): string {
  if (isPortInstr(entry.mnemonics[0])) return 'a PVH kernel reaches the console, timers and interrupts through hypercalls and event channels instead of the port, which changes the driver rather than one instruction';
  if (entry.id === 'vmcall') return 'the slot to call is hypercall_page + nr*32, and the number in EAX is not visible at the instruction';
  return '';
}

/** One line per mode plus the replacement; the hover and the docs link carry the details. */
export function messageFor(entry: IsaEntry, target: Target, fix: FixPlan, settings: Settings, port?: number): string {
  if (target === 'pvh') return pvhMessage(entry, fix, port);
  const head = `${entry.title} (${CLASS_LABEL[entry.class]}).`;
  const pv = `PV: ${firstClause(entry.pvBehaviour)}.`;
  let hvm = `HVM: ${hvmShort(entry)}.`;
  if (entry.id === 'vmcall') hvm += settings.abi === 'kvm' ? ' With abi=kvm this is the KVM hypercall.' : ' Xen HVM guests use the hypercall page instead.';
  const use = `Use instead: ${firstClause(entry.pvReplacement)}.`;
  const tail = fix.ok ? `Quick fix: ${fix.replacement}.` : `No automatic rewrite: ${fix.reason}.`;
  return target === 'hvm' ? `${head} ${hvm} ${pv} ${use} ${tail}` : `${head} ${pv} ${hvm} ${use} ${tail}`;
}

export interface AnalyzeContext {
  /** C and preprocessed assembly: the macros the file is compiled with; findings in inactive #if branches are dropped. */
  defines?: DefineSet;
  /** C: asm text outside asm statements that reaches one through a macro (c-asm-reach.ts). */
  cReach?: ReachRegion[];
  /** Macro names defined in included files (exact), and case-insensitive ones (lower case). */
  macros?: Set<string>;
  imacros?: Set<string>;
}

/** Names of macros defined in the document itself. */
export function documentMacros(doc: AnalyzedDocument, macros: Set<string>, imacros: Set<string>): void {
  if (doc.syntax === 'c') return;
  for (let line = doc.nextLineWith(HAS_MACRO_DEF); line >= 0; line = doc.nextLineWith(HAS_MACRO_DEF, line + 1)) {
    for (const d of doc.facts[line].defs ?? []) {
      // cpp function-like macros expand only before '(', so they never shadow an instruction.
      if (d.kind !== 'macro' || d.cpp) continue;
      if (d.caseInsensitive || doc.syntax === 'gas') imacros.add(d.name.toLowerCase()); else macros.add(d.name);
    }
  }
}

export interface HitFinding { hit: Hit; finding: Finding }

/** Related locations shown with a finding in a macro's body: where asm text uses the macro. */
export const MAX_RELATED = 10;

function macroUses(macro: string, uses: ReadonlyArray<{ path: string; offset: number; text: string }>): RelatedLocation[] {
  const sorted = [...uses].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.offset - b.offset));
  return sorted.slice(0, MAX_RELATED).map((u) => {
    let line = 0, lineStart = 0;
    for (let i = u.text.indexOf('\n'); i >= 0 && i < u.offset; i = u.text.indexOf('\n', i + 1)) { line++; lineStart = i + 1; }
    const character = u.offset - lineStart;
    return { path: u.path, range: { start: { line, character }, end: { line, character: character + macro.length } }, message: `${macro} used in asm here` };
  });
}

/**
 * Per parsed instruction (a new object whenever its line or asm statement is reparsed): the
 * table entry, and for the settings in force (`gen`) the rule outcome and the last finding,
 * reused while its range is unchanged. An edit then costs work only on the lines it touched,
 * and unchanged findings stay the same objects (the diagnostics encoder caches by object).
 */
interface Cached {
  entry: IsaEntry | null;
  /** The MSR in ECX the classification used (RDMSR/WRMSR), and the mode. */
  msr: number | undefined;
  /** Under target=pvh, the I/O port an IN/OUT/INS/OUTS reaches when the code shows it. */
  port: number | undefined;
  bits: Bits;
  gen: string;
  severity: SeverityName | null;
  message: string;
  fixable: boolean;
  last: HitFinding | null;
}
const cache = new WeakMap<LineInstr, Cached>();
/** Most occurrences share a message; building it once per distinct text keeps opens fast. */
const messages = new Map<string, string>();

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character
    && a.end.line === b.end.line && a.end.character === b.end.character;
}

/**
 * An assembly document's last findings, to rebuild only the lines that changed since (the
 * document reports them): lines before the change keep their findings, lines after it keep
 * theirs moved by the line shift. Findings depend on their own line plus the settings, the
 * target comment and the macro names, which `gen` and `macros` capture.
 */
interface AsmMemo { gen: string; macros: string; out: HitFinding[] }
const asmMemo = new WeakMap<AnalyzedDocument, AsmMemo>();

function macroKey(macros: Set<string>, imacros: Set<string>): string {
  return `${[...macros].sort().join(' ')}|${[...imacros].sort().join(' ')}`;
}

/** First index in `list` (sorted by line) whose line is >= `line`. */
function firstAtOrAfter(list: HitFinding[], line: number): number {
  let lo = 0, hi = list.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (list[mid].hit.line < line) lo = mid + 1; else hi = mid; }
  return lo;
}

function moved(hf: HitFinding, shift: number): HitFinding {
  const h = hf.hit, f = hf.finding;
  const line = h.line + shift;
  const range = { start: { line, character: h.range.start.character }, end: { line, character: h.range.end.character } };
  // Spelled out in visit()'s field order: the same object shapes, and no slow spread.
  return {
    hit: { entry: h.entry, instr: h.instr, range, line, ignore: h.ignore, c: h.c, bits: h.bits },
    finding: { range, severity: f.severity, code: f.code, message: f.message, href: f.href, entry: f.entry, fixable: f.fixable, encoded: undefined },
  };
}

/** An asm statement's findings (ignore comments aside), valid while it starts where it did. */
interface StmtFindings { gen: string; kwStart: number; line: number; character: number; bits: Bits; list: HitFinding[] }

type Visit = (instr: LineInstr, line: number, range: Range, ignore: boolean, c: CAsmStmt | null) => boolean;

function analyzeAsm(doc: AnalyzedDocument, gen: string, macros: string, out: HitFinding[], visit: Visit,
  shadowed: (i: LineInstr) => boolean, anyMacro: boolean): HitFinding[] {
  const facts = doc.facts;
  const lines = (from: number, to: number): boolean => {
    for (let line = doc.nextLineWith(HAS_INSTR, from); line >= 0 && line < to; line = doc.nextLineWith(HAS_INSTR, line + 1)) {
      const f = facts[line];
      if (f.ignore) continue;
      for (const instr of f.instrs ?? []) {
        // An unchanged line's instructions keep their columns: same line, same finding.
        const k = cache.get(instr);
        // (RDMSR/WRMSR and port I/O depend on the lines before them too: always looked at again.)
        if (k && k.gen === gen && k.last && k.last.hit.line === line && k.entry?.mnemonics[0] !== 'rdmsr' && k.entry?.mnemonics[0] !== 'wrmsr' && !(k.entry && isPortInstr(k.entry.mnemonics[0])) && !(anyMacro && shadowed(instr))) {
          out.push(k.last);
          if (out.length >= MAX_FINDINGS) return false;
          continue;
        }
        const range = { start: { line, character: instr.start }, end: { line, character: instr.end } };
        if (!visit(instr, line, range, false, null)) return false;
      }
    }
    return true;
  };
  const changes = doc.takeChanges();
  const memo = asmMemo.get(doc);
  if (changes && memo && memo.gen === gen && memo.macros === macros && memo.out.length < MAX_FINDINGS) {
    const prev = memo.out;
    const keep = firstAtOrAfter(prev, changes.from);
    for (let i = 0; i < keep; i++) out.push(prev[i]);
    // An RDMSR/WRMSR reads the ECX load a few lines above it: the lines just after an edit are redone too.
    const to = changes.to + Math.max(MSR_LOOKBACK, PORT_LOOKBACK);
    if (lines(changes.from, to)) {
      for (let i = firstAtOrAfter(prev, to - changes.shift); i < prev.length && out.length < MAX_FINDINGS; i++) {
        out.push(changes.shift === 0 ? prev[i] : moved(prev[i], changes.shift));
      }
    }
  } else {
    lines(0, facts.length);
  }
  asmMemo.set(doc, { gen, macros, out });
  return out;
}

/** The #if branches of a C or preprocessed assembly document that the defines rule out. */
export function inactiveOf(doc: AnalyzedDocument, ctx: AnalyzeContext): InactiveRegion[] {
  if (!ctx.defines || !(doc.syntax === 'c' || doc.cpp)) return [];
  return inactiveRegions(doc.syntax === 'c' || doc.lines.length <= doc.facts.length ? doc.lines : doc.lines.slice(0, doc.facts.length), ctx.defines);
}

const lastInactive = new WeakMap<AnalyzedDocument, InactiveRegion[] | (() => InactiveRegion[])>();

/** The inactive regions of `doc` as of its last analyze(). */
export function lastInactiveOf(doc: AnalyzedDocument): InactiveRegion[] {
  let r = lastInactive.get(doc);
  if (typeof r === 'function') { r = r(); lastInactive.set(doc, r); }
  return r ?? [];
}

/** Findings for a document, in document order; none in inactive #if branches. */
export function analyze(doc: AnalyzedDocument, settings: Settings, ctx: AnalyzeContext = {}): HitFinding[] {
  const all = analyzeAll(doc, settings, ctx);
  // Without findings the regions change nothing here: they are worked out when asked for.
  const inactive = all.length > 0 ? inactiveOf(doc, ctx) : null;
  lastInactive.set(doc, inactive ?? (() => inactiveOf(doc, ctx)));
  if (!inactive) return all;
  return inactive.length ? all.filter((hf) => !lineInactive(inactive, hf.hit.line)) : all;
}

function analyzeAll(doc: AnalyzedDocument, settings: Settings, ctx: AnalyzeContext): HitFinding[] {
  const target = doc.targetOverride() ?? settings.target;
  // The modes of the lines (bits directives, #ifdef __x86_64__ regions) decide the facts read.
  // (C statements check their own line's mode instead: a line added above an #ifdef
  // __x86_64__ region moves the region but changes no statement's mode.)
  const modes = doc.syntax === 'c' ? doc.bitsFallback(ctx.defines) : doc.bitsKey(ctx.defines);
  const gen = `${target}|${settings.abi}|${JSON.stringify(settings.severity)}|${doc.syntax}|${modes}`;
  const macros = new Set(ctx.macros ?? []);
  const imacros = new Set(ctx.imacros ?? []);
  documentMacros(doc, macros, imacros);
  const anyMacro = macros.size > 0 || imacros.size > 0;
  const shadowed = (instr: LineInstr) => macros.has(instr.raw) || imacros.has(instr.raw.toLowerCase());
  const out: HitFinding[] = [];

  /** The finding for one instruction at `range`, or null when it has none (ignore and macros aside). */
  const findingFor = (instr: LineInstr, line: number, range: Range, c: CAsmStmt | null): HitFinding | null => {
    let k = cache.get(instr);
    // RDMSR/WRMSR: which MSR the code loads into ECX picks the entry (PV058/PV059 or PV026/PV027).
    const msr = instr.mnemonic === 'wrmsr' || instr.mnemonic === 'rdmsr'
      ? (c ? cMsr(c) : asmMsrBefore(doc.lines, line, doc.syntax === 'gas')) : undefined;
    if (!k || k.msr !== msr) {
      const base = classify(instr.mnemonic, instr.ops, msr) ?? null;
      k = { entry: base, msr, port: undefined, bits: 32, gen: '', severity: null, message: '', fixable: false, last: null };
      cache.set(instr, k);
    }
    if (!k.entry) return null;
    // Under PVH the device behind the port decides the message (the line or the DX load above it).
    if (target === 'pvh' && isPortInstr(k.entry.mnemonics[0])) {
      const port = c ? cPort(c, instr) : asmPortBefore(doc.lines, line, instr, doc.syntax === 'gas');
      if (port !== k.port) { k.port = port; k.gen = ''; }
    }
    const bits = doc.bitsAt(line, ctx.defines);
    if (k.bits !== bits) { k.bits = bits; k.gen = ''; }
    const entry = entryForBits(k.entry, bits);
    if (k.gen !== gen) {
      k.gen = gen;
      k.last = null;
      k.severity = severityFor(entry, target, settings);
      if (k.severity) {
        const fix: FixPlan = target === 'pvh' ? { ok: false, reason: pvhRefusal(entry) } : planFix(doc, { entry, instr, range, line, ignore: false, c, bits });
        const mkey = `${gen}|${bits}|${entry.id}|${fix.ok ? fix.replacement : fix.reason}|${k.port}`;
        let message = messages.get(mkey);
        if (message === undefined) {
          message = messageFor(entry, target, fix, settings, k.port);
          if (messages.size > 10_000) messages.clear();
          messages.set(mkey, message);
        }
        k.message = message;
        k.fixable = fix.ok;
      }
    }
    if (!k.severity) return null;
    let hf = k.last;
    if (!hf || hf.hit.c !== c || !sameRange(hf.finding.range, range)) {
      hf = {
        hit: { entry, instr, range, line, ignore: false, c, bits },
        finding: {
          range, severity: k.severity, code: entry.rule, message: k.message,
          href: ruleHref(entry), entry: entry.id, fixable: k.fixable, encoded: undefined,
        },
      };
      if (c?.origin?.kind === 'macro-body' && c.origin.uses.length) hf.finding.related = macroUses(c.origin.macro, c.origin.uses);
      k.last = hf;
    }
    return hf;
  };

  const visit = (instr: LineInstr, line: number, range: Range, ignore: boolean, c: CAsmStmt | null): boolean => {
    if (ignore) return true;
    if (!c && anyMacro && shadowed(instr)) return true;
    const hf = findingFor(instr, line, range, c);
    if (hf) out.push(hf);
    return out.length < MAX_FINDINGS;
  };

  if (doc.syntax !== 'c') return analyzeAsm(doc, gen, anyMacro ? macroKey(macros, imacros) : '', out, visit, shadowed, anyMacro);
  for (const st of doc.cStmts) {
    // A statement that was not rescanned and still starts at the same offset and position has
    // the same findings: no position is computed for its instructions. (`paravirt: ignore`
    // may have been typed after it on a line, so that is checked each time.)
    const at = doc.positionAt(st.kwStart);
    let m = st.analysis as StmtFindings | undefined;
    const bits = doc.bitsAt(at.line, ctx.defines);
    if (!m || m.gen !== gen || m.kwStart !== st.kwStart || m.line !== at.line || m.character !== at.character || m.bits !== bits) {
      const list: HitFinding[] = [];
      for (const { instr } of st.instrs) {
        const start = doc.positionAt(st.map[instr.start]);
        const end = doc.positionAt(st.map[instr.end - 1] + 1);
        const hf = findingFor(instr, start.line, { start, end }, st);
        if (hf) list.push(hf);
      }
      m = { gen, kwStart: st.kwStart, line: at.line, character: at.character, bits, list };
      st.analysis = m;
    }
    for (const hf of m.list) {
      if (doc.lineIgnored(hf.hit.line)) continue;
      out.push(hf);
      if (out.length >= MAX_FINDINGS) return out;
    }
  }
  const units = ctx.cReach && ctx.cReach.length > 0 ? doc.reachStatements(ctx.cReach, reachStatements) : [];
  const blocks = asmBlockStatements(doc.lines, (l) => doc.offsetAt({ line: l, character: 0 }), doc.getText());
  if (units.length > 0 || blocks.length > 0) {
    // Text a macro brings into asm: each instruction once, where it is written, unless an asm
    // statement's own template already holds it (ALTERNATIVE's arguments inside asm()).
    const stmts = doc.cStmts;
    const inAsm = (o: number) => {
      let lo = 0, hi = stmts.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const st = stmts[mid];
        if (o < st.regionStart) hi = mid - 1; else if (o >= st.regionEnd) lo = mid + 1; else return true;
      }
      return false;
    };
    const seen = new Set<number>();
    const extra: HitFinding[] = [];
    for (const st of units.length ? [...units, ...blocks] : blocks) {
      for (const { instr } of st.instrs) {
        const o = st.map[instr.mStart];
        if (seen.has(o) || inAsm(o)) continue;
        seen.add(o);
        const start = doc.positionAt(st.map[instr.start]);
        const end = doc.positionAt(st.map[instr.end - 1] + 1);
        if (doc.lineIgnored(start.line)) continue;
        const hf = findingFor(instr, start.line, { start, end }, st);
        if (hf) extra.push(hf);
      }
    }
    if (extra.length) {
      for (const hf of extra) out.push(hf);
      out.sort((a, b) => a.hit.range.start.line - b.hit.range.start.line || a.hit.range.start.character - b.hit.range.start.character);
      if (out.length > MAX_FINDINGS) out.length = MAX_FINDINGS;
    }
  }
  return out;
}
