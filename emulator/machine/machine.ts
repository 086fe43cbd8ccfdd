// The machine: CPU + guest memory + PC platform + hypervisor model behind MachineApi.
// Runs the CPU in slices that end at the platform's next deadline, so devices are serviced
// at exact instruction counts and every run is deterministic.

import type {
  BootPlan, CpuStateView, ExitRecord, ExitStats, LongModeState, MachineApi, MachineOptions, Mode, ReachedMemory, RegisterFile, StopReason, VgaTextView, WatchKind,
} from './api';
import type { Platform } from '../devices/platform-api';
import { createPcPlatform } from '../devices';
import { createHvmVmm, type HvmVmm } from '../vmm';
import { PAGE_RAM, PhysicalMemory } from '../memory/physical-memory';
import { PageStore, type RamImage } from '../memory/page-store';
import {
  Cpu, RUN_BREAK, RUN_FILTER, RUN_HALT_DEAD, RUN_HALT_WAIT, RUN_OK, RUN_PAUSE, RUN_REQUEST, RUN_TRIPLE, RUN_WATCH,
  resetCpu, enterReset, saveCpu, loadCpu, type CpuSnapshot, CS, DS, ES, FS, GS, SS, constants, linHi, CodeCoverage,
} from '../cpu';
import { PvHypervisor } from '../pv/hypervisor';
import { PvhHypervisor } from '../pvh/hypervisor';
import { buildAcpiTables } from '../firmware/acpi-tables';
import { buildPvhAcpiTables } from '../firmware/pvh-acpi-tables';
import type { PvStateView } from '../pv/domain';
import { ExitReason } from '../isa/exit-reasons';
import { MachineOptionError } from '../option-error';
import { GUEST_MEMORY_MIB } from '../limits';
import { encodeEptViolation } from '../isa/exit-qualification';
import { applyBootEntry } from './boot-entry';

/** Idle jumps one run() call may make before it returns (a few milliseconds of host time). */
const MAX_IDLE_WAKEUPS_PER_RUN = 10_000;
const GENERAL = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;
const IF_FLAG = constants.FLAG_IF;
const SEG_INDEX: Record<string, number> = { es: ES, cs: CS, ss: SS, ds: DS, fs: FS, gs: GS };

interface Watch { addr: number; len: number; kind: WatchKind }

interface MachineSnapshot {
  ram: RamImage;
  cpu: CpuSnapshot;
  platform: unknown;
  serial: string;
}

export class Machine implements MachineApi {
  readonly mode: Mode;
  readonly cpu = new Cpu();
  readonly memory: PhysicalMemory;
  readonly platform: Platform;
  readonly vmm: HvmVmm;
  /** The PV hypervisor (mode 'pv' only). */
  readonly pv: PvHypervisor | null;
  /** The PVH hypervisor (mode 'pvh' only): Xen over the HVM model. */
  readonly pvh: PvhHypervisor | null;
  /** Serial output bytes (grown by doubling) and the decoded string, cached until it grows. */
  private serialBytes = new Uint8Array(1 << 16);
  private serialLen = 0;
  private serialText = '';
  private serialTextLen = 0;
  private readonly watches: Watch[] = [];
  private readonly opts: MachineOptions;
  private plan: BootPlan | null = null;
  /** Page copies shared by this machine's snapshots. */
  private readonly pages: PageStore;
  /**
   * The image live RAM equals outside the pages written since (memory.dirty): the latest
   * snapshot taken or restored, or all zeroes after a load. Held until another replaces it.
   */
  private ramBase: RamImage;
  /** Snapshots nobody released explicitly give their copies back when they are collected. */
  private readonly unreleased = new FinalizationRegistry<RamImage>((img) => img.store.release(img));

  constructor(opts: Partial<MachineOptions> = {}) {
    this.opts = { mode: opts.mode ?? 'hvm', memoryMiB: opts.memoryMiB ?? GUEST_MEMORY_MIB.default, exitControls: opts.exitControls, serialOut: opts.serialOut, pvPrivileged: opts.pvPrivileged, blockCompiler: opts.blockCompiler, hypervisorConsole: opts.hypervisorConsole };
    this.mode = this.opts.mode;
    const mib = this.opts.memoryMiB;
    if (!Number.isFinite(mib) || mib < GUEST_MEMORY_MIB.min || mib > GUEST_MEMORY_MIB.max || !Number.isInteger(mib)) {
      throw new MachineOptionError('memory', `memory size must be a whole number of MiB between ${GUEST_MEMORY_MIB.min} and ${GUEST_MEMORY_MIB.max}, got ${mib}`);
    }
    this.memory = new PhysicalMemory(mib * 1024 * 1024);
    this.pages = new PageStore(this.memory.ramBytes);
    this.ramBase = this.pages.empty;
    const cpu = this.cpu;
    const mem = this.memory;
    const pc = createPcPlatform({
      now: () => cpu.ticks,
      ramBytes: mem.ramBytes,
      serialOut: (b: number) => this.onSerial(b),
      readPhys: (addr, size) => mem.read(addr, size),
    });
    // PV: the hypervisor stands in for the platform (event upcalls, PV timers, PV console).
    this.pv = this.mode === 'pv' ? new PvHypervisor(cpu, mem, pc, (b) => this.onSerial(b), { privileged: this.opts.pvPrivileged }) : null;
    if (this.pv && this.opts.hypervisorConsole) this.pv.domain.console.route = this.opts.hypervisorConsole;
    this.pvh = this.mode === 'pvh' ? new PvhHypervisor(cpu, mem, (b) => this.onSerial(b)) : null;
    if (this.pvh && this.opts.hypervisorConsole) this.pvh.domain.console.route = this.opts.hypervisorConsole;
    this.platform = this.pv ? this.pv.platform : this.pvh ? this.pvh.platform : pc;
    this.vmm = createHvmVmm(this.opts.exitControls, { icount: () => cpu.icount, vmcall: this.pvh?.vmcall });
    mem.setMmio(this.platform.mmio);
    mem.now = () => cpu.icount;
    mem.onMmio = (range, gpa, _size, write) => {
      // VT-x saves the guest-linear address beside the GPA (the qualification's bit 7 says so).
      const lin = cpu.accLin;
      cpu.vmexit(ExitReason.EPT_VIOLATION, encodeEptViolation(!write, write, false), range.name,
        { gpa: gpa >>> 0, linear: lin >>> 0, linearHi: cpu.lma ? linHi(lin) >>> 0 : 0 });
      // The device may re-arm a timer (the APIC's): re-check the slice end before the next instruction.
      cpu.irqPoll = true; cpu.deadlineDirty = true; cpu.attn = true;
    };
    // Xen's PVH: a gfn its p2m lacks (no RAM, no placed frame, no device: a PVH domU has no
    // device model) is an EPT violation its null handler completes, reading all ones and
    // dropping writes; the domain is not crashed (hvmemul_do_io with no ioreq server).
    if (this.pvh) {
      mem.onUnbacked = (gpa, _size, write) => {
        const lin = cpu.accLin;
        cpu.vmexit(ExitReason.EPT_VIOLATION, encodeEptViolation(!write, write, false), 'hypervisor',
          { gpa, linear: lin >>> 0, linearHi: cpu.lma ? linHi(lin) >>> 0 : 0 });
      };
    }
    cpu.attachMemory(mem);
    if (this.opts.blockCompiler === false) cpu.blockThreshold = 0;
    cpu.platform = this.platform;
    cpu.sink = this.vmm;
    cpu.controls = this.vmm.controls;
    cpu.onWatch = (lin, size, write) => this.checkWatch(lin, size, write);
    this.pv?.attach();
    this.pvh?.attach(this.vmm);
    resetCpu(cpu);
    enterReset(cpu);
  }

  get icount(): number { return this.cpu.icount; }

  private setSerial(text: string): void {
    if (this.serialBytes.length < text.length) this.serialBytes = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) this.serialBytes[i] = text.charCodeAt(i);
    this.serialLen = text.length;
    this.serialText = text;
    this.serialTextLen = text.length;
  }

  private onSerial(b: number): void {
    if (this.serialLen === this.serialBytes.length) {
      const grown = new Uint8Array(this.serialBytes.length * 2);
      grown.set(this.serialBytes);
      this.serialBytes = grown;
    }
    this.serialBytes[this.serialLen++] = b;
    this.opts.serialOut?.(b);
  }

  readonly serialOutput = (): string => {
    if (this.serialTextLen !== this.serialLen) {
      let text = this.serialText;
      for (let i = this.serialTextLen; i < this.serialLen; i += 8192) {
        text += String.fromCharCode.apply(null, Array.from(this.serialBytes.subarray(i, Math.min(this.serialLen, i + 8192))));
      }
      this.serialText = text;
      this.serialTextLen = this.serialLen;
    }
    return this.serialText;
  };

  /** Reset everything, then apply the plan: memory contents, ROM, entry state. */
  load(plan: BootPlan): void {
    this.plan = plan;
    const mem = this.memory;
    mem.reset();
    this.pages.release(this.ramBase);
    this.ramBase = this.pages.empty;
    this.cpu.flushCode();
    mem.setMmio(this.platform.mmio);
    this.platform.reset();
    this.vmm.reset();
    this.setSerial('');
    if (plan.rom) mem.setRom(plan.rom);
    for (const seg of plan.memory) {
      const end = seg.paddr + seg.bytes.length;
      if (!Number.isInteger(seg.paddr) || seg.paddr < 0 || end > mem.ramBytes) {
        throw new RangeError(`image segment at 0x${seg.paddr.toString(16)} (+${seg.bytes.length} bytes) does not fit in ${mem.ramBytes >>> 20} MiB of RAM`);
      }
      mem.u8.set(seg.bytes, seg.paddr);
      mem.markWritten(seg.paddr, seg.bytes.length);
    }
    // HVM guests started without firmware find the ACPI tables a BIOS would have left (a ROM
    // image is firmware itself and builds its own). Written after the image, which the loader
    // keeps out of the BIOS area.
    // A PVH domain has its own tables, hardware-reduced, where its memory map says.
    const tables = this.pvh ? (plan.pvh ? buildPvhAcpiTables(plan.pvh.layout.acpiBase, plan.pvh.layout.specialBase) : [])
      : !this.pv && !plan.rom ? buildAcpiTables() : [];
    for (const t of tables) { mem.u8.set(t.bytes, t.paddr); mem.markWritten(t.paddr, t.bytes.length); }
    const cpu = this.cpu;
    resetCpu(cpu);
    if (this.pv) { this.pv.load(plan); return; }
    if (plan.pv) throw new Error('this is a Xen PV kernel: load it on a machine in PV mode');
    if (this.pvh) this.pvh.load(plan);
    else if (plan.pvh) throw new Error('this is a PVH boot plan: load it on a machine in PVH mode');
    applyBootEntry(cpu, plan.entry, (k, v) => this.setRegister(k, v));
  }

  longModeState(): LongModeState { return this.cpu; }

  cpuState(): CpuStateView { return this.cpu; }

  exitLogSnapshot(): unknown { return this.vmm.snapshot(); }

  restoreExitLog(saved: unknown): void { this.vmm.restore(saved); }

  startCoverage(): boolean {
    this.cpu.coverage ??= new CodeCoverage();
    return true;
  }

  coverageCut(): Float64Array | null { return this.cpu.coverageCut(); }

  requestPause(): void { this.cpu.pauseRequested = true; this.cpu.attn = true; }

  /** Virtual time in ticks of INSTRUCTION_NS: retired instructions plus the ticks skipped while idle. */
  get ticks(): number { return this.cpu.ticks; }

  run(budget: number, untilTicks = Infinity): StopReason {
    if (!(budget >= 0)) throw new RangeError(`budget must be a non-negative number, got ${budget}`);
    if (!(untilTicks >= 0)) throw new RangeError(`untilTicks must be a non-negative number, got ${untilTicks}`);
    const cpu = this.cpu, p = this.platform;
    const start = cpu.icount;
    let wakeups = 0;
    cpu.bpSkip = (cpu.segBase[CS] + cpu.eip) | 0;
    cpu.watchHit = null;
    cpu.tripleFault = null;
    for (;;) {
      const now = cpu.ticks;
      let dl = p.nextDeadline();
      if (dl <= now) { p.tick(); cpu.irqPoll = true; cpu.attn = true; dl = p.nextDeadline(); }
      const req = this.takeRequest();
      if (req) return req;
      const spent = cpu.icount - start;
      if (spent >= budget || now >= untilTicks) return { kind: 'budget' };
      const slice = Math.min(dl > now ? dl - now : 1, budget - spent, untilTicks - now);
      const code = cpu.run(cpu.icount + Math.max(1, Math.ceil(slice)));
      switch (code) {
        case RUN_OK: continue;
        case RUN_REQUEST: continue;
        case RUN_HALT_WAIT: {
          // Halted (HLT with IF=1) or a blocked PV vCPU: nothing runs until a device's next
          // deadline, so virtual time jumps there at once. Idle ticks are time, not work:
          // they do not use the instruction budget.
          const d = p.nextDeadline();
          if (!Number.isFinite(d)) {
            const ifOn = (cpu.flags & IF_FLAG) !== 0;
            if ((ifOn && p.pendingVector() >= 0) || p.nmiPending?.() || cpu.vnmiPending) { cpu.irqPoll = true; cpu.attn = true; continue; }
            return { kind: 'halted', detail: this.pv
              ? 'the vCPU blocked (sched_op block/poll) with no timer armed and nothing that could send it an event'
              : ifOn ? 'HLT with interrupts enabled, but no device will ever raise one'
                : `HLT with interrupts disabled at ${hex(cpu.segSel[CS], 4)}:${hex(cpu.eip >>> 0, 8)}, NMIs routed but no timer armed` };
          }
          const skip = Math.max(1, Math.min(d, untilTicks) - cpu.ticks);
          cpu.idleTicks += skip;
          cpu.irqPoll = true; cpu.attn = true;
          // A timer whose interrupt stays masked wakes nothing: hand control back now and
          // then so the caller can answer a pause or end the run at its time limit.
          if (++wakeups >= MAX_IDLE_WAKEUPS_PER_RUN) return { kind: 'budget' };
          continue;
        }
        case RUN_HALT_DEAD: return this.haltDead();
        case RUN_TRIPLE: return { kind: 'triple-fault', detail: cpu.tripleFault ?? 'triple fault' };
        case RUN_FILTER: return { kind: 'filter', exitSeq: Math.max(0, this.exits.total - 1) };
        case RUN_BREAK: return { kind: 'breakpoint', address: (cpu.segBase[CS] + cpu.eip) >>> 0 };
        case RUN_WATCH: { const w = cpu.watchHit!; cpu.watchHit = null; return { kind: 'watchpoint', address: w.address, write: w.write }; }
        case RUN_PAUSE: return { kind: 'paused' };
      }
    }
  }

  /**
   * HLT with interrupts off and nothing that could wake it. In a PVH domain that is Xen's
   * hvm_hlt: the vCPU goes down, and with every vCPU down Xen powers the domain off (a PVH Linux
   * without ACPI S5 ends its poweroff so: 'reboot: System halted'). Elsewhere the machine halts.
   */
  private haltDead(): StopReason {
    const cpu = this.cpu;
    const at = `${hex(cpu.segSel[CS], 4)}:${hex(cpu.eip >>> 0, 8)}`;
    if (this.pvh) {
      this.pvh.domain.shutdown(0, `all vCPUs down (HLT with interrupts disabled at ${at})`);
      return this.pvh.takeStop() ?? { kind: 'halted', detail: `HLT with interrupts disabled at ${at}` };
    }
    return { kind: 'halted', detail: `HLT with interrupts disabled at ${at}` };
  }

  private takeRequest(): StopReason | null {
    const pvStop = this.pv ? this.pv.takeStop() : this.pvh?.takeStop();
    if (pvStop) return pvStop;
    let r = this.cpu.pendingRequest;
    this.cpu.pendingRequest = null;
    if (!r) r = this.platform.takeRequest();
    if (!r) return null;
    if (r.kind === 'debug-exit') return { kind: 'debug-exit', code: r.code };
    if (r.kind === 'reset') return { kind: 'reset', via: r.via };
    return { kind: 'shutdown', code: 0, reason: r.via };
  }

  step(): StopReason {
    const cpu = this.cpu, p = this.platform;
    cpu.tripleFault = null;
    if (p.nextDeadline() <= cpu.ticks) { p.tick(); cpu.irqPoll = true; cpu.attn = true; }
    cpu.bpSkip = (cpu.segBase[CS] + cpu.eip) | 0;
    if (cpu.halted) {
      const before = cpu.icount;
      const r = this.run(1);
      if (cpu.icount === before && cpu.halted) return r.kind === 'budget' ? { kind: 'step' } : r;
      return r.kind === 'budget' ? { kind: 'step' } : r;
    }
    const code = cpu.run(cpu.icount + 1);
    const req = this.takeRequest();
    if (req) return req;
    switch (code) {
      case RUN_TRIPLE: return { kind: 'triple-fault', detail: cpu.tripleFault ?? 'triple fault' };
      case RUN_FILTER: return { kind: 'filter', exitSeq: Math.max(0, this.exits.total - 1) };
      case RUN_HALT_DEAD: return this.haltDead();
      case RUN_WATCH: { const w = cpu.watchHit!; cpu.watchHit = null; return { kind: 'watchpoint', address: w.address, write: w.write }; }
      default: return { kind: 'step' };
    }
  }

  getRegisters(): RegisterFile {
    const c = this.cpu, r = c.regs;
    return {
      eax: r[0] >>> 0, ecx: r[1] >>> 0, edx: r[2] >>> 0, ebx: r[3] >>> 0, esp: r[4] >>> 0, ebp: r[5] >>> 0, esi: r[6] >>> 0, edi: r[7] >>> 0,
      eip: c.eip >>> 0, eflags: c.getFlags() >>> 0,
      cs: c.segSel[CS], ds: c.segSel[DS], es: c.segSel[ES], fs: c.segSel[FS], gs: c.segSel[GS], ss: c.segSel[SS],
      cr0: c.cr0 >>> 0, cr2: c.cr2 >>> 0, cr3: c.cr3 >>> 0, cr4: c.cr4 >>> 0,
    };
  }

  setRegister(name: keyof RegisterFile, value: number): void {
    const c = this.cpu;
    const gi = (GENERAL as readonly string[]).indexOf(name);
    if (gi >= 0) { c.regs[gi] = value; return; }
    switch (name) {
      // Moving EIP of a CPU halted by HLT resumes it there, as a debugger user means it to.
      case 'eip': c.eip = value | 0; c.invalidateFetch(); c.halted = false; c.attn = true; return;
      case 'eflags': c.flags = (value & 0x3f7fd5) | 2; c.ccOp = 0; c.irqPoll = true; c.attn = true; return;
      case 'cr0': c.writeCr0(value); return;
      case 'cr2': c.cr2 = value | 0; return;
      case 'cr3': c.writeCr3(value); return;
      case 'cr4': c.writeCr4(value); return;
      default: {
        const s = SEG_INDEX[name];
        if (s === undefined) throw new Error(`unknown register ${String(name)}`);
        // A debugger writing a selector reloads the cache from the descriptor without the
        // privilege checks a MOV would make (real mode: base = selector * 16).
        const sel = value & 0xffff;
        if (!c.protectedMode) { c.setSegReal(s, sel); c.invalidateFetch(); return; }
        if ((sel & 0xfffc) === 0) {
          if (s === CS || s === SS) throw new Error(`a null selector cannot be loaded into ${name}`);
          c.setSegNull(s, sel);
          return;
        }
        if (!c.readDescriptor(sel)) throw new Error(`selector 0x${sel.toString(16)} is outside the descriptor table`);
        c.setSegFromDesc(s, sel, c.dLo, c.dHi);
        if (s === CS) c.setCpl(sel & 3);
        c.invalidateFetch();
      }
    }
  }

  /**
   * A linear address for the page walk: in long mode the whole signed 64-bit value (a kernel's
   * vmalloc and stack addresses lie outside the top 2 GiB, where the low 32 bits do not say
   * it); otherwise its low 32 bits.
   */
  private linear(addr: number): number {
    return this.cpu.lma && Number.isSafeInteger(addr) ? addr : addr | 0;
  }

  readLinear(addr: number, length: number): Uint8Array | null {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const p = this.cpu.peekTranslate(this.linear(addr + i));
      if (p < 0) return null;
      out[i] = this.memory.peek(p);
    }
    return out;
  }

  writeLinear(addr: number, bytes: Uint8Array): boolean {
    const phys: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const p = this.cpu.peekTranslate(this.linear(addr + i));
      if (p < 0) return false;
      phys.push(p);
    }
    for (let i = 0; i < bytes.length; i++) this.writePhysByte(phys[i], bytes[i]);
    return true;
  }

  readPhysical(addr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.memory.peek(addr + i);
    return out;
  }

  writePhysical(addr: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.writePhysByte(addr + i, bytes[i]);
  }

  private writePhysByte(p: number, v: number): void {
    p >>>= 0;
    if (p < this.memory.ramBytes && this.memory.pageKind[p >>> 12] === 0) {
      this.memory.u8[p] = v;
      this.memory.markPage(p >>> 12);
      // A debugger patching code (an INT3, a fixed instruction) must not run the old block.
      this.memory.onCodeWrite?.(p, 1);
    }
  }

  translate(linear: number): number | null {
    const p = this.cpu.peekTranslate(linear | 0);
    return p < 0 ? null : p;
  }

  addBreakpoint(linear: number): void { this.cpu.addBreakpoint(linear); }

  removeBreakpoint(linear: number): void { this.cpu.removeBreakpoint(linear); }

  addWatchpoint(linear: number, length: number, kind: WatchKind): void {
    if (!(length > 0)) throw new RangeError('watchpoint length must be positive');
    this.watches.push({ addr: linear >>> 0, len: length, kind });
    this.refreshWatchPages();
  }

  removeWatchpoint(linear: number, length: number, kind: WatchKind): void {
    const i = this.watches.findIndex((w) => w.addr === linear >>> 0 && w.len === length && w.kind === kind);
    if (i >= 0) this.watches.splice(i, 1);
    this.refreshWatchPages();
  }

  private refreshWatchPages(): void {
    const c = this.cpu;
    c.noTlb.fill(0);
    for (const w of this.watches) {
      for (let p = w.addr >>> 12; p <= ((w.addr + w.len - 1) >>> 12); p++) c.noTlb[p & 0xfffff] = 1;
    }
    c.flushTlb();
  }

  private checkWatch(lin: number, size: number, write: boolean): void {
    const a = lin >>> 0;
    for (const w of this.watches) {
      if (w.kind === 'read' && write) continue;
      if (w.kind === 'write' && !write) continue;
      // Accesses reach here per page; a 4-byte window around the first byte covers word and dword accesses.
      if (a < w.addr + w.len && a + Math.max(size, 4) > w.addr) {
        if (!this.cpu.watchHit) { this.cpu.watchHit = { address: a, write }; this.cpu.attn = true; }
        return;
      }
    }
  }

  reachedMemory(): ReachedMemory {
    const mem = this.memory;
    const placed = mem.mappedFrames().map(([page]) => page);
    const wholeRam = (range: number) => {
      // A PC's VGA window (0xA0000-0xBFFFF) is plain memory here but MMIO to a real HVM
      // hypervisor, whose p2m leaves it out: the first 2 MiB is never one large page there.
      if (range === 0 && this.mode === 'hvm') return false;
      const first = range * 512;
      if ((first + 512) * 4096 > mem.ramBytes) return false;
      for (let p = first; p < first + 512; p++) if (mem.pageKind[p] !== PAGE_RAM) return false;
      return true;
    };
    // The hypervisor's own frames (hidden RAM) are in no p2m entry: only where they were placed.
    const ram = mem.touchedPages().filter((p) => !mem.isHidden(p));
    return { pages: [...ram, ...placed], placed: placed.length, wholeRam };
  }

  /** Accesses that reached no device: the platform's port records and our physical-memory holes. */
  get unassigned(): { count: number; recent: Array<import('../devices/platform-api').UnassignedAccess> } {
    const p = this.platform.unassigned, m = this.memory.unassigned;
    return { count: p.count + m.count, recent: [...p.recent, ...m.recent].sort((a, b) => a.icount - b.icount) };
  }

  setExitFilter(filter: ((r: ExitRecord) => boolean) | null): void {
    if (this.pv) this.pv.domain.log.setFilter(filter); else this.vmm.setFilter(filter);
  }

  get exits(): ExitStats { return this.pv ? this.pv.stats : this.pvh ? this.pvh.stats : this.vmm.stats; }

  pvState(): PvStateView | null { return this.pv ? this.pv.state() : this.pvh && this.pvh.domain.loaded ? this.pvh.state() : null; }

  serialInput(bytes: Uint8Array): void { this.platform.serialInput(bytes); }

  vgaText(): VgaTextView { return this.platform.vgaText(); }

  snapshot(): unknown {
    const mem = this.memory, pages = this.pages;
    const dirty = mem.dirtyPages();
    let ram = this.ramBase;
    if (dirty.length === 0) pages.retain(ram);
    else {
      ram = pages.capture(this.ramBase, mem.i32, mem.u8, dirty);
      pages.release(this.ramBase);
      pages.retain(ram);
      this.ramBase = ram;
      mem.restartTracking();
    }
    const snap: MachineSnapshot = {
      ram,
      cpu: saveCpu(this.cpu),
      platform: (this.platform as unknown as { saveState?(): unknown }).saveState?.(),
      serial: this.serialOutput(),
    };
    this.unreleased.register(snap, ram, snap);
    return snap;
  }

  releaseSnapshot(snapshot: unknown): void {
    const s = this.ownSnapshot(snapshot, 'releaseSnapshot');
    if (!this.unreleased.unregister(s)) throw new Error('releaseSnapshot: this snapshot was released already');
    this.pages.release(s.ram);
  }

  /**
   * Self-check of write tracking, for tests: RAM pages that differ from the image the next
   * snapshot builds on without being marked written (empty unless a store escaped tracking,
   * which would make a later restore silently wrong). Reads all of RAM.
   */
  untrackedPages(): number[] {
    return this.pages.untracked(this.ramBase, this.memory.u8, this.memory.dirty);
  }

  snapshotMemory(): { heldBytes: number; nextBytes: number } {
    return { heldBytes: this.pages.bytes, nextBytes: this.pages.captureCost(this.memory.dirtyPages()) };
  }

  private ownSnapshot(snapshot: unknown, what: string): MachineSnapshot {
    const s = snapshot as MachineSnapshot;
    if (!s || typeof s !== 'object' || !s.cpu || !s.ram || (s.ram as RamImage).store !== this.pages) {
      throw new Error(`${what}: not a snapshot of this machine`);
    }
    return s;
  }

  restore(snapshot: unknown): void {
    const s = this.ownSnapshot(snapshot, 'restore');
    if (s.ram.refs <= 0) throw new Error('restore: the snapshot was released');
    const mem = this.memory, pages = this.pages;
    // Only pages written since the current image, and those where the two images differ.
    // Compiled code survives on every other page: a stepBack or a reverseContinue replays the
    // code it just ran, and recompiling it (after 10,000 interpreted visits per entry point)
    // cost more than the re-execution itself. A page put back drops the blocks compiled from
    // it, as a guest store there would.
    pages.apply(this.ramBase, s.ram, mem.u8, mem.dirtyPages(), mem.dirty, (page) => mem.onCodeWrite?.(page * 4096, 4096));
    pages.retain(s.ram);
    pages.release(this.ramBase);
    this.ramBase = s.ram;
    mem.restartTracking();
    loadCpu(this.cpu, s.cpu);
    const pl = this.platform as unknown as { loadState?(st: unknown): void };
    if (s.platform !== undefined) pl.loadState?.(s.platform);
    this.setSerial(s.serial);
  }

  /** The plan last loaded (for reloading on a guest reset). */
  get loadedPlan(): BootPlan | null { return this.plan; }
}

function hex(v: number, digits: number): string { return v.toString(16).padStart(digits, '0'); }
