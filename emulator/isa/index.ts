// Instruction knowledge shared by the CPU, the PV hypervisor, the disassembler and the linter.
export * from './types';
export { INSTRUCTION_TABLE } from './instruction-table';
export {
  EXIT_REASONS, EXIT_REASON_NAMES, EXIT_REASON_LIMIT, ExitReason, exitReasonInfo, exitReasonName, exitReasonNumber,
} from './exit-reasons';
export type { ExitFacts, ExitReasonName, ExitReasonRow } from './exit-reasons';
export * from './lookup';
