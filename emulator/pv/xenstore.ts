// A xenstore daemon for the domain (what xenstored is to a domU): requests arrive on the
// xenstore ring (io/xs_wire.h) when the guest notifies the xenstore port; replies and watch
// events go back on the same page and the port is notified. The tree (xenstore-tree.ts)
// is seeded as the toolstack leaves it for a domU without devices, so a kernel's xenbus
// finds its console and no devices instead of waiting for an answer that never comes.

import type { PhysicalMemory } from '../memory/physical-memory';
import type { EventChannels } from './events';
import { XENSTORE_RING } from './layouts';
import { XenstoreTree, type XsError, type XsPerm } from './xenstore-tree';

export const XS = {
  CONTROL: 0, DIRECTORY: 1, READ: 2, GET_PERMS: 3, WATCH: 4, UNWATCH: 5, TRANSACTION_START: 6, TRANSACTION_END: 7,
  INTRODUCE: 8, RELEASE: 9, GET_DOMAIN_PATH: 10, WRITE: 11, MKDIR: 12, RM: 13, SET_PERMS: 14, WATCH_EVENT: 15, ERROR: 16,
  IS_DOMAIN_INTRODUCED: 17, RESUME: 18, SET_TARGET: 19, RESET_WATCHES: 21, DIRECTORY_PART: 22, GET_FEATURE: 23,
  SET_FEATURE: 24, GET_QUOTA: 25, SET_QUOTA: 26,
} as const;
const R = XENSTORE_RING;
const HEADER = 16;
/** Largest payload xs_wire.h allows (XENSTORE_PAYLOAD_MAX). */
const PAYLOAD_MAX = 4096;
const enc = new TextEncoder(), dec = new TextDecoder('latin1');
/** xenstored's first second look at an incomplete ring: 10 us of virtual time (1000 ticks of 10 ns). */
const RETRY_TICKS = 1000;

/** What the toolstack writes for a domU (libxl's domain and console/store nodes). */
export interface XsDomainSeed {
  name: string; consoleRingRef: number; consolePort: number; storeRingRef: number; storePort: number; memoryKiB: number;
}

export class XenstoreBackend {
  ringPa = -1;
  port = 0;
  readonly tree = new XenstoreTree(1);
  requests = 0;
  /** Replies that did not fit in the ring yet (sent when the guest makes room and notifies). */
  private backlog: Uint8Array[] = [];
  /**
   * When xenstored looks at the ring again (machine ticks; Infinity: only when notified). A
   * guest notifies only when the ring was empty (Linux's xb_write), so a request written as a
   * header and then a body brings one notification for the header; xenstored, running beside
   * the guest, finds the body there soon after. It looks again shortly while a request is
   * incomplete or a reply waits for room, backing off so an abandoned fragment costs little.
   */
  retryAt = Infinity;
  private retries = 0;

  constructor(private readonly mem: PhysicalMemory, private readonly events: EventChannels, private readonly now: () => number = () => 0) {}

  get domid(): number { return this.tree.domid; }

  reset(domid: number, name: string): void {
    this.ringPa = -1; this.port = 0; this.requests = 0; this.backlog = []; this.retryAt = Infinity; this.retries = 0;
    this.tree.clear();
    this.tree.domid = domid;
    this.seedBase(name);
  }

  /** The nodes every domain's xenstore has: the root, dom0, and the domain's home (owned by it). */
  private seedBase(name: string): void {
    const t = this.tree, me = t.domid, home = t.homePath;
    const ro: XsPerm[] = [{ dom: 0, perm: 'n' }, { dom: me, perm: 'r' }];
    const rw: XsPerm[] = [{ dom: me, perm: 'n' }];
    t.seed('/', '', [{ dom: 0, perm: 'r' }]);
    t.seed('/local', '', [{ dom: 0, perm: 'r' }]);
    t.seed('/local/domain', '', [{ dom: 0, perm: 'r' }]);
    t.seed('/local/domain/0', '', [{ dom: 0, perm: 'r' }]);
    t.seed('/local/domain/0/name', 'Domain-0', [{ dom: 0, perm: 'r' }]);
    t.seed('/local/domain/0/domid', '0', [{ dom: 0, perm: 'r' }]);
    t.seed('/local/domain/0/backend', '', [{ dom: 0, perm: 'r' }]);
    t.seed(home, '', ro);
    t.seed(`${home}/name`, name, ro);
    t.seed(`${home}/domid`, String(me), ro);
    t.seed(`${home}/vm`, `/vm/00000000-0000-0000-0000-00000000000${me}`, ro);
    for (const d of ['device', 'control', 'data', 'drivers', 'feature', 'attr', 'error']) t.seed(`${home}/${d}`, '', rw);
    t.seed(`${home}/control/shutdown`, '', rw);
    t.seed(`${home}/control/platform-feature-multiprocessor-suspend`, '1', ro);
    t.seed(`${home}/control/platform-feature-xs_reset_watches`, '1', ro);
    t.seed(`${home}/cpu`, '', ro);
    t.seed(`${home}/cpu/0`, '', ro);
    t.seed(`${home}/cpu/0/availability`, 'online', rw);
  }

  /** The toolstack's per-domain nodes once the rings and memory are known (libxl's build). */
  seedDomain(s: XsDomainSeed): void {
    const t = this.tree, me = t.domid, home = t.homePath;
    const ro: XsPerm[] = [{ dom: 0, perm: 'n' }, { dom: me, perm: 'r' }];
    t.seed(`${home}/name`, s.name, ro);
    t.seed(`${home}/memory`, '', ro);
    t.seed(`${home}/memory/static-max`, String(s.memoryKiB), ro);
    t.seed(`${home}/memory/target`, String(s.memoryKiB), [{ dom: me, perm: 'n' }]);
    t.seed(`${home}/store`, '', ro);
    t.seed(`${home}/store/port`, String(s.storePort), ro);
    t.seed(`${home}/store/ring-ref`, String(s.storeRingRef), ro);
    t.seed(`${home}/console`, '', ro);
    t.seed(`${home}/console/backend-id`, '0', ro);
    t.seed(`${home}/console/limit`, '1048576', ro);
    t.seed(`${home}/console/type`, 'xenconsoled', ro);
    t.seed(`${home}/console/output`, 'pty', ro);
    t.seed(`${home}/console/port`, String(s.consolePort), ro);
    t.seed(`${home}/console/ring-ref`, String(s.consoleRingRef), ro);
    t.seed(`${home}/console/tty`, '/dev/pts/0', ro);
    const vm = `/vm/00000000-0000-0000-0000-00000000000${me}`;
    t.seed('/vm', '', [{ dom: 0, perm: 'n' }]);
    t.seed(vm, '', ro);
    t.seed(`${vm}/name`, s.name, ro);
    t.seed(`${vm}/uuid`, vm.slice(4), ro);
  }

  private u32(off: number): number { return this.mem.i32[(this.ringPa + off) >>> 2] >>> 0; }
  private set32(off: number, v: number): void { this.mem.store32(this.ringPa + off, v | 0); }

  /** The guest notified the xenstore port: send what waited for room, then answer every complete request. */
  kick(): void {
    if (this.ringPa < 0) return;
    let sent = this.flush();
    let partial = false;
    for (;;) {
      const cons = this.u32(R.reqCons), prod = this.u32(R.reqProd);
      const avail = (prod - cons) >>> 0;
      if (avail > R.ringSize) { this.set32(R.reqCons, prod); break; } // a corrupt ring: xenstored drops what it cannot read
      if (avail < HEADER) { partial = avail > 0; break; }
      const hdr = this.readReq(cons, HEADER);
      const type = le32(hdr, 0), reqId = le32(hdr, 4), txId = le32(hdr, 8), len = le32(hdr, 12);
      if (len > PAYLOAD_MAX) { this.set32(R.reqCons, prod); break; }
      if (avail < HEADER + len) { partial = true; break; }
      const body = this.readReq((cons + HEADER) >>> 0, len);
      this.set32(R.reqCons, (cons + HEADER + len) >>> 0);
      this.requests++;
      const [rtype, payload] = this.handle(type, txId, body);
      this.queue(rtype, reqId, txId, payload);
      if (type === XS.WATCH && rtype === XS.WATCH) {
        // xenstored fires a new watch once at registration, with the path as given.
        const [path, token] = split(body);
        this.queue(XS.WATCH_EVENT, 0, 0, z(`${path}\0${token}`));
      }
      for (const [path, token] of this.tree.takeEvents()) this.queue(XS.WATCH_EVENT, 0, 0, z(`${path}\0${token}`));
      sent = this.flush() || sent;
    }
    if (sent) this.events.setPending(this.port);
    if (partial || this.backlog.length > 0) {
      this.retryAt = this.now() + (RETRY_TICKS << Math.min(this.retries, 12));
      this.retries++;
    } else {
      this.retryAt = Infinity;
      this.retries = 0;
    }
  }

  private readReq(at: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.mem.u8[this.ringPa + R.req + ((at + i) & (R.ringSize - 1))]!;
    return out;
  }

  private queue(type: number, reqId: number, txId: number, payload: Uint8Array): void {
    const msg = new Uint8Array(HEADER + payload.length);
    const dv = new DataView(msg.buffer);
    dv.setUint32(0, type, true); dv.setUint32(4, reqId, true); dv.setUint32(8, txId, true); dv.setUint32(12, payload.length, true);
    msg.set(payload, HEADER);
    this.backlog.push(msg);
  }

  /** Copies waiting messages into the response ring while they fit whole; true if any was sent. */
  private flush(): boolean {
    let sent = false;
    while (this.backlog.length > 0) {
      const msg = this.backlog[0]!;
      const cons = this.u32(R.rspCons);
      let prod = this.u32(R.rspProd);
      if (((prod - cons) >>> 0) + msg.length > R.ringSize) break;
      for (const b of msg) { this.mem.store8(this.ringPa + R.rsp + (prod & (R.ringSize - 1)), b); prod = (prod + 1) >>> 0; }
      this.set32(R.rspProd, prod);
      this.backlog.shift();
      sent = true;
    }
    return sent;
  }

  private handle(type: number, tx: number, body: Uint8Array): [number, Uint8Array] {
    const t = this.tree, me = t.domid;
    const parts = split(body);
    const err = (e: XsError | string) => [XS.ERROR, z(e)] as [number, Uint8Array];
    const okOr = (r: 'OK' | XsError) => (r === 'OK' ? [type, z('OK')] as [number, Uint8Array] : err(r));
    switch (type) {
      case XS.READ: {
        const v = t.read(tx, parts[0] ?? '', me);
        return typeof v === 'string' ? err(v) : [type, v];
      }
      case XS.DIRECTORY: {
        const kids = t.children(tx, parts[0] ?? '', me);
        return typeof kids === 'string' && !Array.isArray(kids) ? err(kids) : [type, enc.encode((kids as string[]).map((k) => k + '\0').join(''))];
      }
      case XS.DIRECTORY_PART: {
        const kids = t.children(tx, parts[0] ?? '', me);
        if (!Array.isArray(kids)) return err(kids);
        const offset = Number(parts[1] ?? '0');
        const list = kids.map((k) => k + '\0').join('');
        if (!Number.isInteger(offset) || offset < 0 || offset > list.length) return err('EINVAL');
        return [type, z(`${t.generation}\0${list.slice(offset)}`)];
      }
      case XS.WRITE: {
        const nul = body.indexOf(0);
        if (nul < 0) return err('EINVAL');
        return okOr(t.write(tx, dec.decode(body.subarray(0, nul)), body.slice(nul + 1), me));
      }
      case XS.MKDIR: return okOr(t.write(tx, parts[0] ?? '', null, me));
      case XS.RM: return okOr(t.remove(tx, parts[0] ?? '', me));
      case XS.GET_PERMS: {
        const p = t.getPerms(tx, parts[0] ?? '', me);
        return Array.isArray(p) ? [type, enc.encode(p.map((e) => `${e.perm}${e.dom}\0`).join(''))] : err(p);
      }
      case XS.SET_PERMS: {
        const perms: XsPerm[] = [];
        for (const s of parts.slice(1)) {
          if (s === '') continue;
          const m = /^([nrwb])(\d+)$/.exec(s);
          if (!m) return err('EINVAL');
          perms.push({ perm: m[1] as XsPerm['perm'], dom: Number(m[2]) });
        }
        return okOr(t.setPerms(tx, parts[0] ?? '', perms, me));
      }
      case XS.WATCH: return okOr(t.addWatch(parts[0] ?? '', parts[1] ?? ''));
      case XS.UNWATCH: return okOr(t.removeWatch(parts[0] ?? '', parts[1] ?? ''));
      case XS.RESET_WATCHES: t.watches.length = 0; return [type, z('OK')];
      case XS.TRANSACTION_START:
        if (tx !== 0) return err('EBUSY'); // transactions do not nest
        return [type, z(String(t.startTransaction()))];
      case XS.TRANSACTION_END: {
        const arg = parts[0] ?? '';
        if (arg !== 'T' && arg !== 'F') return err('EINVAL');
        return okOr(t.endTransaction(tx, arg === 'T'));
      }
      case XS.GET_DOMAIN_PATH: {
        const id = parts[0] ?? '';
        if (!/^\d+$/.test(id)) return err('EINVAL');
        return [type, z(`/local/domain/${Number(id)}`)];
      }
      // The toolstack's commands (introducing, releasing and resuming domains, quotas, control) are dom0's.
      case XS.INTRODUCE: case XS.RELEASE: case XS.RESUME: case XS.SET_TARGET: case XS.IS_DOMAIN_INTRODUCED:
      case XS.CONTROL: case XS.SET_FEATURE: case XS.SET_QUOTA: case XS.GET_QUOTA: case XS.GET_FEATURE:
        return err('EACCES');
      default: return err('EINVAL');
    }
  }

  /** For snapshots. */
  save(): unknown {
    return { ringPa: this.ringPa, port: this.port, tree: this.tree.save(), requests: this.requests, backlog: this.backlog.map((m) => m.slice()),
      retryAt: this.retryAt, retries: this.retries };
  }
  load(s: unknown): void {
    const x = s as { ringPa: number; port: number; tree: Parameters<XenstoreTree['load']>[0]; requests: number; backlog?: Uint8Array[]; retryAt?: number; retries?: number };
    this.retryAt = x.retryAt ?? Infinity; this.retries = x.retries ?? 0;
    this.ringPa = x.ringPa; this.port = x.port; this.requests = x.requests;
    this.tree.load(x.tree);
    this.backlog = (x.backlog ?? []).map((m) => m.slice());
  }
}

function split(body: Uint8Array): string[] { return dec.decode(body).split('\0'); }
function z(s: string): Uint8Array { return enc.encode(s + '\0'); }
function le32(b: Uint8Array, o: number): number { return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0; }
