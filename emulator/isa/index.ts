// Instruction knowledge shared by the CPU, the PV hypervisor, the disassembler and the linter.
export * from './types';
export { INSTRUCTION_TABLE } from './instruction-table';
export { EXIT_REASON_NAMES, exitReasonName } from './exit-reasons';
export * from './lookup';
export { HYPERCALLS, hypercallByName, hypercallByNumber } from './hypercalls';
export type { HypercallInfo } from './hypercalls';
