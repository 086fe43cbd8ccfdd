// Custom request `paravirt.vgaText`: the guest's VGA text screen for the extension's Guest
// Screen view. Body: { cols, rows, cells (base64 of little-endian 16-bit cells: character in
// the low byte, attribute in the high byte), cursor: { row, col, visible } }.

import type { MachineApi } from '../emulator/machine';

export function vgaTextBody(machine: MachineApi): { cols: number; rows: number; cells: string; cursor: { row: number; col: number; visible: boolean } } | null {
  const v = machine.vgaText();
  const bytes = Buffer.alloc(v.cells.length * 2);
  for (let i = 0; i < v.cells.length; i++) bytes.writeUInt16LE(v.cells[i] & 0xffff, i * 2);
  return { cols: v.cols, rows: v.rows, cells: bytes.toString('base64'), cursor: { row: v.cursor.row, col: v.cursor.col, visible: v.cursor.visible } };
}
