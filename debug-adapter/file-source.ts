// A file read by ranges (fs.readSync on one descriptor): how the adapter hands a separate debug
// file to emulator/loader/dwarf, which reads no files itself. The descriptor stays open for the
// session (units and line programs are read as the user goes); close() ends it.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ByteSource } from '../emulator/loader/dwarf/byte-source';

export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number | null;

  /** Throws the fs error (ENOENT, EACCES, EISDIR...) when the file cannot be opened as a regular file. */
  constructor(readonly name: string) {
    this.fd = openSync(name, 'r');
    const st = fstatSync(this.fd);
    if (!st.isFile()) { closeSync(this.fd); this.fd = null; throw new Error(`${name} is not a regular file`); }
    this.size = st.size;
  }

  read(offset: number, length: number): Uint8Array {
    if (this.fd === null) throw new Error(`${this.name}: read after close`);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n <= 0) throw new Error(`${this.name}: short read at ${offset + done} (the file shrank?)`);
      done += n;
    }
    return out;
  }

  close(): void { if (this.fd !== null) { closeSync(this.fd); this.fd = null; } }
}
