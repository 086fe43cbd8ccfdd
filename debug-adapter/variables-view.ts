// DWARF variables as Variables-view trees: values formatted C-like by the loader's formatter,
// structs/unions by member, arrays by element, pointers with the pointee one level down and a
// memory reference. Editable where the variable is a scalar the engine can write back.

import { formatValue, scalarValue, sizeOf, strip, typeName, type CType, type DebugInfo, type FunctionInfo, type Regs, type Variable } from '../emulator/loader/dwarf';
import type { DebugEngine } from './engine/debug-engine';
import { typedBytes, type Typed } from '../emulator/expression';
import { hex, type Node } from './state-views';

const MAX_ELEMENTS = 256;

function valueNode(name: string, type: CType, bytes: Uint8Array, address: number | undefined, e: DebugEngine, depth: number): Node {
  const t = strip(type);
  const text = formatValue(type, bytes, { readMemory: e.readMemory, symbolAt: e.inspect.codeName });
  const node: Node = { name, value: text, type: typeName(type) };
  if (address !== undefined) node.memory = address;
  if (depth > 8) return node;
  if (t.kind === 'struct' || t.kind === 'union') {
    node.children = () => t.members.map((m) => {
      const sz = sizeOf(m.type);
      return valueNode(m.name || '<anonymous>', m.type, bytes.subarray(m.offset, m.offset + sz), address !== undefined ? address + m.offset : undefined, e, depth + 1);
    });
  } else if (t.kind === 'array') {
    const esz = sizeOf(t.element);
    const declared = t.counts[0] ?? 0;
    const count = esz > 0 ? Math.max(Math.floor(bytes.length / esz), address !== undefined ? declared : 0) : 0;
    if (count > 0) node.children = () => elementNodes(t.element, esz, 0, count, bytes, address, e, depth + 1);
  } else if (t.kind === 'pointer') {
    const p = scalarValue(t, bytes);
    if (p !== null) {
      node.memory = p;
      const target = strip(t.target);
      const tsz = sizeOf(t.target);
      if (p !== 0 && tsz > 0 && target.kind !== 'function') {
        node.children = () => {
          const b = e.readMemory(p, tsz);
          return b ? [valueNode(`*${name}`, t.target, b, p, e, depth + 1)] : [{ name: `*${name}`, value: `<cannot read memory at ${hex(p)}>` }];
        };
      }
    }
  }
  if (address !== undefined && (t.kind === 'base' || t.kind === 'pointer' || t.kind === 'enum')) {
    const size = sizeOf(t);
    const write = (v: bigint) => {
      const out = new Uint8Array(size);
      for (let i = 0, x = BigInt.asUintN(size * 8, v); i < size; i++, x >>= 8n) out[i] = Number(x & 0xffn);
      if (!e.machine.writeLinear(address, out)) throw new Error(`memory at ${hex(address)} is not mapped`);
    };
    node.set = (v: number) => write(BigInt(Math.trunc(v)));
    // 8-byte values take all 64 bits of what is assigned (long, u64, 64-bit pointers).
    if (size === 8) node.setWide = write;
  }
  return node;
}

/**
 * Elements [from, to) of an array. More than MAX_ELEMENTS become ranges of MAX_ELEMENTS (then of
 * MAX_ELEMENTS^2...) expanded one at a time, as gdb's and VS Code's paging do: a 100,000-entry
 * table costs nothing until a range is opened, and each range reads only its own bytes.
 */
function elementNodes(element: CType, esz: number, from: number, to: number, bytes: Uint8Array, address: number | undefined, e: DebugEngine, depth: number): Node[] {
  const n = to - from;
  if (n > MAX_ELEMENTS) {
    let span = MAX_ELEMENTS;
    while (n / span > MAX_ELEMENTS) span *= MAX_ELEMENTS;
    const out: Node[] = [];
    for (let lo = from; lo < to; lo += span) {
      const hi = Math.min(to, lo + span);
      out.push({ name: `[${lo}..${hi - 1}]`, value: '', children: () => elementNodes(element, esz, lo, hi, bytes, address, e, depth) });
    }
    return out;
  }
  const held = (i: number) => (i + 1) * esz <= bytes.length ? bytes.subarray(i * esz, (i + 1) * esz) : null;
  // Past the bytes read with the value (a large array), each range reads its own.
  const missing = held(to - 1) === null && address !== undefined ? e.readMemory(address + from * esz, n * esz) : null;
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const b = held(i) ?? missing?.subarray(k * esz, (k + 1) * esz) ?? null;
    const at = address !== undefined ? address + i * esz : undefined;
    return b ? valueNode(`[${i}]`, element, b, at, e, depth) : { name: `[${i}]`, value: `<cannot read memory at ${hex(at ?? 0)}>` };
  });
}

/** Elements a flexible array member (`char text[]`) is shown with: its length is not in the type. */
const FLEXIBLE_SHOWN = 16;

/** A node for a typed expression result (watch, hover, REPL). */
export function typedNode(name: string, v: Typed, e: DebugEngine): Node {
  const t = strip(v.type);
  if (t.kind === 'array' && t.counts[0] === null && v.address !== undefined) {
    // A flexible array member: its address (and string, for chars), as the pointer it decays
    // to, with its first elements; `name[i]` reaches any other.
    const { text } = e.describeValue(v);
    const esz = sizeOf(t.element);
    const address = v.address;
    return {
      name, value: text, type: typeName(v.type), memory: address,
      ...(esz > 0 ? { children: () => elementNodes(t.element, esz, 0, FLEXIBLE_SHOWN, new Uint8Array(0), address, e, 1) } : {}),
    };
  }
  const bytes = typedBytes(v, e.scope());
  return valueNode(name, v.type, bytes, v.address, e, 0);
}

/** Nodes for variables of one frame (or globals, with fn null). */
export function variableNodes(e: DebugEngine, di: DebugInfo, vars: Variable[], fn: FunctionInfo | null, regs: Regs, innermost: boolean, live = innermost,
  regBytes: ((name: string) => Uint8Array | undefined) | undefined = live ? e.inspect.regBytes : undefined): Node[] {
  const state = { regs, readMemory: e.readMemory, innermost, ...(regBytes ? { regBytes } : {}) };
  return vars.map((v) => {
    const r = di.readVariable(v, state, fn);
    if (!r.ok) return { name: v.name, value: r.reason, type: typeName(v.type) };
    const addr = r.location.kind === 'memory' ? (di.arch.addrSize === 8 ? r.location.address : r.location.address >>> 0) : undefined;
    const node = valueNode(v.name, v.type, r.bytes, addr, e, 0);
    // Only the innermost frame's registers are the machine's; a caller's are unwound copies.
    if (addr === undefined && r.location.kind === 'register' && live) {
      const t = strip(v.type);
      if (t.kind === 'base' || t.kind === 'pointer' || t.kind === 'enum') {
        node.set = (value: number) => { const err = e.writeVariable(v, fn, value, regs, innermost); if (err) throw new Error(err); };
        if (sizeOf(t) === 8) node.setWide = (value: bigint) => { const err = e.writeVariable(v, fn, value, regs, innermost); if (err) throw new Error(err); };
      }
    }
    return node;
  });
}
