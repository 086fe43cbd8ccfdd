// The CPU's public surface for the machine, the PV hypervisor and the tests.

export { Cpu, RUN_OK, RUN_HALT_WAIT, RUN_HALT_DEAD, RUN_TRIPLE, RUN_FILTER, RUN_BREAK, RUN_WATCH, RUN_PAUSE, RUN_REQUEST } from './execute';
export type { DeliveryKind, InterceptHook } from './system';
export { FAULT } from './memory-access';
export { decodeInfo } from './decode-info';
export { CPUID_VENDOR, CPUID_SIGNATURE, CPUID_FEATURES_EDX } from './identity';
export * as constants from './constants';
