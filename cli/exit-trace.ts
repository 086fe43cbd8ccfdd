// --trace-exits: every VM exit as one JSON line, streamed to a file through a buffer so
// long runs with millions of exits neither hold them in memory nor write one syscall each.

import { closeSync, openSync, writeSync } from 'node:fs';
import type { ExitRecord } from '../emulator/machine';
import { describeExit } from '../emulator/trace/describe-exit';
import { CliError } from './errors';

const FLUSH_AT = 256 * 1024;

function hexBytes(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
}

/**
 * One line of --trace-exits, and the `stop.exit` of a --summary json that ended on --stop-on.
 * The field names are public (documented in `paravirt run --help`); keep them.
 */
export type ExitTraceLine = Omit<ExitRecord, 'reasonName' | 'bytes'> & {
  /** The record's reasonName. */
  name: string;
  /** The instruction's bytes as unspaced hex: "0fa2". */
  bytes: string;
  /** One readable line: "OUT dx, al port 0x3f8 size 1". */
  text: string;
};

/** The JSON form of one exit. */
export function exitToJson(r: ExitRecord): ExitTraceLine {
  const o: ExitTraceLine = {
    seq: r.seq, reason: r.reason, name: r.reasonName, qualification: r.qualification >>> 0,
    eip: r.eip >>> 0, cs: r.cs, cpl: r.cpl, bytes: hexBytes(r.bytes), icount: r.icount,
    handler: r.handler, cycles: r.cycles, text: describeExit(r),
  };
  if (r.gpa !== undefined) o.gpa = r.gpa;
  if (r.msr !== undefined) o.msr = r.msr >>> 0;
  if (r.value !== undefined) o.value = r.value >>> 0;
  if (r.vector !== undefined) o.vector = r.vector;
  if (r.errorCode !== undefined) o.errorCode = r.errorCode >>> 0;
  // 64-bit fields appear where they carry something, so 32-bit traces read as before.
  if (r.long64 || r.ripHi) { o.ripHi = (r.ripHi ?? 0) >>> 0; o.long64 = r.long64 === true; }
  if (r.qualificationHi !== undefined) o.qualificationHi = r.qualificationHi >>> 0;
  if (r.valueHi !== undefined) o.valueHi = r.valueHi >>> 0;
  if (r.linear !== undefined) { o.linear = r.linear >>> 0; o.linearHi = (r.linearHi ?? 0) >>> 0; }
  if (r.instrInfo !== undefined) o.instrInfo = r.instrInfo >>> 0;
  return o;
}

export class ExitTrace {
  private fd: number;
  private pending: string[] = [];
  private pendingChars = 0;
  lines = 0;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw new CliError(`cannot write exit trace to '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }

  add(r: ExitRecord): void {
    const line = JSON.stringify(exitToJson(r));
    this.pending.push(line);
    this.pendingChars += line.length + 1;
    this.lines++;
    if (this.pendingChars >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    try {
      writeSync(this.fd, this.pending.join('\n') + '\n');
    } catch (e) {
      throw new CliError(`cannot write exit trace to '${this.path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    this.pending = [];
    this.pendingChars = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
