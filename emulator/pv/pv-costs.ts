// Estimated cycles for the PV hypervisor's work, in the same units as the HVM cost model
// (emulator/vmm/COST-MODEL.md). Counts are exact; these are a model. Rationale:
// - A hypercall is a software interrupt into ring 0 and an IRET back: no VMCS save and
//   restore, so the round trip is a few hundred cycles on the CPUs Xen's 32-bit PV ran on
//   (int/iret pairs measured at 150-300 cycles), plus the handler's own work.
// - A trap bounce is the hardware fault into Xen plus building the guest's frame and an
//   IRET to the guest handler: about two ring crossings.
// - An event upcall is the same path as a bounce, entered from a timer or a hypercall return.
// - Privileged-op emulation is the most expensive path: #GP into Xen, fetch and decode the
//   faulting instruction through the guest's page tables, emulate, return.
// - Page-table updates are priced per entry validated (the cost of Xen's reference counting).

export interface PvCostModel {
  hypercallRoundTrip: number;
  handler: Record<string, number>;
  defaultHandler: number;
  perPageTableEntry: number;
  trapBounce: number;
  eventUpcall: number;
  privilegedOp: number;
  cyclesPerInstruction: number;
}

export const DEFAULT_PV_COSTS: Readonly<PvCostModel> = Object.freeze({
  hypercallRoundTrip: 250,
  handler: {
    console_io: 400, sched_op: 300, mmu_update: 150, mmuext_op: 200, update_va_mapping: 200,
    set_trap_table: 300, set_timer_op: 150, vcpu_op: 150, event_channel_op: 150, xen_version: 50,
    iret: 100, multicall: 100, memory_op: 200, set_gdt: 400, update_descriptor: 150, stack_switch: 50,
    set_callbacks: 50, callback_op: 60, fpu_taskswitch: 40, vm_assist: 40, grant_table_op: 300, physdev_op: 80,
  },
  defaultHandler: 100,
  perPageTableEntry: 20,
  trapBounce: 500,
  eventUpcall: 450,
  privilegedOp: 2500,
  cyclesPerInstruction: 1,
});
