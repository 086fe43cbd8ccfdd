// HVM parameters (Xen's public hvm/params.h) as a PVH guest sees them: which it may read and
// which it may set itself (xen/arch/x86/hvm/hvm.c hvm_allow_get_param / hvm_allow_set_param),
// and what the toolstack set before the guest started (the console and xenstore pages and
// event channels). Values are 64-bit: CALLBACK_IRQ keeps its delivery type in bits 63:56.

export const HVM_PARAM = {
  CALLBACK_IRQ: 0, STORE_PFN: 1, STORE_EVTCHN: 2, PAE_ENABLED: 4, IOREQ_PFN: 5, BUFIOREQ_PFN: 6,
  VIRIDIAN: 9, TIMER_MODE: 10, HPET_ENABLED: 11, IDENT_PT: 12, DM_DOMAIN: 13, ACPI_S_STATE: 14,
  VM86_TSS: 15, VPT_ALIGN: 16, CONSOLE_PFN: 17, CONSOLE_EVTCHN: 18, ACPI_IOPORTS_LOCATION: 19,
  NESTEDHVM: 24, PAGING_RING_PFN: 27, MONITOR_RING_PFN: 28, SHARING_RING_PFN: 29, TRIPLE_FAULT_REASON: 31,
  IOREQ_SERVER_PFN: 32, NR_IOREQ_SERVER_PAGES: 33, VM_GENERATION_ID_ADDR: 34, ALTP2M: 35,
  X87_FIP_WIDTH: 36, VM86_TSS_SIZED: 37, MCA_CAP: 38,
} as const;
export const HVM_NR_PARAMS = 39;

/** HVM_PARAM_CALLBACK_IRQ's type field (bits 63:56): GSI 0, PCI INTx 1, vector 2. */
export const HVM_PARAM_CALLBACK_TYPE = { gsi: 0, pci_intx: 1, vector: 2 } as const;

/** Parameters a domain may read about itself. */
const GUEST_READABLE = new Set<number>([
  HVM_PARAM.CALLBACK_IRQ, HVM_PARAM.VM86_TSS, HVM_PARAM.VM86_TSS_SIZED, HVM_PARAM.ACPI_IOPORTS_LOCATION,
  HVM_PARAM.VM_GENERATION_ID_ADDR, HVM_PARAM.STORE_PFN, HVM_PARAM.STORE_EVTCHN, HVM_PARAM.CONSOLE_PFN,
  HVM_PARAM.CONSOLE_EVTCHN, HVM_PARAM.ALTP2M, HVM_PARAM.X87_FIP_WIDTH,
]);
/** Parameters a domain may set on itself; every other set is -EPERM. */
const GUEST_WRITABLE = new Set<number>([
  HVM_PARAM.CALLBACK_IRQ, HVM_PARAM.VM86_TSS, HVM_PARAM.VM86_TSS_SIZED, HVM_PARAM.ACPI_IOPORTS_LOCATION,
  HVM_PARAM.VM_GENERATION_ID_ADDR, HVM_PARAM.STORE_EVTCHN, HVM_PARAM.CONSOLE_EVTCHN, HVM_PARAM.X87_FIP_WIDTH,
]);

export function guestMayGet(index: number): boolean { return GUEST_READABLE.has(index); }
export function guestMaySet(index: number): boolean { return GUEST_WRITABLE.has(index); }

export const HVMOP = {
  set_param: 0, get_param: 1, set_pci_intx_level: 2, set_isa_irq_level: 3, set_pci_link_route: 4,
  pagetable_dying: 9, get_time: 10, xentrace: 11, set_mem_access: 12, get_mem_access: 13,
  get_mem_type: 15, set_evtchn_upcall_vector: 23, guest_request_vm_event: 24, altp2m: 25,
} as const;
