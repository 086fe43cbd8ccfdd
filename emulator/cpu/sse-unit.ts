// The SSE register file: XMM0-XMM15 (8-15 in 64-bit mode only) and MXCSR, with the MXCSR field constants. Kept apart
// from the instruction helpers (sse-state.ts) so the CPU classes can hold it without an
// import cycle.

// MXCSR fields.
export const MX_IE = 0x01, MX_DE = 0x02, MX_ZE = 0x04, MX_OE = 0x08, MX_UE = 0x10, MX_PE = 0x20;
export const MX_DAZ = 0x40;
export const MX_FTZ = 0x8000;
/** Bits a guest may set (DAZ included: MXCSR_MASK reports it). */
export const MXCSR_MASK = 0xffff;
export const MXCSR_RESET = 0x1f80;
/** The XCR0 bits this CPU supports: x87 and SSE. */
export const XCR0_SUPPORTED = 3;
/** Bytes of the XSAVE area for x87 and SSE: the legacy region and the header. */
export const XSAVE_SIZE = 576;

export class SseUnit {
  /** XMM0-XMM15, then the two scratch slots of sse-state.ts. */
  readonly bytes = new Uint8Array(16 * 18);
  readonly u8 = this.bytes;
  readonly i8 = new Int8Array(this.bytes.buffer);
  readonly u16 = new Uint16Array(this.bytes.buffer);
  readonly i16 = new Int16Array(this.bytes.buffer);
  readonly i32 = new Int32Array(this.bytes.buffer);
  readonly u32 = new Uint32Array(this.bytes.buffer);
  readonly f32 = new Float32Array(this.bytes.buffer);
  readonly f64 = new Float64Array(this.bytes.buffer);
  readonly i64 = new BigInt64Array(this.bytes.buffer);
  mxcsr = MXCSR_RESET;
  /** XCR0: the state components XSAVE manages (bit 0, x87, always set; bit 1, SSE). */
  xcr0 = 1;

  reset(): void { this.bytes.fill(0); this.mxcsr = MXCSR_RESET; this.xcr0 = 1; }

  /** The 256 bytes of XMM0-XMM15 (for snapshots and the debugger). */
  registers(): Uint8Array { return this.bytes.subarray(0, 256); }
}
