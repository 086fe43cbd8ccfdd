// Instruction knowledge shared by the CPU, the PV hypervisor, the disassembler and the linter.
export * from './form-types';
export { OPCODE_FORMS } from './opcode-forms';
export { decodeForm, decodeInfo, formsOf, type DecodedForm } from './decode';
export * from './types';
export { INSTRUCTION_TABLE } from './instruction-table';
export {
  EXIT_REASONS, EXIT_REASON_NAMES, EXIT_REASON_LIMIT, ExitReason, exitReasonInfo, exitReasonName, exitReasonNumber,
} from './exit-reasons';
export type { ExitFacts, ExitReasonName, ExitReasonRow } from './exit-reasons';
export * from './lookup';
export { LEGACY_PORTS, legacyPortDevice, type LegacyPortRange } from './legacy-ports';
