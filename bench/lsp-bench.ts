// Language server speed: a 100,000-line NASM file over a real stdio LSP connection.
// openMs: didOpen -> diagnostics (median of three opens of distinct documents, the first of
// them cold); editMs / editP90Ms: an incremental edit within a line -> the updated
// diagnostics (median and 90th percentile of thirty); lineEditMs: an edit that inserts or
// joins a line, moving every later finding (median of ten); rssMB: the server's resident
// memory at the end (three 100k-line documents open).

import { ensureServerBuilt, TestClient, uriOf } from '../test/language-server/lsp-client';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const LINES = 100_000;

/** Kernel-like text: labels, ordinary code, comments, data, and about 1% privileged instructions. */
export function benchText(lines = LINES): string {
  const body = [
    '    mov eax, [ebp + 8]        ; load argument',
    '    add eax, ebx',
    '    push esi',
    '    pop esi',
    '    call helper',
    '    cmp ecx, 0x10',
    '    jne .next',
    '    lea edi, [esi + ecx*4]',
    '    xor edx, edx',
    '    ; a comment mentioning hlt and cli',
  ];
  const out: string[] = ['bits 32', 'section .text'];
  let k = 0;
  while (out.length < lines) {
    if (out.length % 100 === 0) out.push(`func_${k++}:`);
    else if (out.length % 100 === 50) out.push('    out dx, al                ; port write');
    else if (out.length % 100 === 75) out.push('    hlt');
    else if (out.length % 100 === 99) out.push('.next: ret');
    else out.push(body[out.length % body.length]);
  }
  return out.slice(0, lines).join('\n') + '\n';
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

export async function runLspBench(): Promise<Record<string, number>> {
  await ensureServerBuilt();
  const client = new TestClient({ root: tmpdir() });
  try {
    await client.initialize();
    // Answered after the server's start-up work: times below are for a ready server.
    await client.request('paravirt/stats', {});
    const text = benchText();
    const opens: number[] = [];
    let path = '';
    for (let k = 0; k < 3; k++) {
      path = join(tmpdir(), `paravirt-lsp-bench-${k}.asm`);
      const t0 = performance.now();
      await client.open(path, text, 'nasm', 1);
      opens.push(performance.now() - t0);
    }
    const openMs = opens.sort((a, b) => a - b)[1];
    // Each publish must carry the whole file's diagnostics (an edit changes one line's).
    const full = client.diagnostics.get(uriOf(path))!.diagnostics.length;
    const check = (ds: unknown[], v: number) => {
      if (Math.abs(ds.length - full) > v) throw new Error(`version ${v} published ${ds.length} diagnostics, the file has about ${full}`);
    };
    // In-line edits (typing within a line) and line edits (Enter, then joining the lines
    // back), each timed from sending didChange to receiving the publishDiagnostics of that
    // version: the full diagnostics of the file, ~2,000 of them (1.1 MB of JSON).
    const edits: number[] = [];
    let v = 2;
    for (let k = 0; k < 30; k++, v++) {
      const line = 1000 + v * 7919 % 90000;
      const t1 = performance.now();
      const ds = await client.change(path, v, [{ range: { start: { line, character: 4 }, end: { line, character: 7 } }, text: v % 2 ? 'cli' : 'nop' }]);
      edits.push(performance.now() - t1);
      check(ds, v);
    }
    const lineEdits: number[] = [];
    for (let k = 0; k < 10; k++, v++) {
      const line = 1000 + v * 7919 % 90000;
      const split = k % 2 === 0;
      const range = split ? { start: { line, character: 4 }, end: { line, character: 4 } } : { start: { line: line - 1, character: 4 }, end: { line, character: 0 } };
      const t1 = performance.now();
      const ds = await client.change(path, v, [{ range, text: split ? '\n' : '' }]);
      lineEdits.push(performance.now() - t1);
      check(ds, v);
    }
    const stats = await client.request<{ rssMB: number }>('paravirt/stats', {});
    return {
      openMs, editMs: quantile(edits, 0.5), editP90Ms: quantile(edits, 0.9),
      lineEditMs: quantile(lineEdits, 0.5), rssMB: stats.rssMB, lines: LINES,
    };
  } finally {
    await client.close();
  }
}

if (require.main === module && !process.env.PARAVIRT_NO_BENCH_MAIN) {
  runLspBench().then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e); process.exitCode = 1; });
}
