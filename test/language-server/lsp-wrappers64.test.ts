// Signature help and completion for the HYPERVISOR_* wrappers follow the line's mode, through
// a real LSP client: in 64-bit code they take the x86_64 arguments, in 32-bit code the x86_32
// ones. The oracle is the headers a kernel assembles with: every wrapper's parameter count must
// be the arity its %macro declares in guest/paravirt64.inc (64-bit) and guest/paravirt.inc (32-bit).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompletionItem, SignatureHelp } from 'vscode-languageserver-protocol';
import { ensureServerBuilt, REPO, TestClient, uriOf } from './lsp-client';

const work = mkdtempSync(join(tmpdir(), 'pv-wrap64-'));
let c: TestClient;
before(async () => { await ensureServerBuilt(); c = new TestClient({ root: work }); await c.initialize(); });
after(async () => { await c.close(); });

/** `%macro HYPERVISOR_<name> <n>` of a NASM header: the arity each wrapper is assembled with. */
function arities(file: string): Map<string, number> {
  const text = readFileSync(join(REPO, 'guest', file), 'utf8');
  return new Map([...text.matchAll(/^%macro (HYPERVISOR_\w+) (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
}

test('NASM: the wrappers\' parameters in bits 64 and bits 32 code are the arities paravirt64.inc and paravirt.inc declare', async () => {
  for (const [bits, header] of [[64, 'paravirt64.inc'], [32, 'paravirt.inc']] as const) {
    const want = arities(header);
    assert.ok(want.size > 30, `${header}: the generated wrappers`);
    const names = [...want.keys()];
    const text = [`bits ${bits}`, ...names.map((n) => `    ${n} `)].join('\n');
    const path = join(work, `calls${bits}.asm`);
    await c.open(path, text, 'nasm');
    for (let i = 0; i < names.length; i++) {
      const s = await c.request<SignatureHelp>('textDocument/signatureHelp', { textDocument: { uri: uriOf(path) }, position: { line: i + 1, character: names[i].length + 5 } });
      assert.ok(s?.signatures.length, `${names[i]} in bits ${bits}`);
      assert.equal(s.signatures[0].parameters!.length, want.get(names[i]), `${names[i]} in bits ${bits}: ${s.signatures[0].label}`);
    }
  }
});

test('C: update_va_mapping is (va, new_val, flags) inside #ifdef __x86_64__ and (va, new_val_lo, new_val_hi, flags) outside', async () => {
  const path = join(work, 'uvm.c');
  const text = [
    '#include "paravirt.h"',
    '#ifdef __x86_64__',
    'void f(void) { HYPERVISOR_update_va_mapping(',
    '}',
    '#else',
    'void g(void) { HYPERVISOR_update_va_mapping(',
    '}',
    '#endif',
  ].join('\n');
  await c.open(path, text, 'c');
  const at = async (line: number) => (await c.request<SignatureHelp>('textDocument/signatureHelp', { textDocument: { uri: uriOf(path) }, position: { line, character: 44 } })).signatures[0].label;
  assert.equal(await at(2), 'HYPERVISOR_update_va_mapping(va, new_val, flags)');
  assert.equal(await at(5), 'HYPERVISOR_update_va_mapping(va, new_val_lo, new_val_hi, flags)');
  // Completion offers the same shapes.
  const items = await c.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: uriOf(path) }, position: { line: 2, character: 15 } });
  assert.equal(items.find((i) => i.label === 'HYPERVISOR_set_callbacks')?.detail, 'HYPERVISOR_set_callbacks(event_address, failsafe_address, syscall_address)');
});
