// The domain's grant table (grant_table.h, as xen/common/grant_table.c keeps it): shared
// frames of grant entries the guest writes (v1: 8-byte entries, v2: 16-byte entries plus
// status frames of 16-bit words), which other domains, or this one, may map or copy from
// by reference. Frames are hypervisor pages given at build time; the guest learns them
// from GNTTABOP_setup_table (PV) or maps them with XENMEM_add_to_physmap (PVH).
//
// The toolstack seeds two reserved entries before the guest starts (libxc's gnttab seed):
// GNTTAB_RESERVED_CONSOLE and GNTTAB_RESERVED_XENSTORE grant the console and xenstore
// pages to the backend domain (dom0 here), which maps them through acquire(): the same
// checks a foreign map_grant_ref makes, and the same GTF_reading/GTF_writing bits while mapped.

import { GRANT_ENTRY_V1, GRANT_ENTRY_V2, GRANT_STATUS_SIZE } from './layouts';
import { EBUSY, EINVAL, ENOMEM, MAX_GRANT_FRAMES, PAGE } from './abi';
import type { PhysicalMemory } from '../memory/physical-memory';

export const GTF = {
  invalid: 0, permit_access: 1, accept_transfer: 2, transitive: 3, type_mask: 3,
  readonly: 1 << 2, reading: 1 << 3, writing: 1 << 4, sub_page: 1 << 8,
} as const;
export const GNTMAP = { device_map: 1, host_map: 2, readonly: 4, application_map: 8, contains_pte: 16 } as const;
export const GNTCOPY = { source_gref: 1, dest_gref: 2 } as const;
export const GNTST = {
  okay: 0, general_error: -1, bad_domain: -2, bad_gntref: -3, bad_handle: -4, bad_virt_addr: -5, bad_dev_addr: -6,
  no_device_space: -7, permission_denied: -8, bad_page: -9, bad_copy_arg: -10, address_too_big: -11, eagain: -12, no_space: -13,
} as const;
export const GNTTAB_NR_RESERVED_ENTRIES = 8;
export const GNTTAB_RESERVED_CONSOLE = 0, GNTTAB_RESERVED_XENSTORE = 1;
/** Status frames v2 needs for MAX_GRANT_FRAMES shared frames (256 entries each, a u16 per entry). */
export const MAX_STATUS_FRAMES = Math.ceil((MAX_GRANT_FRAMES * PAGE / GRANT_ENTRY_V2.SIZE) * GRANT_STATUS_SIZE / PAGE);

/** One mapping of a grant (a handle): who holds it and what it maps. */
export interface GrantMapping { ref: number; byDomid: number; readonly: boolean; framePa: number; hostAddr: number; flags: number }

export class GrantTable {
  version: 1 | 2 = 1;
  /** Frames in use (setup_table grows this up to the frames given). */
  nrFrames = 0;
  /** Physical addresses of the shared frames and (v2) status frames. */
  sharedPas: number[] = [];
  statusPas: number[] = [];
  /** Active mappings by handle (Xen's maptrack); null = free. */
  readonly maps: Array<GrantMapping | null> = [];

  constructor(private readonly mem: PhysicalMemory) {}

  reset(sharedPas: number[], statusPas: number[]): void {
    this.version = 1; this.nrFrames = 0; this.sharedPas = [...sharedPas]; this.statusPas = [...statusPas]; this.maps.length = 0;
  }

  get maxFrames(): number { return this.sharedPas.length; }
  private get entrySize(): number { return this.version === 2 ? GRANT_ENTRY_V2.SIZE : GRANT_ENTRY_V1.SIZE; }
  get entriesPerFrame(): number { return PAGE / this.entrySize; }
  /** Entries the guest can use now. */
  get nrEntries(): number { return this.nrFrames * this.entriesPerFrame; }
  /** Status frames v2 needs for the frames in use. */
  get nrStatusFrames(): number { return this.version === 2 ? Math.ceil(this.nrEntries * GRANT_STATUS_SIZE / PAGE) : 0; }

  /** gnttab_grow_table: false if more frames are asked than the domain may have. */
  grow(n: number): boolean {
    if (n > this.maxFrames) return false;
    this.nrFrames = Math.max(this.nrFrames, n);
    return true;
  }

  entryPa(ref: number): number {
    const per = this.entriesPerFrame;
    return this.sharedPas[Math.floor(ref / per)]! + (ref % per) * this.entrySize;
  }

  private statusPa(ref: number): number {
    const per = PAGE / GRANT_STATUS_SIZE;
    return this.statusPas[Math.floor(ref / per)]! + (ref % per) * GRANT_STATUS_SIZE;
  }

  /** The entry's flags, domid and frame as the guest wrote them (v2: full_page form). */
  entry(ref: number): { flags: number; domid: number; frame: number } {
    const pa = this.entryPa(ref), m = this.mem;
    const flags = m.u8[pa] | (m.u8[pa + 1] << 8), domid = m.u8[pa + 2] | (m.u8[pa + 3] << 8);
    const frame = this.version === 2
      ? (m.i32[(pa + GRANT_ENTRY_V2.fullPageFrame) >>> 2] >>> 0) + (m.i32[(pa + GRANT_ENTRY_V2.fullPageFrame + 4) >>> 2] >>> 0) * 0x100000000
      : m.i32[(pa + GRANT_ENTRY_V1.frame) >>> 2] >>> 0;
    return { flags, domid, frame };
  }

  /** Writes an entry (the toolstack's seed and set_version's conversion of the reserved entries). */
  writeEntry(ref: number, flags: number, domid: number, frame: number): void {
    const pa = this.entryPa(ref), m = this.mem;
    for (let i = 0; i < this.entrySize; i++) m.store8(pa + i, 0);
    m.store8(pa, flags & 0xff); m.store8(pa + 1, flags >>> 8);
    m.store8(pa + 2, domid & 0xff); m.store8(pa + 3, domid >>> 8);
    if (this.version === 2) {
      m.store32(pa + GRANT_ENTRY_V2.fullPageFrame, frame % 0x100000000 | 0);
      m.store32(pa + GRANT_ENTRY_V2.fullPageFrame + 4, Math.floor(frame / 0x100000000) | 0);
    } else m.store32(pa + GRANT_ENTRY_V1.frame, frame | 0);
  }

  /** The in-use bits: v1 keeps them in the entry's flags, v2 in the status word. */
  private inUse(ref: number): number {
    if (this.version === 2) { const s = this.statusPa(ref); return this.mem.u8[s] | (this.mem.u8[s + 1] << 8); }
    return this.entry(ref).flags & (GTF.reading | GTF.writing);
  }

  private setInUse(ref: number, bits: number): void {
    if (this.version === 2) { const s = this.statusPa(ref); this.mem.store8(s, bits & 0xff); this.mem.store8(s + 1, bits >>> 8); return; }
    const pa = this.entryPa(ref);
    this.mem.store8(pa, (this.mem.u8[pa] & ~(GTF.reading | GTF.writing)) | bits);
  }

  /**
   * Takes a reference on grant `ref` for domain `byDomid` (a map or a copy): the entry must
   * permit access to that domain, and a write must not meet GTF_readonly. Returns the
   * granted frame number or a GNTST_* code (negative).
   */
  acquire(ref: number, byDomid: number, readonly: boolean): number {
    if (!Number.isInteger(ref) || ref < 0 || ref >= this.nrEntries) return GNTST.bad_gntref;
    const e = this.entry(ref);
    if ((e.flags & GTF.type_mask) !== GTF.permit_access || e.domid !== byDomid) return GNTST.general_error;
    if (!readonly && (e.flags & GTF.readonly)) return GNTST.general_error;
    if (this.version === 2 && (e.flags & GTF.sub_page)) return GNTST.general_error; // a sub-page grant cannot be mapped
    this.setInUse(ref, this.inUse(ref) | GTF.reading | (readonly ? 0 : GTF.writing));
    return e.frame;
  }

  /** Drops a reference: the in-use bits stay while another mapping of the same grant remains. */
  release(ref: number): void {
    let reading = false, writing = false;
    for (const m of this.maps) if (m && m.ref === ref) { reading = true; writing ||= !m.readonly; }
    this.setInUse(ref, (reading ? GTF.reading : 0) | (writing ? GTF.writing : 0));
  }

  addMapping(m: GrantMapping): number {
    const free = this.maps.indexOf(null);
    if (free >= 0) { this.maps[free] = m; return free; }
    this.maps.push(m);
    return this.maps.length - 1;
  }

  /** GNTTABOP_set_version: 0 or -errno (Xen's checks: only 1 or 2; nothing beyond the reserved entries in use). */
  setVersion(v: number): number {
    if (v !== 1 && v !== 2) return -EINVAL;
    if (v === this.version) return 0;
    for (let ref = GNTTAB_NR_RESERVED_ENTRIES; ref < this.nrEntries; ref++) if (this.inUse(ref)) return -EBUSY;
    if (v === 2 && this.statusPas.length < Math.ceil(this.nrFrames * (PAGE / GRANT_ENTRY_V2.SIZE) * GRANT_STATUS_SIZE / PAGE)) return -ENOMEM;
    // The toolstack's reserved entries survive the change, converted to the new format; the rest start invalid.
    const keep: Array<{ flags: number; domid: number; frame: number; busy: number }> = [];
    for (let ref = 0; ref < Math.min(GNTTAB_NR_RESERVED_ENTRIES, this.nrEntries); ref++) keep.push({ ...this.entry(ref), busy: this.inUse(ref) });
    for (const pa of this.sharedPas.slice(0, this.nrFrames)) for (let i = 0; i < PAGE; i += 4) this.mem.store32(pa + i, 0);
    for (const pa of this.statusPas) for (let i = 0; i < PAGE; i += 4) this.mem.store32(pa + i, 0);
    this.version = v;
    keep.forEach((e, ref) => {
      if (ref >= this.nrEntries) return;
      this.writeEntry(ref, e.flags & ~(GTF.reading | GTF.writing), e.domid, e.frame);
      this.setInUse(ref, e.busy);
    });
    return 0;
  }

  save(): unknown {
    return { version: this.version, nrFrames: this.nrFrames, sharedPas: [...this.sharedPas], statusPas: [...this.statusPas], maps: this.maps.map((m) => (m ? { ...m } : null)) };
  }

  load(s: { version: 1 | 2; nrFrames: number; sharedPas: number[]; statusPas: number[]; maps: Array<GrantMapping | null> }): void {
    this.version = s.version; this.nrFrames = s.nrFrames; this.sharedPas = [...s.sharedPas]; this.statusPas = [...s.statusPas];
    this.maps.length = 0; this.maps.push(...s.maps.map((m) => (m ? { ...m } : null)));
  }
}
