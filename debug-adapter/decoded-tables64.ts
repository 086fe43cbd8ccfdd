// Long mode's system structures as a kernel developer reads them: the 64-bit IDT (16-byte
// gates with their IST index) and the 4-level paging structures under CR3 (PML4, PDPT with
// 1 GiB pages, PD with 2 MiB pages, PT), each level opened on demand. Layouts are the SDM's
// (Vol. 3A 6.14.1 gates, 4.5 4-level paging).

import type { MachineApi } from '../emulator/machine';
import { hex, type Node } from './view-node';
import { pteFlags } from './decoded-tables';

const hex64 = (v: bigint) => '0x' + BigInt.asUintN(64, v).toString(16).padStart(16, '0');
/** A canonical address from its 48 bits (bit 47 copied upward). */
const canonical = (v: bigint) => BigInt.asIntN(48, v);
const GATE_TYPES: Record<number, string> = { 0x2: 'LDT', 0x9: '64-bit TSS', 0xb: '64-bit TSS (busy)', 0xc: '64-bit call gate', 0xe: '64-bit interrupt gate', 0xf: '64-bit trap gate' };

/**
 * The present gates of a 64-bit IDT. `read` reads linear memory at the table's 64-bit base
 * (a signed number, as the debugger keeps 64-bit addresses).
 */
export function idt64Nodes(read: (a: number, n: number) => Uint8Array | null, base: number, limit: number, describe: (a: number) => string | undefined): Node[] {
  const n = Math.min(256, Math.floor((limit + 1) / 16));
  const bytes = n > 0 ? read(base, n * 16) : null;
  if (!bytes) return [{ name: 'idt', value: `<not mapped at ${hex64(BigInt(base))}>` }];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: Node[] = [];
  for (let v = 0; v < n; v++) {
    const o = v * 16, attr = bytes[o + 5]!;
    if (!(attr & 0x80)) continue;
    const offset = (BigInt(dv.getUint32(o + 8, true)) << 32n) | BigInt(((dv.getUint16(o + 6, true) << 16) | dv.getUint16(o, true)) >>> 0);
    const at = Number(BigInt.asIntN(64, offset));
    const sym = describe(at);
    const ist = bytes[o + 4]! & 7;
    out.push({
      name: `vector ${v} (${hex(v, 2)})`, memory: at,
      value: `${hex(dv.getUint16(o + 2, true), 4)}:${hex64(offset)}${sym ? ` <${sym}>` : ''} ${GATE_TYPES[attr & 0x1f] ?? `type ${attr & 0x1f}`} DPL ${(attr >> 5) & 3}${ist ? ` IST${ist}` : ''}`,
    });
  }
  return out.length ? out : [{ name: 'idt', value: 'no gates present' }];
}

const LEVELS = ['pml4e', 'pdpte', 'pde', 'pte'];
/** Bytes one entry maps at each level: 512 GiB, 1 GiB, 2 MiB, 4 KiB. */
const SPAN = [1n << 39n, 1n << 30n, 1n << 21n, 1n << 12n];

/** The present entries of the paging structure at `table` (physical), level 0 = PML4. */
export function paging64Nodes(m: MachineApi, table: bigint, level: number, linearBase: bigint): Node[] {
  const raw = m.readPhysical(Number(table), 4096);
  const dv = new DataView(raw.buffer, raw.byteOffset, 4096);
  const out: Node[] = [];
  for (let i = 0; i < 512; i++) {
    const e = dv.getBigUint64(i * 8, true);
    if (!(e & 1n)) continue;
    const linear = canonical(linearBase + BigInt(i) * SPAN[level]!);
    const large = level === 1 || level === 2 ? (e & 0x80n) !== 0n : false;
    const addr = e & 0x000ffffffffff000n & (large ? ~(SPAN[level]! - 1n) : ~0n);
    const flags = pteFlags(Number(e & 0xffffffffn), Number(e >> 32n), level === 1 || level === 2);
    const leaf = level === 3 || large;
    const what = leaf ? `${level === 1 ? '1 GiB page' : level === 2 ? '2 MiB page' : 'page'} at ${hex64(addr)}` : `${['PDPT', 'page directory', 'page table'][level]} at ${hex64(addr)}`;
    const node: Node = { name: `${LEVELS[level]}[${i}] ${hex64(linear)}`, value: `${hex64(e)} → ${what} [${flags}]` };
    if (!leaf) node.children = () => paging64Nodes(m, addr, level + 1, linear);
    out.push(node);
  }
  return out.length ? out : [{ name: LEVELS[level]!, value: 'no entries present' }];
}
