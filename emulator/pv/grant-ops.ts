// grant_table_op as xen/common/grant_table.c answers a domU: setup_table, query_size,
// set_version/get_version, get_status_frames, map_grant_ref/unmap_grant_ref and copy, with
// Xen's errno for the hypercall and GNTST_* codes per operation. The domains a domU can name
// are itself (DOMID_SELF or its id) and dom0, the backend domain of the console and
// xenstore, which grants nothing to the guest: refs in its one frame are refused as Xen
// refuses a grant not made to the caller, refs beyond it as bad references.

import { DOMID_SELF, EINVAL, ENOSYS, EPERM, ESRCH, GNTTABOP, PAGE } from './abi';
import { BATCH_SLICE, Continuation } from './continuation';
import { GNTCOPY, GNTMAP, GNTST, GrantTable } from './grant-table';
import {
  GNTTAB_GET_VERSION, GNTTAB_MAP_GRANT_REF, GNTTAB_QUERY_SIZE, GNTTAB_SET_VERSION, GNTTAB_UNMAP_GRANT_REF, GRANT_ENTRY_V1,
  gnttabCopyLayout, gnttabGetStatusFramesLayout, gnttabSetupTableLayout, wordBytes,
} from './layouts';
import type { XenDomainServices } from './services';

/** dom0's grant table as a domU meets it: one v1 frame, nothing granted to the caller. */
const DOM0_GRANT_ENTRIES = PAGE / GRANT_ENTRY_V1.SIZE;

export interface GrantOpContext { readonly host: XenDomainServices; readonly grants: GrantTable }

type Dom = 'self' | 'dom0' | 'none';

function whichDomain(x: GrantOpContext, dom: number): Dom {
  if (dom === DOMID_SELF || dom === x.host.domid) return 'self';
  return dom === 0 ? 'dom0' : 'none';
}

function writeFrameList(x: GrantOpContext, list: number, frames: number[], bytes: number): void {
  const g = x.host.guest;
  g.checkWritable(list, frames.length * bytes);
  frames.forEach((f, i) => (bytes === 8 ? g.set64(list + i * 8, f) : g.set32(list + i * 4, f)));
}

export function grantTableOp(x: GrantOpContext, cmd: number, uop: number, count: number): number {
  const g = x.host.guest, t = x.grants, width = x.host.width;
  if (count > 0x7fffffff) return -EINVAL;
  switch (cmd) {
    case GNTTABOP.setup_table: {
      if (count !== 1) return -EINVAL;
      const L = gnttabSetupTableLayout(width);
      const dom = g.u16(uop + L.dom), n = g.u32(uop + L.nrFrames);
      const list = width === 64 ? signed64(g.u32(uop + L.frameList), g.u32(uop + L.frameList + 4)) : g.u32(uop + L.frameList);
      g.checkWritable(uop + L.status, 2);
      const which = whichDomain(x, dom);
      let status: number = GNTST.okay;
      if (which === 'none') status = GNTST.bad_domain;
      else if (which === 'dom0') status = GNTST.permission_denied; // XSM: a domU may not set up another domain's table
      else if (!t.grow(n)) status = GNTST.general_error;
      else {
        const frames = t.sharedPas.slice(0, n).map((pa) => x.host.frameNumber(pa));
        writeFrameList(x, list, frames, wordBytes(width));
      }
      g.set16(uop + L.status, status);
      return 0;
    }
    case GNTTABOP.query_size: {
      if (count !== 1) return -EINVAL;
      const L = GNTTAB_QUERY_SIZE;
      const which = whichDomain(x, g.u16(uop + L.dom));
      g.checkWritable(uop, L.SIZE);
      const self = which === 'self';
      g.set32(uop + L.nrFrames, self ? t.nrFrames : 0);
      g.set32(uop + L.maxNrFrames, self ? t.maxFrames : 0);
      g.set16(uop + L.status, self ? GNTST.okay : which === 'dom0' ? GNTST.permission_denied : GNTST.bad_domain);
      return 0;
    }
    case GNTTABOP.set_version: {
      if (count !== 1) return -EINVAL;
      const v = g.u32(uop + GNTTAB_SET_VERSION.version);
      g.checkWritable(uop, GNTTAB_SET_VERSION.SIZE);
      const rc = t.setVersion(v);
      g.set32(uop + GNTTAB_SET_VERSION.version, t.version); // Xen reports the version in force either way
      return rc;
    }
    case GNTTABOP.get_version: {
      if (count !== 1) return -EINVAL;
      const which = whichDomain(x, g.u16(uop + GNTTAB_GET_VERSION.dom));
      g.checkWritable(uop, GNTTAB_GET_VERSION.SIZE);
      if (which === 'none') return -ESRCH;
      if (which === 'dom0') return -EPERM;
      g.set32(uop + GNTTAB_GET_VERSION.version, t.version);
      return 0;
    }
    case GNTTABOP.get_status_frames: {
      if (count !== 1) return -EINVAL;
      const L = gnttabGetStatusFramesLayout(width);
      const n = g.u32(uop + L.nrFrames), which = whichDomain(x, g.u16(uop + L.dom));
      const list = width === 64 ? signed64(g.u32(uop + L.frameList), g.u32(uop + L.frameList + 4)) : g.u32(uop + L.frameList);
      g.checkWritable(uop + L.status, 2);
      let status: number = GNTST.okay;
      if (which === 'none') status = GNTST.bad_domain;
      else if (which === 'dom0') status = GNTST.permission_denied;
      else if (t.version !== 2 || n > t.nrStatusFrames) status = GNTST.general_error;
      else writeFrameList(x, list, t.statusPas.slice(0, n).map((pa) => x.host.frameNumber(pa)), 8); // uint64_t frames
      g.set16(uop + L.status, status);
      return 0;
    }
    case GNTTABOP.map_grant_ref: return batch(x, cmd, uop, count, GNTTAB_MAP_GRANT_REF.SIZE, mapOne);
    case GNTTABOP.unmap_grant_ref: return batch(x, cmd, uop, count, GNTTAB_UNMAP_GRANT_REF.SIZE, unmapOne);
    case GNTTABOP.copy: return batch(x, cmd, uop, count, gnttabCopyLayout(width).SIZE, copyOne);
    // transfer needs page ownership moving between domains; dump_table is for the control domain.
    default: return -ENOSYS;
  }
}

/** Runs `one` on each element, BATCH_SLICE at a time with Xen's continuation. */
function batch(x: GrantOpContext, cmd: number, uop: number, count: number, size: number, one: (x: GrantOpContext, at: number) => void): number {
  const slice = Math.min(count, BATCH_SLICE);
  for (let i = 0; i < slice; i++) one(x, uop + i * size);
  if (slice < count) throw new Continuation([cmd, uop + slice * size, count - slice]);
  return 0;
}

function mapOne(x: GrantOpContext, at: number): void {
  const g = x.host.guest, L = GNTTAB_MAP_GRANT_REF;
  const hostAddr = hostAddress(x, at + L.hostAddr), flags = g.u32(at + L.flags), ref = g.u32(at + L.ref), dom = g.u16(at + L.dom);
  g.checkWritable(at, L.SIZE);
  const done = (status: number, handle = 0, bus = 0) => { g.set16(at + L.status, status); g.set32(at + L.handle, handle); g.set64(at + L.devBusAddr, bus); };
  if ((flags & (GNTMAP.device_map | GNTMAP.host_map)) === 0) { done(GNTST.bad_gntref); return; }
  if (x.host.autoTranslated && (flags & (GNTMAP.device_map | GNTMAP.application_map | GNTMAP.contains_pte))) { done(GNTST.general_error); return; }
  const which = whichDomain(x, dom);
  if (which === 'none') { done(GNTST.bad_domain); return; }
  if (which === 'dom0') { done(ref < DOM0_GRANT_ENTRIES ? GNTST.general_error : GNTST.bad_gntref); return; }
  const readonly = (flags & GNTMAP.readonly) !== 0;
  const t = x.grants;
  const frame = t.acquire(ref, x.host.domid, readonly);
  if (frame < 0) { done(frame); return; }
  const pa = x.host.frameAddress(frame);
  if (pa < 0) { t.release(ref); done(GNTST.bad_page); return; }
  if (flags & GNTMAP.host_map) {
    const rc = x.host.mapGrant ? x.host.mapGrant(hostAddr, pa, flags) : GNTST.general_error;
    if (rc !== GNTST.okay) { t.release(ref); done(rc); return; }
  }
  const handle = t.addMapping({ ref, byDomid: x.host.domid, readonly, framePa: pa, hostAddr, flags });
  done(GNTST.okay, handle, flags & GNTMAP.device_map ? pa : 0);
}

function unmapOne(x: GrantOpContext, at: number): void {
  const g = x.host.guest, L = GNTTAB_UNMAP_GRANT_REF, t = x.grants;
  const hostAddr = hostAddress(x, at + L.hostAddr), bus = g.u64(at + L.devBusAddr), handle = g.u32(at + L.handle);
  g.checkWritable(at + L.status, 2);
  const m = handle < t.maps.length ? t.maps[handle] : null;
  if (!m) { g.set16(at + L.status, GNTST.bad_handle); return; }
  if (bus !== 0 && bus !== m.framePa) { g.set16(at + L.status, GNTST.bad_dev_addr); return; }
  if (hostAddr !== 0 && (m.flags & GNTMAP.host_map)) {
    if (hostAddr !== m.hostAddr) { g.set16(at + L.status, GNTST.general_error); return; }
    const rc = x.host.unmapGrant ? x.host.unmapGrant(hostAddr, m.framePa, m.flags) : GNTST.general_error;
    if (rc !== GNTST.okay) { g.set16(at + L.status, rc); return; }
  }
  t.maps[handle] = null;
  t.release(m.ref);
  g.set16(at + L.status, GNTST.okay);
}

/** One side of a copy: a grant reference in `domid`'s table, or a frame of the caller's own. */
function copySide(x: GrantOpContext, isRef: boolean, refOrFrame: number, domid: number, write: boolean): { pa: number; ref: number } | number {
  const which = whichDomain(x, domid);
  if (which === 'none') return GNTST.bad_domain;
  if (!isRef) {
    if (which !== 'self') return GNTST.permission_denied;
    const pa = x.host.frameAddress(refOrFrame);
    return pa < 0 ? GNTST.bad_page : { pa, ref: -1 };
  }
  if (which === 'dom0') return refOrFrame < DOM0_GRANT_ENTRIES ? GNTST.general_error : GNTST.bad_gntref;
  const frame = x.grants.acquire(refOrFrame, x.host.domid, !write);
  if (frame < 0) return frame;
  const pa = x.host.frameAddress(frame);
  if (pa < 0) { x.grants.release(refOrFrame); return GNTST.bad_page; }
  return { pa, ref: refOrFrame };
}

function copyOne(x: GrantOpContext, at: number): void {
  const g = x.host.guest, L = gnttabCopyLayout(x.host.width);
  const flags = g.u16(at + L.flags), len = g.u16(at + L.len);
  const srcOff = g.u16(at + L.srcOffset), dstOff = g.u16(at + L.dstOffset);
  const readId = (off: number, isRef: boolean) => (isRef ? g.u32(at + off) : (L.frameBytes === 8 ? g.u64(at + off) : g.u32(at + off)));
  const srcIsRef = (flags & GNTCOPY.source_gref) !== 0, dstIsRef = (flags & GNTCOPY.dest_gref) !== 0;
  const src = readId(L.srcRef, srcIsRef), dst = readId(L.dstRef, dstIsRef);
  const srcDom = g.u16(at + L.srcDomid), dstDom = g.u16(at + L.dstDomid);
  g.checkWritable(at + L.status, 2);
  if (srcOff + len > PAGE || dstOff + len > PAGE) { g.set16(at + L.status, GNTST.bad_copy_arg); return; }
  const s = copySide(x, srcIsRef, src, srcDom, false);
  if (typeof s === 'number') { g.set16(at + L.status, s); return; }
  const d = copySide(x, dstIsRef, dst, dstDom, true);
  if (typeof d === 'number') { if (s.ref >= 0) x.grants.release(s.ref); g.set16(at + L.status, d); return; }
  const m = x.host.mem;
  m.u8.copyWithin(d.pa + dstOff, s.pa + srcOff, s.pa + srcOff + len);
  m.markWritten(d.pa + dstOff, len);
  if (s.ref >= 0) x.grants.release(s.ref);
  if (d.ref >= 0) x.grants.release(d.ref);
  g.set16(at + L.status, GNTST.okay);
}

/** host_addr (uint64_t): a 64-bit guest's virtual address read as the CPU's signed canonical number. */
function hostAddress(x: GrantOpContext, at: number): number {
  const g = x.host.guest;
  return x.host.width === 64 && !x.host.autoTranslated ? signed64(g.u32(at), g.u32(at + 4)) : g.u64(at);
}

function signed64(lo: number, hi: number): number { return (hi | 0) * 0x100000000 + (lo >>> 0); }

