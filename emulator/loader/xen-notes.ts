// Xen guest information from an ELF32 PV kernel: the "Xen" ELF notes (PT_NOTE segments, or
// SHT_NOTE sections when no segment holds any) or, failing both, the legacy `__xen_guest`
// section of comma-separated NAME=VALUE pairs. Note numbers and their meaning follow Xen's
// public elfnote.h; which source wins and the defaults for unset addresses follow Xen's
// domain builder, so a kernel built for Xen is read here the way Xen reads it.

import { ByteReader } from './byte-reader';
import { PT_LOAD, PT_NOTE, SHT_NOTE, sectionData, type ElfImage } from './elf';
import { ImageError, hex } from './image-error';

export const XEN_ELFNOTE = {
  INFO: 0, ENTRY: 1, HYPERCALL_PAGE: 2, VIRT_BASE: 3, PADDR_OFFSET: 4, XEN_VERSION: 5,
  GUEST_OS: 6, GUEST_VERSION: 7, LOADER: 8, PAE_MODE: 9, FEATURES: 10, BSD_SYMTAB: 11,
  HV_START_LOW: 12, L1_MFN_VALID: 13, SUSPEND_CANCEL: 14, INIT_P2M: 15, MOD_START_PFN: 16,
  SUPPORTED_FEATURES: 17, PHYS32_ENTRY: 18,
} as const;

const NOTE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(XEN_ELFNOTE).map(([k, v]) => [v, k]));
const STRING_NOTES = new Set<number>([0, 5, 6, 7, 8, 9, 10, 11]);
/** Numeric notes that place the kernel: a malformed one must not be read as 0. */
const ADDRESS_NOTES = new Set<number>([1, 2, 3, 4, 12, 15, 18]);

/** XENFEAT_* bit numbers for the names a FEATURES string may use. */
export const XEN_FEATURE_BITS: Record<string, number> = {
  writable_page_tables: 0, writable_descriptor_tables: 1, auto_translated_physmap: 2,
  supervisor_mode_kernel: 3, pae_pgdir_above_4gb: 4, hvm_callback_vector: 8, dom0: 11,
};

/** How Xen reads the PAE setting: a note "yes" means PAE with extended CR3. */
export type XenPaeMode = 'no' | 'yes' | 'extended-cr3' | 'bimodal';

export interface XenNote {
  type: number;
  /** ENTRY, GUEST_OS, ... or "unknown". */
  name: string;
  value: number | string | Uint8Array;
  /** File offset of the note header. */
  offset: number;
}

export interface XenGuestInfo {
  /** Where the information came from. */
  source: 'notes' | 'legacy';
  /** Values exactly as the image states them (undefined when absent). */
  entry?: number;
  hypercallPage?: number;
  virtBase?: number;
  paddrOffset?: number;
  hvStartLow?: number;
  initP2m?: number;
  physEntry?: number;
  xenVersion?: string;
  guestOs?: string;
  guestVersion?: string;
  loader?: string;
  info?: string;
  paeRaw?: string;
  pae: XenPaeMode;
  bsdSymtab: boolean;
  suspendCancel?: number;
  modStartPfn?: number;
  l1MfnValid?: number;
  features: {
    /** The FEATURES string(s) as written. */
    raw: string[];
    /** Known feature names the kernel supports (required ones included). */
    supported: string[];
    required: string[];
    /** XENFEAT_* bitmaps (bit n = feature n); SUPPORTED_FEATURES' bitmap is or-ed in. */
    supportedMask: number;
    requiredMask: number;
    /** '!'-prefixed names this table does not know: Xen refuses such a kernel. */
    unknownRequired: string[];
  };
  /** Every "Xen" note in file order (empty for the legacy section). */
  notes: XenNote[];
  /** Addresses with Xen's defaults applied (VIRT_BASE 0, PADDR_OFFSET 0 for notes or VIRT_BASE for legacy, entry e_entry). */
  layout: {
    virtBase: number;
    paddrOffset: number;
    entry: number;
    /** Virtual range the PT_LOAD segments occupy once placed: [start, end). */
    virtKernelStart: number;
    virtKernelEnd: number;
  };
}

/**
 * The Xen guest information of a parsed ELF: null for an ELF without Xen notes or
 * `__xen_guest`; an ImageError for malformed notes. (A KernelImage's xen() calls it once.)
 */
export function readXenNotes(elf: ElfImage): XenGuestInfo | null {
  const info = emptyInfo();

  // Like Xen, skip PT_NOTE headers with p_offset 0: some binutils versions wrote them so.
  let notes = collectNotes(elf, elf.programHeaders.filter((p) => p.type === PT_NOTE && p.offset !== 0).map((p) => {
    if (p.offset + p.filesz > elf.reader.length) {
      throw new ImageError(`PT_NOTE segment ${p.index} (${hex(p.offset)}..${hex(p.offset + p.filesz)}) lies outside the ${elf.reader.length}-byte file`,
        { offset: elf.header.phoff + p.index * elf.header.phentsize, field: 'p_offset/p_filesz' });
    }
    return { start: p.offset, end: p.offset + p.filesz };
  }));
  if (notes.length === 0) {
    notes = collectNotes(elf, elf.sections.filter((s) => s.type === SHT_NOTE).map((s) => {
      sectionData(elf, s, 'note section');
      return { start: s.offset, end: s.offset + s.size };
    }));
  }
  if (notes.length > 0) {
    info.source = 'notes';
    info.notes = notes;
    for (const n of notes) applyNote(info, n);
  } else {
    const legacy = elf.sections.find((s) => s.name === '__xen_guest');
    if (!legacy) return null;
    info.source = 'legacy';
    applyLegacy(info, sectionData(elf, legacy, '__xen_guest section'));
  }
  computeLayout(elf, info);
  return info;
}

function emptyInfo(): XenGuestInfo {
  return {
    source: 'notes', pae: 'no', bsdSymtab: false, notes: [],
    features: { raw: [], supported: [], required: [], supportedMask: 0, requiredMask: 0, unknownRequired: [] },
    layout: { virtBase: 0, paddrOffset: 0, entry: 0, virtKernelStart: 0, virtKernelEnd: 0 },
  };
}

function collectNotes(elf: ElfImage, ranges: Array<{ start: number; end: number }>): XenNote[] {
  const r = elf.reader;
  const out: XenNote[] = [];
  for (const { start, end } of ranges) {
    let o = start;
    while (o + 12 <= end) {
      const namesz = r.u32(o, 'note namesz');
      const descsz = r.u32(o + 4, 'note descsz');
      const type = r.u32(o + 8, 'note type');
      const nameAt = o + 12;
      const descAt = nameAt + pad4(namesz);
      const next = descAt + pad4(descsz);
      if (next > end) {
        // Xen reads a string note's text wherever it lies in the file, so a last note whose
        // descsz overstates its string (GRUB's i386-xen image has PAE_MODE "yes" with descsz
        // 12) is accepted when the NUL-terminated text itself is inside the area.
        const avail = Math.max(0, end - descAt);
        const isXen = namesz === 4 && r.bytes[nameAt] === 0x58 && r.bytes[nameAt + 1] === 0x65 && r.bytes[nameAt + 2] === 0x6e && r.bytes[nameAt + 3] === 0;
        if (isXen && STRING_NOTES.has(type) && NOTE_NAMES[type] !== undefined && avail > 0 && r.bytes.subarray(descAt, descAt + avail).includes(0)) {
          out.push({ type, name: NOTE_NAMES[type], value: noteValue(r, type, descAt, avail, o), offset: o });
          break;
        }
        throw new ImageError(`ELF note at ${hex(o)} (namesz ${namesz}, descsz ${descsz}) runs past the end of its note area at ${hex(end)}`, { offset: o, field: 'note namesz/descsz' });
      }
      if (namesz === 4 && r.bytes[nameAt] === 0x58 && r.bytes[nameAt + 1] === 0x65 && r.bytes[nameAt + 2] === 0x6e && r.bytes[nameAt + 3] === 0) {
        out.push({ type, name: NOTE_NAMES[type] ?? 'unknown', value: noteValue(r, type, descAt, descsz, o), offset: o });
      }
      o = next;
    }
  }
  return out;
}

function pad4(n: number): number { return Math.ceil(n / 4) * 4; }

function noteValue(r: ByteReader, type: number, at: number, size: number, noteAt: number): number | string | Uint8Array {
  const name = NOTE_NAMES[type];
  if (name === undefined) return r.bytes.slice(at, at + size);
  if (STRING_NOTES.has(type)) {
    // Linux writes FEATURES with .ascii (no NUL in descsz); Xen reads the string up to its NUL,
    // which the note's zero padding supplies.
    const nul = r.bytes.subarray(at, Math.min(at + pad4(size), r.bytes.length)).indexOf(0);
    if (nul < 0) throw new ImageError(`Xen note ${name} is not NUL-terminated`, { offset: noteAt, field: `XEN_ELFNOTE_${name}` });
    return new TextDecoder('latin1').decode(r.bytes.subarray(at, at + nul));
  }
  if (type === XEN_ELFNOTE.SUPPORTED_FEATURES) {
    if (size % 4 !== 0) throw new ImageError(`Xen note SUPPORTED_FEATURES has ${size} bytes; expected a multiple of 4`, { offset: noteAt, field: 'XEN_ELFNOTE_SUPPORTED_FEATURES' });
    return size === 0 ? 0 : r.u32(at, 'SUPPORTED_FEATURES');
  }
  if (size === 1) return r.u8(at, `XEN_ELFNOTE_${name}`);
  if (size === 2) return r.u16(at, `XEN_ELFNOTE_${name}`);
  if (size === 4) return r.u32(at, `XEN_ELFNOTE_${name}`);
  // An 8-byte address note belongs to a 64-bit kernel: a canonical address, signed as the ELF64
  // reader gives addresses (0xffffffff80000000 is -0x80000000).
  if (size === 8) return ADDRESS_NOTES.has(type) ? r.s64(at, `XEN_ELFNOTE_${name}`) : r.u64(at, `XEN_ELFNOTE_${name}`);
  // Linux writes L1_MFN_VALID as a (mask, value) pair of quads; keep such notes as bytes.
  if (!ADDRESS_NOTES.has(type)) return r.bytes.slice(at, at + size);
  throw new ImageError(`Xen note ${name} is numeric but has ${size} bytes; expected 4 or 8`, { offset: noteAt, field: `XEN_ELFNOTE_${name}` });
}

function applyNote(info: XenGuestInfo, n: XenNote): void {
  const num = typeof n.value === 'number' ? n.value : undefined;
  const str = typeof n.value === 'string' ? n.value : undefined;
  switch (n.type) {
    case XEN_ELFNOTE.INFO: info.info = str; break;
    case XEN_ELFNOTE.ENTRY: info.entry = num; break;
    case XEN_ELFNOTE.HYPERCALL_PAGE: info.hypercallPage = num; break;
    case XEN_ELFNOTE.VIRT_BASE: info.virtBase = num; break;
    case XEN_ELFNOTE.PADDR_OFFSET: info.paddrOffset = num; break;
    case XEN_ELFNOTE.XEN_VERSION: info.xenVersion = str; break;
    case XEN_ELFNOTE.GUEST_OS: info.guestOs = str; break;
    case XEN_ELFNOTE.GUEST_VERSION: info.guestVersion = str; break;
    case XEN_ELFNOTE.LOADER: info.loader = str; break;
    case XEN_ELFNOTE.PAE_MODE:
      info.paeRaw = str;
      if (str === 'yes') info.pae = 'extended-cr3';
      if (str !== undefined && str.includes('bimodal')) info.pae = 'bimodal';
      break;
    case XEN_ELFNOTE.FEATURES: if (str !== undefined) applyFeatures(info, str); break;
    case XEN_ELFNOTE.BSD_SYMTAB: if (str === 'yes') info.bsdSymtab = true; break;
    case XEN_ELFNOTE.HV_START_LOW: info.hvStartLow = num; break;
    case XEN_ELFNOTE.L1_MFN_VALID: info.l1MfnValid = num; break;
    case XEN_ELFNOTE.SUSPEND_CANCEL: info.suspendCancel = num; break;
    case XEN_ELFNOTE.INIT_P2M: info.initP2m = num; break;
    case XEN_ELFNOTE.MOD_START_PFN: info.modStartPfn = num; break;
    case XEN_ELFNOTE.SUPPORTED_FEATURES: info.features.supportedMask = (info.features.supportedMask | (num ?? 0)) >>> 0; break;
    case XEN_ELFNOTE.PHYS32_ENTRY: info.physEntry = num; break;
  }
}

function applyFeatures(info: XenGuestInfo, text: string): void {
  const f = info.features;
  f.raw.push(text);
  for (const item of text.split('|')) {
    if (item === '') continue;
    const required = item.startsWith('!');
    const name = required ? item.slice(1) : item;
    const bit = XEN_FEATURE_BITS[name];
    if (bit === undefined) {
      if (required) f.unknownRequired.push(name);
      continue;
    }
    if (!f.supported.includes(name)) f.supported.push(name);
    f.supportedMask = (f.supportedMask | (1 << bit)) >>> 0;
    if (required) {
      if (!f.required.includes(name)) f.required.push(name);
      f.requiredMask = (f.requiredMask | (1 << bit)) >>> 0;
    }
  }
}

function applyLegacy(info: XenGuestInfo, data: Uint8Array): void {
  const nul = data.indexOf(0);
  const text = new TextDecoder('latin1').decode(nul < 0 ? data : data.subarray(0, nul));
  let hypercallPfn: number | undefined;
  for (const pair of text.split(',')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    switch (name) {
      case 'LOADER': info.loader = value; break;
      case 'GUEST_OS': info.guestOs = value; break;
      case 'GUEST_VER': info.guestVersion = value; break;
      case 'XEN_VER': info.xenVersion = value; break;
      case 'PAE':
        info.paeRaw = value;
        if (value === 'yes[extended-cr3]') info.pae = 'extended-cr3';
        else if (value.startsWith('yes')) info.pae = 'yes';
        else if (value.includes('bimodal')) info.pae = 'bimodal';
        break;
      case 'BSD_SYMTAB': info.bsdSymtab = true; break;
      case 'VIRT_BASE': info.virtBase = parseCNumber(value, name); break;
      case 'VIRT_ENTRY': info.entry = parseCNumber(value, name); break;
      case 'ELF_PADDR_OFFSET': info.paddrOffset = parseCNumber(value, name); break;
      case 'HYPERCALL_PAGE': hypercallPfn = parseCNumber(value, name); break;
      case 'FEATURES': applyFeatures(info, value); break;
    }
  }
  // The legacy form gives the hypercall page as a page number counted from VIRT_BASE.
  if (hypercallPfn !== undefined) info.hypercallPage = (hypercallPfn * 4096 + (info.virtBase ?? 0)) % 0x100000000;
}

/** Reads a number as C's strtoull(s, NULL, 0) does: 0x hex, leading-0 octal, else decimal; stops at the first other character. */
export function parseCNumber(s: string, what: string): number {
  const t = s.trim();
  let base = 10;
  let digits = t;
  if (/^0[xX]/.test(t)) { base = 16; digits = t.slice(2); }
  else if (t.startsWith('0') && t.length > 1) { base = 8; digits = t.slice(1); }
  const valid = base === 16 ? /^[0-9a-fA-F]*/ : base === 8 ? /^[0-7]*/ : /^[0-9]*/;
  const m = valid.exec(digits)![0];
  if (m === '') return 0;
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : '';
  const v = BigInt(prefix + m);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ImageError(`__xen_guest ${what}=${s} is too large`, { field: what });
  return Number(v);
}

function computeLayout(elf: ElfImage, info: XenGuestInfo): void {
  if (info.paddrOffset !== undefined && info.virtBase === undefined) {
    throw new ImageError('Xen guest sets PADDR_OFFSET but not VIRT_BASE; Xen refuses such a kernel', { field: info.source === 'notes' ? 'XEN_ELFNOTE_PADDR_OFFSET' : 'ELF_PADDR_OFFSET' });
  }
  const virtBase = info.virtBase ?? 0;
  const paddrOffset = info.paddrOffset ?? (info.source === 'notes' ? 0 : virtBase);
  const loads = elf.programHeaders.filter((p) => p.type === PT_LOAD && p.memsz > 0);
  const pstart = loads.length ? Math.min(...loads.map((p) => p.paddr)) : 0;
  const pend = loads.length ? Math.max(...loads.map((p) => p.paddr + p.memsz)) : 0;
  const shift = virtBase - paddrOffset;
  info.layout = {
    virtBase, paddrOffset, entry: info.entry ?? elf.header.entry,
    // A 32-bit kernel's addresses wrap at 4 GiB as Xen computes them; a 64-bit one's are signed numbers.
    virtKernelStart: elf.class === 64 ? pstart + shift : mod32(pstart + shift),
    virtKernelEnd: elf.class === 64 ? pend + shift : mod32(pend + shift),
  };
}

function mod32(n: number): number {
  return ((n % 0x100000000) + 0x100000000) % 0x100000000;
}
