// The evaluate request's answer: a value as the Debug Console, hovers and watches show it. A
// number with its symbol or decoded register bits, a 64-bit value whole, a string quoted, a
// typed C value expandable like a variable.

import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DebugEngine } from './engine/debug-engine';
import type { FrameContext } from './engine/inspector';
import { addressRef } from './protocol-values';
import { hex, type Node } from './state-views';
import { numberText, registerBits, wideNumberText } from './value-format';
import { typedNode } from './variables-view';

/** Throws when the expression cannot be evaluated; `handle` gives an expandable value its variables reference. */
export function evaluateBody(e: DebugEngine, expr: string, format: DebugProtocol.ValueFormat | undefined, frame: FrameContext | undefined,
  handle: (children: () => Node[]) => number): NonNullable<DebugProtocol.EvaluateResponse['body']> {
  const v = e.evaluate(expr, frame);
  if (typeof v === 'string') return { result: JSON.stringify(v), variablesReference: 0 };
  if (typeof v === 'bigint') {
    // A 64-bit value ($rax, 64-bit arithmetic): all 64 bits; an address's symbol when it names one.
    const addr = Number(BigInt.asIntN(64, v));
    const sym = Number.isSafeInteger(addr) ? e.symbols.describe(addr) : undefined;
    return { result: `${wideNumberText(v, format)}${sym ? ` <${sym}>` : ''}`, variablesReference: 0, memoryReference: `0x${v.toString(16)}` };
  }
  if (typeof v === 'number') {
    const sym = e.symbols.describe(v);
    const decoded = registerBits(expr, v);
    return { result: `${numberText(v, format)}${decoded ? ` ${decoded}` : sym ? ` <${sym}>` : ''}`, variablesReference: 0, memoryReference: hex(v) };
  }
  // A typed value: shown C-like, expandable like a variable, with its address for the memory view.
  const node = typedNode(expr, v, e);
  const body: NonNullable<DebugProtocol.EvaluateResponse['body']> = { result: node.value, type: node.type, variablesReference: node.children ? handle(node.children) : 0 };
  if (node.memory !== undefined) body.memoryReference = addressRef(node.memory);
  return body;
}
