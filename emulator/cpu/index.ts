// The CPU's public surface: what the machine, the PV hypervisor, the hypervisor model and
// the tools use. Files outside cpu/ import from here, not from the files behind it.

export { Cpu, RUN_OK, RUN_HALT_WAIT, RUN_HALT_DEAD, RUN_TRIPLE, RUN_FILTER, RUN_BREAK, RUN_WATCH, RUN_PAUSE, RUN_REQUEST } from './execute';
export type { DeliveryKind, InterceptHook } from './segments';
export type { ExitContext, ExitControls, ExitExtra, ExitSink } from './exit-api';
export { FAULT, linHi } from './memory-access';
export { cpuid, readTsc, CPUID_VENDOR, CPUID_SIGNATURE, CPUID_FEATURES_EDX } from './identity';
export { resetCpu, enterFlat32, enterReal, enterReset, saveCpu, loadCpu, type CpuSnapshot } from './reset';
export { compileErrors } from './block-compiler';
export { CS, DS, ES, FS, GS, SS } from './constants';
export * as constants from './constants';
export { CodeCoverage, unionRanges, rangesHold } from './code-coverage';
