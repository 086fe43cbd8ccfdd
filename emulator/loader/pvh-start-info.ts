// struct hvm_start_info (Xen's public arch-x86/hvm/start_info.h), version 1: what a PVH
// kernel finds at EBX on entry. All addresses are guest-physical; 0 means "not present".
//
//   hvm_start_info (56 bytes): magic 0, version 4, flags 8, nr_modules 12, modlist_paddr 16,
//     cmdline_paddr 24, rsdp_paddr 32, memmap_paddr 40, memmap_entries 48, reserved 52
//   hvm_modlist_entry (32): paddr 0, size 8, cmdline_paddr 16, reserved 24
//   hvm_memmap_table_entry (24): addr 0, size 8, type 16, reserved 20

import type { PvhMemmapEntry } from './pvh-layout';

export const XEN_HVM_START_MAGIC_VALUE = 0x336ec578;
export const HVM_START_INFO_VERSION = 1;
export const HVM_START_INFO_SIZE = 56;
export const HVM_MODLIST_ENTRY_SIZE = 32;
export const HVM_MEMMAP_ENTRY_SIZE = 24;

export interface StartInfoModule { paddr: number; size: number; cmdline?: string }

export interface StartInfoInput {
  /** Where the block is placed (the value EBX gets). */
  at: number;
  cmdline: string;
  modules: StartInfoModule[];
  rsdpPaddr: number;
  memmap: PvhMemmapEntry[];
}

/** Bytes the block built by buildStartInfo takes (start info, module list, memory map, strings). */
export function startInfoBytes(input: Omit<StartInfoInput, 'at' | 'rsdpPaddr'>): number {
  let n = HVM_START_INFO_SIZE + input.modules.length * HVM_MODLIST_ENTRY_SIZE + input.memmap.length * HVM_MEMMAP_ENTRY_SIZE;
  n += input.cmdline.length + 1;
  for (const m of input.modules) if (m.cmdline !== undefined) n += m.cmdline.length + 1;
  return n;
}

/**
 * The start info, its module list, memory map and strings as one block to place at `at`
 * (the structures first, 8-byte aligned, then the NUL-terminated strings).
 */
export function buildStartInfo(input: StartInfoInput): Uint8Array {
  const bytes = new Uint8Array(startInfoBytes(input));
  const v = new DataView(bytes.buffer);
  const u64 = (o: number, x: number) => { v.setUint32(o, x % 2 ** 32, true); v.setUint32(o + 4, Math.floor(x / 2 ** 32), true); };
  const modAt = HVM_START_INFO_SIZE;
  const mapAt = modAt + input.modules.length * HVM_MODLIST_ENTRY_SIZE;
  let strAt = mapAt + input.memmap.length * HVM_MEMMAP_ENTRY_SIZE;
  const str = (s: string): number => {
    const at = strAt;
    for (let i = 0; i < s.length; i++) bytes[at + i] = s.charCodeAt(i) & 0xff;
    strAt += s.length + 1;
    return input.at + at;
  };

  v.setUint32(0, XEN_HVM_START_MAGIC_VALUE, true);
  v.setUint32(4, HVM_START_INFO_VERSION, true);
  v.setUint32(8, 0);                                  // flags: an unprivileged domU
  v.setUint32(12, input.modules.length, true);
  u64(16, input.modules.length > 0 ? input.at + modAt : 0);
  u64(24, str(input.cmdline));
  u64(32, input.rsdpPaddr);
  u64(40, input.at + mapAt);
  v.setUint32(48, input.memmap.length, true);
  input.modules.forEach((m, i) => {
    const o = modAt + i * HVM_MODLIST_ENTRY_SIZE;
    u64(o, m.paddr); u64(o + 8, m.size);
    u64(o + 16, m.cmdline !== undefined ? str(m.cmdline) : 0);
  });
  input.memmap.forEach((e, i) => {
    const o = mapAt + i * HVM_MEMMAP_ENTRY_SIZE;
    u64(o, e.addr); u64(o + 8, e.size); v.setUint32(o + 16, e.type, true);
  });
  return bytes;
}
