// The executor against iced-x86: the decoder comparison checks what decodeInfo claims, this
// checks what the CPU does with the same kind of random sequences in 16- and 32-bit code. An encoding
// iced rejects must raise #UD; one that completes and falls through must advance EIP by
// exactly iced's length; a relative JMP, CALL or Jcc must land on iced's target exactly when
// the SDM's condition holds. Every case starts from the same snapshot, so privileged or wild
// instructions cannot leak state into the next one.

import { hex } from './decoder-conformance';
import { CODE_ADDR, GPR_NAMES, prepareFlat32, stepOne, type MachineLike, type StepOutcome } from './flat32-harness';
import { emptyIcedResult, IcedReference } from './iced-reference';
import { Rng } from './random';
import { generateSequence, SLOT } from './sequence-generator';

export type SnapshotMachine = MachineLike & { snapshot(): unknown; restore(s: unknown): void };

export interface ExecutionConformanceResult {
  checked: number;
  agreed: number;          // #UD where iced rejects; right fall-through lengths and relative branch targets; #UD for what a P6 lacks
  disagreed: number;
  notImplemented: number;  // iced: valid 486/Pentium/P6 integer or x87 instruction; ours: #UD
  skipped: number;         // branches, other exceptions, unfinished REP: the length is not observable
  faultsChecked: number;   // faulting cases whose registers and flags were checked unchanged (precise faults)
  missing: Array<[string, number]>;
  disagreementsByKind: Array<[string, number]>;
  samples: string[];
}

const UD = 6;
const BATCH = 16384;
const UD_FAMILY = new Set(['ud0', 'ud1', 'ud2']);
/** Branches that also depend on (E)CX; iced gives LOOPE/LOOPNE a condition code too. */
const COUNTED_BRANCHES = new Set(['loop', 'loope', 'loopne', 'jcxz', 'jecxz']);

export function runExecutionConformance(createMachine: () => SnapshotMachine, count: number, seed: number): ExecutionConformanceResult {
  const result: ExecutionConformanceResult = {
    checked: 0, agreed: 0, disagreed: 0, notImplemented: 0, skipped: 0, faultsChecked: 0, missing: [], disagreementsByKind: [], samples: [],
  };
  const missing = new Map<string, number>();
  const kinds = new Map<string, number>();
  const rng = new Rng(seed ^ 0x5eed);
  const buf = new Uint8Array(BATCH * SLOT);
  const iced = emptyIcedResult();
  const regs = new Uint32Array(8);
  const disagree = (kind: string, detail: string): void => {
    result.disagreed++;
    const n = kinds.get(kind) ?? 0;
    kinds.set(kind, n + 1);
    if (n < 3 && result.samples.length < 100) result.samples.push(detail);
  };
  // Thirds: 16-bit code, 32-bit code, and 32-bit code with paging, where most memory operands
  // fault and the check is that a fault leaves the registers as they were (precise faults).
  const third = Math.floor(count / 3);
  const passes: Array<[16 | 32, boolean, number]> = [[16, false, third], [32, false, third], [32, true, count - 2 * third]];
  for (const [bits, paged, total] of passes) {
    let machine = createMachine();
    prepareFlat32(machine, bits, paged);
    let start = machine.snapshot();
    for (let done = 0; done < total; done += BATCH) {
      const n = Math.min(BATCH, total - done);
      for (let i = 0; i < n; i++) generateSequence(rng, buf, i * SLOT);
      const ref = new IcedReference(bits, buf);
      try {
        for (let i = 0; i < n; i++) {
          const bytes = buf.subarray(i * SLOT, (i + 1) * SLOT);
          ref.decodeAt(i * SLOT, iced, CODE_ADDR);
          for (let r = 0; r < 8; r++) regs[r] = rng.u32();
          regs[1] &= 0x3f;                     // a REP count small enough to finish in one step
          const flags = rng.u32() & 0x8d5;
          result.checked++;
          let fault: number, length: number, after: StepOutcome | null = null;
          try {
            machine.restore(start);
            const out = stepOne(machine, bytes, regs, flags, true, (done + i) % 2 === 1);
            fault = out.fault;
            length = out.length;
            after = out;
          } catch (e) {
            disagree('host exception', `${bits}-bit [${hex(bytes.subarray(0, 15))}] threw ${(e as Error).stack ?? e}`);
            machine = createMachine();
            prepareFlat32(machine, bits, paged);
            start = machine.snapshot();
            continue;
          }
          if (after && fault >= 0 && !REP_STRING.test(iced.mnemonic)) {
            result.faultsChecked++;
            const changed = imprecise(regs, flags, after);
            if (changed) {
              disagree(`imprecise #${fault}`, `${bits}-bit${paged ? ' paged' : ''} [${hex(bytes.subarray(0, 15))}] iced ${iced.mnemonic}: ${changed}`);
              continue;
            }
          }
          const what = `${bits}-bit${paged ? ' paged' : ''} [${hex(bytes.subarray(0, 15))}] iced ${iced.invalid ? 'invalid' : `${iced.mnemonic}/${iced.length}`}`;
          const ours = fault === -1 ? `completed, EIP +${length}` : fault === -2 ? 'stopped at another EIP' : `#${fault}`;
          if (iced.invalid) {
            if (fault === UD) result.agreed++;
            else disagree(fault === -1 ? 'executes an invalid encoding' : `invalid encoding raises ${ours}`, `${what}, ours ${ours}`);
          } else if (fault === UD) {
            if (iced.inScope && !UD_FAMILY.has(iced.mnemonic)) {
              result.notImplemented++;
              missing.set(iced.mnemonic, (missing.get(iced.mnemonic) ?? 0) + 1);
            } else {
              result.agreed++;
            }
          } else if (fault === -1 && iced.next) {
            if (length === iced.length) result.agreed++;
            else disagree(`length of ${iced.mnemonic}`, `${what}, ours ${ours}`);
          } else if (iced.branchTarget >= 0 && fault < 0 && !COUNTED_BRANCHES.has(iced.mnemonic)) {
            // Near relative JMP, CALL and Jcc: iced's target, taken exactly when the SDM's condition holds.
            const taken = iced.condition < 0 || conditionHolds(iced.condition, flags);
            const expected = taken ? iced.branchTarget : CODE_ADDR + iced.length;
            if (CODE_ADDR + length === expected) result.agreed++;
            else disagree(`target of ${iced.mnemonic}`, `${what}, flags ${flags.toString(16)}: expected EIP ${expected.toString(16)}, ours ${(CODE_ADDR + length).toString(16)}`);
          } else {
            result.skipped++;
          }
        }
      } finally {
        ref.free();
      }
    }
  }
  result.missing = [...missing.entries()].sort((a, b) => b[1] - a[1]);
  result.disagreementsByKind = [...kinds.entries()].sort((a, b) => b[1] - a[1]);
  return result;
}

/** String instructions: a fault after some iterations legitimately leaves updated registers. */
const REP_STRING = /^(movs|cmps|stos|lods|scas|ins|outs)/;

/** What a faulting instruction changed besides ESP (the exception frame) and EIP, if anything. */
function imprecise(before: Uint32Array, flags: number, after: StepOutcome): string | null {
  for (let r = 0; r < 8; r++) {
    if (r !== 4 && after.regs[r] !== before[r]) return `${GPR_NAMES[r]} ${before[r].toString(16)} -> ${after.regs[r].toString(16)}`;
  }
  if ((after.eflags & 0x8d5) !== (flags & 0x8d5)) return `flags ${flags.toString(16)} -> ${(after.eflags & 0x8d5).toString(16)}`;
  return null;
}

/** The SDM's condition codes (Vol. 1 Appendix B), in encoding order O NO B AE E NE BE A S NS P NP L GE LE G. */
export function conditionHolds(cc: number, flags: number): boolean {
  const cf = (flags & 0x1) !== 0, pf = (flags & 0x4) !== 0, zf = (flags & 0x40) !== 0;
  const sf = (flags & 0x80) !== 0, of = (flags & 0x800) !== 0;
  let r: boolean;
  switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf !== of; break;
    default: r = zf || sf !== of; break;
  }
  return (cc & 1) === 0 ? r : !r;
}

export function describeExecutionResult(r: ExecutionConformanceResult, topN = 15): string {
  const lines = [
    `executor vs iced-x86 (16- and 32-bit code, 32-bit paged): ${r.checked} sequences, ${r.agreed} agreed, ${r.disagreed} disagreed, ` +
      `${r.notImplemented} not implemented, ${r.skipped} not comparable (far, indirect and LOOP/JCXZ branches, returns, other exceptions); ` +
      `${r.faultsChecked} faults left registers and flags unchanged`,
  ];
  if (r.missing.length) lines.push('  top not implemented: ' + r.missing.slice(0, topN).map(([m, n]) => `${m} ${n}`).join(', '));
  if (r.disagreementsByKind.length) {
    lines.push('  disagreements: ' + r.disagreementsByKind.slice(0, topN).map(([m, n]) => `${m} ${n}`).join(', '));
    for (const s of r.samples.slice(0, 40)) lines.push('    ' + s);
  }
  return lines.join('\n');
}
