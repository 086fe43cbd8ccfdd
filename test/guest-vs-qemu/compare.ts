// The guest kernels under QEMU (TCG) and under our emulator: serial outputs must be
// identical and the exit statuses equal. Guests with an SDM-derived .expected file (where
// QEMU's TCG is known to deviate from the SDM) are judged against that file instead.
// `npm run conformance` counts the results of runGuestComparison().
import { listGuests, readExpected, type GuestFile } from './guest-files';
import { qemuReference } from './qemu-cache';
import { describeStop, runOnEmulator } from './run-emulator';

export interface Reference {
  source: 'qemu' | 'expected';
  serial: string;
  status: number | null;
  problem?: string;          // the reference itself is unusable (QEMU timed out, ...)
}

export interface GuestComparison {
  name: string;
  agreed: boolean;
  detail?: string;
  reference?: Reference['source'];
}

/** The status a guest ends with when it reaches its end: isa-debug-exit value 0. Guests
    that end otherwise (a triple fault, a reset: QEMU -no-reboot exits with 0) say so in
    src/<name>.status. */
export const PASS_STATUS = 1;

export async function referenceFor(g: GuestFile): Promise<Reference> {
  if (g.expectedPath) return { source: 'expected', serial: readExpected(g.expectedPath), status: g.status };
  const q = await qemuReference(g.elfPath, undefined, g.qemuCpu, g.arch);
  if (q.timedOut) return { source: 'qemu', serial: q.serial, status: null, problem: 'QEMU timed out' };
  if (q.serial.length === 0) return { source: 'qemu', serial: q.serial, status: q.status, problem: `no serial output from QEMU (status ${q.status}); ${q.stderr.trim()}` };
  if (q.status !== g.status) return { source: 'qemu', serial: q.serial, status: q.status, problem: `QEMU exit status ${q.status}, want ${g.status}; ${q.stderr.trim()}` };
  return { source: 'qemu', serial: q.serial, status: q.status };
}

/** "line N: want '...' got '...'" for the first differing line, or null if equal. */
export function firstDifference(want: string, got: string): string | null {
  if (want === got) return null;
  const a = want.split('\n'), b = got.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      const show = (s: string | undefined) => (s === undefined ? '<end of output>' : JSON.stringify(s.length > 200 ? s.slice(0, 200) + '...' : s));
      return `line ${i + 1}: want ${show(a[i])} got ${show(b[i])}`;
    }
  }
  return 'outputs differ';
}

export async function compareGuest(g: GuestFile): Promise<GuestComparison> {
  const ref = await referenceFor(g);
  if (ref.problem) return { name: g.name, agreed: false, reference: ref.source, detail: `reference unusable: ${ref.problem}` };
  const emu = runOnEmulator(g.elfPath);
  if (emu.error) return { name: g.name, agreed: false, reference: ref.source, detail: `emulator threw: ${emu.error.split('\n')[0]}` };
  const diff = firstDifference(ref.serial, emu.serial);
  if (diff) return { name: g.name, agreed: false, reference: ref.source, detail: `serial differs at ${diff} (stop: ${describeStop(emu.stop)})` };
  if (emu.status !== ref.status) {
    return { name: g.name, agreed: false, reference: ref.source, detail: `exit status: want ${ref.status} got ${emu.status} (${describeStop(emu.stop)})` };
  }
  return { name: g.name, agreed: true, reference: ref.source };
}

export async function runGuestComparison(): Promise<GuestComparison[]> {
  const out: GuestComparison[] = [];
  for (const g of listGuests()) {
    try {
      out.push(await compareGuest(g));
    } catch (e) {
      out.push({ name: g.name, agreed: false, detail: `could not run: ${String((e as Error)?.message ?? e)}` });
    }
  }
  return out;
}

/** The line guest/boot64.inc prints when CPUID says the CPU has no long mode. */
export const NO_LONG_MODE = /^boot64: this CPU has no long mode/;

export interface GuestComparison64 extends GuestComparison {
  /** Why a disagreement is not (yet) a failure: the missing piece our CPU waits for. */
  waiting?: string;
}

/** A 64-bit guest compared as compareGuest does; a disagreement while our CPU has no long
    mode, or while src64/<name>.waits names a missing piece, is waiting rather than failed. */
export async function compareGuest64(g: GuestFile): Promise<GuestComparison64> {
  const r = await compareGuest(g);
  if (r.agreed) return r;
  const ours = runOnEmulator(g.elfPath, 2_000_000);
  if (NO_LONG_MODE.test(ours.serial)) {
    return { ...r, waiting: 'long mode: our CPUID 80000001h:EDX.LM is clear (the long-mode CPU foundation is not here)' };
  }
  if (g.waits !== undefined) return { ...r, waiting: g.waits };
  return r;
}

export async function runGuestComparison64(): Promise<GuestComparison64[]> {
  const out: GuestComparison64[] = [];
  for (const g of listGuests('x86_64')) {
    try {
      out.push(await compareGuest64(g));
    } catch (e) {
      out.push({ name: g.name, agreed: false, detail: `could not run: ${String((e as Error)?.message ?? e)}` });
    }
  }
  return out;
}
