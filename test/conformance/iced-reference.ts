// iced-x86 as the independent decoder reference: decodes one instruction at a time out of a
// large buffer of candidate sequences, reusing one wasm Instruction so a million decodes stay
// cheap.

import { CpuidFeature, Decoder, DecoderOptions, FlowControl, Instruction, Mnemonic, OpKind } from 'iced-x86';

/**
 * The instruction sets a Pentium Pro-class CPU has: the 8086..486 integer ISA, x87, and the
 * Pentium/P6 additions (CPUID, RDTSC, RDMSR/WRMSR, CMPXCHG8B, CMOV, SYSENTER, RDPMC, the long
 * NOP). Instructions iced tags with anything else (MMX, SSE, undocumented 'only' forms of
 * old steppings, ...) are outside what the emulator promises.
 */
const IN_SCOPE = new Set<number>([
  CpuidFeature.INTEL8086, CpuidFeature.INTEL186, CpuidFeature.INTEL286, CpuidFeature.INTEL386,
  CpuidFeature.INTEL486, CpuidFeature.FPU, CpuidFeature.FPU287, CpuidFeature.FPU387,
  CpuidFeature.CPUID, CpuidFeature.TSC, CpuidFeature.MSR, CpuidFeature.CX8, CpuidFeature.CMOV,
  CpuidFeature.SEP, CpuidFeature.RDPMC, CpuidFeature.MULTIBYTENOP, CpuidFeature.PAUSE,
]);

const MNEMONIC_NAMES: string[] = [];
for (const [name, value] of Object.entries(Mnemonic)) {
  if (typeof value === 'number') MNEMONIC_NAMES[value] = name.toLowerCase();
}

export interface IcedResult {
  invalid: boolean;
  length: number;
  mnemonic: string;       // lowercased iced name, e.g. 'jne', 'movsd', 'fnstsw'
  inScope: boolean;       // part of the 486/Pentium/P6 integer + x87 set
  next: boolean;          // control continues with the next instruction (no branch, call, return or interrupt)
  /** Near relative JMP/CALL/Jcc: the target (from the `ip` given to decodeAt), else -1. */
  branchTarget: number;
  /** Jcc/SETcc/CMOVcc condition in the SDM's order (0 = O ... 15 = G), or -1. */
  condition: number;
  conditional: boolean;   // a conditional branch (Jcc, LOOPcc, JCXZ)
}

export class IcedReference {
  private readonly decoder: Decoder;
  private readonly instr = new Instruction();

  /** `data` holds the sequences; `bitness` is 16 or 32. */
  constructor(bitness: 16 | 32, data: Uint8Array) {
    this.decoder = new Decoder(bitness, data, DecoderOptions.None);
  }

  /** Decodes the instruction starting at `offset` of the buffer. */
  decodeAt(offset: number, out: IcedResult, ip = 0): IcedResult {
    this.decoder.position = offset;
    this.decoder.ip = BigInt(ip);
    this.decoder.decodeOut(this.instr);
    const invalid = this.instr.isInvalid;
    out.invalid = invalid;
    out.length = this.instr.length;
    out.mnemonic = invalid ? 'invalid' : MNEMONIC_NAMES[this.instr.mnemonic];
    out.inScope = !invalid && this.featuresInScope();
    const flow = this.instr.flowControl;
    out.next = !invalid && flow === FlowControl.Next;
    const kind = invalid ? OpKind.Register : this.instr.op0Kind;
    const relative = (flow === FlowControl.UnconditionalBranch || flow === FlowControl.Call || flow === FlowControl.ConditionalBranch)
      && (kind === OpKind.NearBranch16 || kind === OpKind.NearBranch32);
    out.branchTarget = !invalid && relative ? Number(this.instr.nearBranchTarget) : -1;
    out.conditional = !invalid && flow === FlowControl.ConditionalBranch;
    out.condition = invalid ? -1 : this.instr.conditionCode - 1;
    return out;
  }

  private featuresInScope(): boolean {
    const features = this.instr.cpuidFeatures();
    for (let i = 0; i < features.length; i++) if (!IN_SCOPE.has(features[i])) return false;
    return true;
  }

  free(): void {
    this.decoder.free();
    this.instr.free();
  }
}

export function emptyIcedResult(): IcedResult {
  return { invalid: true, length: 0, mnemonic: '', inScope: false, next: false, branchTarget: -1, condition: -1, conditional: false };
}
