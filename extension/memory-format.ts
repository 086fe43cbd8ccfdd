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
  if (/^0x[0-9a-f]{1,8}$/i.test(body)) return { physical: isPhysical, address: parseInt(body, 16) >>> 0 };
  if (/^\d{1,10}$/.test(body) && Number(body) <= 0xffffffff) return { physical: isPhysical, address: Number(body) >>> 0 };
  if (phys) throw new Error(`phys: takes an address, not '${body}'`);
  return { physical, expression: body };
}

/** The DAP memoryReference our adapter reads: linear `0x...` or `phys:0x...`. */
export function memoryReference(address: number, physical: boolean): string {
  return `${physical ? 'phys:' : ''}0x${(address >>> 0).toString(16).padStart(8, '0')}`;
}

export interface MemoryRow { address: number; cells: Array<number | null>; text: string }

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
    rows.push({ address: (address + off) >>> 0, cells, text });
  }
  return rows;
}

/** A byte typed into a cell: one or two hex digits. */
export function parseByte(text: string): number {
  const t = text.trim().replace(/^0x/i, '');
  if (!/^[0-9a-f]{1,2}$/i.test(t)) throw new Error(`'${text}' is not a byte: type one or two hex digits`);
  return parseInt(t, 16);
}
