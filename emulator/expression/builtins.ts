// The expression language's functions for kernel code, named as the kernel's macros and its
// gdb scripts name them, since that is what a kernel developer types:
//   container_of(ptr, type, member)  the structure holding *ptr as `member` (a typed pointer)
//   offsetof(type, member)           the member's byte offset; `member` may be a path (a.b[2].c)
//   sizeof(type)                     a type's size in bytes
//   this_cpu_ptr(ptr), per_cpu_ptr(ptr, cpu)   a per-CPU pointer moved to this CPU's / CPU cpu's copy
//   this_cpu_read(var), per_cpu(var, cpu)      a per-CPU variable's copy (an lvalue)
//   $lx_current(), $lx_current(cpu), $lx_per_cpu(var, cpu)   gdb's Linux helpers, same meaning
// Per-CPU offsets and the current task come from the scope (the debugger reads GS base and
// __per_cpu_offset); the parser hands over arguments already compiled.

import { sizeOf, strip, type CType } from '../loader/dwarf';
import { ExpressionError, addressOf, findMember, bigBytes, intBytes, numOf, offsetAddress, pointerSize, pointerTo, wide, type ExpressionScope, type Typed, type Value } from './typed-values';

/** What each argument is: an expression, a type name, or a member path. */
export type ArgKind = 'value' | 'type' | 'member';

/** Arguments as the parser compiled them. */
export type BuiltinArg =
  | { kind: 'value'; value: (s: ExpressionScope) => Value }
  | { kind: 'type'; type: (s: ExpressionScope) => CType }
  | { kind: 'member'; path: Array<string | number> };

interface Builtin { args: ArgKind[]; optional?: number; run(a: BuiltinArg[], s: ExpressionScope): Value }

const val = (a: BuiltinArg | undefined, s: ExpressionScope): Value => {
  if (a?.kind !== 'value') throw new ExpressionError('expected a value argument');
  return a.value(s);
};
const typ = (a: BuiltinArg | undefined, s: ExpressionScope): CType => {
  if (a?.kind !== 'type') throw new ExpressionError('expected a type argument');
  return a.type(s);
};

/** The byte offset of a member path inside a type. */
export function memberOffset(type: CType, path: Array<string | number>): { offset: number; type: CType } {
  let t = type, off = 0;
  for (const step of path) {
    const st = strip(t);
    if (typeof step === 'number') {
      if (st.kind !== 'array') throw new ExpressionError(`[${step}] needs an array member`);
      off += step * sizeOf(st.element);
      t = st.element;
      continue;
    }
    if (st.kind !== 'struct' && st.kind !== 'union') throw new ExpressionError(`'${step}' needs a struct or union, not ${st.kind}`);
    const found = findMember(st, step);
    if (!found) throw new ExpressionError(`${st.kind} ${st.name || '<anonymous>'} has no member '${step}'`);
    off += found.offset;
    t = found.type;
  }
  return { offset: off, type: t };
}

/** A size_t (unsigned long) value, as C's offsetof and sizeof give. */
function sizeT(s: ExpressionScope, n: number): Typed {
  const size = pointerSize(s);
  return { kind: 'typed', type: { kind: 'base', name: 'unsigned long', size, encoding: 7 /* DW_ATE_unsigned */ }, bytes: size === 8 ? bigBytes(BigInt(n), 8) : intBytes(n, 4) };
}

function pointerValue(s: ExpressionScope, type: CType, address: number): Typed {
  const size = pointerSize(s);
  return { kind: 'typed', type: pointerTo(type, size), bytes: size === 8 ? bigBytes(BigInt(address), 8) : intBytes(address, 4) };
}

function perCpu(s: ExpressionScope, cpu: number | null): number {
  const off = s.perCpuOffset?.(cpu);
  if (off === undefined) throw new ExpressionError(cpu === null ? 'no per-CPU offset here (GS base is not set, or this is not a per-CPU kernel)' : `no per-CPU offset for CPU ${cpu} (__per_cpu_offset is not in the debug information, or the CPU is out of its range)`);
  return off;
}

const cpuArg = (a: BuiltinArg | undefined, s: ExpressionScope): number => {
  const n = numOf(val(a, s), 'a CPU number', s);
  if (!Number.isInteger(n) || n < 0 || n > 8191) throw new ExpressionError(`CPU ${n} is out of range`);
  return n;
};

/** A per-CPU pointer moved by a CPU's offset; a typed pointer keeps its type. */
function shiftPointer(v: Value, off: number, s: ExpressionScope): Value {
  const a = offsetAddress(s, addressOf(v, 'a per-CPU pointer', s), off);
  if (typeof v === 'object') {
    const t = strip(v.type);
    const target = t.kind === 'pointer' ? t.target : t.kind === 'array' ? t.element : null;
    if (target) return pointerValue(s, target, a);
  }
  return wide(s) ? BigInt.asUintN(64, BigInt(a)) : a >>> 0;
}

/** A per-CPU variable's copy: the lvalue at its address moved by a CPU's offset. */
function shiftLvalue(v: Value, off: number, s: ExpressionScope, what: string): Typed {
  if (typeof v !== 'object' || v.address === undefined) throw new ExpressionError(`${what} needs a per-CPU variable (an lvalue with an address)`);
  return { kind: 'typed', type: v.type, address: offsetAddress(s, v.address, off) };
}

function current(s: ExpressionScope, cpu: number | null): Typed {
  const t = s.currentTask?.(cpu);
  if (!t) throw new ExpressionError("no current task here (needs the kernel's per-CPU pcpu_hot.current_task or current_task in the debug information)");
  return t;
}

const BUILTINS: Record<string, Builtin> = {
  container_of: {
    args: ['value', 'type', 'member'],
    run: (a, s) => {
      const t = typ(a[1], s);
      const m = a[2]?.kind === 'member' ? memberOffset(t, a[2].path) : null;
      if (!m) throw new ExpressionError('container_of needs a member name');
      return pointerValue(s, t, offsetAddress(s, addressOf(val(a[0], s), 'container_of', s), -m.offset));
    },
  },
  offsetof: {
    args: ['type', 'member'],
    run: (a, s) => sizeT(s, a[1]?.kind === 'member' ? memberOffset(typ(a[0], s), a[1].path).offset : 0),
  },
  sizeof: { args: ['type'], run: (a, s) => sizeT(s, sizeOf(typ(a[0], s))) },
  this_cpu_ptr: { args: ['value'], run: (a, s) => shiftPointer(val(a[0], s), perCpu(s, null), s) },
  raw_cpu_ptr: { args: ['value'], run: (a, s) => shiftPointer(val(a[0], s), perCpu(s, null), s) },
  per_cpu_ptr: { args: ['value', 'value'], run: (a, s) => shiftPointer(val(a[0], s), perCpu(s, cpuArg(a[1], s)), s) },
  this_cpu_read: { args: ['value'], run: (a, s) => shiftLvalue(val(a[0], s), perCpu(s, null), s, 'this_cpu_read') },
  per_cpu: { args: ['value', 'value'], run: (a, s) => shiftLvalue(val(a[0], s), perCpu(s, cpuArg(a[1], s)), s, 'per_cpu') },
  $lx_per_cpu: { args: ['value', 'value'], run: (a, s) => shiftLvalue(val(a[0], s), perCpu(s, cpuArg(a[1], s)), s, '$lx_per_cpu') },
  $lx_current: {
    args: ['value'], optional: 1,
    run: (a, s) => {
      const p = current(s, a.length ? cpuArg(a[0], s) : null);
      const t = strip(p.type);
      if (t.kind !== 'pointer') return p;
      return { kind: 'typed', type: t.target, address: addressOf(p, '$lx_current', s) };
    },
  },
};

/** The function by that name, or undefined (the name is then an ordinary one). */
export function builtin(name: string): Builtin | undefined {
  return Object.prototype.hasOwnProperty.call(BUILTINS, name) ? BUILTINS[name] : undefined;
}

/** `current` as the kernel spells it: this CPU's task. */
export function currentTask(s: ExpressionScope): Typed { return current(s, null); }
