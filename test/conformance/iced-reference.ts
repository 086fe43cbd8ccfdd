// iced-x86 as the independent decoder reference: decodes one instruction at a time out of a
// large buffer of candidate sequences, reusing one wasm Instruction so a million decodes stay
// cheap.

import { CpuidFeature, Decoder, DecoderOptions, FlowControl, Instruction, Mnemonic } from 'iced-x86';

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
}

export class IcedReference {
  private readonly decoder: Decoder;
  private readonly instr = new Instruction();

  /** `data` holds the sequences; `bitness` is 16 or 32. */
  constructor(bitness: 16 | 32, data: Uint8Array) {
    this.decoder = new Decoder(bitness, data, DecoderOptions.None);
  }

  /** Decodes the instruction starting at `offset` of the buffer. */
  decodeAt(offset: number, out: IcedResult): IcedResult {
    this.decoder.position = offset;
    this.decoder.ip = 0n;
    this.decoder.decodeOut(this.instr);
    const invalid = this.instr.isInvalid;
    out.invalid = invalid;
    out.length = this.instr.length;
    out.mnemonic = invalid ? 'invalid' : MNEMONIC_NAMES[this.instr.mnemonic];
    out.inScope = !invalid && this.featuresInScope();
    out.next = !invalid && this.instr.flowControl === FlowControl.Next;
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
  return { invalid: true, length: 0, mnemonic: '', inScope: false, next: false };
}
