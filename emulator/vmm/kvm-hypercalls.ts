// KVM's hypercall ABI for HVM guests (VMCALL 0F 01 C1 / VMMCALL 0F 01 D9): number in EAX,
// arguments in EBX, ECX, EDX, ESI, result in EAX. Numbers and error values are those of
// Linux's include/uapi/linux/kvm_para.h; the behaviour is what KVM does for a guest with
// exactly one vCPU (APIC ID 0) and no paravirtual features advertised in CPUID.

export const KvmHypercall = {
  VAPIC_POLL_IRQ: 1,
  MMU_OP: 2,          // removed from KVM long ago; answered like any unknown number
  FEATURES: 3,        // reserved by KVM but never implemented by its dispatcher
  PPC_MAP_MAGIC_PAGE: 4,
  KICK_CPU: 5,
  MIPS_GET_CLOCK_FREQ: 6,
  MIPS_EXIT_VM: 7,
  MIPS_CONSOLE_OUTPUT: 8,
  CLOCK_PAIRING: 9,
  SEND_IPI: 10,
  SCHED_YIELD: 11,
  MAP_GPA_RANGE: 12,
} as const;

export const KVM_ENOSYS = 1000;
export const KVM_EPERM = 1;        // EPERM
export const KVM_EINVAL = 22;      // EINVAL
export const KVM_EOPNOTSUPP = 95;  // EOPNOTSUPP

const NAMES: Record<number, string> = Object.fromEntries(Object.entries(KvmHypercall).map(([k, v]) => [v, k]));

export function kvmHypercallName(nr: number): string {
  return NAMES[nr] ?? `UNKNOWN_${nr >>> 0}`;
}

/** Hooks for the parts of a hypercall that reach other devices (optional). */
export interface KvmHooks {
  /** SEND_IPI aimed at our own APIC ID 0: deliver `vector` to ourselves. */
  selfIpi?(vector: number): void;
}

/**
 * Executes hypercall `regs[0]` for a guest at privilege level `cpl` and writes the result to
 * regs[0] (as a signed 32-bit value: errors are negative). Returns the result.
 * regs: EAX ECX EDX EBX ESP EBP ESI EDI (encoding order). With `regsHi` (the registers' high
 * halves), as KVM does: from 64-bit code the number is all of RAX (a high half makes it
 * unknown), the minimum APIC ID of SEND_IPI all of RDX, and the result is RAX sign-extended;
 * from other code the result is zero-extended ((u32)ret). Kept as halves, never one number.
 */
export function handleKvmHypercall(regs: Int32Array, cpl: number, hooks?: KvmHooks, regsHi?: Int32Array, long64 = false): number {
  const wide = long64 && regsHi !== undefined;
  const nr = wide && regsHi[0] !== 0 ? -1 : regs[0]! >>> 0;
  const a0 = regs[3]! >>> 0;   // EBX
  const a1 = regs[1]! >>> 0;   // ECX
  const a2 = regs[2]! >>> 0;   // EDX
  const a3 = regs[6]! >>> 0;   // ESI
  let result: number;
  if (cpl !== 0) {
    // KVM refuses hypercalls from guest user space before looking at the number.
    result = -KVM_EPERM;
  } else {
    switch (nr) {
      case KvmHypercall.VAPIC_POLL_IRQ:
        // Only forces an exit so pending interrupts are injected on re-entry.
        result = 0;
        break;
      case KvmHypercall.KICK_CPU:
        // a0 = flags, a1 = APIC ID to wake from a PV spinlock halt. Our only vCPU is the caller, which
        // is running, so there is nothing to wake; KVM answers 0 for absent targets too.
        result = 0;
        break;
      case KvmHypercall.SCHED_YIELD:
        // a0 = APIC ID of a preempted lock holder. With one vCPU there is nobody to yield to.
        result = 0;
        break;
      case KvmHypercall.SEND_IPI: {
        // a0/a1 = 128-bit destination bitmap (low/high), a2 = APIC ID of bit 0, a3 = ICR
        // (vector in bits 7:0). Returns how many vCPUs were sent the IPI; only APIC ID 0 exists.
        const min = a2;
        let targetsSelf = false;
        if (min === 0 && !(wide && regsHi[2] !== 0)) targetsSelf = (a0 & 1) !== 0;
        void a1; // the high half of the bitmap (APIC IDs min+32 and up in 32-bit mode): none exist
        if (targetsSelf) hooks?.selfIpi?.(a3 & 0xff);
        result = targetsSelf ? 1 : 0;
        break;
      }
      case KvmHypercall.CLOCK_PAIRING:
        // Needs a host clock source KVM can pair with (kvmclock over TSC); we have none.
        result = -KVM_EOPNOTSUPP;
        break;
      default:
        // FEATURES, MAP_GPA_RANGE (not enabled by a userspace VMM here) and unknown numbers.
        result = -KVM_ENOSYS;
    }
  }
  regs[0] = result | 0;
  if (regsHi !== undefined) regsHi[0] = wide && result < 0 ? -1 : 0;
  return result;
}
