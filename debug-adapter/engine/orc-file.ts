// The ORC tables of a kernel's debug file (vmlinux), when it has them: .orc_unwind_ip and
// .orc_unwind, read in the entry layout the kernel's version uses (orc.ts's OrcLayout). The
// version is the one linux_banner states ("Linux version 6.1.0-..."); .orc_header (6.4 and
// later: a hash of orc_types.h) marks the newest layout whatever the banner says. A file with
// neither is read in the oldest layout, which every kernel before 6.3 has.

import type { DebugFile } from '../../emulator/loader/dwarf/debug-file';
import { OrcTable, type OrcLayout } from './orc';

const SHT_NOBITS = 8;

/** The layout for a kernel release ("6.1.0-57-cloud-amd64", "6.3.13") and whether it has .orc_header. */
export function orcLayoutFor(release: string | null, hasHeader: boolean): OrcLayout {
  if (hasHeader) return 'v3';
  const m = release ? /^(\d+)\.(\d+)/.exec(release) : null;
  if (!m) return 'v1';
  const v = Number(m[1]) * 1000 + Number(m[2]);
  return v >= 6004 ? 'v3' : v === 6003 ? 'v2' : 'v1';
}

/** The release linux_banner names, read from the file's allocated sections; null when it has none. */
export function kernelRelease(file: DebugFile): string | null {
  const addr = file.addressesOf('linux_banner')[0];
  if (addr === undefined) return null;
  const s = file.elf.sections.find((x) => x.type !== SHT_NOBITS && x.addr !== 0 && addr >= x.addr && addr < x.addr + x.size);
  if (!s) return null;
  const bytes = file.elf.readIn(s, addr - s.addr, Math.min(128, s.addr + s.size - addr));
  return /^Linux version (\S+)/.exec(new TextDecoder('latin1').decode(bytes))?.[1] ?? null;
}

export function orcTableOf(file: DebugFile): OrcTable | null {
  const ip = file.elf.section('.orc_unwind_ip');
  const ipBytes = file.elf.read('.orc_unwind_ip'), entries = file.elf.read('.orc_unwind');
  if (!ip || !ipBytes || !entries || ipBytes.length < 4) return null;
  return new OrcTable(ipBytes, ip.addr, entries, orcLayoutFor(kernelRelease(file), file.elf.section('.orc_header') !== undefined));
}
