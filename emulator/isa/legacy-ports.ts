// The PC's legacy I/O ports by device, with what a PVH kernel (which has none of them) uses
// instead. Port ranges are the PC/AT's (and QEMU's for isa-debug-exit); the replacements are
// Xen's interfaces for a PVH domU (hvm_op params, event channels, vcpu_op timers, the console
// ring, shared_info's wallclock). The linter names the device an IN/OUT reaches; the compare
// report names the device models a run touched.

export interface LegacyPortRange {
  readonly first: number;
  readonly last: number;
  /** The device, as a kernel developer calls it. */
  readonly device: string;
  /** What a PVH kernel uses instead. */
  readonly pvh: string;
  readonly hypercalls: readonly string[];
}

const UART_PVH = 'console_io(CONSOLEIO_write, len, buf) for Xen\'s console, or the domain console\'s ring (HVM_PARAM_CONSOLE_PFN) signalled on HVM_PARAM_CONSOLE_EVTCHN';
const UART_HC = ['console_io', 'hvm_op', 'event_channel_op'];
const PIT_PVH = 'vcpu_op(VCPUOP_set_singleshot_timer) or set_timer_op, delivered as VIRQ_TIMER on an event channel; or the local APIC timer';

export const LEGACY_PORTS: readonly LegacyPortRange[] = [
  { first: 0x20, last: 0x21, device: '8259 PIC (master)', pvh: 'event channels, delivered at the upcall vector set with HVMOP_set_evtchn_upcall_vector (or HVM_PARAM_CALLBACK_IRQ); mask them per port or with vcpu_info.evtchn_upcall_mask', hypercalls: ['hvm_op', 'event_channel_op'] },
  { first: 0xa0, last: 0xa1, device: '8259 PIC (slave)', pvh: 'event channels at the upcall vector (HVMOP_set_evtchn_upcall_vector)', hypercalls: ['hvm_op', 'event_channel_op'] },
  { first: 0x40, last: 0x43, device: '8254 PIT', pvh: PIT_PVH, hypercalls: ['vcpu_op', 'set_timer_op', 'event_channel_op'] },
  { first: 0x61, last: 0x61, device: 'port B (PIT gate, speaker)', pvh: PIT_PVH, hypercalls: ['vcpu_op'] },
  { first: 0x60, last: 0x60, device: 'i8042 keyboard controller', pvh: 'no keyboard: input comes from the console ring', hypercalls: [] },
  { first: 0x64, last: 0x64, device: 'i8042 keyboard controller', pvh: 'sched_op(SCHEDOP_shutdown, SHUTDOWN_reboot) instead of the controller\'s reset line', hypercalls: ['sched_op'] },
  { first: 0x70, last: 0x71, device: 'CMOS/RTC', pvh: 'shared_info\'s wallclock (wc_sec, wc_nsec) plus the system time of vcpu_time_info', hypercalls: ['memory_op'] },
  { first: 0x4d0, last: 0x4d1, device: '8259 PIC edge/level control (ELCR)', pvh: 'event channels: an event has no trigger mode to set', hypercalls: ['event_channel_op'] },
  { first: 0xe9, last: 0xe9, device: 'debug console port (Bochs/QEMU debugcon)', pvh: 'console_io(CONSOLEIO_write, len, buf), which Xen\'s console shows (xl dmesg)', hypercalls: ['console_io'] },
  { first: 0xb2, last: 0xb3, device: 'APM control port (SMI_CMD)', pvh: 'nothing: PVH\'s ACPI is hardware-reduced, with no SMI to enable ACPI through', hypercalls: [] },
  { first: 0x510, last: 0x511, device: 'QEMU fw_cfg', pvh: 'hvm_start_info (memory map, command line, modules, RSDP) and xenstore', hypercalls: [] },
  { first: 0x600, last: 0x63f, device: 'ACPI PM1 and PM timer block (at QEMU\'s base)', pvh: 'the pvclock for time and sched_op(SCHEDOP_shutdown, SHUTDOWN_poweroff) to power off: PVH\'s ACPI is hardware-reduced, with no PM1 blocks', hypercalls: ['sched_op'] },
  { first: 0x80, last: 0x80, device: 'POST diagnostic port', pvh: 'nothing: a delay made of port 0x80 writes becomes a wait on the pvclock', hypercalls: [] },
  { first: 0x92, last: 0x92, device: 'system control port A (fast A20, reset)', pvh: 'sched_op(SCHEDOP_shutdown, SHUTDOWN_reboot)', hypercalls: ['sched_op'] },
  { first: 0xf4, last: 0xf7, device: 'isa-debug-exit', pvh: 'sched_op(SCHEDOP_shutdown, {reason}) to end the domain with a status', hypercalls: ['sched_op'] },
  { first: 0x170, last: 0x177, device: 'IDE (secondary)', pvh: 'blkfront: a split block driver over grant tables and an event channel', hypercalls: ['grant_table_op', 'event_channel_op'] },
  { first: 0x1f0, last: 0x1f7, device: 'IDE (primary)', pvh: 'blkfront: a split block driver over grant tables and an event channel', hypercalls: ['grant_table_op', 'event_channel_op'] },
  { first: 0x2e8, last: 0x2ef, device: '16550 UART (COM4)', pvh: UART_PVH, hypercalls: UART_HC },
  { first: 0x2f8, last: 0x2ff, device: '16550 UART (COM2)', pvh: UART_PVH, hypercalls: UART_HC },
  { first: 0x3b0, last: 0x3df, device: 'VGA', pvh: 'the console ring (or a framebuffer frontend); a PVH domU has no VGA', hypercalls: ['event_channel_op'] },
  { first: 0x3e8, last: 0x3ef, device: '16550 UART (COM3)', pvh: UART_PVH, hypercalls: UART_HC },
  { first: 0x3f8, last: 0x3ff, device: '16550 UART (COM1)', pvh: UART_PVH, hypercalls: UART_HC },
  { first: 0xcf9, last: 0xcf9, device: 'reset control register', pvh: 'sched_op(SCHEDOP_shutdown, SHUTDOWN_reboot)', hypercalls: ['sched_op'] },
  { first: 0xcf8, last: 0xcff, device: 'PCI configuration space', pvh: 'a PVH domU has no emulated PCI bus: its devices are split drivers found through xenstore', hypercalls: ['event_channel_op', 'grant_table_op'] },
];

/** The legacy device at a port, if the PC has one there. */
export function legacyPortDevice(port: number): LegacyPortRange | undefined {
  for (const r of LEGACY_PORTS) if (port >= r.first && port <= r.last) return r;
  return undefined;
}
