// Hypercall continuations, as Xen makes them: a long batch is done in slices, and between
// slices the guest's EIP is put back on its `int 0x82` (or `syscall`) with the arguments advanced, so the
// guest re-enters the hypercall. Each slice is one instruction of guest time, so budgets,
// pauses and timers keep working however large a batch a guest asks for.

/** Entries a batched hypercall handles before it yields (Xen checks for preemption about as often). */
export const BATCH_SLICE = 512;
/** Xen's flag in the count argument of a continued mmu_update / mmuext_op. */
export const MMU_UPDATE_PREEMPTED = 0x80000000;

export class Continuation {
  /**
   * New values of arguments 0, 1, ... for the re-issued hypercall (addresses as
   * HypercallArgs.addr gives them); the hypercall path writes them back to the argument
   * registers of the guest's width.
   */
  constructor(readonly args: readonly number[]) {}
}
