// Publishing ~2,000 diagnostics for a large file on every keystroke is dominated by turning
// them into JSON, not by finding them. Findings are immutable and stay the same objects while
// their line is unchanged (analyzer/rules.ts), so each one's JSON is prepared once and
// cached; an edit prepares only the findings it created, and a publish is mostly byte copies.
//
// The bytes are exactly JSON.stringify(toDiagnostic(finding)) (a test checks it): what the
// client receives is unchanged, only the work to produce it.

import type { Diagnostic } from 'vscode-languageserver/node';
import type { Finding } from './analyzer/types';
import { toDiagnostic } from './diagnostics';

interface Encoded { head: string; tail: Buffer }
/**
 * Findings are immutable and reused while unchanged (see analyzer/rules.ts); each carries its
 * encoding in its `encoded` slot (a property store: far cheaper than a WeakMap entry for the
 * thousand findings a line insertion moves).
 */
function cached(f: Finding): Encoded | undefined { return f.encoded as Encoded | undefined; }

/**
 * Everything after the end line (end column, severity, code, link, message) is shared by
 * findings of the same rule, message and end column: encoded once per distinct text and
 * found again by the message (few distinct texts per message).
 */
interface Tail { end: number; severity: string; code: string; href: string; buf: Buffer }
let tails = new Map<string, Tail[]>();
let tailCount = 0;

function tailOf(f: Finding): Buffer {
  if (f.related) {
    // Related locations are this finding's own: not shared with others of the same message.
    const { range, ...rest } = toDiagnostic(f);
    return Buffer.from(`,"character":${range.end.character}}},${JSON.stringify(rest).slice(1)}`, 'utf8');
  }
  let list = tails.get(f.message);
  if (!list) {
    if (tailCount > 20_000) { tails = new Map(); tailCount = 0; }
    list = [];
    tails.set(f.message, list);
  }
  const end = f.range.end.character;
  for (const t of list) if (t.end === end && t.code === f.code && t.severity === f.severity && t.href === f.href) return t.buf;
  const { range, ...rest } = toDiagnostic(f);
  // `rest` always has fields, so its JSON starts with `{"` and can follow a comma.
  const buf = Buffer.from(`,"character":${range.end.character}}},${JSON.stringify(rest).slice(1)}`, 'utf8');
  list.push({ end, severity: f.severity, code: f.code, href: f.href, buf });
  tailCount++;
  return buf;
}

/** One finding as the JSON of its LSP diagnostic: an ASCII head (the lines) and a shared tail. */
function encodeFinding(f: Finding): Encoded {
  let e = cached(f);
  if (!e) {
    const { start, end } = f.range;
    e = { head: `{"range":{"start":{"line":${start.line},"character":${start.character}},"end":{"line":${end.line}`, tail: tailOf(f) };
    f.encoded = e;
  }
  return e;
}

/** Output buffers, reused once written: a fresh megabyte per keystroke is external memory that soon forces a full collection. */
class BufferPool {
  private free: Buffer[] = [];
  take(size: number, avoid: Buffer | null): Buffer {
    const i = this.free.findIndex((b) => b !== avoid && b.length >= size && b.length <= size * 4);
    if (i >= 0) return this.free.splice(i, 1)[0];
    return Buffer.allocUnsafeSlow(size + Math.min(size >> 3, 1 << 16));
  }
  give(b: Buffer): void {
    if (this.free.includes(b)) return;
    // One spare is enough: a publish reads the previous output and writes the spare.
    this.free.push(b);
    if (this.free.length > 1) this.free.shift();
  }
}

interface Memo { key: string; findings: readonly Finding[]; buf: Buffer; offsets: Int32Array }

/**
 * Encodes the diagnostics array of one publish. The previous publish of the same document is
 * remembered: findings it shares at the start and at the end (the same objects, so the same
 * bytes) are copied from its output in two blocks, and only the findings between are encoded.
 */
export class DiagnosticsEncoder {
  private memo: Memo | null = null;
  private pool = new BufferPool();
  /** Buffers handed out and not yet given back. */
  private out = new Set<Buffer>();

  /**
   * The JSON array for `findings` then `extra`, as a view of a pooled buffer: pass it to
   * release() once written. `key` names the document (its URI).
   */
  encode(key: string, findings: readonly Finding[], extra: readonly Diagnostic[] = []): Buffer {
    const n = findings.length;
    const m = this.memo && this.memo.key === key ? this.memo : null;
    let p = 0, q = 0;
    if (m) {
      const old = m.findings, on = old.length;
      while (p < n && p < on && old[p] === findings[p]) p++;
      while (q < n - p && q < on - p && old[on - 1 - q] === findings[n - 1 - q]) q++;
    }
    // Each finding is stored followed by one separator byte, so blocks copy whole.
    const parts = new Array<Encoded>(n - p - q);
    let size = 2;
    if (m) size += (m.offsets[p] - m.offsets[0]) + (m.offsets[m.findings.length] - m.offsets[m.findings.length - q]);
    for (let i = p; i < n - q; i++) { const e = encodeFinding(findings[i]); parts[i - p] = e; size += e.head.length + e.tail.length + 1; }
    const more = extra.length ? Buffer.from(extra.map((d) => JSON.stringify(d)).join(','), 'utf8') : null;
    if (more) size += more.length;
    const buf = this.pool.take(size, m ? m.buf : null);
    const offsets = new Int32Array(n + 1);
    let o = 0;
    buf[o++] = 0x5b; // [
    if (m && p > 0) {
      const base = o - m.offsets[0];
      for (let i = 0; i <= p; i++) offsets[i] = m.offsets[i] + base;
      o += m.buf.copy(buf, o, m.offsets[0], m.offsets[p]);
      buf[o - 1] = 0x2c; // the old last finding may have ended the array
    }
    offsets[p] = o;
    for (let i = p; i < n - q; i++) {
      const e = parts[i - p];
      o += buf.write(e.head, o, 'latin1');
      o += e.tail.copy(buf, o);
      buf[o++] = 0x2c; // ,
      offsets[i + 1] = o;
    }
    if (m && q > 0) {
      const on = m.findings.length;
      const base = o - m.offsets[on - q];
      for (let i = 1; i <= q; i++) offsets[n - q + i] = m.offsets[on - q + i] + base;
      o += m.buf.copy(buf, o, m.offsets[on - q], m.offsets[on]);
      buf[o - 1] = 0x2c;
    }
    if (more) o += more.copy(buf, o);
    else if (n > 0) o--; // drop the last separator
    buf[o++] = 0x5d; // ]
    const prev = this.memo;
    this.memo = { key, findings, buf, offsets };
    this.out.add(buf);
    if (prev) this.maybeGive(prev.buf);
    return buf.subarray(0, o);
  }

  /** The document is closed: its previous output is no longer worth keeping. */
  forget(key: string): void {
    const m = this.memo;
    if (!m || m.key !== key) return;
    this.memo = null;
    this.maybeGive(m.buf);
  }

  /** Give back an array from encode() once the transport has written it. */
  release(view: Buffer): void {
    for (const b of this.out) {
      if (b.buffer === view.buffer && b.byteOffset === view.byteOffset) { this.out.delete(b); this.maybeGive(b); return; }
    }
  }

  /** Pool a buffer that neither the transport nor the memo still reads. */
  private maybeGive(b: Buffer): void {
    if (!this.out.has(b) && this.memo?.buf !== b) this.pool.give(b);
  }
}
