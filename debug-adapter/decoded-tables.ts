// System structures as a kernel developer reads them: bit fields by name beside the raw
// value, for EFLAGS, EFER, GDT descriptors, IDT gates and page-table entries (two-level and
// PAE). Layouts are the SDM's (Vol. 3A 3.4.5 descriptors, 6.11 gates, 4.3/4.4 paging).

import type { MachineApi } from '../emulator/machine';
import { hex, type Node } from './view-node';

const EFLAGS_BITS: Array<[string, number]> = [
  ['CF', 0], ['PF', 2], ['AF', 4], ['ZF', 6], ['SF', 7], ['TF', 8], ['IF', 9], ['DF', 10], ['OF', 11],
  ['NT', 14], ['RF', 16], ['VM', 17], ['AC', 18], ['VIF', 19], ['VIP', 20], ['ID', 21],
];
const EFER_BITS: Array<[string, number]> = [['SCE', 0], ['LME', 8], ['LMA', 10], ['NXE', 11], ['SVME', 12], ['LMSLE', 13], ['FFXSR', 14], ['TCE', 15]];

function names(v: number, table: Array<[string, number]>): string[] {
  return table.filter(([, b]) => Math.floor(v / 2 ** b) % 2 === 1).map(([n]) => n);
}

/** `0x00000246 [PF ZF IF IOPL=0]`. */
export function eflagsText(v: number): string {
  return `${hex(v)} [${[...names(v >>> 0, EFLAGS_BITS), `IOPL=${(v >>> 12) & 3}`].join(' ')}]`;
}

export function eferText(v: bigint): string {
  const set = names(Number(v & 0xffffn), EFER_BITS);
  return `0x${v.toString(16)} [${set.join(' ') || '-'}]`;
}

const SYSTEM_TYPES: Record<number, string> = {
  0x1: '16-bit TSS (available)', 0x2: 'LDT', 0x3: '16-bit TSS (busy)', 0x4: '16-bit call gate', 0x5: 'task gate',
  0x6: '16-bit interrupt gate', 0x7: '16-bit trap gate', 0x9: '32-bit TSS (available)', 0xb: '32-bit TSS (busy)',
  0xc: '32-bit call gate', 0xe: '32-bit interrupt gate', 0xf: '32-bit trap gate',
};

const u32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** A segment descriptor's 8 bytes decoded: base, limit (scaled by G), type, DPL, flags. */
export function descriptorText(lo: number, hi: number): string {
  if (lo === 0 && hi === 0) return 'null';
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  let limit = (lo & 0xffff) | (hi & 0x000f0000);
  const g = (hi >>> 23) & 1;
  if (g) limit = ((limit << 12) | 0xfff) >>> 0;
  const type = (hi >>> 8) & 0xf, s = (hi >>> 12) & 1, dpl = (hi >>> 13) & 3, p = (hi >>> 15) & 1;
  const db = (hi >>> 22) & 1;
  let kind: string;
  if (s) {
    kind = type & 8
      ? `code${type & 4 ? ' conforming' : ''}${type & 2 ? ' readable' : ' execute-only'}`
      : `data${type & 2 ? ' writable' : ' read-only'}${type & 4 ? ' expand-down' : ''}`;
    if (type & 1) kind += ' accessed';
    kind += db ? ', 32-bit' : ', 16-bit';
  } else kind = SYSTEM_TYPES[type] ?? `reserved system type ${type}`;
  return `${kind}, base ${hex(base)}, limit ${hex(limit)}${g ? ' (4 KiB units)' : ''}, DPL ${dpl}, ${p ? 'present' : 'not present'}`;
}

/** An IDT gate's 8 bytes: its kind, target selector:offset (with the symbol there), DPL, P. */
export function gateText(lo: number, hi: number, describe: (a: number) => string | undefined): string {
  if (lo === 0 && hi === 0) return 'empty';
  const type = (hi >>> 8) & 0xf, dpl = (hi >>> 13) & 3, p = (hi >>> 15) & 1;
  const sel = lo >>> 16;
  const kind = SYSTEM_TYPES[type] ?? `not a gate (type ${type})`;
  if (type === 0x5) return `${kind}, TSS selector ${hex(sel, 4)}, DPL ${dpl}, ${p ? 'present' : 'not present'}`;
  const off = ((lo & 0xffff) | (hi & 0xffff0000)) >>> 0;
  const sym = describe(off);
  return `${kind} ${hex(sel, 4)}:${hex(off)}${sym ? ` <${sym}>` : ''}, DPL ${dpl}, ${p ? 'present' : 'not present'}`;
}

/** The entries of a descriptor table at a linear base (8 bytes each, up to limit). */
function tableEntries(m: MachineApi, base: number, limit: number, max: number): Array<[number, number, number]> | null {
  const count = Math.min(Math.floor((limit + 1) / 8), max);
  if (count <= 0) return [];
  const b = m.readLinear(base, count * 8);
  if (!b) return null;
  return Array.from({ length: count }, (_, i) => [i, u32(b, i * 8), u32(b, i * 8 + 4)]);
}

export function gdtNodes(m: MachineApi, base: number, limit: number): Node[] {
  const entries = tableEntries(m, base, limit, 8192);
  if (!entries) return [{ name: 'gdt', value: `<not mapped at ${hex(base)}>` }];
  return entries.map(([i, lo, hi]) => ({ name: `[${hex(i * 8, 4)}]`, value: `${hex(hi)}${hex(lo).slice(2)} ${descriptorText(lo, hi)}`, memory: (base + i * 8) >>> 0 }));
}

/** IDT gates; empty ones are left out (an IDT of 256 mostly unused entries says little). */
export function idtNodes(m: MachineApi, base: number, limit: number, describe: (a: number) => string | undefined): Node[] {
  const entries = tableEntries(m, base, limit, 256);
  if (!entries) return [{ name: 'idt', value: `<not mapped at ${hex(base)}>` }];
  const used = entries.filter(([, lo, hi]) => lo !== 0 || hi !== 0);
  if (!used.length) return [{ name: 'idt', value: 'no gates set' }];
  return used.map(([i, lo, hi]) => ({ name: `vector ${i} (${hex(i, 2)})`, value: gateText(lo, hi, describe), memory: (base + i * 8) >>> 0 }));
}

const PTE_BITS: Array<[string, number]> = [['P', 0], ['RW', 1], ['US', 2], ['PWT', 3], ['PCD', 4], ['A', 5], ['D', 6], ['G', 8]];

/** A paging entry's flags by name; `large` says bit 7 is PS (a PDE) rather than PAT (a PTE). */
export function pteFlags(lo: number, hi: number, large: boolean): string {
  const set = names(lo, PTE_BITS);
  if ((lo >>> 7) & 1) set.push(large ? 'PS' : 'PAT');
  if (hi >>> 31) set.push('NX');
  return set.join(' ');
}

/**
 * Present entries of the paging structures CR3 names, as a tree: PDPTEs (PAE), PDEs, then
 * PTEs on demand. Read from physical memory, as the MMU reads them.
 */
export function pageTableNodes(m: MachineApi, cr3: number, pae: boolean, pse: boolean): Node[] {
  if (!pae) return directory(m, cr3 & 0xfffff000, 4, 0, pse);
  const pdpt = m.readPhysical(cr3 & 0xffffffe0, 32);
  const out: Node[] = [];
  for (let i = 0; i < 4; i++) {
    const lo = u32(pdpt, i * 8), hi = u32(pdpt, i * 8 + 4);
    if (!(lo & 1)) continue;
    const pd = (lo & 0xfffff000) >>> 0;
    out.push({ name: `pdpte[${i}] ${hex(i * 0x40000000)}`, value: `${hex(hi)}${hex(lo).slice(2)} → page directory ${hex(pd)} [P${lo & 0x8 ? ' PWT' : ''}${lo & 0x10 ? ' PCD' : ''}]`, children: () => directory(m, pd, 8, i * 0x40000000, true) });
  }
  return out.length ? out : [{ name: 'pdpt', value: 'no present entries' }];
}

function directory(m: MachineApi, pdBase: number, size: 4 | 8, vaBase: number, pse: boolean): Node[] {
  const n = size === 4 ? 1024 : 512;
  const span = size === 4 ? 0x400000 : 0x200000;
  const b = m.readPhysical(pdBase, n * size);
  const out: Node[] = [];
  for (let i = 0; i < n; i++) {
    const lo = u32(b, i * size), hi = size === 8 ? u32(b, i * size + 4) : 0;
    if (!(lo & 1)) continue;
    const va = (vaBase + i * span) >>> 0;
    const raw = size === 8 ? `${hex(hi)}${hex(lo).slice(2)}` : hex(lo);
    if ((lo & 0x80) && pse) {
      out.push({ name: `pde[${i}] ${hex(va)}`, value: `${raw} → ${size === 4 ? '4 MiB' : '2 MiB'} page ${hex(lo & (size === 4 ? 0xffc00000 : 0xffe00000))} [${pteFlags(lo, hi, true)}]` });
      continue;
    }
    const pt = (lo & 0xfffff000) >>> 0;
    out.push({ name: `pde[${i}] ${hex(va)}`, value: `${raw} → page table ${hex(pt)} [${pteFlags(lo, hi, true)}]`, children: () => table(m, pt, size, va) });
  }
  return out.length ? out : [{ name: 'page directory', value: 'no present entries' }];
}

function table(m: MachineApi, ptBase: number, size: 4 | 8, vaBase: number): Node[] {
  const n = size === 4 ? 1024 : 512;
  const b = m.readPhysical(ptBase, n * size);
  const out: Node[] = [];
  for (let i = 0; i < n; i++) {
    const lo = u32(b, i * size), hi = size === 8 ? u32(b, i * size + 4) : 0;
    if (!(lo & 1)) continue;
    const raw = size === 8 ? `${hex(hi)}${hex(lo).slice(2)}` : hex(lo);
    out.push({ name: `pte[${i}] ${hex((vaBase + i * 0x1000) >>> 0)}`, value: `${raw} → frame ${hex(lo & 0xfffff000)} [${pteFlags(lo, hi, false)}]`, memory: (vaBase + i * 0x1000) >>> 0 });
  }
  return out.length ? out : [{ name: 'page table', value: 'no present entries' }];
}
