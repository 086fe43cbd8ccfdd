// The memory hypercalls: mmu_update, update_va_mapping, mmuext_op, set_gdt,
// update_descriptor. Every change to a page table goes through PageTypes, so a guest can
// never map a page table (or a descriptor page) writable, nor map a frame it does not own.

import {
  EACCES_, EFAULT, EINVAL, ENOSYS, FIRST_RESERVED_GDT_ENTRY, MMUEXT, MMU_MACHPHYS_UPDATE, MMU_NORMAL_PT_UPDATE,
  MMU_PT_UPDATE_PRESERVE_AD, PAGE, DOMID_SELF, HYPERVISOR_VIRT_START, ESRCH, EPERM,
} from './abi';
import type { PvDomain } from './domain';
import { GuestFault } from './guest-access';
import { PageTypes, T_L1, T_L2, T_L3, T_L4, T_NONE, T_SEG } from './page-types';
import { checkDescriptor, checkDescriptor64 } from './descriptors';
import { FAULT } from '../cpu';
import { BATCH_SLICE, Continuation, MMU_UPDATE_PREEMPTED } from './continuation';
import { l1EntryAddress, newBaseptr, newUserBaseptr } from './base-pointers';
import { mmuextOpLayout } from './layouts';

function selfDomain(dom: number): boolean { return (dom & 0xffff) === DOMID_SELF || (dom & 0xffff) === 0; }

function flushAfterUpdate(d: PvDomain, table: number): void {
  const cpu = d.cpu;
  if (d.width === 64) { cpu.flushTlb(); return; }
  // A change to the live L3 must reach the PDPTE registers; everything else needs a TLB flush.
  if (table === (cpu.cr3 >>> 12)) {
    try { cpu.loadPdptes(); } catch (e) { if (e !== FAULT) throw e; }
  }
  cpu.flushTlb();
}

/** One NORMAL_PT_UPDATE: `ptr` is the machine address of the entry. Returns 0 or -errno. */
export function ptUpdate(d: PvDomain, ptr: number, lo: number, hi: number, preserveAd: boolean): number {
  const t = d.types;
  const mfn = Math.floor(ptr / PAGE);
  if (!t.ownedByGuest(mfn)) { t.lastError = `entry address 0x${ptr.toString(16)} is not in the domain`; return -EINVAL; }
  const index = (ptr & 0xfff) >>> 3;
  const type = t.type[mfn];
  const pa = mfn * PAGE + index * 8;
  if (preserveAd) lo = (lo & ~0x60) | (d.mem.i32[pa >>> 2] & 0x60);
  if (type === T_NONE) {
    // Not a page table: an ordinary write to the guest's own memory, as Xen does it.
    d.mem.write(pa, 4, lo); d.mem.write(pa + 4, 4, hi);
    return 0;
  }
  if (type === T_SEG) { t.lastError = 'entry is in a descriptor page'; return -EINVAL; }
  if (!t.updateEntry(mfn, index, lo, hi)) return -EINVAL;
  flushAfterUpdate(d, mfn);
  return 0;
}

export function mmuUpdate(d: PvDomain, reqs: number, count: number, pdone: number, foreigndom: number, nested = false): number {
  const a = d.access;
  if (!selfDomain(foreigndom)) return -ESRCH;
  const before = continued(d, count, pdone);
  if (before < 0) return before;
  count &= 0x7fffffff;
  if (nested && count > BATCH_SLICE) return -EINVAL; // no continuations inside a multicall
  const slice = Math.min(count, BATCH_SLICE);
  let done = 0, rc = 0;
  for (; done < slice; done++) {
    let ptrLo: number, ptrHi: number, lo: number, hi: number;
    try {
      ptrLo = a.u32(reqs + done * 16); ptrHi = a.u32(reqs + done * 16 + 4);
      lo = a.u32(reqs + done * 16 + 8); hi = a.u32(reqs + done * 16 + 12);
    } catch (e) { if (e instanceof GuestFault) { rc = -EFAULT; break; } throw e; }
    // The command is the low 3 bits (Xen: ptr & (sizeof(l1_pgentry_t) - 1), 8-byte entries for
    // both widths), taken from the low half: the 64-bit ptr as one number rounds above 2^53
    // and would lose them. The address is exact below 2^53 and beyond the domain above it.
    const cmd = ptrLo & 7;
    const ptr = (ptrHi >>> 0) * 0x100000000 + ((ptrLo & ~7) >>> 0);
    if (cmd === MMU_NORMAL_PT_UPDATE || cmd === MMU_PT_UPDATE_PRESERVE_AD) {
      rc = ptUpdate(d, ptr, lo | 0, hi | 0, cmd === MMU_PT_UPDATE_PRESERVE_AD);
    } else if (cmd === MMU_MACHPHYS_UPDATE) {
      const mfn = Math.floor(ptr / PAGE);
      const lay = d.layout!;
      if (!d.types.ownedByGuest(mfn)) rc = -EINVAL;
      else {
        if (d.width === 64) {
          // A 64-bit guest's M2P has 8-byte entries.
          const at = lay.m2pFrames[Math.floor(mfn / 512)] * PAGE + (mfn % 512) * 8;
          d.mem.store32(at, lo | 0); d.mem.store32(at + 4, hi | 0);
        } else {
          const at = lay.m2pFrames[mfn >>> 10] * PAGE + (mfn & 1023) * 4;
          d.mem.store32(at, lo | 0);
        }
      }
    } else rc = -ENOSYS;
    if (rc !== 0) break;
  }
  if (pdone !== 0) {
    try { a.set32(pdone, before + done); } catch (e) { if (e instanceof GuestFault) return rc || -EFAULT; throw e; }
  }
  if (rc === 0 && done < count) throw new Continuation([reqs + done * 16, ((count - done) | MMU_UPDATE_PREEMPTED) >>> 0, pdone, foreigndom, 0]);
  return rc;
}

/** Entries done by earlier slices of a continued batch (read back from *pdone), or -errno. */
function continued(d: PvDomain, count: number, pdone: number): number {
  if (!(count & MMU_UPDATE_PREEMPTED) || pdone === 0) return 0;
  try { return d.access.u32(pdone); } catch (e) { if (e instanceof GuestFault) return -EFAULT; throw e; }
}

export function updateVaMapping(d: PvDomain, va: number, lo: number, hi: number, flags: number): number {
  va = d.access.norm(va);
  if (!d.access.addressOk(va)) return -EINVAL;
  const ptr = l1EntryAddress(d, va);
  if (ptr < 0) { d.types.lastError = `no L1 table maps 0x${va.toString(16)}`; return -EINVAL; }
  if (d.types.type[ptr >>> 12] !== T_L1) { d.types.lastError = 'the table mapping this address is not a validated L1'; return -EINVAL; }
  const rc = ptUpdate(d, ptr, lo, hi, false);
  if (rc === 0) {
    if ((flags & 3) === 2) d.cpu.flushTlbPage(va); else d.cpu.flushTlb();
  }
  return rc;
}

const PIN_TYPE = [T_L1, T_L2, T_L3, T_L4];

/**
 * mmuext_op (Xen's do_mmuext_op): entries of the guest's width (layouts.ts), the same
 * commands for both widths but where Xen tells them apart: PIN_L4_TABLE and
 * NEW_USER_BASEPTR only for a 64-bit guest, the base pointer as new_guest_cr3 takes it
 * (base-pointers.ts), and an LDT that must lie below a 32-bit guest's hypervisor area.
 */
export function mmuextOp(d: PvDomain, ops: number, count: number, pdone: number, foreigndom: number, nested = false): number {
  const a = d.access, t = d.types, cpu = d.cpu;
  if (!selfDomain(foreigndom)) return -ESRCH;
  const before = continued(d, count, pdone);
  if (before < 0) return before;
  const OP = mmuextOpLayout(d.width), wide = d.width === 64;
  count &= 0x7fffffff;
  if (nested && count > BATCH_SLICE) return -EINVAL;
  const slice = Math.min(count, BATCH_SLICE);
  let done = 0, rc = 0;
  for (; done < slice; done++) {
    const at = ops + done * OP.SIZE;
    // arg1 is a frame number or, for INVLPG and SET_LDT, a linear address (signed when 64-bit).
    let cmd: number, arg1: number, arg2: number, arg2Lo: number, arg1Addr: number;
    try {
      cmd = a.u32(at + OP.cmd);
      if (wide) { arg1 = a.u64(at + OP.arg1); arg1Addr = a.addr64(at + OP.arg1); arg2 = a.u64(at + OP.arg2); }
      else { arg1 = a.u32(at + OP.arg1); arg1Addr = arg1; arg2 = a.u32(at + OP.arg2); }
      arg2Lo = a.u32(at + OP.arg2);
    } catch (e) { if (e instanceof GuestFault) { rc = -EFAULT; break; } throw e; }
    switch (cmd) {
      case MMUEXT.pin_l1: case MMUEXT.pin_l2: case MMUEXT.pin_l3: case MMUEXT.pin_l4: {
        if (cmd === MMUEXT.pin_l4 && !wide) { rc = -EINVAL; t.lastError = 'no L4 tables in a 32-bit PAE guest'; break; }
        if (!t.ownedByGuest(arg1) || t.pinned[arg1]) { t.lastError = t.pinned[arg1] ? 'already pinned' : 'frame not in the domain'; rc = -EINVAL; break; }
        if (!t.getType(arg1, PIN_TYPE[cmd])) { rc = -EINVAL; break; }
        t.pinned[arg1] = 1;
        break;
      }
      case MMUEXT.unpin:
        if (!t.ownedByGuest(arg1) || !t.pinned[arg1]) { t.lastError = 'frame is not pinned'; rc = -EINVAL; break; }
        t.pinned[arg1] = 0;
        t.putType(arg1);
        break;
      case MMUEXT.new_baseptr: rc = newBaseptr(d, arg1); break;
      case MMUEXT.new_user_baseptr: rc = newUserBaseptr(d, arg1); break;
      case MMUEXT.tlb_flush_local: case MMUEXT.tlb_flush_multi: case MMUEXT.tlb_flush_all:
        cpu.flushTlb(); break;
      case MMUEXT.invlpg_local: case MMUEXT.invlpg_multi: case MMUEXT.invlpg_all:
        cpu.flushTlbPage(arg1Addr); break;
      case MMUEXT.flush_cache: case MMUEXT.flush_cache_global:
        rc = -EACCES_; t.lastError = 'an unprivileged domain may not flush caches'; break;
      case MMUEXT.set_ldt: {
        // nr_ents is an unsigned int in arg2's union (the high half of a 64-bit arg2 is not
        // its), and with no entries the address is not looked at (Xen: ptr = ents ? linear_addr : 0).
        const ents = arg2Lo, ptr = ents ? arg1Addr : 0;
        if (ptr % PAGE !== 0 || !a.addressOk(ptr) || ents > 8192 || (!wide && ptr + ents * 8 > HYPERVISOR_VIRT_START)) { t.lastError = 'bad LDT address or size'; rc = -EINVAL; break; }
        d.ldtBase = ptr; d.ldtEntries = ents;
        if (ents === 0) { cpu.ldtSel = 0; cpu.ldtBase = 0; cpu.ldtBaseHi = 0; cpu.ldtLimit = 0; cpu.ldtAttr = 0x10000; }
        else { cpu.ldtSel = 0xfff8; cpu.ldtBase = ptr | 0; cpu.ldtBaseHi = Math.floor(ptr / 0x100000000) | 0; cpu.ldtLimit = ents * 8 - 1; cpu.ldtAttr = 0x82; }
        break;
      }
      case MMUEXT.clear_page: {
        if (!t.ownedByGuest(arg1) || t.type[arg1] !== T_NONE) { t.lastError = 'clear_page needs a writable frame of the domain'; rc = -EINVAL; break; }
        d.mem.u8.fill(0, arg1 * PAGE, arg1 * PAGE + PAGE);
        wrotePage(d, arg1);
        break;
      }
      case MMUEXT.copy_page: {
        if (!t.ownedByGuest(arg1) || t.type[arg1] !== T_NONE || !t.ownedByGuest(arg2)) { t.lastError = 'copy_page needs frames of the domain, the target writable'; rc = -EINVAL; break; }
        d.mem.u8.copyWithin(arg1 * PAGE, arg2 * PAGE, arg2 * PAGE + PAGE);
        wrotePage(d, arg1);
        break;
      }
      default:
        t.lastError = `unknown mmuext command ${cmd}`;
        rc = -ENOSYS;
    }
    if (rc !== 0) break;
  }
  if (pdone !== 0) {
    try { a.set32(pdone, before + done); } catch (e) { if (e instanceof GuestFault) return rc || -EFAULT; throw e; }
  }
  if (rc === 0 && done < count) throw new Continuation([ops + done * OP.SIZE, ((count - done) | MMU_UPDATE_PREEMPTED) >>> 0, pdone, foreigndom]);
  return rc;
}

/** A page the hypervisor rewrote: a snapshot must copy it, and code compiled from it is stale. */
function wrotePage(d: PvDomain, mfn: number): void {
  d.mem.markWritten(mfn * PAGE, PAGE);
  d.mem.onCodeWrite?.(mfn * PAGE, PAGE);
}

/** set_gdt(frame_list, entries): the guest's part of the GDT, below the reserved entries. */
export function setGdt(d: PvDomain, list: number, entries: number): number {
  const t = d.types;
  entries >>>= 0;
  if (entries > FIRST_RESERVED_GDT_ENTRY) return -EINVAL;
  const n = Math.ceil(entries / 512);
  const frames: number[] = [];
  // The frame list is of unsigned long: 8 bytes each for a 64-bit guest.
  const step = d.width === 64 ? 8 : 4;
  try { for (let i = 0; i < n; i++) frames.push(step === 8 ? d.access.u64(list + i * 8) : d.access.u32(list + i * 4)); }
  catch (e) { if (e instanceof GuestFault) return -EFAULT; throw e; }
  const taken: number[] = [];
  for (const f of frames) {
    if (!t.ownedByGuest(f) || !t.getType(f, T_SEG)) { taken.forEach((x) => t.putType(x)); return -EINVAL; }
    taken.push(f);
    for (let i = 0; i < 512; i++) {
      const lo = d.mem.i32[(f * PAGE + i * 8) >>> 2], hi = d.mem.i32[(f * PAGE + i * 8 + 4) >>> 2];
      const ok = d.width === 64 ? checkDescriptor64(lo, hi) : checkDescriptor(lo, hi);
      if (!ok) { t.lastError = `descriptor ${i} of frame 0x${f.toString(16)} is not allowed`; taken.forEach((x) => t.putType(x)); return -EINVAL; }
      d.mem.store32(f * PAGE + i * 8, ok[0]); d.mem.store32(f * PAGE + i * 8 + 4, ok[1]);
    }
  }
  for (const f of d.gdtFrames) t.putType(f);
  d.gdtFrames = frames; d.gdtEntries = entries;
  const lay = d.layout!;
  for (let i = 0; i < 14; i++) {
    const f = i < frames.length ? frames[i] : lay.zeroMfn;
    d.mem.store32(lay.gdtL1Mfn * PAGE + i * 8, f * PAGE | 0x21);
    d.mem.store32(lay.gdtL1Mfn * PAGE + i * 8 + 4, 0);
  }
  d.cpu.flushTlb();
  return 0;
}

export function updateDescriptor(d: PvDomain, ma: number, lo: number, hi: number): number {
  const t = d.types;
  if (ma % 8 !== 0) return -EINVAL;
  const mfn = Math.floor(ma / PAGE);
  if (!t.ownedByGuest(mfn)) return -EINVAL;
  const ok = d.width === 64 ? checkDescriptor64(lo, hi) : checkDescriptor(lo, hi);
  if (!ok) { t.lastError = 'descriptor not allowed'; return -EINVAL; }
  const type = t.type[mfn];
  if (type !== T_SEG && type !== T_NONE) return -EINVAL;
  d.mem.write(ma, 4, ok[0]); d.mem.write(ma + 4, 4, ok[1]);
  d.cpu.flushTlb();
  return 0;
}

export { PageTypes, T_L1, T_L2, T_L3, EPERM };
