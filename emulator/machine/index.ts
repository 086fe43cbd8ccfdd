// The composition root's public surface: the one module the CLI, the debug adapter, the
// benchmarks and the tests build a machine through. machine.ts wires the CPU, memory,
// devices and the two hypervisor models; api.ts is the interface front ends program against.

export { Machine } from './machine';
export { stateBytes } from './state-size';
export type * from './api';
export { compileExitFilter, ExitFilterError, FILTER_FIELDS } from './exit-filter';
export { firmwareInfo, type FirmwareInfo } from './firmware-info';
// The history's record of which code ran between snapshots comes from MachineApi.coverageCut();
// front ends combine and query its ranges with these, not the CPU module.
export { rangesHold, unionRanges } from '../cpu';
