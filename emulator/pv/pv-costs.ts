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

import { HYPERCALL_TABLE } from './hypercall-table';

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
  // Per hypercall: the `cycles` column of the hypercall table.
  handler: Object.fromEntries(HYPERCALL_TABLE.filter((h) => h.cycles !== undefined).map((h) => [h.name, h.cycles!])),
  defaultHandler: 100,
  perPageTableEntry: 20,
  trapBounce: 500,
  eventUpcall: 450,
  privilegedOp: 2500,
  cyclesPerInstruction: 1,
});
