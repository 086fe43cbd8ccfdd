// What the memory view shows and accepts, without VS Code: where to read (an address or an
// expression, linear or physical), rows of 16 bytes with their text, and byte edits.

export interface MemoryTarget { physical: boolean; address?: number; expression?: string }

/**
 * `0x1000`, `4096`, `phys:0xb8000` (physical) are addresses; anything else is an expression
 * for the debugger (`&idt`, `$esp`, `pv_vcpu_info`). Empty text is refused.
 */
export function parseTarget(text: string, physical: boolean): MemoryTarget {
  const t = text.trim();
  if (t === '') throw new Error('give an address (0x..., or phys:0x... for physical memory) or an expression');
  const phys = /^phys:\s*(.+)$/i.exec(t);
  const body = phys ? phys[1]!.trim() : t;
  const isPhysical = physical || !!phys;
  if (/^0x[0-9a-f]{1,16}$/i.test(body)) return { physical: isPhysical, address: parseAddressText(body) };
  if (/^\d{1,10}$/.test(body) && Number(body) <= 0xffffffff) return { physical: isPhysical, address: Number(body) >>> 0 };
  if (phys) throw new Error(`phys: takes an address, not '${body}'`);
  return { physical, expression: body };
}

/**
 * A hex address as the adapter writes it: up to 8 digits is a 32-bit address; 9 to 16 digits a
 * 64-bit one, held (as the adapter holds it) as its signed value, exact for every canonical
 * address. A non-canonical one is refused: no long-mode access can reach it.
 */
export function parseAddressText(text: string): number {
  const t = text.trim();
  if (/^0x[0-9a-f]{1,8}$/i.test(t)) return parseInt(t, 16) >>> 0;
  if (/^0x[0-9a-f]{9,16}$/i.test(t)) {
    const v = BigInt.asIntN(64, BigInt(t));
    if (v < -(1n << 47n) || v >= 1n << 47n) throw new Error(`${t} is not a canonical address (bits 63:47 must all equal bit 47)`);
    return Number(v);
  }
  throw new Error(`'${text}' is not an address`);
}

/** Whether an address (as parseAddressText gives it) needs 64 bits. */
export function isWideAddress(address: number): boolean {
  return address < 0 || address > 0xffffffff;
}

/** An address in hex: 8 digits for a 32-bit address, 16 for a 64-bit one. */
export function addressText(address: number): string {
  return isWideAddress(address) ? BigInt.asUintN(64, BigInt(address)).toString(16).padStart(16, '0') : (address >>> 0).toString(16).padStart(8, '0');
}

/** `address + offset`: a 32-bit address wraps at 4 GiB as protected mode does; a 64-bit one does not wrap. */
export function addressAdd(address: number, offset: number): number {
  return isWideAddress(address) ? address + offset : (address + offset) >>> 0;
}

/** The DAP memoryReference our adapter reads: linear `0x...` or `phys:0x...`. */
export function memoryReference(address: number, physical: boolean): string {
  return `${physical ? 'phys:' : ''}0x${addressText(address)}`;
}

/** `label` is the address as the view prints it (8 or 16 hex digits). */
export interface MemoryRow { address: number; label: string; cells: Array<number | null>; text: string }

/** Rows of 16 from `address`; bytes past `bytes.length` (unreadable) are null, shown as `??`. */
export function memoryRows(address: number, bytes: Uint8Array, length: number): MemoryRow[] {
  const rows: MemoryRow[] = [];
  for (let off = 0; off < length; off += 16) {
    const cells: Array<number | null> = [];
    let text = '';
    for (let i = off; i < Math.min(off + 16, length); i++) {
      const b = i < bytes.length ? bytes[i]! : null;
      cells.push(b);
      text += b === null ? ' ' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    }
    const at = addressAdd(address, off);
    rows.push({ address: at, label: addressText(at), cells, text });
  }
  return rows;
}

/** A byte typed into a cell: one or two hex digits. */
export function parseByte(text: string): number {
  const t = text.trim().replace(/^0x/i, '');
  if (!/^[0-9a-f]{1,2}$/i.test(t)) throw new Error(`'${text}' is not a byte: type one or two hex digits`);
  return parseInt(t, 16);
}
