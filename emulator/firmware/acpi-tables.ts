// The ACPI tables a PC's firmware leaves for the kernel, built at boot for the platform in
// emulator/devices (ACPI 2.0 layouts, as ACPI 6.5 still accepts them): the RSDP (revision 2,
// with RSDT and XSDT) in the BIOS area 0xE0000-0xFFFFF where kernels scan for it, a FADT
// with the PIIX4 PM blocks (PM1a event/control, the PM timer), SMI_CMD for the ACPI mode
// switch and the reset register (0xCF9), a FACS, a DSDT holding only \_S5 (SLP_TYP 0, the
// PIIX4's soft-off), a MADT (the local APIC, the I/O APIC, the ISA overrides IRQ 0 -> GSI 2
// and the SCI, LINT1 as NMI) and the HPET table. Deterministic: the same bytes every boot.

import { ACPI_DISABLE, ACPI_ENABLE, ACPI_PM_BASE, APM_CNT_PORT } from '../devices/acpi-pm';
import { APIC_BASE } from '../devices/local-apic';
import { IOAPIC_BASE } from '../devices/ioapic';
import { HPET_BASE, HPET_CAP_LOW } from '../devices/hpet';
import { OEM_ID, TableWriter, le32, seal, table } from './acpi-writer';

/** Where the tables live: the top 64 KiB below 1 MiB, which the memory map reports reserved. */
export const ACPI_AREA = 0xf0000;
export const ACPI_AREA_END = 0x100000;
/** The SCI's ISA IRQ (level, active high, as on a PIIX4). */
export const SCI_IRQ = 9;
const RESET_PORT = 0xcf9;
const RESET_VALUE = 0x06;             // system reset + reset CPU, as port 0xCF9 takes it
function facs(): Uint8Array {
  const w = new TableWriter(64);
  w.ascii(0, 'FACS'); w.u32(4, 64); w.u8(32, 1);          // version 1 (ACPI 2.0 layout)
  return w.bytes;
}

/** DefinitionBlock with one object: Name (_S5, Package () { 0, 0 }). */
function dsdt(): Uint8Array {
  const aml = [0x08, ...'_S5_'.split('').map((c) => c.charCodeAt(0)), 0x12, 0x04, 0x02, 0x00, 0x00];
  const w = table('DSDT', 36 + aml.length, 2);
  w.bytes.set(aml, 36);
  return seal(w);
}

function fadt(facsAddr: number, dsdtAddr: number): Uint8Array {
  const w = table('FACP', 244, 3);
  w.u32(36, facsAddr); w.u32(40, dsdtAddr);
  w.u8(45, 0);                                           // preferred PM profile: unspecified
  w.u16(46, SCI_IRQ);
  w.u32(48, APM_CNT_PORT); w.u8(52, ACPI_ENABLE); w.u8(53, ACPI_DISABLE);
  w.u32(56, ACPI_PM_BASE);                               // PM1a event block: status, enable
  w.u32(64, ACPI_PM_BASE + 4);                           // PM1a control block
  w.u32(76, ACPI_PM_BASE + 8);                           // PM timer
  w.u8(88, 4); w.u8(89, 2); w.u8(91, 4);                 // their lengths
  w.u16(96, 0x0fff); w.u16(98, 0x0fff);                  // C2/C3 latencies: not supported
  w.u8(108, 0x32);                                       // CMOS century register
  w.u16(109, 0x0003);                                    // IA-PC boot: legacy devices, 8042
  // Flags: WBINVD, C1 on all CPUs, power and sleep buttons are control methods (none),
  // RTC wake from S4, reset register supported.
  w.u32(112, (1 << 0) | (1 << 2) | (1 << 4) | (1 << 5) | (1 << 7) | (1 << 10));
  w.gas(116, 1, 8, 1, RESET_PORT); w.u8(128, RESET_VALUE);
  w.u64(132, facsAddr); w.u64(140, dsdtAddr);
  w.gas(148, 1, 32, 2, ACPI_PM_BASE);
  w.gas(172, 1, 16, 2, ACPI_PM_BASE + 4);
  w.gas(208, 1, 32, 3, ACPI_PM_BASE + 8);
  return seal(w);
}

function madt(): Uint8Array {
  const entries: number[][] = [
    [0, 8, 0, 0, 1, 0, 0, 0],                                              // local APIC: UID 0, ID 0, enabled
    [1, 12, 0, 0, ...le32(IOAPIC_BASE), ...le32(0)],                       // I/O APIC ID 0, GSI base 0
    [2, 10, 0, 0, ...le32(2), 0, 0],                                       // ISA IRQ 0 -> GSI 2, bus default
    [2, 10, 0, SCI_IRQ, ...le32(SCI_IRQ), 0x0d, 0],                        // SCI: level, active high
    [4, 6, 0xff, 0, 0, 1],                                                 // every CPU's LINT1 is NMI
  ];
  const body = entries.flat();
  const w = table('APIC', 44 + body.length, 1);
  w.u32(36, APIC_BASE);
  w.u32(40, 1);                                                            // PCAT_COMPAT: 8259s present
  w.bytes.set(body, 44);
  return seal(w);
}

function hpet(): Uint8Array {
  const w = table('HPET', 56, 1);
  w.u32(36, HPET_CAP_LOW);
  w.gas(40, 0, 64, 0, HPET_BASE);
  w.u8(52, 0);                                                             // HPET number
  w.u16(53, 0x80);                                                         // minimum periodic tick
  w.u8(55, 0);                                                             // no page protection
  return seal(w);
}

export interface FirmwareBlob { paddr: number; bytes: Uint8Array }

/** Every table, placed in the BIOS area: the RSDP first (on a 16-byte boundary), then the rest. */
export function buildAcpiTables(): FirmwareBlob[] {
  const out: FirmwareBlob[] = [];
  let at = ACPI_AREA + 64;                              // the RSDP takes the first 36 bytes
  const place = (bytes: Uint8Array, align: number): number => {
    at = Math.ceil(at / align) * align;
    const addr = at;
    out.push({ paddr: addr, bytes });
    at += bytes.length;
    return addr;
  };
  const facsAddr = place(facs(), 64);
  const dsdtAddr = place(dsdt(), 16);
  const pointed = [place(fadt(facsAddr, dsdtAddr), 16), place(madt(), 16), place(hpet(), 16)];

  const rsdt = table('RSDT', 36 + 4 * pointed.length, 1);
  pointed.forEach((a, i) => rsdt.u32(36 + 4 * i, a));
  const rsdtAddr = place(seal(rsdt), 16);
  const xsdt = table('XSDT', 36 + 8 * pointed.length, 1);
  pointed.forEach((a, i) => xsdt.u64(36 + 8 * i, a));
  const xsdtAddr = place(seal(xsdt), 16);
  if (at > ACPI_AREA_END) throw new Error('ACPI tables overflow the BIOS area');

  const rsdp = new TableWriter(36);
  rsdp.ascii(0, 'RSD PTR '); rsdp.ascii(9, OEM_ID); rsdp.u8(15, 2);
  rsdp.u32(16, rsdtAddr); rsdp.u32(20, 36); rsdp.u64(24, xsdtAddr);
  rsdp.checksum(8, 0, 20);                              // ACPI 1.0 checksum: the first 20 bytes
  rsdp.checksum(32, 0, 36);                             // extended checksum: all of it
  out.unshift({ paddr: ACPI_AREA, bytes: rsdp.bytes });
  return out;
}
