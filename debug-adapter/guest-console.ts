// The guest's console output on its way to the client: serial bytes (to the Debug Console or
// the launch's serial file) and Xen's console_io bytes (an event of their own, which the
// extension shows in its own output channel). Bytes are gathered as the guest writes them and
// sent on each flush (a timer tick, a stop, the end).

import { Event, OutputEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { closeSync, writeSync } from 'node:fs';
import type { LaunchConfig } from './launch-config';

export class GuestConsole {
  private serial: number[] = [];
  private hypervisor: number[] = [];
  private fd: number | null = null;
  private sink: LaunchConfig['serial']['kind'] | null = null;

  constructor(private readonly send: (event: DebugProtocol.Event) => void) {}

  readonly serialOut = (b: number): void => { this.serial.push(b); };
  readonly hypervisorOut = (b: number): void => { this.hypervisor.push(b); };

  /** Where a launch's serial output goes: the Debug Console, or the file open as `fd`. */
  route(kind: LaunchConfig['serial']['kind'], fd: number | null): void {
    this.sink = kind;
    this.fd = fd;
  }

  flush(): void {
    if (this.hypervisor.length > 0) {
      const text = Buffer.from(this.hypervisor).toString('latin1');
      this.hypervisor = [];
      this.send(new Event('paravirt.hypervisorConsole', { output: text }));
    }
    if (this.serial.length === 0 || this.sink === null) return;
    const bytes = Buffer.from(this.serial);
    this.serial = [];
    if (this.sink === 'debugConsole') this.send(new OutputEvent(bytes.toString('latin1'), 'stdout'));
    else if (this.fd !== null) writeSync(this.fd, bytes);
  }

  /** Flushes and closes the serial file. */
  close(): void {
    this.flush();
    if (this.fd !== null) { try { closeSync(this.fd); } catch { /* already closed */ } this.fd = null; }
  }
}
