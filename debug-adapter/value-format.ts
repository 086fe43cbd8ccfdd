// Numbers as the client asks for them (DAP ValueFormat: VS Code's hex/decimal choice) and,
// for the registers whose bits mean something, their bits by name beside the value.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { eflagsText } from './decoded-tables';
import { hex } from './state-views';

type Format = DebugProtocol.ValueFormat | undefined;

const CR0: Array<[string, number]> = [['PE', 0], ['MP', 1], ['EM', 2], ['TS', 3], ['ET', 4], ['NE', 5], ['WP', 16], ['AM', 18], ['NW', 29], ['CD', 30], ['PG', 31]];
const CR4: Array<[string, number]> = [['VME', 0], ['PVI', 1], ['TSD', 2], ['DE', 3], ['PSE', 4], ['PAE', 5], ['MCE', 6], ['PGE', 7], ['PCE', 8], ['OSFXSR', 9], ['OSXMMEXCPT', 10], ['UMIP', 11], ['OSXSAVE', 18], ['SMEP', 20], ['SMAP', 21]];
const bits = (v: number, t: Array<[string, number]>) => t.filter(([, b]) => (v >>> b) & 1).map(([n]) => n).join(' ') || '-';

/** The bits of EFLAGS, CR0 or CR4 when the expression is that register alone (`$cr0`, `eflags`). */
export function registerBits(expression: string, v: number): string | undefined {
  const name = /^\s*\$?(eflags|rflags|flags|ps|cr0|cr4)\s*$/i.exec(expression)?.[1]?.toLowerCase();
  if (!name) return undefined;
  if (name === 'cr0') return `[${bits(v, CR0)}]`;
  if (name === 'cr4') return `[${bits(v, CR4)}]`;
  return eflagsText(v).slice(hex(v).length + 1);
}

/** An evaluated number: hex or decimal when the client says which, else both. */
export function numberText(v: number, format: Format): string {
  if (format?.hex === true) return hex(v);
  if (format?.hex === false) return v > 0x7fffffff ? `${v} (${v | 0})` : String(v);
  return `${hex(v)} (${v}${v > 0x7fffffff ? `, ${v | 0}` : ''})`;
}

/** A 64-bit value: 16 hex digits and the unsigned (and, when negative as signed, signed) decimal. */
export function wideNumberText(v: bigint, format: Format): string {
  const u = BigInt.asUintN(64, v), s = BigInt.asIntN(64, v);
  const h = `0x${u.toString(16).padStart(16, '0')}`;
  if (format?.hex === true) return h;
  if (format?.hex === false) return s < 0n ? `${u} (${s})` : String(u);
  return `${h} (${u}${s < 0n ? `, ${s}` : ''})`;
}

/**
 * A Variables-view value whose raw number leads (registers, table entries): in decimal when
 * the client asks for decimal; the decoded part after it is left as it is.
 */
export function formatNodeValue(value: string, format: Format): string {
  if (format?.hex !== false) return value;
  return value.replace(/^0x([0-9a-f]{1,8})(?![0-9a-f])/i, (_m, h: string) => String(parseInt(h, 16) >>> 0))
    .replace(/^0x([0-9a-f]{9,16})(?![0-9a-f])/i, (_m, h: string) => BigInt('0x' + h).toString());
}
