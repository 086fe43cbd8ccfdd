// A small xenstore daemon for the domain (what xenstored is to a domU): requests arrive on
// the xenstore ring (io/xs_wire.h) when the guest notifies the xenstore port; replies go
// back on the same page and the port is notified. The store is an in-memory tree seeded
// with what a toolstack writes for a domU without devices, so a kernel that looks for its
// devices finds none instead of waiting forever for an answer.

import type { PhysicalMemory } from '../memory/physical-memory';
import type { EventChannels } from './events';

const REQ = 0, RSP = 1024, RING = 1024;
const REQ_CONS = 2048, REQ_PROD = 2052, RSP_CONS = 2056, RSP_PROD = 2060;
const HEADER = 16;
const XS = {
  DIRECTORY: 1, READ: 2, GET_PERMS: 3, WATCH: 4, UNWATCH: 5, TRANSACTION_START: 6, TRANSACTION_END: 7,
  GET_DOMAIN_PATH: 10, WRITE: 11, MKDIR: 12, RM: 13, SET_PERMS: 14, WATCH_EVENT: 15, ERROR: 16,
  RESET_WATCHES: 21, DIRECTORY_PART: 22,
} as const;
/** Largest payload xs_wire.h allows (XENSTORE_PAYLOAD_MAX). */
const PAYLOAD_MAX = 4096;

export class XenstoreBackend {
  ringPa = -1;
  port = 0;
  domid = 1;
  private readonly store = new Map<string, string>();
  private readonly watches: Array<{ path: string; token: string }> = [];
  requests = 0;

  constructor(private readonly mem: PhysicalMemory, private readonly events: EventChannels) {}

  reset(domid: number, name: string): void {
    this.ringPa = -1; this.port = 0; this.domid = domid; this.requests = 0;
    this.store.clear(); this.watches.length = 0;
    const home = `/local/domain/${domid}`;
    for (const [k, v] of [[home, ''], [`${home}/domid`, String(domid)], [`${home}/name`, name], [`${home}/device`, ''],
      [`${home}/control`, ''], [`${home}/data`, ''], [`${home}/memory`, ''], ['/local/domain/0', ''], ['/local/domain/0/name', 'Domain-0']] as const) {
      this.store.set(k, v);
    }
  }

  private u32(off: number): number { return this.mem.i32[(this.ringPa + off) >>> 2] >>> 0; }
  private set32(off: number, v: number): void { this.mem.store32(this.ringPa + off, v | 0); }

  /** The guest notified the xenstore port: answer every complete request in the ring. */
  kick(): void {
    if (this.ringPa < 0) return;
    let answered = false;
    for (;;) {
      const cons = this.u32(REQ_CONS), prod = this.u32(REQ_PROD);
      const avail = (prod - cons) >>> 0;
      if (avail > RING) { this.set32(REQ_CONS, prod); break; } // a corrupt ring: drop it, as xenstored would stop reading
      if (avail < HEADER) break;
      const hdr = this.readReq(cons, HEADER);
      const type = le32(hdr, 0), reqId = le32(hdr, 4), txId = le32(hdr, 8), len = le32(hdr, 12);
      if (len > PAYLOAD_MAX) { this.set32(REQ_CONS, prod); break; }
      if (avail < HEADER + len) break;
      const body = this.readReq((cons + HEADER) >>> 0, len);
      this.set32(REQ_CONS, (cons + HEADER + len) >>> 0);
      this.requests++;
      const [rtype, payload] = this.handle(type, body);
      if (!this.reply(rtype, reqId, txId, payload)) break;
      answered = true;
      if (type === XS.WATCH && rtype === XS.WATCH) this.fireWatch(body);
    }
    if (answered) this.events.setPending(this.port);
  }

  private readReq(at: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.mem.u8[this.ringPa + REQ + ((at + i) & (RING - 1))];
    return out;
  }

  private reply(type: number, reqId: number, txId: number, payload: Uint8Array): boolean {
    const cons = this.u32(RSP_CONS);
    let prod = this.u32(RSP_PROD);
    const need = HEADER + payload.length;
    if (((prod - cons) >>> 0) + need > RING) return false; // no room: answer on a later notify
    const msg = new Uint8Array(need);
    const dv = new DataView(msg.buffer);
    dv.setUint32(0, type, true); dv.setUint32(4, reqId, true); dv.setUint32(8, txId, true); dv.setUint32(12, payload.length, true);
    msg.set(payload, HEADER);
    for (const b of msg) { this.mem.store8(this.ringPa + RSP + (prod & (RING - 1)), b); prod = (prod + 1) >>> 0; }
    this.set32(RSP_PROD, prod);
    return true;
  }

  private abs(path: string): string {
    const p = path.startsWith('/') ? path : `/local/domain/${this.domid}/${path}`;
    return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
  }

  private handle(type: number, body: Uint8Array): [number, Uint8Array] {
    const parts = new TextDecoder('latin1').decode(body).split('\0');
    const ok = (s = 'OK') => [type, z(s)] as [number, Uint8Array];
    const err = (e: string) => [XS.ERROR, z(e)] as [number, Uint8Array];
    switch (type) {
      case XS.READ: {
        const v = this.store.get(this.abs(parts[0] ?? ''));
        return v === undefined ? err('ENOENT') : [type, new TextEncoder().encode(v)];
      }
      case XS.DIRECTORY: case XS.DIRECTORY_PART: {
        const p = this.abs(parts[0] ?? '');
        if (!this.store.has(p)) return err('ENOENT');
        const kids = [...new Set([...this.store.keys()].filter((k) => k.startsWith(p === '/' ? '/' : p + '/') && k !== p)
          .map((k) => k.slice(p === '/' ? 1 : p.length + 1).split('/')[0]))].sort();
        const list = kids.map((k) => k + '\0').join('');
        return type === XS.DIRECTORY_PART ? [type, z(`0\0${list}`)] : [type, new TextEncoder().encode(list)];
      }
      case XS.WRITE: {
        const path = this.abs(parts[0] ?? '');
        const value = new TextDecoder('latin1').decode(body.subarray(body.indexOf(0) + 1));
        this.mkdirs(path); this.store.set(path, value);
        return ok();
      }
      case XS.MKDIR: { const path = this.abs(parts[0] ?? ''); this.mkdirs(path); if (!this.store.has(path)) this.store.set(path, ''); return ok(); }
      case XS.RM: {
        const p = this.abs(parts[0] ?? '');
        if (!this.store.has(p)) return err('ENOENT');
        for (const k of [...this.store.keys()]) if (k === p || k.startsWith(p + '/')) this.store.delete(k);
        return ok();
      }
      case XS.GET_PERMS: return this.store.has(this.abs(parts[0] ?? '')) ? [type, z(`n${this.domid}`)] : err('ENOENT');
      case XS.SET_PERMS: return ok();
      case XS.WATCH: this.watches.push({ path: parts[0] ?? '', token: parts[1] ?? '' }); return ok();
      case XS.UNWATCH: {
        const i = this.watches.findIndex((w) => w.path === parts[0] && w.token === parts[1]);
        if (i < 0) return err('ENOENT');
        this.watches.splice(i, 1);
        return ok();
      }
      case XS.RESET_WATCHES: this.watches.length = 0; return ok();
      case XS.TRANSACTION_START: return [type, z('1')];
      case XS.TRANSACTION_END: return ok();
      case XS.GET_DOMAIN_PATH: return [type, z(`/local/domain/${parts[0] || this.domid}`)];
      default: return err('ENOSYS');
    }
  }

  private mkdirs(path: string): void {
    const segs = path.split('/').filter(Boolean);
    for (let i = 1; i < segs.length; i++) {
      const p = '/' + segs.slice(0, i).join('/');
      if (!this.store.has(p)) this.store.set(p, '');
    }
  }

  /** xenstored fires a new watch once at registration. */
  private fireWatch(body: Uint8Array): void {
    const parts = new TextDecoder('latin1').decode(body).split('\0');
    this.reply(XS.WATCH_EVENT, 0, 0, z(`${parts[0] ?? ''}\0${parts[1] ?? ''}`));
  }

  /** For snapshots. */
  save(): unknown { return { ringPa: this.ringPa, port: this.port, domid: this.domid, store: [...this.store], watches: this.watches.map((w) => ({ ...w })), requests: this.requests }; }
  load(s: unknown): void {
    const x = s as { ringPa: number; port: number; domid: number; store: Array<[string, string]>; watches: Array<{ path: string; token: string }>; requests: number };
    this.ringPa = x.ringPa; this.port = x.port; this.domid = x.domid; this.requests = x.requests;
    this.store.clear(); for (const [k, v] of x.store) this.store.set(k, v);
    this.watches.length = 0; this.watches.push(...x.watches);
  }
}

function z(s: string): Uint8Array { return new TextEncoder().encode(s + '\0'); }
function le32(b: Uint8Array, o: number): number { return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0; }
