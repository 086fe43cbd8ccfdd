// Xen's x86_64 PV ABI as numbers (xen/include/public/arch-x86/xen-x86_64.h, xen.h,
// callback.h, and the hypervisor's own layout of a 64-bit guest's address space). Width-
// dependent structure layouts are in layouts.ts; nothing here has behaviour.

/** Flat selectors in Xen's part of every GDT (entries 260-262). A 64-bit PV kernel and its user space share them. */
export const FLAT_RING3_CS32 = 0xe023;
export const FLAT_RING3_CS64 = 0xe033;
export const FLAT_RING3_DS32 = 0xe02b;
export const FLAT_RING3_DS64 = 0x0000;
export const FLAT_RING3_SS64 = 0xe02b;
export const FLAT_KERNEL_CS64 = FLAT_RING3_CS64;
export const FLAT_KERNEL_SS64 = FLAT_RING3_SS64;
export const FLAT_KERNEL_DS64 = FLAT_RING3_DS64;
export const FLAT_USER_CS64 = FLAT_RING3_CS64;
export const FLAT_USER_SS64 = FLAT_RING3_SS64;

/** The hypervisor's part of the address space: L4 slots 256-271 (__HYPERVISOR_VIRT_START/END), as signed numbers. */
export const HYPERVISOR_VIRT_START_64 = -(2 ** 47);              // 0xFFFF800000000000
export const HYPERVISOR_VIRT_END_64 = -(2 ** 47) + 2 ** 43;       // 0xFFFF880000000000
export const XEN_L4_FIRST = 256, XEN_L4_LAST = 271;
/** The read-only M2P table, 8 bytes per machine frame (__MACH2PHYS_VIRT_START/END). */
export const MACH2PHYS_VIRT_START_64 = HYPERVISOR_VIRT_START_64;
export const MACH2PHYS_VIRT_END_64 = -(2 ** 47) + 2 ** 38;         // 0xFFFF804000000000

/** set_segment_base's `which` (xen-x86_64.h). */
export const SEGBASE = { fs: 0, gsUser: 1, gsKernel: 2, gsUserSel: 3 } as const;

/** iret hypercall frame (struct iret_context): rax, r11, rcx, flags, rip, cs, rflags, rsp, ss, 8 bytes each. */
export const IRET_CONTEXT = { rax: 0, r11: 8, rcx: 16, flags: 24, rip: 32, cs: 40, rflags: 48, rsp: 56, ss: 64, SIZE: 72 } as const;
/** The iret frame's `flags`: return as SYSRET would (RCX and R11 are not restored). */
export const VGCF_in_syscall = 1 << 8;

/** trap_info_t on x86_64: {u8 vector, u8 flags, u16 cs, (pad), unsigned long address}. */
export const TRAP_INFO_64 = { vector: 0, flags: 1, cs: 2, address: 8, SIZE: 16 } as const;

/** callback_op types (callback.h) that exist only or differently for 64-bit guests. */
export const CALLBACKTYPE_syscall32 = 7, CALLBACKTYPE_sfmask = 8;

/** The magic a 64-bit start_info carries. */
export const START_INFO_MAGIC_64 = 'xen-3.0-x86_64';
/** XENVER_capabilities of a hypervisor that runs 64-bit PV guests. */
export const XEN_CAPABILITIES_64 = 'xen-3.0-x86_64 xen-3.0-x86_32p';
