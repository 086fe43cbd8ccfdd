// A node of the trees the Variables view shows (registers, decoded tables, PV state, exits),
// and the hex form their values use.

export interface Node {
  name: string;
  value: string;
  /** C type, for variables from DWARF. */
  type?: string;
  children?: () => Node[];
  /** Address the value points at, for the memory view. */
  memory?: number;
  set?: (v: number) => void;
  /** For 64-bit registers: takes all 64 bits (setVariable prefers it to `set`). */
  setWide?: (v: bigint) => void;
}

export const hex = (v: number, digits = 8) => `0x${(v >>> 0).toString(16).padStart(digits, '0')}`;
