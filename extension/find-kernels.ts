// Finding guest kernels in a workspace without VS Code: what the emulator loads (an ELF32
// i386 or ELF64 x86-64 executable, or a Linux bzImage) is recognised by its header, not by
// its name, and labelled by what the headers say.

import { openSync, readSync, closeSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseXenNotes } from '../emulator/loader/index';

const SKIP = new Set(['node_modules', '.git', '.paravirt', '.vscode']);

/** What a kernel file is, by its header. */
export type KernelKind = 'elf32' | 'elf64' | 'bzimage';

const KIND_LABEL: Record<KernelKind, string> = { elf32: '32-bit', elf64: 'x86-64', bzimage: 'Linux bzImage' };

// Enough for the ELF header's e_machine and the boot sector's setup header up to "HdrS".
const HEAD_BYTES = 0x206;
// Xen notes are read from the whole ELF; a kernel ELF larger than this is not scanned.
const MAX_NOTES_READ = 256 * 1024 * 1024;

function readHead(path: string): Buffer | null {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const h = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, h, 0, HEAD_BYTES, 0);
    return h.subarray(0, n);
  } catch {
    return null;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** The kind of a file's header, or null when it is none the emulator loads as a kernel. */
export function kindOfHeader(h: Uint8Array): KernelKind | null {
  const b = Buffer.from(h.buffer, h.byteOffset, h.byteLength);
  if (b.length >= 20 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46 && b[5] === 1 // \x7fELF, little-endian
    && b.readUInt16LE(16) === 2) {                                                                    // ET_EXEC
    const machine = b.readUInt16LE(18);
    if (b[4] === 1 && machine === 3 && b.length >= 52) return 'elf32';    // ELFCLASS32, EM_386
    if (b[4] === 2 && machine === 62 && b.length >= 64) return 'elf64';   // ELFCLASS64, EM_X86_64
    return null;
  }
  // The Linux boot protocol: boot_flag 0xAA55 at 0x1fe and "HdrS" at 0x202.
  if (b.length >= HEAD_BYTES && b.readUInt16LE(0x1fe) === 0xaa55 && b.toString('latin1', 0x202, 0x206) === 'HdrS') return 'bzimage';
  return null;
}

/** The kind of the kernel at `path`, or null (unreadable, too short, or not a kernel). */
export function kernelKind(path: string): KernelKind | null {
  const h = readHead(path);
  return h ? kindOfHeader(h) : null;
}

/** True for an ELF32 little-endian executable for i386. */
export function isX86Elf32(path: string): boolean {
  return kernelKind(path) === 'elf32';
}

/** True for an ELF64 little-endian executable for x86-64. */
export function isX86Elf64(path: string): boolean {
  return kernelKind(path) === 'elf64';
}

/** Kernels (ELF32, ELF64, bzImage) under `root`, depth-limited, in path order. */
export function findKernels(root: string, maxDepth = 4, limit = 50): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (out.length >= limit || depth > maxDepth) return;
    let names: string[];
    try { names = readdirSync(dir).sort(); } catch { return; }
    for (const n of names) {
      if (out.length >= limit) return;
      if (SKIP.has(n)) continue;
      const p = join(dir, n);
      let st;
      try { st = statSync(p); } catch { continue; }
      if (st.isDirectory()) walk(p, depth + 1);
      else if (st.isFile() && st.size >= 52 && !/\.(o|a|so)$/.test(n) && kernelKind(p) !== null) out.push(p);
    }
  };
  walk(root, 0);
  return out;
}

/**
 * The mode a kernel asks for: an ELF with Xen guest notes and no PVH entry point is a PV
 * kernel (as `paravirt run` detects it); one with only a PVH entry point
 * (XEN_ELFNOTE_PHYS32_ENTRY, no PV entry) is a PVH kernel; any other kernel is HVM (a kernel
 * with both, as Linux's vmlinux, could be either Xen flavour: HVM stays the guess). A file
 * that cannot be read falls back to its name (`-pv`, `-pvh`), a guess the user still confirms.
 */
export function guessMode(path: string): 'hvm' | 'pv' | 'pvh' {
  const byName = /(^|[-_./])pvh([-_.]|$)/i.test(path) ? 'pvh' : /(^|[-_./])pv([-_.]|$)/i.test(path) ? 'pv' : 'hvm';
  const kind = kernelKind(path);
  if (kind === 'bzimage') return 'hvm';
  if (kind === null) return byName;
  try {
    if (statSync(path).size > MAX_NOTES_READ) return byName;
    const xen = parseXenNotes(new Uint8Array(readFileSync(path)));
    if (xen === null) return 'hvm';
    if (xen.physEntry === undefined) return 'pv';
    return xen.entry === undefined && xen.hypercallPage === undefined ? 'pvh' : 'hvm';
  } catch {
    return byName;
  }
}

/** "x86-64 · HVM": what the picker shows beside a kernel's path. */
export function kernelLabel(path: string): string {
  const kind = kernelKind(path);
  return `${kind ? KIND_LABEL[kind] : 'unknown'} · ${guessMode(path).toUpperCase()}`;
}

/**
 * The compare command's automatic choice of one flavour, or undefined to ask. A kernel is
 * compared with one of its own kind (a 32-bit HVM build with a 32-bit PV build): when the
 * workspace holds several kernels of the wanted mode, only those of the partner's kind count
 * (the partner being the already chosen kernel, or the one kind every kernel of the other
 * mode shares); when every kind makes exactly one pair, the first pair by path.
 */
export function autoPick(want: 'hvm' | 'pv', candidates: string[], partner?: string): string | undefined {
  const modeOf = new Map(candidates.map((p) => [p, guessMode(p)]));
  const wanted = candidates.filter((p) => modeOf.get(p) === want);
  if (wanted.length === 0) return undefined;
  if (wanted.length === 1) return partner === undefined || kernelKind(partner) === kernelKind(wanted[0]) ? wanted[0] : undefined;
  // The other side of the pair (PVH kernels are neither side of an HVM/PV pair).
  const others = partner ? [partner] : candidates.filter((p) => modeOf.get(p) === (want === 'hvm' ? 'pv' : 'hvm'));
  const kinds = new Set(others.map(kernelKind));
  if (kinds.size === 1) {
    const [kind] = kinds;
    const same = wanted.filter((p) => kernelKind(p) === kind);
    return same.length === 1 ? same[0] : undefined;
  }
  if (partner) return undefined;
  // Several kinds on the other side (the sample's 32-bit and x86-64 builds): the kinds that
  // make exactly one pair each decide, the first of them by path; any other case is asked.
  const pairs = [...kinds].filter((k) => wanted.filter((p) => kernelKind(p) === k).length === 1 && others.filter((p) => kernelKind(p) === k).length === 1);
  if (pairs.length === 0 || pairs.length !== kinds.size) return undefined;
  return wanted.filter((p) => pairs.includes(kernelKind(p))).sort()[0];
}
