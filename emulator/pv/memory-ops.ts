// memory_op as xen/common/memory.c and arch/x86/mm.c answer a domU, for either width:
// the memory map, the reservation queries, maximum_ram_page and maximum_gpfn, the balloon
// operations (increase/decrease_reservation, populate_physmap: their result is the number of
// extents done, and a bad argument simply ends the batch, as in Xen), and add_to_physmap
// for translated guests (shared_info and grant-table frames placed in the guest's physmap).
// PV-only queries about the M2P table stay with the PV dispatcher (machphys_*).

import { DOMID_SELF, EACCES_, EINVAL, ENOSYS, EPERM, ESRCH, MEMOP_CMD_MASK, MEMOP_EXTENT_SHIFT, XENMAPIDX_grant_table_status, XENMAPSPACE, XENMEM } from './abi';
import { GuestFault } from './guest-access';
import type { GrantTable } from './grant-table';
import { addToPhysmapLayout, E820_ENTRY, memoryMapLayout, memoryReservationLayout, wordBytes } from './layouts';
import type { XenDomainServices } from './services';

/** The largest extent a domU may ask for (Xen's CONFIG_DOMU_MAX_ORDER on x86). */
const DOMU_MAX_ORDER = 9;
/** memory_op commands handled elsewhere (the PV dispatcher's M2P queries). */
export const NOT_MINE = null;

export interface MemoryOpContext {
  readonly host: XenDomainServices;
  readonly grants: GrantTable;
  /** Physical address of shared_info. */
  readonly sharedInfoPa: number;
}

export function memoryOp(x: MemoryOpContext, cmd: number, arg: number): number | null {
  const op = cmd & MEMOP_CMD_MASK, start = Math.floor((cmd >>> 0) / 2 ** MEMOP_EXTENT_SHIFT);
  const g = x.host.guest, mem = x.host.memory, width = x.host.width;
  const ownDomain = (dom: number) => dom === DOMID_SELF || dom === x.host.domid;
  switch (op) {
    case XENMEM.increase_reservation: case XENMEM.decrease_reservation: case XENMEM.populate_physmap:
      return reservation(x, op, arg, start);
    case XENMEM.maximum_ram_page:
      if (start) return -EINVAL;
      return mem.maxRamPage();
    case XENMEM.current_reservation: case XENMEM.maximum_reservation: case XENMEM.maximum_gpfn: {
      if (start) return -EINVAL;
      const dom = g.u16(arg);
      // dom0 exists but XSM keeps its numbers from a domU; any other domain does not exist.
      if (dom === 0) return -EPERM;
      if (!ownDomain(dom)) return -ESRCH;
      return op === XENMEM.current_reservation ? mem.currentPages() : op === XENMEM.maximum_reservation ? mem.maxPages() : mem.maximumGpfn();
    }
    case XENMEM.memory_map: {
      const L = memoryMapLayout(width);
      const want = g.u32(arg + L.nrEntries);
      const buf = width === 64 ? signed64(g.u32(arg + L.buffer), g.u32(arg + L.buffer + 4)) : g.u32(arg + L.buffer);
      const map = mem.memoryMap();
      if (map.length === 0) return -ENOSYS; // no map from the toolstack: the guest falls back to its own
      const n = Math.min(want, map.length);
      g.checkWritable(buf, n * E820_ENTRY.SIZE);
      for (let i = 0; i < n; i++) {
        const e = map[i]!, at = buf + i * E820_ENTRY.SIZE;
        g.set64(at + E820_ENTRY.addr, e.addr); g.set64(at + E820_ENTRY.size, e.size); g.set32(at + E820_ENTRY.type, e.type);
      }
      g.checkWritable(arg, 4);
      g.set32(arg + L.nrEntries, n);
      return 0;
    }
    case XENMEM.machine_memory_map: return -EPERM; // the host's map is the hardware domain's to read
    case XENMEM.add_to_physmap: {
      const L = addToPhysmapLayout(width);
      const dom = g.u16(arg + L.domid), space = g.u32(arg + L.space);
      const idx = wordBytes(width) === 8 ? g.u64(arg + L.idx) : g.u32(arg + L.idx);
      const gpfn = wordBytes(width) === 8 ? g.u64(arg + L.gpfn) : g.u32(arg + L.gpfn);
      if (space === XENMAPSPACE.gmfn_foreign) return -ENOSYS; // only through add_to_physmap_batch
      if (dom === 0) return -EPERM;
      if (!ownDomain(dom)) return -ESRCH;
      // A PV guest is not translated: it maps hypervisor pages by MFN through its page tables instead.
      if (!x.host.autoTranslated || !mem.placeFrame) return -EACCES_;
      if (space === XENMAPSPACE.shared_info) return idx === 0 ? mem.placeFrame(gpfn, x.sharedInfoPa) : -EINVAL;
      if (space === XENMAPSPACE.grant_table) {
        const status = (idx & XENMAPIDX_grant_table_status) !== 0 && idx <= 0xffffffff;
        const i = status ? idx - XENMAPIDX_grant_table_status : idx;
        const t = x.grants;
        if (status) {
          if (t.version !== 2 || i >= t.nrStatusFrames) return -EINVAL;
          return mem.placeFrame(gpfn, t.statusPas[i]!);
        }
        if (!t.grow(i + 1)) return -EINVAL;
        return mem.placeFrame(gpfn, t.sharedPas[i]!);
      }
      return -ENOSYS; // gmfn moves and ranges: a domU here has no use for them
    }
    default: return NOT_MINE;
  }
}

/**
 * increase/decrease_reservation and populate_physmap: returns extents done; a fault reading
 * the request, a foreign domain or a bad order ends the batch early with what was done, as
 * Xen's do_memory_op returns start_extent.
 */
function reservation(x: MemoryOpContext, op: number, arg: number, start: number): number {
  const g = x.host.guest, width = x.host.width, L = memoryReservationLayout(width), wb = wordBytes(width);
  let list: number, nrExtents: number, order: number, dom: number;
  try {
    list = width === 64 ? signed64(g.u32(arg + L.extentStart), g.u32(arg + L.extentStart + 4)) : g.u32(arg + L.extentStart);
    nrExtents = wb === 8 ? g.u64(arg + L.nrExtents) : g.u32(arg + L.nrExtents);
    order = g.u32(arg + L.extentOrder);
    dom = g.u16(arg + L.domid);
  } catch (e) { if (e instanceof GuestFault) return start; throw e; }
  if (nrExtents > (0xffffffff >>> MEMOP_EXTENT_SHIFT) || start >= nrExtents) return start;
  if (dom !== DOMID_SELF && dom !== x.host.domid) return start;
  if (order > DOMU_MAX_ORDER) return start;
  const mem = x.host.memory, pages = 2 ** order;
  let done = start;
  for (; done < nrExtents; done++) {
    try {
      if (op === XENMEM.decrease_reservation) {
        if (list === 0) break;
        const first = wb === 8 ? g.u64(list + done * 8) : g.u32(list + done * 4);
        let ok = true;
        for (let p = 0; p < pages && ok; p++) ok = mem.release(first + p);
        if (!ok) break;
      } else {
        // increase_reservation hands out frames (and says which, if a list was given); populate_physmap
        // fills the guest frames the list names (a PV guest learns the MFN in the same slot).
        const gpfn = op === XENMEM.populate_physmap ? (wb === 8 ? g.u64(list + done * 8) : g.u32(list + done * 4)) : -1;
        if (mem.currentPages() + pages > mem.maxPages()) break;
        let first = -1;
        for (let p = 0; p < pages; p++) {
          const f = mem.populate(gpfn < 0 ? -1 : gpfn + p);
          if (f < 0) return done;
          if (p === 0) first = f;
        }
        if (list !== 0 && !(op === XENMEM.populate_physmap && x.host.autoTranslated)) {
          if (wb === 8) g.set64(list + done * 8, first); else g.set32(list + done * 4, first);
        }
      }
    } catch (e) { if (e instanceof GuestFault) break; throw e; }
  }
  return done;
}

function signed64(lo: number, hi: number): number { return (hi | 0) * 0x100000000 + (lo >>> 0); }

