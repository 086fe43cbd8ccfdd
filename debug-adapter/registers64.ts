// The Registers scope of a long-mode guest: RAX..R15, RIP, RFLAGS bit by bit, segment selectors
// with FS/GS/KERNEL_GS bases, CR0/CR2/CR3/CR4/CR8 and EFER decoded, XMM0-15 and MXCSR. The
// descriptor tables, debug registers and MSRs come from the 32-bit view (state-views.ts),
// which a 32-bit guest keeps seeing unchanged.

import type { MachineApi } from '../emulator/machine';
import { eferText, eflagsText, gdtNodes } from './decoded-tables';
import { idt64Nodes, paging64Nodes } from './decoded-tables64';
import { hex, type Node } from './view-node';
import {
  GPR64, GPR64_SHOWN, asAddress, controlRegister, cr8, efer, gpr, hex64, kernelGsBase, longModeActive, modeText, rip, segmentBase, setGpr, xmmState,
  type LongCpu,
} from './engine/long-mode-view';

const EFLAGS: Array<[string, number, number]> = [
  ['CF', 0, 1], ['PF', 2, 1], ['AF', 4, 1], ['ZF', 6, 1], ['SF', 7, 1], ['TF', 8, 1], ['IF', 9, 1], ['DF', 10, 1], ['OF', 11, 1],
  ['IOPL', 12, 2], ['NT', 14, 1], ['RF', 16, 1], ['VM', 17, 1], ['AC', 18, 1], ['VIF', 19, 1], ['VIP', 20, 1], ['ID', 21, 1],
];
const CR0: Array<[string, number]> = [['PE', 0], ['MP', 1], ['EM', 2], ['TS', 3], ['ET', 4], ['NE', 5], ['WP', 16], ['AM', 18], ['NW', 29], ['CD', 30], ['PG', 31]];
const CR4: Array<[string, number]> = [['VME', 0], ['PVI', 1], ['TSD', 2], ['DE', 3], ['PSE', 4], ['PAE', 5], ['MCE', 6], ['PGE', 7], ['PCE', 8], ['OSFXSR', 9], ['OSXMMEXCPT', 10], ['UMIP', 11], ['LA57', 12], ['FSGSBASE', 16], ['PCIDE', 17], ['OSXSAVE', 18], ['SMEP', 20], ['SMAP', 21], ['PKE', 22]];
const bits = (v: number, t: Array<[string, number]>) => t.filter(([, b]) => (v >>> b) & 1).map(([n]) => n).join(' ') || '-';

/** An address-valued 64-bit register: its value, and the memory view's reference when canonical. */
function addressNode(name: string, v: bigint, set?: (v: bigint) => void): Node {
  const n: Node = { name, value: hex64(v), memory: asAddress(v) };
  if (set) n.setWide = set;
  return n;
}

/**
 * The registers of a long-mode CPU. `base` is the 32-bit view's tree, from which the segment
 * caches, descriptor tables, debug registers and MSRs are kept.
 */
export function registerTree64(m: MachineApi, c: LongCpu, base: Node[], describe: (a: number) => string | undefined = () => undefined): Node[] {
  const general = GPR64_SHOWN.map((name) => {
    const i = GPR64.indexOf(name);
    return addressNode(name, gpr(c, i), (v) => setGpr(c, i, v));
  });
  const ripNode = addressNode('rip', rip(c), (v) => {
    // Through the machine, so a halted CPU resumes and the fetch state is dropped; then the high half.
    m.setRegister('eip', Number(v & 0xffffffffn) >>> 0);
    c.ripHi = Number(BigInt.asUintN(64, v) >> 32n) | 0;
  });
  const flags = c.getFlags() >>> 0;
  const rflags: Node = {
    name: 'rflags', value: eflagsText(flags).replace(/^0x/, '0x00000000'), set: (v) => m.setRegister('eflags', v >>> 0),
    children: () => {
      const f = c.getFlags() >>> 0;
      return EFLAGS.map(([name, bit, width]) => ({
        name, value: String((f >>> bit) & ((1 << width) - 1)),
        set: (v: number) => { const mask = ((1 << width) - 1) << bit; m.setRegister('eflags', ((c.getFlags() & ~mask) | ((v << bit) & mask)) >>> 0); },
      }));
    },
  };
  const r = m.getRegisters();
  const kgs = kernelGsBase(c);
  const segments: Node = {
    name: 'segments', value: `cs=${hex(r.cs, 4)} ss=${hex(r.ss, 4)} fs.base=${hex64(segmentBase(c, 'fs'))} gs.base=${hex64(segmentBase(c, 'gs'))}`,
    children: () => [
      ...(base.find((n) => n.name === 'segments')?.children?.() ?? []),
      addressNode('fs.base', segmentBase(c, 'fs')),
      addressNode('gs.base', segmentBase(c, 'gs')),
      ...(kgs !== null ? [addressNode('kernel_gs_base', kgs)] : []),
    ],
  };
  const cr0 = Number(controlRegister(c, 0) & 0xffffffffn), cr4 = Number(controlRegister(c, 4) & 0xffffffffn);
  const cr3 = controlRegister(c, 3);
  const tpr = cr8(c);
  const e = efer(c);
  const control: Node = {
    name: 'control', value: `cr0=${hex(cr0)} cr3=${hex64(cr3)} efer=${eferText(BigInt(e))}`,
    children: () => [
      { name: 'mode', value: modeText(c) },
      { name: 'cr0', value: `${hex(cr0)} (${bits(cr0, CR0)})`, set: (v) => m.setRegister('cr0', v >>> 0) },
      addressNode('cr2', controlRegister(c, 2)),
      // CR3 bits 51:12 hold the PML4 (with CR4.PCIDE, bits 11:0 the PCID); its entries open level by level.
      {
        name: 'cr3', value: `${hex64(cr3)} (PML4 at ${hex64(cr3 & 0x000ffffffffff000n)}${cr4 & 0x20000 ? `, PCID ${Number(cr3 & 0xfffn)}` : ''})`,
        children: longModeActive(c) ? () => paging64Nodes(m, cr3 & 0x000ffffffffff000n, 0, 0n) : undefined,
      },
      { name: 'cr4', value: `${hex(cr4)} (${bits(cr4, CR4)})`, set: (v) => m.setRegister('cr4', v >>> 0) },
      ...(tpr !== null ? [{ name: 'cr8', value: `0x${tpr.toString(16)} (task priority ${tpr})` }] : []),
      { name: 'efer', value: eferText(BigInt(e)) },
    ],
  };
  const out: Node[] = [...general, ripNode, rflags, segments, control];
  const tables = descriptorTables64(m, c, base, describe);
  if (tables) out.push(tables);
  // Debug registers and MSRs as the 32-bit view reads them.
  for (const n of base) if (n.name === 'debug' || n.name === 'msrs') out.push(n);
  const x = xmmState(c);
  if (x) out.push(sseNode64(x));
  return out;
}

/**
 * GDTR, IDTR, LDTR and TR with their 64-bit bases (`<name>BaseHi`); in long mode the IDT is
 * decoded as 16-byte gates. Outside long mode the 32-bit view's node is kept.
 */
function descriptorTables64(m: MachineApi, c: LongCpu, base: Node[], describe: (a: number) => string | undefined): Node | undefined {
  const old = base.find((n) => n.name === 'descriptor tables');
  if (!longModeActive(c)) return old;
  const table = (lo: number, hi: number, limit: number) => ({ base: (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0), limit: limit >>> 0 });
  const gdt = table(c.gdtBase, c.gdtBaseHi, c.gdtLimit), idt = table(c.idtBase, c.idtBaseHi, c.idtLimit);
  const ldt = table(c.ldtBase, c.ldtBaseHi, c.ldtLimit), tr = table(c.trBase, c.trBaseHi, c.trLimit);
  const read = (a: number, n: number) => m.readLinear(a, n);
  const sel = (value: number) => hex(value, 4) + ' ';
  return {
    name: 'descriptor tables', value: `gdtr=${hex64(gdt.base)} idtr=${hex64(idt.base)}`,
    children: () => [
      { name: 'gdtr', value: `base ${hex64(gdt.base)} limit ${hex(gdt.limit, 4)}`, memory: asAddress(gdt.base), children: () => gdtNodes(m, asAddress(gdt.base), gdt.limit) },
      { name: 'idtr', value: `base ${hex64(idt.base)} limit ${hex(idt.limit, 4)}`, memory: asAddress(idt.base), children: () => idt64Nodes(read, asAddress(idt.base), idt.limit, describe) },
      { name: 'ldtr', value: `sel ${sel(c.ldtSel)}base ${hex64(ldt.base)} limit ${hex(ldt.limit, 4)}`, memory: asAddress(ldt.base) },
      { name: 'tr', value: `sel ${sel(c.trSel)}base ${hex64(tr.base)} limit ${hex(tr.limit, 4)}`, memory: asAddress(tr.base) },
    ],
  };
}

const MXCSR_FLAGS: Array<[string, number]> = [['IE', 0], ['DE', 1], ['ZE', 2], ['OE', 3], ['UE', 4], ['PE', 5], ['DAZ', 6], ['FTZ', 15]];
const ROUNDING = ['nearest', 'down', 'up', 'toward zero'];

function mxcsrText(v: number): string {
  const masks = (v >>> 7) & 0x3f;
  const unmasked = ['IE', 'DE', 'ZE', 'OE', 'UE', 'PE'].filter((_, i) => !((masks >>> i) & 1));
  return `${hex(v, 8)} (RC ${ROUNDING[(v >>> 13) & 3]}, ${bits(v, MXCSR_FLAGS)}${unmasked.length ? `, unmasked ${unmasked.join(' ')}` : ''})`;
}

function sseNode64(s: { xmm: Uint8Array; count: number; mxcsr: number }): Node {
  const v = new DataView(s.xmm.buffer, s.xmm.byteOffset, s.count * 16);
  const xmm = (r: number): Node => ({
    name: `xmm${r}`, value: '0x' + [3, 2, 1, 0].map((k) => v.getUint32(r * 16 + k * 4, true).toString(16).padStart(8, '0')).join(''),
    children: () => [
      { name: 'u64', value: `{${[0, 1].map((k) => hex64(v.getBigUint64(r * 16 + k * 8, true))).join(', ')}}` },
      { name: 'u32', value: `{${[0, 1, 2, 3].map((k) => hex(v.getUint32(r * 16 + k * 4, true))).join(', ')}}` },
      { name: 'f32', value: `{${[0, 1, 2, 3].map((k) => String(v.getFloat32(r * 16 + k * 4, true))).join(', ')}}` },
      { name: 'f64', value: `{${[0, 1].map((k) => String(v.getFloat64(r * 16 + k * 8, true))).join(', ')}}` },
    ],
  });
  return {
    name: 'sse', value: `mxcsr=${hex(s.mxcsr, 8)}`,
    children: () => [{ name: 'mxcsr', value: mxcsrText(s.mxcsr) }, ...Array.from({ length: s.count }, (_, i) => xmm(i))],
  };
}
