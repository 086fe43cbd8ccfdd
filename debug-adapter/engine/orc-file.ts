// The ORC tables of a kernel's debug file (vmlinux), when it has them: .orc_unwind_ip and
// .orc_unwind, in the entry layout its version uses (.orc_header, 6.4 and later, marks the
// layout with the signal bit; 6.3 has that layout without the header and is read as the older one).

import type { DebugFile } from '../../emulator/loader/dwarf/debug-file';
import { OrcTable } from './orc';

export function orcTableOf(file: DebugFile): OrcTable | null {
  const ip = file.elf.section('.orc_unwind_ip');
  const ipBytes = file.elf.read('.orc_unwind_ip'), entries = file.elf.read('.orc_unwind');
  if (!ip || !ipBytes || !entries || ipBytes.length < 4) return null;
  return new OrcTable(ipBytes, ip.addr, entries, file.elf.section('.orc_header') ? 'v6.3' : 'v5');
}
