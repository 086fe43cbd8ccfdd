// What a loader must know of the firmware an HVM machine provides: where its ACPI RSDP lies and
// its bytes (Multiboot2 copies them into the boot information; Linux's zero page points at
// them). The machine places the same tables at load, so these are the bytes the guest finds.

import { buildAcpiTables } from '../firmware/acpi-tables';

export interface FirmwareInfo { acpiRsdp: Uint8Array; acpiRsdpAddr: number }

let cached: FirmwareInfo | null = null;

export function firmwareInfo(): FirmwareInfo {
  if (!cached) {
    const rsdp = buildAcpiTables()[0];
    cached = { acpiRsdp: rsdp.bytes.slice(), acpiRsdpAddr: rsdp.paddr };
  }
  return { acpiRsdp: cached.acpiRsdp.slice(), acpiRsdpAddr: cached.acpiRsdpAddr };
}
