// The pages Xen shares with a PV domain, decoded for the PV state scope at the guest's width
// (32-bit PAE or 64-bit): this vCPU's vcpu_info (with its pvclock), start_info, and the grant
// table's v1 entries in use. Offsets come from emulator/pv/layouts.ts (Xen's public headers),
// so a 64-bit guest reads with its own layout (8-byte xen_ulong_t, unsigned long, pointers).

import type { MachineApi } from '../emulator/machine';
import { GRANT_ENTRY_V1, VCPU_TIME_INFO, startInfoLayout, vcpuInfoLayout } from '../emulator/pv/layouts';
import type { PvStateView } from '../emulator/pv/domain';
import { hex, type Node } from './view-node';

type Pages = NonNullable<PvStateView['pages']>;
type Read = (off: number, n: number) => Uint8Array | null;

const u32 = (b: Uint8Array, o = 0) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

/** A 64-bit value as hex, from its two halves (no precision lost above 2^53). */
export function hex64(lo: number, hi: number): string {
  return hi ? `0x${(hi >>> 0).toString(16)}${(lo >>> 0).toString(16).padStart(8, '0')}` : hex(lo);
}

/** A word of the guest's width: 4 bytes, or 8 for a 64-bit guest. */
function word(read: Read, off: number, width: 32 | 64): string {
  const b = read(off, width / 8);
  if (!b) return '(not mapped)';
  return width === 64 ? hex64(u32(b), u32(b, 4)) : hex(u32(b));
}

function u32At(read: Read, off: number): number | null {
  const b = read(off, 4);
  return b ? u32(b) : null;
}

function vcpuInfoNodes(m: MachineApi, at: number, width: 32 | 64): Node[] {
  const l = vcpuInfoLayout(width);
  const read: Read = (o, n) => m.readPhysical(at + o, n);
  const b = read(0, 2)!;
  const t = at + l.time;
  const tr: Read = (o, n) => m.readPhysical(t + o, n);
  const mul = u32At(tr, VCPU_TIME_INFO.tscToSystemMul)!;
  const shift = (tr(VCPU_TIME_INFO.tscShift, 1)![0] << 24) >> 24;
  return [
    { name: 'evtchn_upcall_pending', value: String(b[0]) },
    { name: 'evtchn_upcall_mask', value: String(b[1]) },
    { name: 'evtchn_pending_sel', value: word(read, l.pendingSel, width) },
    { name: 'arch.cr2', value: word(read, l.cr2, width) },
    {
      name: 'time', value: `version ${u32At(tr, VCPU_TIME_INFO.version)}`,
      children: () => [
        { name: 'version', value: String(u32At(tr, VCPU_TIME_INFO.version)) },
        { name: 'tsc_timestamp', value: word(tr, VCPU_TIME_INFO.tscTimestamp, 64) },
        { name: 'system_time', value: word(tr, VCPU_TIME_INFO.systemTime, 64) },
        { name: 'tsc_to_system_mul', value: hex(mul) },
        { name: 'tsc_shift', value: String(shift) },
        { name: 'flags', value: hex(tr(VCPU_TIME_INFO.flags, 1)![0], 2) },
      ],
    },
  ];
}

function startInfoNodes(m: MachineApi, va: number, width: 32 | 64): Node[] {
  const l = startInfoLayout(width);
  const read: Read = (o, n) => m.readLinear(va + o, n);
  const all = read(0, l.SIZE);
  if (!all) return [{ name: 'start_info', value: `not mapped at ${hex(va)} any more` }];
  const text = (o: number, max: number) => {
    const b = all.subarray(o, o + max);
    const end = b.indexOf(0);
    return JSON.stringify(String.fromCharCode(...b.subarray(0, end < 0 ? b.length : end)));
  };
  const w = (name: string, off: number) => ({ name, value: word(read, off, width) });
  return [
    { name: 'magic', value: text(l.magic, 32) },
    w('nr_pages', l.nrPages), w('shared_info', l.sharedInfo),
    { name: 'flags', value: hex(u32(all, l.flags)) },
    w('store_mfn', l.storeMfn), { name: 'store_evtchn', value: String(u32(all, l.storeEvtchn)) },
    w('console.domU.mfn', l.consoleMfn), { name: 'console.domU.evtchn', value: String(u32(all, l.consoleEvtchn)) },
    w('pt_base', l.ptBase), w('nr_pt_frames', l.nrPtFrames), w('mfn_list', l.mfnList),
    w('mod_start', l.modStart), w('mod_len', l.modLen),
    { name: 'cmd_line', value: text(l.cmdLine, 1024) },
    w('first_p2m_pfn', l.firstP2mPfn), w('nr_p2m_frames', l.nrP2mFrames),
  ];
}

/** The v1 entries in use (flags' type bits non-zero), up to a few hundred. */
function grantNodes(m: MachineApi, frames: number[]): Node[] {
  const out: Node[] = [];
  const perFrame = 4096 / GRANT_ENTRY_V1.SIZE;
  frames.forEach((pa, f) => {
    const page = m.readPhysical(pa, 4096);
    for (let i = 0; i < perFrame && out.length < 256; i++) {
      const o = i * GRANT_ENTRY_V1.SIZE;
      const flags = page[o + GRANT_ENTRY_V1.flags] | (page[o + GRANT_ENTRY_V1.flags + 1] << 8);
      if ((flags & 3) === 0) continue;
      const domid = page[o + GRANT_ENTRY_V1.domid] | (page[o + GRANT_ENTRY_V1.domid + 1] << 8);
      const kind = ['invalid', 'permit_access', 'accept_transfer', 'transitive'][flags & 3];
      out.push({ name: `ref ${f * perFrame + i}`, value: `${kind} dom ${domid} frame ${hex(u32(page, o + GRANT_ENTRY_V1.frame))}${flags & 4 ? ' readonly' : ''}` });
    }
  });
  return out;
}

/** vcpu_info, start_info and the grant table, or nothing before the domain is built. */
export function xenPagesNodes(m: MachineApi, width: 32 | 64, pages: Pages | null): Node[] {
  if (!pages) return [];
  const grants = () => grantNodes(m, pages.grantFrames);
  return [
    { name: 'vcpu_info', value: `at ${hex(pages.vcpuInfo)} (machine)`, children: () => vcpuInfoNodes(m, pages.vcpuInfo, width) },
    { name: 'start_info', value: `at ${width === 64 ? hex64(pages.startInfoVa | 0, Math.floor(pages.startInfoVa / 0x100000000)) : hex(pages.startInfoVa)}`, children: () => startInfoNodes(m, pages.startInfoVa, width) },
    { name: 'grant table', value: `v1, ${pages.grantFrames.length} frame${pages.grantFrames.length === 1 ? '' : 's'}, ${grants().length} entries in use`, children: grants },
  ];
}
