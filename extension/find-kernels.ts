// Finding guest kernels in a workspace without VS Code: an ELF32 x86 executable is what the
// emulator loads, so candidates are checked by their header, not by their name.

import { openSync, readSync, closeSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SKIP = new Set(['node_modules', '.git', '.paravirt', '.vscode']);

/** True for an ELF32 little-endian executable for i386. */
export function isX86Elf32(path: string): boolean {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const h = Buffer.alloc(20);
    if (readSync(fd, h, 0, 20, 0) < 20) return false;
    return h[0] === 0x7f && h[1] === 0x45 && h[2] === 0x4c && h[3] === 0x46 // \x7fELF
      && h[4] === 1 && h[5] === 1                                         // ELFCLASS32, little-endian
      && h.readUInt16LE(16) === 2 && h.readUInt16LE(18) === 3;             // ET_EXEC, EM_386
  } catch {
    return false;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Kernel ELFs under `root` (depth-limited), PV-looking names last is not assumed: callers label them. */
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
      else if (st.isFile() && st.size >= 52 && !/\.(o|a|so)$/.test(n) && isX86Elf32(p)) out.push(p);
    }
  };
  walk(root, 0);
  return out;
}

/** A guess of the flavour from the file name; the user still chooses. */
export function guessMode(path: string): 'hvm' | 'pv' {
  return /(^|[-_./])pv([-_.]|$)/i.test(path) ? 'pv' : 'hvm';
}
