// The MMU hypercalls of a 64-bit PV guest where they differ from the PAE ones (mmu-ops.ts):
// mmuext_op's 24-byte entries {u32 cmd; u64 arg1; u64 arg2}, PIN_L4_TABLE, NEW_BASEPTR
// taking an L4 as the kernel's root and NEW_USER_BASEPTR the user's (0 drops it), and the
// lookup of the L1 entry that maps an address through the 4-level tables (for
// update_va_mapping). Errors are Xen's: a table that does not validate, a frame that is not
// the domain's or is already pinned, -EINVAL; cache flushes by an unprivileged domain, -EACCES.

import { EACCES_, EFAULT, EINVAL, ENOSYS, MMUEXT, PAGE } from './abi';
import { MMUEXT_OP_64 as OP } from './abi64';
import { BATCH_SLICE, Continuation, MMU_UPDATE_PREEMPTED } from './continuation';
import type { PvDomain } from './domain';
import { GuestFault } from './guest-access';
import { T_L1, T_L2, T_L3, T_L4, T_NONE } from './page-types';
import { PageTypes64 } from './page-types64';
import { loadRoot } from './vcpu64';

const P = 1, PSE = 0x80;
const PIN_TYPE = [T_L1, T_L2, T_L3, T_L4];

/** The machine address of the L1 entry mapping `va` in the running root (the kernel's), or -1. */
export function l1EntryAddress64(d: PvDomain, va: number): number {
  const m = d.mem;
  const lo = va | 0, hi = Math.floor(va / 0x100000000) | 0;
  const idx = [(hi >>> 7) & 0x1ff, ((hi & 0x7f) << 2) | (lo >>> 30), (lo >>> 21) & 0x1ff];
  let table = d.cpu.cr3 >>> 12;
  for (const i of idx) {
    const at = table * PAGE + i * 8;
    if (at + 8 > m.ramBytes) return -1;
    const eLo = m.i32[at >>> 2], eHi = m.i32[(at + 4) >>> 2];
    if (!(eLo & P) || (eLo & PSE)) return -1;
    table = PageTypes64.frameOf64(eLo, eHi);
  }
  const pte = table * PAGE + ((lo >>> 12) & 0x1ff) * 8;
  return pte + 8 <= m.ramBytes ? pte : -1;
}

function newBaseptr(d: PvDomain, mfn: number): number {
  const t = d.types, v = d.v64;
  if (!t.getType(mfn, T_L4)) return -EINVAL;
  const old = v.kernelTable;
  v.kernelTable = mfn;
  if (v.kernelMode) loadRoot(d.cpu, mfn);
  if (old) t.putType(old);
  return 0;
}

function newUserBaseptr(d: PvDomain, mfn: number): number {
  const t = d.types, v = d.v64;
  if (mfn !== 0 && !t.getType(mfn, T_L4)) return -EINVAL;
  const old = v.userTable;
  v.userTable = mfn;
  if (old) t.putType(old);
  return 0;
}

/** mmuext_op for a 64-bit guest; `before` entries were done by earlier slices of a continued batch. */
export function mmuextOp64(d: PvDomain, ops: number, count: number, pdone: number, foreigndom: number, before: number, nested: boolean): number {
  const a = d.access, t = d.types, cpu = d.cpu;
  count &= 0x7fffffff;
  if (nested && count > BATCH_SLICE) return -EINVAL;
  const slice = Math.min(count, BATCH_SLICE);
  let done = 0, rc = 0;
  for (; done < slice; done++) {
    const at = ops + done * OP.SIZE;
    let cmd: number, arg1: number, arg2: number, arg1Addr: number;
    try {
      cmd = a.u32(at + OP.cmd); arg1 = a.u64(at + OP.arg1); arg1Addr = a.addr64(at + OP.arg1); arg2 = a.u64(at + OP.arg2);
    } catch (e) { if (e instanceof GuestFault) { rc = -EFAULT; break; } throw e; }
    switch (cmd) {
      case MMUEXT.pin_l1: case MMUEXT.pin_l2: case MMUEXT.pin_l3: case MMUEXT.pin_l4: {
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
        const ents = arg2;
        if ((arg1Addr % PAGE) !== 0 || ents > 8192) { t.lastError = 'bad LDT address or size'; rc = -EINVAL; break; }
        d.ldtBase = arg1Addr; d.ldtEntries = ents;
        if (ents === 0) { cpu.ldtSel = 0; cpu.ldtBase = 0; cpu.ldtBaseHi = 0; cpu.ldtLimit = 0; cpu.ldtAttr = 0x10000; }
        else { cpu.ldtSel = 0xfff8; cpu.ldtBase = arg1Addr | 0; cpu.ldtBaseHi = Math.floor(arg1Addr / 0x100000000) | 0; cpu.ldtLimit = ents * 8 - 1; cpu.ldtAttr = 0x82; }
        break;
      }
      case MMUEXT.clear_page: {
        if (!t.ownedByGuest(arg1) || t.type[arg1] !== T_NONE) { t.lastError = 'clear_page needs a writable frame of the domain'; rc = -EINVAL; break; }
        d.mem.u8.fill(0, arg1 * PAGE, arg1 * PAGE + PAGE);
        d.mem.markWritten(arg1 * PAGE, PAGE);
        break;
      }
      case MMUEXT.copy_page: {
        if (!t.ownedByGuest(arg1) || t.type[arg1] !== T_NONE || !t.ownedByGuest(arg2)) { t.lastError = 'copy_page needs frames of the domain, the target writable'; rc = -EINVAL; break; }
        d.mem.u8.copyWithin(arg1 * PAGE, arg2 * PAGE, arg2 * PAGE + PAGE);
        d.mem.markWritten(arg1 * PAGE, PAGE);
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
