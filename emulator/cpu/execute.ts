// The interpreter's run loop: slices, the slow checks between instructions (interrupts,
// breakpoints, single-step, debug registers, stops), compiled blocks, and the decode of
// prefixes. The instructions themselves are in the family files (arith.ts, data-move.ts,
// control.ts, string.ts, stack.ts, bcd.ts, bit-ops.ts, shift-rotate.ts, flags-control.ts,
// io.ts, system-ops.ts, x87-ops.ts), reached through the tables of dispatch.ts. Every
// instruction reads all its operands and checks every memory access it will make before it
// changes registers, so a fault leaves the machine as it was (precise exceptions).

import * as K from './constants';
import { ExitReason } from '../isa/exit-reasons';
import * as MA from './memory-access';
import { PortCpu } from './port-io';
import * as OP from './operands';
import * as D from './dispatch';
import { decodeInfo } from '../isa/decode';
import { OPCODE_FORMS } from '../isa/opcode-forms';
import type { CodeCoverage } from './code-coverage';
import { BlockCache, NO_BLOCK, type Block } from './block-cache';
import { compileBlock } from './block-compiler';
import { nmiCanWake, pollNmi } from './nmi';
import type { PhysicalMemory } from '../memory/physical-memory';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { CR0_PG, CR4_SMEP, CS, DB, DS, ES, FLAG_IF, FLAG_RF, FLAG_TF, FS, GP, GS, SS, UD } = K;
const { FAULT, T_NX } = MA;
const { RUN_BREAK, RUN_FILTER, RUN_HALT_DEAD, RUN_HALT_WAIT, RUN_OK, RUN_PAUSE, RUN_REQUEST, RUN_TRIPLE, RUN_WATCH } = OP;
const { ONE_BYTE, ONE_BYTE64, TWO_BYTE, TWO_BYTE64 } = D;
const { R8_LEGACY, R8_REX } = OP;

export { RUN_OK, RUN_HALT_WAIT, RUN_HALT_DEAD, RUN_TRIPLE, RUN_FILTER, RUN_BREAK, RUN_WATCH, RUN_PAUSE, RUN_REQUEST };

export class Cpu extends PortCpu {
  readonly breakpoints = new Set<number>();
  readonly bpPages = new Uint8Array(1 << 20);
  /** Breakpoint count per low 16 address bits: a cheap filter before the Set lookup. */
  readonly bpLow = new Uint16Array(1 << 16);

  /** Add/remove an execution breakpoint at a linear address (kept in step with the filters). */
  addBreakpoint(linear: number): void {
    const a = linear >>> 0;
    if (this.breakpoints.has(a)) return;
    this.breakpoints.add(a);
    this.bpPages[a >>> 12] = 1;
    this.bpLow[a & 0xffff]++;
    this.hasBp = true;
    this.attn = true;
    this.flushCode();
  }

  removeBreakpoint(linear: number): void {
    const a = linear >>> 0;
    if (!this.breakpoints.delete(a)) return;
    this.bpLow[a & 0xffff]--;
    let any = false;
    for (const b of this.breakpoints) if (b >>> 12 === a >>> 12) { any = true; break; }
    this.bpPages[a >>> 12] = any ? 1 : 0;
    this.hasBp = this.breakpoints.size > 0;
    this.attn = true;
    this.flushCode();
  }
  /** Skip the breakpoint at this EIP once (resuming from it). */
  bpSkip = -1;
  watchHit: { address: number; write: boolean } | null = null;

  // ---- compiled blocks (block-compiler.ts) --------------------------------------------

  /** Compiled code by physical address; null until memory is attached. */
  blocks: BlockCache | null = null;
  /**
   * Visits of an entry point before it is compiled; 0 runs everything in the interpreter.
   * Compiling costs about a third of a millisecond, and a new function runs in V8's bytecode
   * interpreter (slower than ours) until V8 has optimised it, so code run only some thousands
   * of times (most of a kernel's boot path) is cheaper interpreted. GRUB's PV boot to its
   * prompt: about 1.3x the interpreter's time at 1,000 visits, the interpreter's at 10,000.
   */
  blockThreshold = 10_000;

  override attachMemory(mem: PhysicalMemory): void {
    super.attachMemory(mem);
    const cache = new BlockCache(mem.ramBytes);
    this.blocks = cache;
    this.codePage = cache.codePage;
    mem.onCodeWrite = (paddr, length) => {
      // A write to bytes a block was compiled from: that block is gone, and a block that is
      // running now stops after the current instruction (the attn check after its store).
      if (cache.codePage[paddr >>> 12] && cache.written(paddr, length)) this.attn = true;
    };
  }

  /** Records which code runs, for the reverse history (null: nobody asks, nothing recorded). */
  coverage: CodeCoverage | null = null;

  /** The interpreter is about to run the instruction at CS:EIP. */
  private cover(): void {
    // Long-mode addresses are wider than the record keeps (and long mode compiles no blocks).
    if (this.lma) this.coverage!.unknown = true;
    else this.coverage!.at((this.csBase + this.eip) | 0);
  }

  /** Ends the stretch code coverage records (see CodeCoverage.cut); links are cut with it. */
  coverageCut(): Float64Array | null {
    const c = this.coverage;
    if (c === null) return null;
    this.blocks?.unlinkAll();
    return c.cut();
  }

  /** Drop every compiled block (guest memory replaced, breakpoints moved). */
  flushCode(): void {
    if (this.blocks === null) return;
    this.blocks.flush();
    this.flushTlb();
  }

  /**
   * The TLB entry for fetching at `lin` after a miss, filled here when the fetch would succeed
   * (the walk finds it present and executable, SMEP allows it, no watch is on the page), so a
   * TLB flush (every CR3 load of a kernel with page-table isolation drops its own text) does
   * not send the next instruction to the interpreter and then compile a second block one
   * instruction further on. Anything else is the interpreter's, which faults as it must.
   */
  private fetchEntry(lin: number): number {
    const page = lin >>> 12;
    if (this.noTlb[page] || this.drTlb[page]) return 0;
    const user = this.cpl === 3;
    if (this.cr0 & CR0_PG) {
      if (this.walk(lin, false, user, false, true) < 0) return 0;
      if (!user && this.walkUser && (this.cr4 & CR4_SMEP)) return 0;
    }
    this.accSize = 1;
    this.xlate(lin, false, user, true);
    return this.tlbR[page];
  }

  /** The compiled block for the instruction at CS:EIP, or null when the interpreter should run it. */
  private blockHere(): Block | null {
    // 64-bit code compiles while RIP is in the sign-extended 32-bit range (block-compiler64.ts),
    // off the two pages below a 2 GiB boundary (where RIP's low half would wrap inside the page);
    // compatibility mode's zero-extended addresses are not compiled.
    if (this.lma) {
      if (!this.long64 || this.ripHi !== (this.eip >> 31) || ((this.eip >>> 12) & 0x7ffff) === 0x7ffff) return null;
    } else if (!this.cs32 || !this.ss32) return null;
    const lin = (this.csBase + this.eip) | 0;
    let e = this.tlbR[lin >>> 12];
    if ((e & 1) === 0) e = this.fetchEntry(lin);
    if ((e & (3 | T_NX)) !== 1) return null;   // not cached, not RAM, or not executable: interpret (and fault)
    const cache = this.blocks!;
    const phys = (e & -4096) | (lin & 0xfff);
    let b = cache.lookup(phys, this.blockThreshold);
    if (b === undefined) { this.cold = true; return null; }
    this.cold = false;
    if (b === null) {
      b = compileBlock(this, phys, lin, cache.codeLine) ?? NO_BLOCK;
      if (cache.insert(phys, b)) this.dropWritesTo(phys >>> 12);
    }
    if (b === NO_BLOCK || this.icount + b.count > this.limit || (b.flat && !this.flatData) || b.long64 !== this.lma) return null;
    // A CS with a limit (32-bit PV guests run under one) must cover every byte of the block.
    if (!this.lma && this.segChkR[CS] !== 0 && ((this.eip >>> 0) + (b.end - b.entry) - 1 > this.segLimit[CS] >>> 0 || (this.eip >>> 0) < b.entry - b.start)) return null;
    // Breakpoints were placed by linear address when the block was compiled.
    if (this.hasBp && b.linear !== lin >>> 0) return null;
    const cov = this.coverage;
    // Long-mode addresses are wider than the record keeps (as for the interpreter, cover()).
    if (cov !== null && b.long64) cov.unknown = true;
    else if (cov !== null && b.seenAt !== cov.base + (lin >>> 12)) { b.seenAt = cov.base + (lin >>> 12); cov.block(lin, b.start & 0xfff, ((b.end - 1) & 0xfff) + 1); }
    return b;
  }

  /**
   * The block to run after `b` at CS:EIP: one of the two `b` led to last (link, link2) when it
   * is still live, compiled at this linear address, reached through the same physical page and
   * fits in the slice; else the cache's (which becomes the first link, the old one the second).
   * Only a flat CS takes a link: a CS with a limit goes through blockHere's check of the whole
   * block.
   */
  private nextBlock(b: Block): Block | null {
    const lin = (this.csBase + this.eip) | 0;
    let n = b.link;
    if (n === null || n.linear !== lin >>> 0) n = b.link2;
    if (n !== null && n.linear === lin >>> 0 && n.live &&
      (n.long64 ? this.long64 && this.ripHi === (this.eip >> 31) && ((this.eip >>> 12) & 0x7ffff) !== 0x7ffff
        : this.cs32 && this.ss32 && !this.lma && this.segChkR[CS] === 0) &&
      (!n.flat || this.flatData) &&
      this.icount + n.count <= this.limit) {
      const e = this.tlbR[lin >>> 12];
      if ((e & (3 | T_NX)) === 1 && (e & -4096) === (n.entry & -4096)) return n;
    }
    const m = this.blockHere();
    // Only a link the check above can take: then every block entered through a link was
    // looked up (and recorded by code coverage) at that same address since the links were cut.
    if (m !== null && m.linear === lin >>> 0 && b.link !== m) { b.link2 = b.link; b.link = m; }
    return m;
  }

  /**
   * The last lookup found its entry point not hot yet (a visit counted, nothing compiled).
   * The interpreter then runs on through the fall-through instructions after it without
   * looking each up (`skipLookup`): straight-line code that is cold at its first instruction
   * is cold after it, and a lookup per interpreted instruction was a fifth of the
   * interpreter's cost in Linux's init. The next control transfer, fault or event looks up
   * again, so visits are counted where control arrives.
   */
  private cold = false;
  private skipLookup = false;

  /** Decode and execute one instruction (for compiled blocks: the forms they do not inline). */
  execOne(): void { this.exec(); }

  // ---- the run loop -----------------------------------------------------------------

  /** Breakpoints exist (the machine keeps this in step with `breakpoints`). */
  hasBp = false;

  /**
   * Run until icount reaches `limit` or something stops the CPU. The inner loop only looks
   * at `attn` (set by anything that needs the slow checks: interrupts, halts, exits that a
   * filter matched, device requests, pauses); single-stepping and interrupt shadows take
   * the careful path through stepOne().
   */
  run(limit: number): number {
    this.stopCode = RUN_OK;
    this.attn = true;
    this.limit = limit;
    for (;;) {
      try {
        for (;;) {
          if (this.attn) {
            this.skipLookup = false;
            const r = this.service();
            if (r !== RUN_OK) return r;
          }
          if (this.icount >= this.limit) return RUN_OK;
          if (this.careful) {
            if (this.hasBp) {
              const lin = (this.csBase + this.eip) | 0;
              if (this.bpLow[lin & 0xffff] && this.bpPages[lin >>> 12] && this.checkBreakpoint()) return RUN_BREAK;
            }
            if ((this.flags & FLAG_TF) !== 0 || this.shadow || this.drExecOn) {
              this.stepOne();
              this.skipLookup = false;
              continue;
            }
          }
          if (this.blockThreshold > 0 && !this.skipLookup) {
            let b = this.blockHere();
            if (b !== null) {
              b.fn(this);
              // Chaining: while nothing needs the checks between instructions (attn is how
              // everything asks for them), the next block starts here, found through the
              // previous block's link instead of the cache.
              while (!this.attn && !this.careful) {
                const n = this.nextBlock(b);
                if (n === null) break;
                b = n;
                b.fn(this);
              }
              continue;
            }
          }
          this.instrEip = this.eip;
          if (this.coverage !== null) this.cover();
          this.exec();
          this.icount++;
          // A fall-through moves EIP forward by the instruction's length (at most 15 bytes); a
          // short forward jump looks like one, which only delays the next lookup to a later transfer.
          const d = (this.eip - this.instrEip) | 0;
          this.skipLookup = this.cold && d > 0 && d <= 15;
        }
      } catch (e) {
        if (e !== FAULT) throw e;
        this.skipLookup = false;
        this.takeFault();
      }
    }
  }

  /** An MMIO access happened: re-check the platform deadline before the next instruction. */
  deadlineDirty = false;

  /** An enabled instruction breakpoint at CS:EIP raises #DB before the instruction (a fault). */
  private execBreakpoint(): boolean {
    const lin = (this.segBase[CS] + this.eip) | 0;
    const dr7 = this.dr[7];
    let hits = 0;
    for (let i = 0; i < 4; i++) {
      if (((dr7 >>> (i * 2)) & 3) && ((dr7 >>> (16 + i * 4)) & 3) === 0 && this.dr[i] === lin) hits |= 1 << i;
    }
    if (!hits) return false;
    this.dr[6] = (this.dr[6] & ~0xf) | hits;
    this.icount++;
    if (!this.raise(DB, -1, 'exception', this.eip)) this.stopCode = RUN_TRIPLE;
    this.attn = true;
    return true;
  }

  /** Data breakpoints are traps: #DB after the instruction that touched the data. */
  private dataBreakpointTrap(): void {
    const hits = this.drHits;
    this.drHits = 0;
    this.dr[6] = (this.dr[6] & ~0xf) | hits;
    if (!this.raise(DB, -1, 'exception', this.eip)) this.stopCode = RUN_TRIPLE;
    this.attn = true;
  }

  /** The slow checks between instructions. */
  /**
   * Breakpoints, single-stepping, an interrupt shadow or DR breakpoints are active. Recomputed
   * in service(); everything that changes one of them sets `attn`.
   */
  careful = true;

  private service(): number {
    this.attn = false;
    this.careful = (this.flags & FLAG_TF) !== 0 || this.shadow || this.drExecOn || this.hasBp;
    if (this.deadlineDirty) { this.deadlineDirty = false; this.recheckDeadline(); }
    if (this.drHits) this.dataBreakpointTrap();
    if (this.stopCode !== RUN_OK) { const c = this.stopCode; this.stopCode = RUN_OK; return c; }
    if (this.tripleFault !== null) return RUN_TRIPLE;
    if (this.filterHit) { this.filterHit = false; return RUN_FILTER; }
    if (this.watchHit) return RUN_WATCH;
    if (this.requestPending) { this.requestPending = false; this.attn = true; return RUN_REQUEST; }
    if (this.pauseRequested) { this.pauseRequested = false; return RUN_PAUSE; }
    if (this.irqPoll) this.pollInterrupt();
    if (this.tripleFault !== null) return RUN_TRIPLE;
    // An event just delivered (a PV upcall, an HVM interrupt's exit) that an exit filter
    // matched stops here, at the handler's first instruction, not one instruction into it.
    if (this.filterHit) { this.filterHit = false; return RUN_FILTER; }
    // HLT with IF=0 still waits when an NMI can end it.
    if (this.halted) { this.attn = true; return (this.flags & FLAG_IF) || nmiCanWake(this) ? RUN_HALT_WAIT : RUN_HALT_DEAD; }
    return RUN_OK;
  }

  private takeFault(): void {
    if (this.ripHiAt === this.icount) this.ripHi = this.ripHiUndo;
    this.ripHiAt = -1;
    this.icount++;
    this.rep = 0;
    this.prefixed = true;
    this.eip = this.instrEip;
    if (!this.raise(this.excVector, this.excCode, 'exception', this.instrEip)) this.stopCode = RUN_TRIPLE;
    this.flags &= ~FLAG_RF;
    this.attn = true;
  }

  private checkBreakpoint(): boolean {
    const lin = (this.segBase[CS] + this.eip) | 0;
    if (!this.breakpoints.has(lin >>> 0)) return false;
    if (this.bpSkip === lin) { this.bpSkip = -1; return false; }
    this.bpSkip = lin;
    return true;
  }

  /** Execute one instruction (or take its fault) with the single-step trap and shadow rules. */
  stepOne(): void {
    this.instrEip = this.eip;
    if (this.coverage !== null) this.cover();
    if (this.drExecOn && !(this.flags & FLAG_RF) && this.execBreakpoint()) return;
    const tf = this.flags & FLAG_TF;
    const rf = this.flags & FLAG_RF;
    const hadShadow = this.shadow;
    try {
      this.exec();
      this.icount++;
      // RF lasts for one instruction; an IRET that just loaded it keeps it for the next.
      if (rf) this.flags &= ~FLAG_RF;
    } catch (e) {
      if (e !== FAULT) throw e;
      this.takeFault();
    }
    if (hadShadow) { this.shadow = false; this.ssShadow = false; this.irqPoll = true; this.attn = true; }
    // MOV SS / POP SS also hold back the single-step trap until after the next instruction.
    const ssHold = !hadShadow && this.shadow && this.ssShadow;
    if (this.drHits && !ssHold) this.dataBreakpointTrap();
    if (tf && !ssHold && this.tripleFault === null) {
      this.dr[6] |= 0x4000;
      if (!this.raise(DB, -1, 'exception', this.eip)) this.stopCode = RUN_TRIPLE;
      this.attn = true;
    }
  }

  /** Deliver a pending NMI, or a maskable interrupt, if the CPU can take one now. */
  pollInterrupt(): void {
    this.irqPoll = false;
    const p = this.platform;
    if (!p) return;
    // An NMI ignores IF and the STI shadow; the rules and the VT-x controls are in nmi.ts.
    const nmi = pollNmi(this);
    if (nmi !== 'none') {
      if (nmi === 'triple') this.stopCode = RUN_TRIPLE;
      this.irqPoll = true; this.attn = true;
      return;
    }
    if (this.shadow) { this.irqPoll = true; this.attn = true; return; }
    if (!(this.flags & FLAG_IF)) return;
    if (p.pendingVector() < 0) return;
    const v = p.acknowledge();
    if (v < 0) return;
    this.halted = false;
    this.instrEip = this.eip;
    this.vmexit(ExitReason.EXTERNAL_INTERRUPT, 0, 'hypervisor', { vector: v });
    if (!this.raise(v, -1, 'external', this.eip)) { this.stopCode = RUN_TRIPLE; this.attn = true; }
    this.irqPoll = true; this.attn = true;
  }

  // ---- prefixes ------------------------------------------------------------------------

  private exec(): void {
    // Prefix state is reset only when the previous instruction had prefixes (or CS changed size).
    if (this.prefixed) {
      this.o32 = this.cs32;
      this.a32 = this.cs32;
      this.segOvr = -1;
      this.rep = 0;
      this.lock = false;
      this.prefixed = false;
      if (this.rex !== 0) this.clearRex();
      this.o64 = false;
      this.a64 = this.long64;
    }
    let b = this.fetch8();
    const table = this.prefixTable;
    if (table[b] === 0) { this.execOp(b); return; }
    this.prefixCount = 0;
    if ((b & 0xf0) === 0x40 && this.long64) {
      // A REX alone before the opcode, as most 64-bit instructions have: its fields are cleared
      // right after the instruction instead of marking the decode state for a full reset (a
      // fault marks it: takeFault sets prefixed).
      const op = this.fetch8();
      if (table[op] === 0) {
        this.rex = b; this.o64 = (b & 8) !== 0;
        this.rexR = (b & 4) << 1; this.rexX = (b & 2) << 2; this.rexB = (b & 1) << 3;
        this.r8i = R8_REX;
        this.execOp(op);
        this.rex = 0; this.o64 = false; this.rexR = 0; this.rexX = 0; this.rexB = 0; this.r8i = R8_LEGACY;
        return;
      }
      // A legacy prefix after the REX cancels it: on with that prefix.
      this.prefixCount = 1;
      b = op;
    }
    this.prefixed = true;
    for (;;) {
      if (b >= 0x40 && b <= 0x4f && this.long64) {
        // REX (64-bit mode only: the table has 40-4F as prefixes there). W makes the operand
        // size 64 (over 66); R, X, B extend ModR/M reg, SIB index, and rm/base/opcode register.
        this.rex = b; this.o64 = (b & 8) !== 0;
        this.rexR = (b & 4) << 1; this.rexX = (b & 2) << 2; this.rexB = (b & 1) << 3;
        this.r8i = R8_REX;
        if (++this.prefixCount >= 14) this.fault(GP, 0);
        b = this.fetch8();
        if (table[b] === 0) { this.execOp(b); return; }
        if (this.prefixCount === 2) this.checkLongInstruction();
        continue;
      }
      // A REX prefix counts only right before the opcode.
      if (this.rex !== 0) { this.clearRex(); this.o64 = false; }
      switch (b) {
        case 0x66: this.o32 = !this.cs32; break;
        case 0x67: if (this.long64) this.a64 = false; else this.a32 = !this.cs32; break;
        case 0x26: this.segOvr = ES; break;
        case 0x2e: this.segOvr = CS; break;
        case 0x36: this.segOvr = SS; break;
        case 0x3e: this.segOvr = DS; break;
        case 0x64: this.segOvr = FS; break;
        case 0x65: this.segOvr = GS; break;
        case 0xf0: this.lock = true; break;
        case 0xf2: case 0xf3: this.rep = b; break;
        default: this.execOp(b); return;
      }
      if (++this.prefixCount >= 14) this.fault(GP, 0);
      b = this.fetch8();
      // A third prefix: the encoding may be longer than 15 bytes (#GP(0) before anything runs).
      if (this.prefixCount === 2 && table[b] !== 0) this.checkLongInstruction();
    }
  }

  private clearRex(): void { this.rex = 0; this.rexR = 0; this.rexX = 0; this.rexB = 0; this.r8i = R8_LEGACY; }

  /** The prefix bytes of the current mode (40-4F are REX in 64-bit mode). */
  private prefixTable = PREFIX;

  /** The dispatch tables of the current mode (dispatch.ts: 64-bit mode has its own). */
  private oneByte = ONE_BYTE;
  private twoByte = TWO_BYTE;

  protected override modeChanged(): void {
    this.prefixTable = this.long64 ? PREFIX64 : PREFIX;
    this.oneByte = this.long64 ? ONE_BYTE64 : ONE_BYTE;
    this.twoByte = this.long64 ? TWO_BYTE64 : TWO_BYTE;
  }

  private readonly longBuf = new Uint8Array(32);

  /** Three or more prefixes: an encoding longer than 15 bytes is #GP(0) before it does anything. */
  private checkLongInstruction(): void {
    const n = this.copyInstrBytes(this.longBuf, 0, 32);
    const d = decodeInfo(this.longBuf.subarray(0, n), this.long64 ? 64 : this.cs32, 32);
    if (d && d.length > 15) this.fault(GP, 0);
  }

  /** The opcode after the prefixes: the one-byte map, or the 0F map through its escape. */
  private execOp(b: number): void {
    if (this.lock && !LOCKABLE[b]) this.fault(UD);
    this.opcode = b;
    if (b !== 0x0f) { this.oneByte[b](this, b); return; }
    const op = this.fetch8();
    if (this.lock && !LOCKABLE_0F[op]) this.fault(UD);
    this.opcode = 0x100 | op;
    this.twoByte[op](this, op);
  }
}

/** Prefix bytes (legacy prefixes of the one-byte map). */
const PREFIX = new Uint8Array(256);
for (const p of [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]) PREFIX[p] = 1;
/** 64-bit mode: the legacy prefixes and REX (40-4F). */
const PREFIX64 = PREFIX.slice();
for (let p = 0x40; p <= 0x4f; p++) PREFIX64[p] = 1;

/** Opcodes whose forms accept LOCK (each handler then checks its own form and a memory operand). */
const LOCKABLE = new Uint8Array(256);
const LOCKABLE_0F = new Uint8Array(256);
for (const f of OPCODE_FORMS) {
  if (!f.lock) continue;
  if (f.map === 'one') LOCKABLE[f.opcode] = 1;
  else { LOCKABLE_0F[f.opcode] = 1; LOCKABLE[0x0f] = 1; }
}
