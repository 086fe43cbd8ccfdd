// iced-x86 as the independent decoder reference: decodes one instruction at a time out of a
// large buffer of candidate sequences, reusing one wasm Instruction so a million decodes stay
// cheap.

import { CpuidFeature, Decoder, DecoderOptions, EncodingKind, FlowControl, Instruction, Mnemonic, OpKind, Register } from 'iced-x86';

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

/**
 * In 64-bit code: the same, the long-mode additions (REX forms, MOVSXD, CMPXCHG16B, SYSCALL/
 * SYSRET, which Intel has only in 64-bit mode) and SSE through SSSE3 with FXSAVE, which every
 * x86-64 CPU has and 64-bit code uses for its floating point; but not the forms of those sets
 * that work on MMX registers (PAVGB mm, PSHUFW, PABSB mm, CVTPI2PS ...): MMX is not there.
 */
const IN_SCOPE_64 = new Set<number>([
  ...IN_SCOPE, CpuidFeature.X64, CpuidFeature.CMPXCHG16B, CpuidFeature.SYSCALL,
  CpuidFeature.SSE, CpuidFeature.SSE2, CpuidFeature.SSE3, CpuidFeature.SSSE3, CpuidFeature.FXSR,
]);

/** Names of iced's encodings (VEX, EVEX, ...) for the counts of what the CPU does not implement. */
const ENCODING_NAMES: string[] = [];
for (const [name, value] of Object.entries(EncodingKind)) {
  if (typeof value === 'number') ENCODING_NAMES[value] = name.toLowerCase();
}

/** The SSE conversions between XMM and MMX registers, also with a memory operand (an MMX transition). */
const MMX_CONVERSIONS = new Set<number>([Mnemonic.Cvtpi2ps, Mnemonic.Cvtps2pi, Mnemonic.Cvttps2pi, Mnemonic.Cvtpi2pd, Mnemonic.Cvtpd2pi, Mnemonic.Cvttpd2pi]);

const MNEMONIC_NAMES: string[] = [];
for (const [name, value] of Object.entries(Mnemonic)) {
  if (typeof value === 'number') MNEMONIC_NAMES[value] = name.toLowerCase();
}

export interface IcedResult {
  invalid: boolean;
  length: number;
  mnemonic: string;       // lowercased iced name, e.g. 'jne', 'movsd', 'fnstsw'
  inScope: boolean;       // part of the 486/Pentium/P6 integer + x87 set (+ long mode and SSE..SSSE3 in 64-bit code)
  encoding: string;       // iced's encoding kind: 'legacy', 'vex', 'evex', 'xop', 'd3now', 'mvex'
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
  private readonly scope: Set<number>;

  /** `data` holds the sequences; `bitness` is 16, 32 or 64. */
  constructor(bitness: 16 | 32 | 64, data: Uint8Array) {
    this.decoder = new Decoder(bitness, data, DecoderOptions.None);
    this.scope = bitness === 64 ? IN_SCOPE_64 : IN_SCOPE;
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
    out.encoding = invalid ? '' : ENCODING_NAMES[this.instr.encoding];
    const flow = this.instr.flowControl;
    out.next = !invalid && flow === FlowControl.Next;
    const kind = invalid ? OpKind.Register : this.instr.op0Kind;
    const relative = (flow === FlowControl.UnconditionalBranch || flow === FlowControl.Call || flow === FlowControl.ConditionalBranch)
      && (kind === OpKind.NearBranch16 || kind === OpKind.NearBranch32 || kind === OpKind.NearBranch64);
    out.branchTarget = !invalid && relative ? Number(this.instr.nearBranchTarget) : -1;
    out.conditional = !invalid && flow === FlowControl.ConditionalBranch;
    out.condition = invalid ? -1 : this.instr.conditionCode - 1;
    return out;
  }

  private featuresInScope(): boolean {
    const features = this.instr.cpuidFeatures();
    for (let i = 0; i < features.length; i++) if (!this.scope.has(features[i])) return false;
    if (this.scope !== IN_SCOPE_64) return true;
    if (MMX_CONVERSIONS.has(this.instr.mnemonic)) return false;
    for (let i = 0; i < this.instr.opCount; i++) {
      if (this.instr.opKind(i) !== OpKind.Register) continue;
      const r = this.instr.opRegister(i);
      if (r >= Register.MM0 && r <= Register.MM7) return false;
    }
    return true;
  }

  free(): void {
    this.decoder.free();
    this.instr.free();
  }
}

export function emptyIcedResult(): IcedResult {
  return { invalid: true, length: 0, mnemonic: '', inScope: false, encoding: '', next: false, branchTarget: -1, condition: -1, conditional: false };
}
