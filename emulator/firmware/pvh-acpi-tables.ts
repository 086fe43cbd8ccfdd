// The ACPI tables of a PVH domain, as Xen's toolstack builds them for `type = "pvh"`: a
// domain with no legacy devices, so the FADT is hardware-reduced (ACPI 5.0: no PM1 blocks,
// no PM timer, no SCI, no GPEs; sleep and power-off go through the hypervisor), says there
// is no VGA and no CMOS RTC, and has no 8042; the MADT lists the local APIC of the one vCPU
// (APIC ID 0) and no I/O APIC, no ISA overrides and no 8259s (PCAT_COMPAT clear); an empty
// DSDT. RSDP (revision 2) first, at the area's base, which hvm_start_info.rsdp_paddr names.

import { APIC_BASE } from '../devices/local-apic';
import { OEM_ID, TableWriter, seal, table } from './acpi-writer';
import type { FirmwareBlob } from './acpi-tables';

/** FADT flags (ACPI 5.0 table 5-35). */
const FADT_WBINVD = 1 << 0, FADT_PROC_C1 = 1 << 2, FADT_PWR_BUTTON = 1 << 4, FADT_SLP_BUTTON = 1 << 5;
export const FADT_HW_REDUCED_ACPI = 1 << 20;
/** IA-PC boot architecture flags: VGA not present (2), CMOS RTC not present (5). */
export const IAPC_NO_VGA = 1 << 2, IAPC_NO_CMOS_RTC = 1 << 5;
/** An ACPI 5.0 FADT (revision 5) is 268 bytes: up to SLEEP_STATUS_REG. */
const FADT_REV5_LENGTH = 268;

function dsdt(): Uint8Array { return seal(table('DSDT', 36, 2)); }

function fadt(dsdtAddr: number): Uint8Array {
  const w = table('FACP', FADT_REV5_LENGTH, 5);
  w.u32(40, dsdtAddr);
  w.u16(109, IAPC_NO_VGA | IAPC_NO_CMOS_RTC);
  // No power or sleep button devices are present as fixed features (both bits set, as Xen's
  // libacpi does without buttons); WBINVD works; C1 on every CPU.
  w.u32(112, FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_HW_REDUCED_ACPI);
  w.u64(140, dsdtAddr);
  return seal(w);
}

function madt(): Uint8Array {
  const lapic = [0, 8, 0, 0, 1, 0, 0, 0];                    // processor 0, APIC ID 0, enabled
  const w = table('APIC', 44 + lapic.length, 3);
  w.u32(36, APIC_BASE);
  w.u32(40, 0);                                             // no 8259s to disable
  w.bytes.set(lapic, 44);
  return seal(w);
}

/** Every table, placed from `base` (page-aligned, inside the domain's ACPI area): the RSDP first. */
export function buildPvhAcpiTables(base: number, limit: number): FirmwareBlob[] {
  const out: FirmwareBlob[] = [];
  let at = base + 64;
  const place = (bytes: Uint8Array): number => {
    at = Math.ceil(at / 16) * 16;
    const addr = at;
    out.push({ paddr: addr, bytes });
    at += bytes.length;
    return addr;
  };
  const dsdtAddr = place(dsdt());
  const pointed = [place(fadt(dsdtAddr)), place(madt())];
  const xsdt = table('XSDT', 36 + 8 * pointed.length, 1);
  pointed.forEach((a, i) => xsdt.u64(36 + 8 * i, a));
  const xsdtAddr = place(seal(xsdt));
  const rsdt = table('RSDT', 36 + 4 * pointed.length, 1);
  pointed.forEach((a, i) => rsdt.u32(36 + 4 * i, a));
  const rsdtAddr = place(seal(rsdt));
  if (at > limit) throw new Error('the PVH ACPI tables overflow their area');

  const rsdp = new TableWriter(36);
  rsdp.ascii(0, 'RSD PTR '); rsdp.ascii(9, OEM_ID); rsdp.u8(15, 2);
  rsdp.u32(16, rsdtAddr); rsdp.u32(20, 36); rsdp.u64(24, xsdtAddr);
  rsdp.checksum(8, 0, 20);
  rsdp.checksum(32, 0, 36);
  out.unshift({ paddr: base, bytes: rsdp.bytes });
  return out;
}
