// The xenstore tree as xenstored keeps it for a domU's view: nodes with values and
// permissions (owner, default access, per-domain entries: docs/misc/xenstore.txt), paths
// checked as xenstored checks them, transactions that see their own writes and commit or
// are discarded at TRANSACTION_END, and watches that fire when a node at or under their path
// changes. Errors are xenstored's names ("ENOENT", "EACCES", ...), which the wire carries.

export type XsError = 'ENOENT' | 'EACCES' | 'EINVAL' | 'EEXIST' | 'E2BIG' | 'EAGAIN' | 'ENOSPC' | 'EQUOTA' | 'EISDIR';

/** One permission entry: a domain and what it may do (n none, r read, w write, b both). */
export interface XsPerm { dom: number; perm: 'n' | 'r' | 'w' | 'b' }
interface XsNode { value: Uint8Array; perms: XsPerm[] }

/** Limits from xs_wire.h / xenstored: XENSTORE_ABS_PATH_MAX, XENSTORE_REL_PATH_MAX. */
const ABS_PATH_MAX = 3072, REL_PATH_MAX = 2048;
const PATH_CHARS = /^[A-Za-z0-9\-/_@]*$/;

export interface XsWatch { path: string; token: string; relative: boolean }

export class XenstoreTree {
  private nodes = new Map<string, XsNode>();
  /** Transactions: id -> their private copy of the tree (written at TRANSACTION_END). */
  private readonly txs = new Map<number, Map<string, XsNode>>();
  private nextTx = 1;
  /** Incremented on every change; DIRECTORY_PART reports it so a reader sees a tree that moved under it. */
  generation = 0;
  readonly watches: XsWatch[] = [];
  /** Paths changed since the last take, for watch events. */
  private changed: string[] = [];

  constructor(public domid: number) {}

  get homePath(): string { return `/local/domain/${this.domid}`; }

  clear(): void { this.nodes.clear(); this.txs.clear(); this.watches.length = 0; this.changed = []; this.nextTx = 1; this.generation = 0; }

  /** A path the guest wrote, made absolute and checked, or an error. */
  resolve(path: string): string | XsError {
    if (path.startsWith('@')) return path === '@introduceDomain' || path === '@releaseDomain' ? path : 'EINVAL';
    const abs = path.startsWith('/') ? path : `${this.homePath}/${path}`;
    if (!path.startsWith('/') && path.length > REL_PATH_MAX) return 'EINVAL';
    if (abs.length > ABS_PATH_MAX || !PATH_CHARS.test(abs) || abs.includes('//') || (abs.length > 1 && abs.endsWith('/'))) return 'EINVAL';
    return abs;
  }

  /** The guest-relative form of an absolute path (for watches registered relative). */
  relative(abs: string): string {
    return abs.startsWith(this.homePath + '/') ? abs.slice(this.homePath.length + 1) : abs;
  }

  private view(tx: number): Map<string, XsNode> | XsError {
    if (tx === 0) return this.nodes;
    return this.txs.get(tx) ?? 'ENOENT';
  }

  private static parent(p: string): string { const i = p.lastIndexOf('/'); return i <= 0 ? '/' : p.slice(0, i); }

  /** Whether domain `dom` may read (or write) node `p` (dom0, the toolstack, always may). */
  private allowed(node: XsNode, dom: number, write: boolean): boolean {
    if (dom === 0) return true;
    const owner = node.perms[0]!;
    if (owner.dom === dom) return true;
    const entry = node.perms.slice(1).find((e) => e.dom === dom) ?? owner;
    return write ? entry.perm === 'w' || entry.perm === 'b' : entry.perm === 'r' || entry.perm === 'b';
  }

  read(tx: number, path: string, dom: number): Uint8Array | XsError {
    const v = this.view(tx); if (typeof v === 'string') return v;
    const p = this.resolve(path); if (p.startsWith('@') || p.startsWith('E')) return p.startsWith('@') ? 'EINVAL' : p as XsError;
    const n = v.get(p);
    if (!n) return 'ENOENT';
    return this.allowed(n, dom, false) ? n.value : 'EACCES';
  }

  children(tx: number, path: string, dom: number): string[] | XsError {
    const v = this.view(tx); if (typeof v === 'string') return v;
    const p = this.resolve(path); if (p.startsWith('@') || p.startsWith('E')) return p.startsWith('@') ? 'EINVAL' : p as XsError;
    const n = v.get(p);
    if (!n) return 'ENOENT';
    if (!this.allowed(n, dom, false)) return 'EACCES';
    const prefix = p === '/' ? '/' : p + '/';
    const out: string[] = [];
    for (const k of v.keys()) if (k.startsWith(prefix) && k !== p && !k.slice(prefix.length).includes('/')) out.push(k.slice(prefix.length));
    return out.sort();
  }

  getPerms(tx: number, path: string, dom: number): XsPerm[] | XsError {
    const v = this.view(tx); if (typeof v === 'string') return v;
    const p = this.resolve(path); if (p.startsWith('@') || p.startsWith('E')) return p.startsWith('@') ? 'EINVAL' : p as XsError;
    const n = v.get(p);
    if (!n) return 'ENOENT';
    return this.allowed(n, dom, false) ? n.perms : 'EACCES';
  }

  /**
   * Creates missing ancestors and the node (each new one inherits its parent's permissions
   * with the writer as owner, as xenstored does), or sets the value of an existing one.
   */
  write(tx: number, path: string, value: Uint8Array | null, dom: number): 'OK' | XsError {
    const v = this.view(tx); if (typeof v === 'string') return v;
    const p = this.resolve(path); if (p.startsWith('@') || p.startsWith('E')) return p.startsWith('@') ? 'EINVAL' : p as XsError;
    const existing = v.get(p);
    if (existing) {
      if (!this.allowed(existing, dom, true)) return 'EACCES';
      if (value !== null) { existing.value = value; this.touch(tx, p); }
      return 'OK';
    }
    if (p === '/') { v.set(p, { value: value ?? new Uint8Array(0), perms: [{ dom, perm: 'n' }] }); this.touch(tx, p); return 'OK'; }
    // The nearest existing ancestor must let the writer create under it.
    let anc = XenstoreTree.parent(p);
    const missing = [p];
    while (!v.has(anc)) { missing.push(anc); anc = XenstoreTree.parent(anc); }
    if (!this.allowed(v.get(anc)!, dom, true)) return 'EACCES';
    let perms = v.get(anc)!.perms;
    for (const m of missing.reverse()) {
      perms = [{ dom, perm: perms[0]!.perm }, ...perms.slice(1)];
      v.set(m, { value: m === p && value !== null ? value : new Uint8Array(0), perms });
      this.touch(tx, m);
    }
    return 'OK';
  }

  remove(tx: number, path: string, dom: number): 'OK' | XsError {
    const v = this.view(tx); if (typeof v === 'string') return v;
    const p = this.resolve(path); if (p.startsWith('@') || p.startsWith('E')) return p.startsWith('@') ? 'EINVAL' : p as XsError;
    const n = v.get(p);
    if (!n) return v.has(XenstoreTree.parent(p)) ? 'OK' : 'ENOENT'; // removing a missing child of an existing node is fine
    if (p === '/' || !this.allowed(n, dom, true)) return 'EACCES';
    for (const k of [...v.keys()]) if (k === p || k.startsWith(p + '/')) v.delete(k);
    this.touch(tx, p);
    return 'OK';
  }

  setPerms(tx: number, path: string, perms: XsPerm[], dom: number): 'OK' | XsError {
    const v = this.view(tx); if (typeof v === 'string') return v;
    const p = this.resolve(path); if (p.startsWith('@') || p.startsWith('E')) return p.startsWith('@') ? 'EINVAL' : p as XsError;
    const n = v.get(p);
    if (!n) return 'ENOENT';
    if (perms.length === 0) return 'EINVAL';
    // Only the owner (or dom0) may change permissions; a domU may not give the node away.
    if (dom !== 0 && n.perms[0]!.dom !== dom) return 'EACCES';
    if (dom !== 0 && perms[0]!.dom !== dom) return 'EACCES';
    n.perms = perms.map((e) => ({ ...e }));
    this.touch(tx, p);
    return 'OK';
  }

  private touch(tx: number, p: string): void { if (tx === 0) { this.generation++; this.changed.push(p); } }

  startTransaction(): number {
    const id = this.nextTx++;
    const copy = new Map<string, XsNode>();
    for (const [k, n] of this.nodes) copy.set(k, { value: n.value, perms: n.perms });
    this.txs.set(id, copy);
    return id;
  }

  /** Commits (the transaction's tree replaces the live one, changes fire watches) or discards it. */
  endTransaction(tx: number, commit: boolean): 'OK' | XsError {
    const t = this.txs.get(tx);
    if (!t) return 'ENOENT';
    this.txs.delete(tx);
    if (!commit) return 'OK';
    const changed = new Set<string>();
    for (const [k, n] of t) { const o = this.nodes.get(k); if (!o || o.value !== n.value || o.perms !== n.perms) changed.add(k); }
    for (const k of this.nodes.keys()) if (!t.has(k)) changed.add(k);
    this.nodes = t;
    for (const k of changed) this.touch(0, k);
    return 'OK';
  }

  addWatch(path: string, token: string): 'OK' | XsError {
    const p = this.resolve(path); if (p.startsWith('E')) return p as XsError;
    if (this.watches.some((w) => w.path === p && w.token === token)) return 'EEXIST';
    this.watches.push({ path: p, token, relative: !path.startsWith('/') && !path.startsWith('@') });
    return 'OK';
  }

  removeWatch(path: string, token: string): 'OK' | XsError {
    const p = this.resolve(path); if (p.startsWith('E')) return p as XsError;
    const i = this.watches.findIndex((w) => w.path === p && w.token === token);
    if (i < 0) return 'ENOENT';
    this.watches.splice(i, 1);
    return 'OK';
  }

  /** Watch events due for the changes since the last call: [path as the watcher named it, token]. */
  takeEvents(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const p of this.changed) {
      for (const w of this.watches) {
        if (w.path.startsWith('@')) continue;
        if (p === w.path || p.startsWith(w.path === '/' ? '/' : w.path + '/')) out.push([w.relative ? this.relative(p) : p, w.token]);
      }
    }
    this.changed = [];
    return out;
  }

  /** The toolstack's writes (as dom0): node with value and permissions. */
  seed(path: string, value: string, perms: XsPerm[]): void {
    this.write(0, path, new TextEncoder().encode(value), 0);
    this.setPerms(0, path, perms, 0);
    this.changed = [];
  }

  save(): unknown {
    return { domid: this.domid, nodes: [...this.nodes].map(([k, n]) => [k, n.value, n.perms]), watches: this.watches.map((w) => ({ ...w })), generation: this.generation, nextTx: this.nextTx };
  }

  load(s: { domid: number; nodes: Array<[string, Uint8Array, XsPerm[]]>; watches: XsWatch[]; generation: number; nextTx: number }): void {
    this.clear();
    this.domid = s.domid;
    for (const [k, value, perms] of s.nodes) this.nodes.set(k, { value, perms });
    this.watches.push(...s.watches); this.generation = s.generation; this.nextTx = s.nextTx;
  }
}
