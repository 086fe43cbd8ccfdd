// Where the guest's serial bytes go. Bytes are collected in a fixed buffer and written out
// between run slices (and whenever the buffer fills), so output streams while the guest runs
// without a write per byte.

import { closeSync, openSync, writeSync } from 'node:fs';
import type { SerialTarget } from './options';
import { CliError } from './errors';

export class SerialSink {
  private readonly buf = new Uint8Array(64 * 1024);
  private used = 0;
  private fd: number | null = null;
  /** Bytes the guest wrote in total. */
  count = 0;
  /** The last byte written (to know whether a summary needs a newline first). */
  lastByte = 0x0a;

  constructor(private readonly target: SerialTarget) {
    if (target.kind === 'file') {
      try {
        this.fd = openSync(target.path, 'w');
      } catch (e) {
        throw new CliError(`cannot write serial output to '${target.path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
  }

  readonly write = (byte: number): void => {
    this.count++;
    this.lastByte = byte;
    if (this.target.kind === 'none') return;
    this.buf[this.used++] = byte;
    if (this.used === this.buf.length) this.flush();
  };

  flush(): void {
    if (this.used === 0) return;
    const chunk = this.buf.slice(0, this.used);
    this.used = 0;
    if (this.fd === null) { (this.target.kind === 'stderr' ? process.stderr : process.stdout).write(chunk); return; }
    try {
      writeSync(this.fd, chunk);
    } catch (e) {
      const path = this.target.kind === 'file' ? this.target.path : '';
      throw new CliError(`cannot write serial output to '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }

  close(): void {
    this.flush();
    if (this.fd !== null) { closeSync(this.fd); this.fd = null; }
  }

  get toStdout(): boolean {
    return this.target.kind === 'stdout';
  }
}
