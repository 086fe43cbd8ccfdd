// Runs the parsers over a few thousand synthetic lines at start-up so the JIT has compiled
// the hot paths (parsing, rules, diagnostics encoding) before the first real document
// arrives (a cold first open of a 100k-line file otherwise pays for interpretation).

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AnalyzedDocument } from './analyzer/document';
import { analyze } from './analyzer/rules';
import { DEFAULT_SETTINGS } from './analyzer/settings';
import { DiagnosticsEncoder } from './diagnostics-json';

const NASM = ['start:', '    mov eax, [ebp + 8]   ; arg', '    add eax, ebx', '    push esi', '    pop esi', '    hlt',
  '    mov cr3, eax', '    out dx, al', '.l: jmp .l', 'msg db "hi", 0', '    call helper', '    ; comment', 'N equ 4', '    cli'];
const GAS = ['start:', '    movl 8(%ebp), %eax  # arg', '    addl %ebx, %eax', '    pushl %esi', '    hlt', '    movl %eax, %cr3',
  '    outb %al, %dx', '1:  jmp 1b', '    call helper', '/* c */', '    cli; sti'];

export function warmUp(lines = 8_000): void {
  const encoder = new DiagnosticsEncoder();
  const publish = (doc: AnalyzedDocument) => encoder.release(encoder.encode(doc.path, analyze(doc, DEFAULT_SETTINGS).map((h) => h.finding)));
  for (const [path, body] of [['warm.asm', NASM], ['warm.s', GAS]] as const) {
    const text: string[] = [];
    for (let i = 0; i < lines; i++) text.push(body[i % body.length]);
    const doc = AnalyzedDocument.create(path, text.join('\n'));
    if (!doc) continue;
    publish(doc);
    // An edit within a line, then one that shifts the lines below it.
    for (const text of [' ', '    nop\n']) {
      doc.applyChange({ range: { start: { line: lines >> 1, character: 0 }, end: { line: lines >> 1, character: 0 } }, text });
      publish(doc);
    }
  }
}

/**
 * One full collection once the warm-up is over: it leaves ~20 MB of garbage that V8 would
 * otherwise keep as committed heap for the server's whole life. Node exposes gc() only with
 * --expose-gc, which the flag gives a fresh context at run time; without it, nothing happens.
 */
export function releaseWarmUpGarbage(): void {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : null');
    if (typeof gc === 'function') (gc as () => void)();
  } catch { /* best effort */ }
}
