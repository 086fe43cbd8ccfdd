// The ACPI tables the machine leaves in the BIOS area, judged by ACPICA (Debian's
// acpica-tools, installed by scripts/setup.sh): iasl disassembles every table and would
// flag a bad checksum or a malformed field, acpiexec evaluates \_S5 from the DSDT; the
// decoded fields must describe the devices the platform has where it has them, and the
// S5 sleep type ACPI yields must power the machine off through the PM1a control port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAcpiTables, ACPI_AREA, ACPI_AREA_END } from '../../emulator/firmware/acpi-tables';
import { Machine } from '../../emulator/machine';
import { loadImage } from '../../emulator/loader';
import { ACPI_PM_BASE } from '../../emulator/devices/acpi-pm';
import { HPET_BASE, HPET_CAP_LOW } from '../../emulator/devices/hpet';
import { IOAPIC_BASE } from '../../emulator/devices/ioapic';
import { APIC_BASE } from '../../emulator/devices/local-apic';
import { PcPlatform } from '../../emulator/devices/platform';

const hasAcpica = spawnSync('iasl', ['-v']).status === 0 && spawnSync('acpiexec', ['-v']).status === 0;
const skip = hasAcpica ? false : 'acpica-tools (iasl, acpiexec) is not installed: scripts/setup.sh installs it';

const blobs = buildAcpiTables();
const sigOf = (b: Uint8Array) => String.fromCharCode(...b.subarray(0, 4));
const bySig = new Map(blobs.map((b) => [sigOf(b.bytes), b]));

/** iasl -d on one table: its "Field : value" lines (first occurrence of each name wins). */
function disassemble(sig: string): { text: string; fields: Map<string, string[]> } {
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-acpi-'));
  const file = join(dir, `${sig.toLowerCase()}.dat`);
  writeFileSync(file, bySig.get(sig)!.bytes);
  const r = spawnSync('iasl', ['-d', file], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 0, `iasl -d ${sig}: ${r.stdout}${r.stderr}`);
  const text = readFileSync(join(dir, `${sig.toLowerCase()}.dsl`), 'utf8');
  const fields = new Map<string, string[]>();
  // "[off dec len] Name : value" lines, and the decoded flag bits below them ("   Name : 1").
  for (const m of text.matchAll(/^(?:\[[0-9A-F]+h [0-9]+ +[0-9]+\]| {8,}) +(.+?) : (.+)$/gm)) {
    const list = fields.get(m[1]!.trim()) ?? [];
    list.push(m[2]!.trim());
    fields.set(m[1]!.trim(), list);
  }
  return { text, fields };
}
const hex = (s: string | undefined) => parseInt((s ?? '').split(/\s/)[0]!, 16);

test('the RSDP: both checksums, revision 2, RSDT and XSDT listing the same tables, all in the BIOS area', () => {
  const rsdp = blobs[0]!;
  assert.equal(String.fromCharCode(...rsdp.bytes.subarray(0, 8)), 'RSD PTR ');
  assert.equal(rsdp.paddr % 16, 0);
  assert.ok(rsdp.paddr >= 0xe0000 && rsdp.paddr + 36 <= 0x100000);
  const sum = (b: Uint8Array, n: number) => b.subarray(0, n).reduce((a, x) => (a + x) & 0xff, 0);
  assert.equal(sum(rsdp.bytes, 20), 0);
  assert.equal(sum(rsdp.bytes, 36), 0);
  const v = new DataView(rsdp.bytes.buffer);
  assert.equal(rsdp.bytes[15], 2);
  assert.equal(v.getUint32(16, true), bySig.get('RSDT')!.paddr);
  assert.equal(Number(v.getBigUint64(24, true)), bySig.get('XSDT')!.paddr);
  for (const b of blobs) assert.ok(b.paddr >= ACPI_AREA && b.paddr + b.bytes.length <= ACPI_AREA_END, sigOf(b.bytes));
  // No two tables overlap.
  const spans = blobs.map((b) => [b.paddr, b.paddr + b.bytes.length] as const).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i]![0] >= spans[i - 1]![1]);
});

test('iasl decodes every table without a checksum or format complaint', { skip }, () => {
  for (const sig of ['FACP', 'APIC', 'HPET', 'RSDT', 'XSDT', 'FACS', 'DSDT']) {
    const { text } = disassemble(sig);
    assert.doesNotMatch(text, /Incorrect checksum|Invalid|Unknown|Error|Warning/i, sig);
  }
  const pointers = (sig: string) => (disassemble(sig).fields.get('ACPI Table Address   0')
    ? [...disassemble(sig).fields.entries()].filter(([k]) => /^ACPI Table Address/.test(k)).map(([, v]) => hex(v[0]))
    : []);
  const expected = ['FACP', 'APIC', 'HPET'].map((s) => bySig.get(s)!.paddr);
  assert.deepEqual(pointers('RSDT'), expected);
  assert.deepEqual(pointers('XSDT'), expected);
});

test('the FADT names the PM blocks, the SCI, SMI_CMD and the reset register the platform has', { skip }, () => {
  const f = disassemble('FACP').fields;
  assert.equal(hex(f.get('PM1A Event Block Address')?.[0]), ACPI_PM_BASE);
  assert.equal(hex(f.get('PM1A Control Block Address')?.[0]), ACPI_PM_BASE + 4);
  assert.equal(hex(f.get('PM Timer Block Address')?.[0]), ACPI_PM_BASE + 8);
  assert.equal(hex(f.get('PM Timer Block Length')?.[0]), 4);
  assert.equal(hex(f.get('SCI Interrupt')?.[0]), 9);
  assert.equal(hex(f.get('Reset Register Supported (V2)')?.[0]), 1);
  assert.equal(hex(f.get('FACS Address')?.[0]), bySig.get('FACS')!.paddr);
  assert.equal(hex(f.get('DSDT Address')?.[0]), bySig.get('DSDT')!.paddr);
  assert.equal(hex(f.get('Use 32-bit Timer (V1)')?.[0] ?? f.get('32-bit PM Timer (V1)')?.[0]), 0, '24-bit PM timer');
  // The platform answers at the addresses the FADT gives: the PM timer moves with time, and the
  // reset register's value resets the machine; SMI_CMD's ACPI_ENABLE sets SCI_EN.
  let now = 0;
  const requests: string[] = [];
  const p = new PcPlatform({ now: () => now, ramBytes: 16 << 20, readPhys: () => 0 });
  const t0 = p.portIn(hex(f.get('PM Timer Block Address')?.[0]), 4);
  now += 100_000_000;                                         // one virtual second
  assert.equal((p.portIn(hex(f.get('PM Timer Block Address')?.[0]), 4) - t0) & 0xffffff, 3_579_545);
  p.portOut(hex(f.get('SMI Command Port')?.[0]), 1, hex(f.get('ACPI Enable Value')?.[0]));
  assert.equal(p.portIn(ACPI_PM_BASE + 4, 2) & 1, 1, 'SCI_EN after ACPI_ENABLE');
  p.portOut(hex(f.get('Address')?.[0]), 1, hex(f.get('Value to cause reset')?.[0]));
  for (let r = p.takeRequest(); r; r = p.takeRequest()) requests.push(r.kind);
  assert.deepEqual(requests, ['reset']);
});

test('the MADT: one enabled CPU, the I/O APIC, IRQ 0 on GSI 2, the SCI level/high, LINT1 as NMI', { skip }, () => {
  const { text, fields } = disassemble('APIC');
  assert.equal(hex(fields.get('Local Apic Address')?.[0]), APIC_BASE);
  assert.match(text, /PC-AT Compatibility : 1/);
  assert.match(text, /Subtable Type : 00 \[Processor Local APIC\][\s\S]*?Local Apic ID : 00[\s\S]*?Processor Enabled : 1/);
  assert.match(text, new RegExp(`\\[I/O APIC\\][\\s\\S]*?Address : ${IOAPIC_BASE.toString(16).toUpperCase()}\\s[\\s\\S]*?Interrupt : 00000000`));
  assert.match(text, /\[Interrupt Source Override\][\s\S]*?Source : 00\s[\s\S]*?Interrupt : 00000002\s[\s\S]*?Polarity : 0\s+Trigger Mode : 0/);
  assert.match(text, /\[Interrupt Source Override\][\s\S]*?Source : 09\s[\s\S]*?Interrupt : 00000009\s[\s\S]*?Polarity : 1\s+Trigger Mode : 3/);
  assert.match(text, /\[Local APIC NMI\][\s\S]*?Processor ID : FF[\s\S]*?Interrupt Input LINT : 01/);
});

test('the HPET table points at the HPET and repeats its capabilities', { skip }, () => {
  const f = disassemble('HPET').fields;
  assert.equal(hex(f.get('Address')?.[0]), HPET_BASE);
  assert.equal(hex(f.get('Space ID')?.[0]), 0, 'system memory');
  assert.equal(hex(f.get('Hardware Block ID')?.[0]), HPET_CAP_LOW >>> 0);
  const p = new PcPlatform({ now: () => 0, ramBytes: 16 << 20, readPhys: () => 0 });
  const hpet = p.mmio.find((m) => m.base === HPET_BASE)!;
  assert.equal(hpet.handler.read(0, 4), HPET_CAP_LOW >>> 0);
});

test('acpiexec evaluates \\_S5, and that sleep type written with SLP_EN powers the machine off', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-acpi-'));
  writeFileSync(join(dir, 'dsdt.dat'), bySig.get('DSDT')!.bytes);
  const r = spawnSync('acpiexec', ['-b', 'evaluate \\_S5', join(dir, 'dsdt.dat')], { encoding: 'utf8' });
  const m = /\[Package\] Contains 2 Elements:\s+\[Integer\] = ([0-9A-F]+)\s+\[Integer\] = ([0-9A-F]+)/.exec(r.stdout);
  assert.ok(m, r.stdout + r.stderr);
  const slpTyp = parseInt(m[1]!, 16);
  const p = new PcPlatform({ now: () => 0, ramBytes: 16 << 20, readPhys: () => 0 });
  p.portOut(ACPI_PM_BASE + 4, 2, (slpTyp << 10) | (1 << 13));
  assert.deepEqual(p.takeRequest(), { kind: 'shutdown', via: 'ACPI PM1 control (S5)' });
});

test('an HVM machine holds the tables at boot; a PV one and a ROM boot do not', () => {
  // A Multiboot kernel that only halts: the tables are in memory before its first instruction.
  const kernel = multibootHalt();
  const m = new Machine({ mode: 'hvm', memoryMiB: 16 });
  m.load(loadImage(kernel, { ramBytes: 16 << 20 }));
  for (const b of blobs) assert.deepEqual(m.readPhysical(b.paddr, b.bytes.length), b.bytes, sigOf(b.bytes));
  const rom = new Uint8Array(65536).fill(0xf4);
  const r = new Machine({ mode: 'hvm', memoryMiB: 16 });
  r.load(loadImage(rom, { ramBytes: 16 << 20, format: 'rom' }));
  assert.notDeepEqual(r.readPhysical(ACPI_AREA, 8), blobs[0]!.bytes.subarray(0, 8));
});

/** The smallest Multiboot image: header with the address fields, then HLT. */
function multibootHalt(): Uint8Array {
  const img = new Uint8Array(64);
  const v = new DataView(img.buffer);
  const flags = 1 << 16, load = 0x100000;
  v.setUint32(0, 0x1badb002, true); v.setUint32(4, flags, true); v.setUint32(8, (-(0x1badb002 + flags)) >>> 0, true);
  v.setUint32(12, load, true); v.setUint32(16, load, true); v.setUint32(20, load + img.length, true); v.setUint32(24, load + img.length, true);
  v.setUint32(28, load + 32, true);
  img[32] = 0xf4;
  return img;
}
