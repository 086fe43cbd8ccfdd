// One line a person can read for any record of the exit log: Intel's exits through the
// exit-reason table's describers, the PV hypervisor's records through their kinds.

import { describeIntelExit, type ExitFacts } from '../isa/exit-reasons';
import { describePvRecord, isPvRecord } from './record-kinds';

/** "OUT dx, al port 0x3f8 size 1", "MOV to CR0 from EAX", "hypercall console_io (18) = 0", ... */
export function describeExit(r: ExitFacts & { handler?: string }): string {
  return isPvRecord(r.reason) ? describePvRecord(r) : describeIntelExit(r);
}
