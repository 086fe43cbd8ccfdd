// The hypercall page Xen writes for an HVM or PVH guest on Intel hardware when the guest
// writes its guest-physical address to the hypercall-page MSR (CPUID 0x40000002 EBX): 32-byte
// stubs `mov $nr, %eax; vmcall; ret` (B8 nr32 0F 01 C1 C3), the rest of the page INT3 (0xCC)
// so that a stray jump into it traps. HYPERVISOR_iret has no HVM form: its slot is UD2. The
// same stubs serve 32- and 64-bit callers (MOV to EAX zero-extends RAX); the hypervisor reads
// the arguments by the caller's mode when the VMCALL exits.

import { HC } from '../pv/hypercall-table';

export const HYPERCALL_STUB_BYTES = 32;
const PAGE = 4096;

/** The page's bytes (what `wrmsr(0x40000000, gpa)` writes at gpa). */
export function hypercallPageBytes(): Uint8Array {
  const p = new Uint8Array(PAGE).fill(0xcc);
  for (let nr = 0; nr < PAGE / HYPERCALL_STUB_BYTES; nr++) {
    const o = nr * HYPERCALL_STUB_BYTES;
    if (nr === HC.iret) { p[o] = 0x0f; p[o + 1] = 0x0b; continue; }
    p.set([0xb8, nr & 0xff, (nr >>> 8) & 0xff, 0, 0, 0x0f, 0x01, 0xc1, 0xc3], o);
  }
  return p;
}
