// What the Variables view shows, as plain trees: registers (general, EIP, EFLAGS bit by bit,
// segments with their descriptor caches, CR0-CR4 decoded, descriptor tables, debug registers,
// MSRs, XMM0-XMM7 and MXCSR), the last exit decoded, and in PV mode the PV state. The session turns these trees into
// DAP variables; setters make a node editable.

import type { MachineApi, RegisterFile, ExitRecord } from '../emulator/machine';
import { describeExit } from '../emulator/trace/describe-exit';
import { isPvRecord } from '../emulator/trace/record-kinds';
import { sseView, systemView, type SseView } from './engine/cpu-view';
import { eferText, eflagsText, gdtNodes, idtNodes, pageTableNodes } from './decoded-tables';
import { hex64, xenPagesNodes } from './xen-pages-view';

// The tree node and hex formatting live apart so decoded-tables.ts can use them without a cycle.
export { hex, type Node } from './view-node';
import { hex, type Node } from './view-node';


const EFLAGS: Array<[string, number, number]> = [
  ['CF', 0, 1], ['PF', 2, 1], ['AF', 4, 1], ['ZF', 6, 1], ['SF', 7, 1], ['TF', 8, 1], ['IF', 9, 1], ['DF', 10, 1], ['OF', 11, 1],
  ['IOPL', 12, 2], ['NT', 14, 1], ['RF', 16, 1], ['VM', 17, 1], ['AC', 18, 1], ['VIF', 19, 1], ['VIP', 20, 1], ['ID', 21, 1],
];
const CR0: Array<[string, number]> = [['PE', 0], ['MP', 1], ['EM', 2], ['TS', 3], ['ET', 4], ['NE', 5], ['WP', 16], ['AM', 18], ['NW', 29], ['CD', 30], ['PG', 31]];
const CR4: Array<[string, number]> = [['VME', 0], ['PVI', 1], ['TSD', 2], ['DE', 3], ['PSE', 4], ['PAE', 5], ['MCE', 6], ['PGE', 7], ['PCE', 8], ['OSFXSR', 9], ['OSXMMEXCPT', 10], ['UMIP', 11], ['OSXSAVE', 18], ['SMEP', 20], ['SMAP', 21]];

function bitsOf(v: number, table: Array<[string, number]>): string {
  return table.filter(([, b]) => (v >>> b) & 1).map(([n]) => n).join(' ') || '-';
}

function segmentType(attr: number): string {
  if (!(attr & 0x10)) return 'system';
  const code = attr & 0x08;
  return code ? `code${attr & 0x04 ? ' conforming' : ''}${attr & 0x02 ? ' readable' : ''}` : `data${attr & 0x02 ? ' writable' : ''}${attr & 0x04 ? ' expand-down' : ''}`;
}

/** `describe` names the symbol at an address (IDT gate targets), or undefined. */
export function registerTree(m: MachineApi, describe: (a: number) => string | undefined = () => undefined): Node[] {
  const r = m.getRegisters();
  const set = (name: keyof RegisterFile) => (v: number) => m.setRegister(name, v >>> 0);
  const general: Node[] = (['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp', 'esp', 'eip'] as const)
    .map((n) => ({ name: n, value: hex(r[n]), memory: r[n], set: set(n) }));
  const flags: Node = {
    name: 'eflags', value: eflagsText(r.eflags), set: set('eflags'),
    children: () => {
      const f = m.getRegisters().eflags;
      return EFLAGS.map(([name, bit, width]) => ({
        name, value: String((f >>> bit) & ((1 << width) - 1)),
        set: (v: number) => { const mask = ((1 << width) - 1) << bit; m.setRegister('eflags', ((m.getRegisters().eflags & ~mask) | ((v << bit) & mask)) >>> 0); },
      }));
    },
  };
  const sys = systemView(m);
  const segments: Node = {
    name: 'segments', value: `cs=${hex(r.cs, 4)} ss=${hex(r.ss, 4)} ds=${hex(r.ds, 4)}${sys ? ` cpl=${sys.cpl}` : ''}`,
    children: () => (sys?.segments ?? (['cs', 'ds', 'es', 'fs', 'gs', 'ss'] as const).map((n) => ({ name: n, selector: r[n], base: 0, limit: 0, attr: 0 })))
      .map((s) => ({
        name: s.name, value: hex(s.selector, 4), set: set(s.name as keyof RegisterFile),
        children: sys ? () => [
          { name: 'base', value: hex(s.base), memory: s.base },
          { name: 'limit', value: hex(s.limit) },
          { name: 'attributes', value: `${hex(s.attr, 4)} (${s.attr & 0x80 ? 'present' : 'not present'}, DPL ${(s.attr >> 5) & 3}, ${segmentType(s.attr)}${s.attr & 0x4000 ? ', 32-bit' : ''})` },
          { name: 'RPL', value: String(s.selector & 3) },
        ] : undefined,
      })),
  };
  const control: Node = {
    name: 'control', value: `cr0=${hex(r.cr0)} cr3=${hex(r.cr3)}`,
    children: () => [
      { name: 'cr0', value: `${hex(r.cr0)} (${bitsOf(r.cr0, CR0)})`, set: set('cr0') },
      { name: 'cr2', value: hex(r.cr2), memory: r.cr2, set: set('cr2') },
      {
        name: 'cr3', set: set('cr3'),
        value: r.cr4 & 0x20 ? `${hex(r.cr3)} (PAE page-directory-pointer table at ${hex(r.cr3 & 0xffffffe0)})` : `${hex(r.cr3)} (page directory at ${hex(r.cr3 & 0xfffff000)})`,
        // The present entries, walked as the MMU would (only meaningful once paging is on).
        children: r.cr0 & 0x80000000 ? () => pageTableNodes(m, r.cr3, (r.cr4 & 0x20) !== 0, (r.cr4 & 0x10) !== 0) : undefined,
      },
      { name: 'cr4', value: `${hex(r.cr4)} (${bitsOf(r.cr4, CR4)})`, set: set('cr4') },
    ],
  };
  const out: Node[] = [...general, flags, segments, control];
  if (sys) {
    out.push({
      name: 'descriptor tables', value: `gdtr=${hex(sys.tables[0]!.base)} idtr=${hex(sys.tables[1]!.base)}`,
      children: () => sys.tables.map((t) => ({
        name: t.name, value: `${t.selector !== undefined ? `sel ${hex(t.selector, 4)} ` : ''}base ${hex(t.base)} limit ${hex(t.limit, 4)}`, memory: t.base,
        children: t.name === 'gdtr' ? () => gdtNodes(m, t.base, t.limit) : t.name === 'idtr' ? () => idtNodes(m, t.base, t.limit, describe) : undefined,
      })),
    });
    out.push({ name: 'debug', value: sys.debug.map((d) => `${d.name}=${hex(d.value)}`).slice(4).join(' '), children: () => sys.debug.map((d) => ({ name: d.name, value: hex(d.value) })) });
    const sse = sseView(m);
    if (sse) out.push(sseNode(sse));
    if (sys.msrs.length) out.push({ name: 'msrs', value: `${sys.msrs.length} set`, children: () => sys.msrs.map((x) => ({ name: `${x.name} (${hex(x.index)})`, value: x.index === 0xc0000080 ? eferText(x.value) : `0x${x.value.toString(16)}` })) });
  }
  return out;
}

const MXCSR_FLAGS: Array<[string, number]> = [['IE', 0], ['DE', 1], ['ZE', 2], ['OE', 3], ['UE', 4], ['PE', 5], ['DAZ', 6], ['FTZ', 15]];
const ROUNDING = ['nearest', 'down', 'up', 'toward zero'];

/** MXCSR as a person reads it: the rounding mode, the flags set and the exceptions unmasked. */
export function mxcsrText(v: number): string {
  const masks = (v >>> 7) & 0x3f;
  const unmasked = ['IM', 'DM', 'ZM', 'OM', 'UM', 'PM'].filter((_, i) => !((masks >>> i) & 1));
  return `${hex(v, 8)} (RC ${ROUNDING[(v >>> 13) & 3]}, ${bitsOf(v, MXCSR_FLAGS)}${unmasked.length ? `, unmasked ${unmasked.map((n) => n.slice(0, 1) + 'E').join(' ')}` : ''})`;
}

/** The SSE registers: each XMM as one 128-bit hex value, opened as dwords, floats and doubles. */
function sseNode(s: SseView): Node {
  const v = new DataView(s.xmm.buffer, s.xmm.byteOffset, 128);
  const xmm = (r: number): Node => {
    const dw = [3, 2, 1, 0].map((k) => v.getUint32(r * 16 + k * 4, true));
    return {
      name: `xmm${r}`, value: '0x' + dw.map((d) => d.toString(16).padStart(8, '0')).join(''),
      children: () => [
        { name: 'u32', value: `{${[0, 1, 2, 3].map((k) => hex(v.getUint32(r * 16 + k * 4, true))).join(', ')}}` },
        { name: 'f32', value: `{${[0, 1, 2, 3].map((k) => String(v.getFloat32(r * 16 + k * 4, true))).join(', ')}}` },
        { name: 'f64', value: `{${[0, 1].map((k) => String(v.getFloat64(r * 16 + k * 8, true))).join(', ')}}` },
      ],
    };
  };
  return {
    name: 'sse', value: `mxcsr=${hex(s.mxcsr, 8)}`,
    children: () => [{ name: 'mxcsr', value: mxcsrText(s.mxcsr) }, ...[0, 1, 2, 3, 4, 5, 6, 7].map(xmm)],
  };
}

export function exitTree(e: ExitRecord | undefined, describe: (addr: number) => string): Node[] {
  if (!e) return [{ name: 'none', value: 'no exit recorded yet' }];
  const pv = isPvRecord(e.reason);
  const out: Node[] = [
    { name: 'reason', value: pv ? e.reasonName : `${e.reasonName} (${e.reason})` },
    { name: 'decoded', value: pv ? `${e.handler}` : describeExit(e) },
    { name: 'seq', value: String(e.seq) },
    { name: 'eip', value: `${hex(e.eip)} ${describe(e.eip)}`, memory: e.eip },
    { name: 'cs:cpl', value: `${hex(e.cs, 4)}:${e.cpl}` },
    { name: 'qualification', value: hex(e.qualification) },
    { name: 'bytes', value: [...e.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ') },
    { name: 'instruction count', value: String(e.icount) },
    { name: 'handler', value: e.handler },
    { name: 'estimated cycles', value: `${e.cycles} (cost model estimate)` },
  ];
  for (const k of ['gpa', 'msr', 'value', 'vector', 'errorCode'] as const) if (e[k] !== undefined) out.push({ name: k, value: hex(e[k]!) });
  return out;
}

export function pvTree(m: MachineApi): Node[] | null {
  const s = m.pvState?.();
  if (!s) return null;
  const width = s.width ?? 32;
  // A 64-bit guest's addresses are signed canonical numbers: all 64 bits shown.
  const addr = (v: number) => (width === 64 ? hex64(v | 0, Math.floor(v / 0x100000000)) : hex(v));
  const pt = s.memory.pageTables;
  return [
    { name: 'guest', value: width === 64 ? 'x86_64 PV (kernel in ring 3)' : 'x86_32 PAE PV (kernel in ring 1)' },
    { name: 'upcall pending', value: String(s.upcallPending) },
    { name: 'upcall mask', value: String(s.upcallMask) },
    { name: 'blocked', value: String(s.blocked) },
    { name: 'iopl', value: String(s.iopl) },
    {
      name: 'event channels', value: `${s.eventChannels.length} bound`,
      children: () => s.eventChannels.map((c) => ({ name: `port ${c.port}`, value: `${c.kind}${c.virq !== undefined ? ` virq ${c.virq}` : ''}${c.pending ? ' pending' : ''}${c.masked ? ' masked' : ''}${c.backend ? ` (${c.backend})` : ''}` })),
    },
    {
      name: 'timers', value: `system time ${s.timers.systemTimeNs} ns`,
      children: () => [
        { name: 'systemTimeNs', value: String(s.timers.systemTimeNs) },
        { name: 'singleshotNs', value: String(s.timers.singleshotNs) },
        { name: 'periodicNs', value: String(s.timers.periodicNs) },
        { name: 'nextPeriodicNs', value: String(s.timers.nextPeriodicNs) },
      ],
    },
    {
      name: 'trap table', value: `${s.trapTable.length} entries`,
      children: () => s.trapTable.map((t) => ({ name: `vector ${t.vector}`, value: `${hex(t.cs, 4)}:${addr(t.eip)} dpl ${t.dpl}${t.masksEvents ? ' masks events' : ''}`, memory: t.eip })),
    },
    { name: 'event callback', value: `${hex(s.callbacks.event.cs, 4)}:${addr(s.callbacks.event.eip)}` },
    { name: 'failsafe callback', value: `${hex(s.callbacks.failsafe.cs, 4)}:${addr(s.callbacks.failsafe.eip)}` },
    { name: 'kernel stack', value: `${hex(s.kernelStack.ss, 4)}:${addr(s.kernelStack.esp)}` },
    {
      name: 'memory', value: `${s.memory.domainFrames} domain frames`,
      children: () => [
        { name: 'domain frames', value: String(s.memory.domainFrames) },
        { name: 'hypervisor frames', value: String(s.memory.hypervisorFrames) },
        { name: 'page tables', value: `l1 ${pt.l1}, l2 ${pt.l2}, l3 ${pt.l3}${pt.l4 !== undefined ? `, l4 ${pt.l4}` : ''}, pinned ${pt.pinned}` },
        { name: 'descriptor pages', value: String(s.memory.descriptorPages) },
      ],
    },
    ...xenPagesNodes(m, width, s.pages ?? null),
  ];
}
