// Port I/O as IN/OUT/INS/OUTS perform it: the IOPL and TSS I/O-bitmap check, the VM exit
// (reason 30) when the I/O bitmap says so, and the platform access with what follows it
// (interrupt lines, A20, device requests, timer deadlines).

import type { Platform } from '../devices/platform-api';
import * as K from './constants';
import { ExitReason } from '../isa/exit-reasons';
import { encodeIoInstrInfo } from '../isa/exit-qualification';
import type { ExitExtra } from './exit-api';
import { AluCpu } from './alu-core';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { DS, ES, GP, FLAG_VM } = K;

export class PortCpu extends AluCpu {
  /** IOPL and TSS I/O-bitmap check for ports port..port+size-1. */
  ioCheck(port: number, size: number): void {
    if (!this.protectedMode) return;
    // In V86 mode I/O is not IOPL-sensitive: the bitmap decides, whatever IOPL is.
    if (this.cpl <= ((this.flags >>> 12) & 3) && !(this.flags & FLAG_VM)) return;
    if ((this.trAttr & 0xf) !== 0xb && (this.trAttr & 0xf) !== 9) this.fault(GP, 0);
    if (this.trLimit < 0x67) this.fault(GP, 0);
    const mapBase = this.rdSys16(this.trLin(0x66));
    const byte = mapBase + (port >>> 3);
    if (byte + 1 > this.trLimit) this.fault(GP, 0);
    const bits = this.rdSys16(this.trLin(byte));
    if ((bits >>> (port & 7)) & ((1 << size) - 1)) this.fault(GP, 0);
  }

  private ioExit(port: number, size: number, isIn: boolean, str: boolean, immediate: boolean, value: number): void {
    const c = this.controls;
    if (!c || !c.ioExits(port)) return;
    const q = (size - 1) | (isIn ? 8 : 0) | (str ? 16 : 0) | (this.rep && str ? 32 : 0) | (immediate ? 64 : 0) | (port << 16);
    let owner = this.portOwners[port];
    if (owner === undefined) owner = this.portOwners[port] = this.platform?.portOwner(port) ?? 'unassigned';
    if (str) { this.vmexit(ExitReason.IO_INSTRUCTION, q >>> 0, owner, this.stringIoExtra(isIn)); return; }
    this.vmexit(ExitReason.IO_INSTRUCTION, q >>> 0, owner, isIn ? undefined : { value: value >>> 0 });
  }

  /**
   * What VT-x saves beside an INS/OUTS exit: the guest-linear address of the element (ES:rDI
   * for INS, seg:rSI for OUTS) and the instruction information (address size, segment).
   */
  private stringIoExtra(isIn: boolean): ExitExtra {
    const seg = isIn ? ES : this.segOvr >= 0 ? this.segOvr : DS;
    const r = isIn ? 7 : 6;
    const off = this.a32 ? this.regs[r] : this.r16[r << 1];
    return { linear: (this.segBase[seg] + off) >>> 0, linearHi: 0, instrInfo: encodeIoInstrInfo(this.a32 ? 32 : 16, seg) };
  }

  portIn(port: number, size: 1 | 2 | 4, str: boolean, immediate: boolean): number {
    this.ioCheck(port, size);
    this.ioExit(port, size, true, str, immediate, 0);
    const p = this.platform;
    if (!p) return size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
    const v = p.portIn(port, size);
    this.afterPortAccess(p);
    this.recheckDeadline();
    return v;
  }

  portOut(port: number, size: 1 | 2 | 4, v: number, str: boolean, immediate: boolean): void {
    this.ioCheck(port, size);
    v = size === 4 ? v >>> 0 : v & (size === 2 ? 0xffff : 0xff);
    this.ioExit(port, size, false, str, immediate, v);
    const p = this.platform;
    if (!p) return;
    p.portOut(port, size, v);
    this.afterPortAccess(p);
    this.afterPortOut();
  }

  /** Port owner names for exit records (the platform's wiring never changes at run time). */
  private readonly portOwners: Array<string | undefined> = new Array(0x10000);

  /**
   * A device access may have raised (or unmasked) an interrupt: look at the lines before the
   * next instruction only then, so that an I/O loop is not sent through the slow checks (and
   * out of its compiled block) on every access.
   */
  private afterPortAccess(p: Platform): void {
    if (p.pendingVector() >= 0) { this.irqPoll = true; this.attn = true; }
  }

  /** A20 or a device request may have changed. */
  afterPortOut(): void {
    const p = this.platform!;
    const mask = p.a20 ? -1 : ~(1 << 20);
    if (mask !== this.a20Mask) { this.a20Mask = mask; this.flushTlb(); }
    const req = p.takeRequest();
    if (req) { this.pendingRequest = req; this.requestPending = true; this.attn = true; }
    this.recheckDeadline();
  }
}
