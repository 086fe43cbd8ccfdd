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
  const text = formatValue(type, bytes, { readMemory: e.readMemory });
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
    const count = esz > 0 ? Math.min(Math.floor(bytes.length / esz), MAX_ELEMENTS) : 0;
    if (count > 0) node.children = () => Array.from({ length: count }, (_, i) =>
      valueNode(`[${i}]`, t.element, bytes.subarray(i * esz, (i + 1) * esz), address !== undefined ? address + i * esz : undefined, e, depth + 1));
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

/** A node for a typed expression result (watch, hover, REPL). */
export function typedNode(name: string, v: Typed, e: DebugEngine): Node {
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
