// The PVH domain's ACPI tables judged by ACPICA's disassembler (iasl -d, from Debian's
// acpica-tools, which scripts/setup.sh installs): a hardware-reduced FADT (revision 5, no PM
// blocks, no SCI, no VGA, no CMOS RTC, no 8042), a MADT with the one local APIC and no I/O
// APIC, ISA overrides or 8259s, and the RSDP at the base of the ACPI area the memory map names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPvhAcpiTables } from '../../emulator/firmware/pvh-acpi-tables';
import { pvhLayout } from '../../emulator/loader';

const skip = spawnSync('iasl', ['-v']).status === 0 ? false : 'acpica-tools (iasl) is not installed: scripts/setup.sh installs it';
const lay = pvhLayout(64 << 20);
const blobs = buildPvhAcpiTables(lay.acpiBase, lay.specialBase);
const sigOf = (b: Uint8Array) => String.fromCharCode(...b.subarray(0, 4));
const bySig = new Map(blobs.map((b) => [sigOf(b.bytes), b]));

function disassemble(sig: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-pvh-acpi-'));
  const file = join(dir, `${sig.toLowerCase()}.dat`);
  writeFileSync(file, bySig.get(sig)!.bytes);
  const r = spawnSync('iasl', ['-d', file], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 0, `iasl -d ${sig}: ${r.stdout}${r.stderr}`);
  return readFileSync(join(dir, `${sig.toLowerCase()}.dsl`), 'utf8');
}
/** The value of a "Name : value" line of iasl's output (the first such line). */
function field(text: string, name: string): string {
  const m = new RegExp(`^(?:\\[[0-9A-F]+h [0-9]+ +[0-9]+\\]| {8,}) +${name.replace(/[()]/g, '\\$&')} +: (.+)$`, 'm').exec(text);
  assert.ok(m, `no '${name}' in:\n${text}`);
  return m![1]!.trim();
}

test('RSDP at the ACPI area\'s base, both checksums, XSDT and RSDT naming FADT and MADT, all inside the area', () => {
  const rsdp = blobs[0]!;
  assert.equal(rsdp.paddr, lay.acpiBase);
  assert.equal(String.fromCharCode(...rsdp.bytes.subarray(0, 8)), 'RSD PTR ');
  const sum = (b: Uint8Array, n: number) => b.subarray(0, n).reduce((a, x) => (a + x) & 0xff, 0);
  assert.equal(sum(rsdp.bytes, 20), 0);
  assert.equal(sum(rsdp.bytes, 36), 0);
  for (const b of blobs) assert.ok(b.paddr >= lay.acpiBase && b.paddr + b.bytes.length <= lay.specialBase);
  assert.deepEqual([...bySig.keys()].sort(), ['APIC', 'DSDT', 'FACP', 'RSD ', 'RSDT', 'XSDT']);
});

test('FADT: revision 5, hardware-reduced, no VGA, no CMOS RTC, no 8042, no PM blocks or SCI', { skip }, () => {
  const t = disassemble('FACP');
  assert.doesNotMatch(t, /Invalid|Error/i);
  assert.equal(field(t, 'Revision'), '05');
  assert.equal(field(t, 'Hardware Reduced (V5)'), '1');
  assert.equal(field(t, 'VGA Not Present (V4)'), '1');
  assert.equal(field(t, 'CMOS RTC Not Present (V5)'), '1');
  assert.equal(field(t, '8042 Present on ports 60/64 (V2)'), '0');
  assert.equal(field(t, 'Legacy Devices Supported (V2)'), '0');
  assert.equal(field(t, 'SCI Interrupt'), '0000');
  assert.equal(Number.parseInt(field(t, 'PM1A Event Block Address'), 16), 0);
  assert.equal(Number.parseInt(field(t, 'PM Timer Block Address'), 16), 0);
  assert.equal(Number.parseInt(field(t, 'DSDT Address'), 16), bySig.get('DSDT')!.paddr);
});

test('MADT: the local APIC at 0xFEE00000, one processor (APIC ID 0, enabled), no I/O APIC, no 8259s', { skip }, () => {
  const t = disassemble('APIC');
  assert.doesNotMatch(t, /Invalid|Error/i);
  assert.equal(Number.parseInt(field(t, 'Local Apic Address'), 16), 0xfee00000);
  assert.equal(field(t, 'PC-AT Compatibility'), '0');
  assert.equal((t.match(/Subtable Type : 00 \[Processor Local APIC\]/g) ?? []).length, 1);
  assert.doesNotMatch(t, /I\/O APIC|Interrupt Source Override/);
  assert.equal(field(t, 'Local Apic ID'), '00');
  assert.equal(field(t, 'Processor Enabled'), '1');
});
