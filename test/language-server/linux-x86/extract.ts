// The expectation for the linter's real-code test, derived from the source text by rules of
// its own (not the analyzer's parsers, not the instruction table's code):
//
// - .S files: each line with /* */ comments and `#` comments removed; preprocessor lines are
//   dropped except the body of a `#define`, which is asm where it is used; string literals
//   on a line (ALTERNATIVE "", "clac") are read as asm text too.
// - .c/.h files: every string literal outside comments and #include lines, with \n and \t
//   decoded and %% read as %, is asm text. Lines inside `#ifdef __ASSEMBLY__` blocks of
//   headers are read as .S lines.
// - asm text is split at newlines and ';' into statements; leading labels (`1:`, `name:`) and
//   prefixes (lock, rep, ...) are removed; the mnemonic, with an AT&T size suffix removed,
//   is looked up in the list below (INSTRUCTIONS.md's rows that a PV target reports); MOV and
//   PUSH count only with a %crN/%drN or %cs/%ss operand, in the direction INSTRUCTIONS.md
//   gives. `.byte` lists are decoded with iced-x86.
//
// - a WRMSR in a .S file whose ECX was loaded with `mov $MSR_<name>, %ecx` at most eight
//   lines before, with no label, jump or call in between, is the rule of that MSR: the FS/GS
//   bases PV058, the SYSCALL MSRs PV059 (the SDM's and Linux's names for them).
//
// This over-collects (a printk("cpuid ...") string) and misses what only the preprocessor
// would reveal; the differences were settled by reading each line (adjustments.ts).

import { Decoder, DecoderOptions, Formatter, FormatterSyntax } from 'iced-x86';

/** INSTRUCTIONS.md's rows reported under a PV target, by mnemonic. INT and PAUSE are not (no PV finding). */
const RULES: Record<string, string> = {
  hlt: 'PV001', cli: 'PV002', sti: 'PV003', pushf: 'PV004', pushfd: 'PV004', pushfw: 'PV004', popf: 'PV005', popfd: 'PV005', popfw: 'PV005',
  in: 'PV006', out: 'PV007', ins: 'PV008', insb: 'PV008', insw: 'PV008', insd: 'PV008', outs: 'PV009', outsb: 'PV009', outsw: 'PV009', outsd: 'PV009',
  clts: 'PV012', lmsw: 'PV013', smsw: 'PV014', lgdt: 'PV015', lidt: 'PV016', sgdt: 'PV017', sidt: 'PV018', lldt: 'PV019', ltr: 'PV020',
  sldt: 'PV021', str: 'PV022', invlpg: 'PV023', invd: 'PV024', wbinvd: 'PV025', rdmsr: 'PV026', wrmsr: 'PV027', rdtsc: 'PV028',
  rdtscp: 'PV029', rdpmc: 'PV030', cpuid: 'PV031', iret: 'PV034', iretd: 'PV034', iretw: 'PV034', lar: 'PV036', lsl: 'PV037',
  verr: 'PV038', verw: 'PV039', sysenter: 'PV041', sysexit: 'PV042', monitor: 'PV043', mwait: 'PV044', vmcall: 'PV046', vmmcall: 'PV046',
  xsetbv: 'PV047', invpcid: 'PV048', clac: 'PV049', stac: 'PV049',
  // The 64-bit set (PV050-PV057 by mnemonic; WRMSR to a named MSR is told apart by ECX, not here).
  iretq: 'PV034', swapgs: 'PV050', syscall: 'PV051', sysret: 'PV052', sysretl: 'PV052', sysretq: 'PV052',
  rdfsbase: 'PV053', rdgsbase: 'PV053', wrfsbase: 'PV054', wrgsbase: 'PV055',
};
/** WRMSR to these MSRs, by the names Linux gives them, has a rule of its own. */
const MSR_RULES: Record<string, string> = {
  MSR_FS_BASE: 'PV058', MSR_GS_BASE: 'PV058', MSR_KERNEL_GS_BASE: 'PV058',
  MSR_STAR: 'PV059', MSR_LSTAR: 'PV059', MSR_CSTAR: 'PV059', MSR_SYSCALL_MASK: 'PV059',
};
const PREFIXES = new Set(['lock', 'rep', 'repe', 'repz', 'repne', 'repnz', 'data16', 'addr32', 'cs', 'ds', 'es', 'fs', 'gs', 'ss', 'notrack']);

function ruleOf(mnemonic: string, ops: string[]): string | null {
  let m = mnemonic.toLowerCase();
  const regs = ops.map((o) => o.trim().toLowerCase());
  const base = m === 'mov' || /^mov[wlq]$/.test(m) ? 'mov' : m === 'push' || /^push[wlq]$/.test(m) ? 'push' : null;
  if (base === 'mov' && regs.length === 2) {
    const [src, dst] = regs; // AT&T order
    if (dst === '%cr8') return 'PV056';
    if (src === '%cr8') return 'PV057';
    if (/^%cr\d+$/.test(dst)) return 'PV010';
    if (/^%cr\d+$/.test(src)) return 'PV011';
    if (/^%d[rb]\d$/.test(dst)) return 'PV032';
    if (/^%d[rb]\d$/.test(src)) return 'PV033';
    if (src === '%cs' || src === '%ss') return 'PV040';
    return null;
  }
  if (base === 'push') return regs.length === 1 && (regs[0] === '%cs' || regs[0] === '%ss') ? 'PV040' : null;
  if (base) return null;
  if (RULES[m]) return RULES[m];
  if (/[bwlq]$/.test(m) && RULES[m.slice(0, -1)]) return RULES[m.slice(0, -1)];
  return null;
}

/** iced-x86's reading of a `.byte` list, as the rule of its instruction. */
function decodeBytes(list: string): string | null {
  const bytes = list.split(',').map((b) => b.trim()).filter(Boolean).map((b) => Number(b));
  if (bytes.length === 0 || bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) return null;
  const d = new Decoder(64, Uint8Array.from(bytes), DecoderOptions.None);
  const f = new Formatter(FormatterSyntax.Gas);
  const ins = d.decode();
  const text = ins.length === bytes.length ? f.format(ins) : '';
  ins.free(); d.free(); f.free();
  if (!text) return null;
  const m = /^(\S+)\s*(.*)$/.exec(text)!;
  return ruleOf(m[1], m[2] ? m[2].split(',') : []);
}

function statementRule(stmt: string): string | null {
  let s = stmt.trim();
  for (;;) { const m = /^[A-Za-z0-9_.$]+\s*:(?!:)\s*/.exec(s); if (!m) break; s = s.slice(m[0].length); }
  const byte = /^\.byte\s+(.*)$/i.exec(s);
  if (byte) return decodeBytes(byte[1]);
  let m = /^([A-Za-z][A-Za-z0-9]*)\b\s*(.*)$/.exec(s);
  while (m && PREFIXES.has(m[1].toLowerCase())) m = /^([A-Za-z][A-Za-z0-9]*)\b\s*(.*)$/.exec(m[2]);
  if (!m) return null;
  return ruleOf(m[1], m[2] ? splitOps(m[2]) : []);
}

function splitOps(s: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = '';
  for (const c of s) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter(Boolean);
}

/** Blank /* *\/ comments and // comments (keeping line breaks), outside string literals. */
function stripComments(t: string): string {
  let out = '';
  let i = 0;
  while (i < t.length) {
    const c = t[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < t.length && t[j] !== c && t[j] !== '\n') j += t[j] === '\\' ? 2 : 1;
      out += t.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && t[i + 1] === '*') {
      const e = t.indexOf('*/', i + 2);
      const end = e < 0 ? t.length : e + 2;
      out += t.slice(i, end).replace(/[^\n]/g, ' ');
      i = end;
    } else if (c === '/' && t[i + 1] === '/') {
      const e = t.indexOf('\n', i);
      const end = e < 0 ? t.length : e;
      out += ' '.repeat(end - i);
      i = end;
    } else { out += c; i++; }
  }
  return out;
}

const STRING = /"((?:[^"\\\n]|\\.)*)"/g;

function stringsOf(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(STRING)) out.push(m[1].replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\"/g, '"').replace(/%%/g, '%'));
  return out;
}

/** A .S line without its `#` comment (outside strings). */
function asmCode(line: string): string {
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') q = !q;
    else if (c === '\\' && q) i++;
    else if (c === '#' && !q) return line.slice(0, i);
  }
  return line;
}

export interface Expected { file: string; line: number; rule: string }

/** Expected findings of one file (`rel`: path below arch/x86, for the keys). */
export function extract(rel: string, text: string): Expected[] {
  const out: Expected[] = [];
  const lines = stripComments(text).split('\n');
  const isS = rel.endsWith('.S');
  const isH = rel.endsWith('.h');
  // __ASSEMBLY__ blocks of a header: a stack of (is an __ASSEMBLY__ group, in its asm branch).
  const stack: Array<{ asm: boolean; on: boolean }> = [];
  const inAsmBlock = () => stack.some((f) => f.asm && f.on);
  // The MSR name last loaded into ECX in a .S file, and the line it was loaded on.
  let ecx: { name: string; line: number } | null = null;
  const found = (n: number, pieces: string[]) => {
    const rules = new Set<string>();
    for (const p of pieces) for (const st of p.split(/[\n;]/)) {
      let r = statementRule(st);
      if (r === 'PV027' && ecx && n - ecx.line <= 8 && MSR_RULES[ecx.name]) r = MSR_RULES[ecx.name];
      if (r) rules.add(r);
    }
    for (const rule of rules) out.push({ file: rel, line: n + 1, rule });
  };
  const trackEcx = (n: number, code: string) => {
    const load = /^\s*movl?\s+\$(\w+)\s*,\s*%ecx\s*$/.exec(code);
    if (load) ecx = { name: load[1], line: n };
    else if (/^\s*[\w.$]+:|^\s*(?:j[a-z]+|call|ret)\b|%ecx\s*$/.test(code)) ecx = null;
  };
  for (let n = 0; n < lines.length; n++) {
    const l = lines[n];
    // A directive and its continuation lines, each physical line read where it is.
    let last = n;
    while (/\\\s*$/.test(lines[last]) && last + 1 < lines.length) last++;
    const d = /^\s*#\s*(\w+)\s*(.*)$/.exec(l);
    if (!d) {
      if (isS) trackEcx(n, asmCode(l));
      if (isS || (isH && inAsmBlock())) found(n, [asmCode(l), ...stringsOf(l)]);
      else found(n, stringsOf(l));
      continue;
    }
    const [, kw, rest] = d;
    if (isH) {
      if (kw === 'ifdef' || kw === 'ifndef' || kw === 'if') {
        const asm = /__ASSEMBLY__/.test(rest) && !/&&|\|\|/.test(rest);
        const positive = kw === 'ifdef' || (kw === 'if' && !/!\s*defined/.test(rest));
        stack.push({ asm, on: asm ? positive : false });
      } else if (kw === 'else' && stack.length) { const f = stack[stack.length - 1]; if (f.asm) f.on = !f.on; }
      else if (kw === 'endif') stack.pop();
    }
    if (kw === 'define') {
      const asmBody = isS || (isH && inAsmBlock());
      for (let k = n; k <= last; k++) {
        let text = (k === n ? rest.replace(/^[A-Za-z_]\w*(?:\([^)]*\))?/, '') : lines[k]).replace(/\\\s*$/, '');
        found(k, asmBody ? [asmCode(text), ...stringsOf(text)] : stringsOf(text));
      }
    }
    n = last;
  }
  return out;
}
