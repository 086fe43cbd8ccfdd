// What the adapter tells the client it can do (the initialize response), exception filters
// included.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { EXCEPTION_FILTERS } from './engine/exception-filters';

export const ADAPTER_CAPABILITIES: DebugProtocol.Capabilities = {
  supportsConfigurationDoneRequest: true,
  supportsConditionalBreakpoints: true,
  supportsHitConditionalBreakpoints: true,
  supportsLogPoints: true,
  supportsFunctionBreakpoints: true,
  supportsInstructionBreakpoints: true,
  supportsDataBreakpoints: true,
  supportsEvaluateForHovers: true,
  supportsValueFormattingOptions: true,
  supportsSetVariable: true,
  supportsReadMemoryRequest: true,
  supportsWriteMemoryRequest: true,
  supportsDisassembleRequest: true,
  supportsSteppingGranularity: true,
  supportsExceptionInfoRequest: true,
  supportsExceptionFilterOptions: true,
  supportsLoadedSourcesRequest: true,
  supportsTerminateRequest: true,
  supportsExceptionOptions: false,
  // Both modes keep snapshots (launch confirms it with a capabilities event).
  supportsStepBack: true,
  supportsRestartRequest: true,
  exceptionBreakpointFilters: EXCEPTION_FILTERS.map((f) => ({
    filter: f.id, label: f.label, description: f.description, default: f.default,
    supportsCondition: f.conditionDescription !== '', conditionDescription: f.conditionDescription || undefined,
  })),
};
