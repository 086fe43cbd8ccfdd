// `npm run conformance`: one line per reference comparison (cases checked, agreed,
// disagreed), the details of any disagreement after it, and a non-zero exit status if any
// comparison disagreed.
//   PARAVIRT_CONFORMANCE_COUNT  decoder sequences in 16- and 32-bit code (default 1,000,000)
//   PARAVIRT_DECODER64_COUNT    decoder sequences in 64-bit code (default 1,000,000)
//   PARAVIRT_EXECUTION_COUNT    executed sequences (default 50,000)
//   PARAVIRT_ALU_COUNT          ALU cases (default 200,000)
//   PARAVIRT_EXEC64_COUNT       64-bit sequences vs the host CPU (default 100,000)
//   PARAVIRT_X87_COUNT          x87 cases (default 20,000)
//   PARAVIRT_SSE_COUNT          SSE cases per family (default 100,000)
//   PARAVIRT_BLOCK_COUNT        random programs, compiled blocks vs the interpreter (default 300)
//   PARAVIRT_SEED               seed for both (default 20261125)

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeAluResult, runAluConformance } from './alu-conformance';
import { describeExec64, runExec64Conformance } from './exec64-conformance';
import { describeDecoderResult, runDecoderConformance, type CodeBits, type DecoderConformanceResult } from './decoder-conformance';
import { createEmulatorMachine, emulatorDecodeInfo } from './emulator-under-test';
import { describeExecutionResult, runExecutionConformance } from './execution-conformance';
import { envInt } from './random';
import { runBlockComparison } from './block-programs';
import { generateX87Case } from './x87-cases';
import { SSE_FAMILIES } from './sse-cases';
import { describeSseResult, runSseConformance } from './sse-conformance';

interface Line { name: string; checked: number; agreed: number; disagreed: number; extra?: string; details?: string }

const HERE = dirname(fileURLToPath(import.meta.url));

async function guestComparison(): Promise<Line> {
  const path = join(HERE, '..', 'guest-vs-qemu', 'compare.ts');
  if (!existsSync(path)) return { name: 'guest kernels vs QEMU', checked: 0, agreed: 0, disagreed: 0, extra: 'not available (test/guest-vs-qemu/compare.ts missing)' };
  const mod = (await import(path)) as { runGuestComparison?: () => Promise<Array<{ name: string; agreed: boolean }>> | Array<{ name: string; agreed: boolean }> };
  if (typeof mod.runGuestComparison !== 'function') {
    return { name: 'guest kernels vs QEMU', checked: 0, agreed: 0, disagreed: 1, extra: 'compare.ts exports no runGuestComparison()' };
  }
  const results = await mod.runGuestComparison();
  const bad = results.filter((r) => !r.agreed);
  return {
    name: 'guest kernels vs QEMU', checked: results.length, agreed: results.length - bad.length, disagreed: bad.length,
    details: bad.length ? '  disagreeing guests: ' + bad.map((r) => r.name).join(', ') : undefined,
  };
}

/** The 64-bit guests: a guest waiting for a piece of our long-mode CPU is counted apart, not as agreeing or disagreeing. */
async function guestComparison64(): Promise<Line> {
  const name = 'guest kernels x86-64 vs QEMU';
  const { runGuestComparison64 } = await import(join(HERE, '..', 'guest-vs-qemu', 'compare.ts')) as typeof import('../guest-vs-qemu/compare');
  const results = await runGuestComparison64();
  const waiting = results.filter((r) => !r.agreed && r.waiting !== undefined);
  const bad = results.filter((r) => !r.agreed && r.waiting === undefined);
  const why = [...new Set(waiting.map((r) => r.waiting))].join('; ');
  return {
    name, checked: results.length - waiting.length, agreed: results.length - waiting.length - bad.length, disagreed: bad.length,
    extra: waiting.length ? `waiting ${waiting.length} (${why})` : undefined,
    details: bad.length ? '  disagreeing guests: ' + bad.map((r) => r.name).join(', ') : undefined,
  };
}

function guarded(name: string, run: () => Line): Line {
  try {
    return run();
  } catch (e) {
    return { name, checked: 0, agreed: 0, disagreed: 1, extra: 'could not run', details: '  ' + String((e as Error).stack ?? e) };
  }
}

async function main(): Promise<number> {
  const seed = envInt('PARAVIRT_SEED', 20261125);
  const decoderCount = envInt('PARAVIRT_CONFORMANCE_COUNT', 1_000_000);
  const executionCount = envInt('PARAVIRT_EXECUTION_COUNT', 50_000);
  const aluCount = envInt('PARAVIRT_ALU_COUNT', 200_000);
  const x87Count = envInt('PARAVIRT_X87_COUNT', 20_000);
  const lines: Line[] = [];

  // One line per code size; the details (disagreements, what is missing) once per run.
  const decoderLines = (r: DecoderConformanceResult, modes: readonly CodeBits[]): Line[] => modes.map((bits, k) => {
    const c = r.byMode[bits]!;
    return {
      name: `decoder ${bits}-bit vs iced-x86`, checked: c.checked, agreed: c.agreed, disagreed: c.disagreed,
      extra: `not implemented ${c.notImplemented}, outside the CPU ${c.outsideScope}`,
      details: k === modes.length - 1 ? describeDecoderResult(r).split('\n').slice(1).join('\n') || undefined : undefined,
    };
  });
  for (const [name, count, modes] of [['decoder 16/32-bit', decoderCount, [16, 32]], ['decoder 64-bit', envInt('PARAVIRT_DECODER64_COUNT', 1_000_000), [64]]] as const) {
    try {
      lines.push(...decoderLines(runDecoderConformance(emulatorDecodeInfo, count, seed, modes), modes));
    } catch (e) {
      lines.push({ name: `${name} vs iced-x86`, checked: 0, agreed: 0, disagreed: 1, extra: 'could not run', details: '  ' + String((e as Error).stack ?? e) });
    }
  }
  lines.push(guarded('executor vs iced-x86', () => {
    const r = runExecutionConformance(createEmulatorMachine, executionCount, seed);
    return {
      name: 'executor vs iced-x86', checked: r.checked, agreed: r.agreed, disagreed: r.disagreed,
      extra: `not implemented ${r.notImplemented}, not comparable ${r.skipped}`,
      details: describeExecutionResult(r).split('\n').slice(1).join('\n') || undefined,
    };
  }));
  lines.push(guarded('ALU vs host CPU', () => {
    const r = runAluConformance(createEmulatorMachine, aluCount, seed);
    return { name: 'ALU vs host CPU', checked: r.checked, agreed: r.agreed, disagreed: r.disagreed, details: describeAluResult(r).split('\n').slice(1).join('\n') || undefined };
  }));
  lines.push(guarded('executor 64-bit vs host CPU', () => {
    const r = runExec64Conformance(envInt('PARAVIRT_EXEC64_COUNT', 100_000), seed);
    return {
      name: 'executor 64-bit vs host CPU', checked: r.checked, agreed: r.agreed, disagreed: r.disagreed,
      extra: `${r.instructions} instructions, ${r.bothFaulted} both faulted`, details: describeExec64(r).split('\n').slice(1).join('\n') || undefined,
    };
  }));
  lines.push(guarded('x87 vs host FPU', () => {
    const r = runAluConformance(createEmulatorMachine, x87Count, seed, generateX87Case);
    return { name: 'x87 vs host FPU', checked: r.checked, agreed: r.agreed, disagreed: r.disagreed, details: describeAluResult(r).split('\n').slice(1).join('\n') || undefined };
  }));
  for (const family of SSE_FAMILIES) {
    const name = `SSE ${family} vs host CPU`;
    lines.push(guarded(name, () => {
      const r = runSseConformance(createEmulatorMachine, family, envInt('PARAVIRT_SSE_COUNT', 100_000), seed);
      return { name, checked: r.checked, agreed: r.agreed, disagreed: r.disagreed, details: describeSseResult(r).split('\n').slice(1).join('\n') || undefined };
    }));
  }
  lines.push(guarded('blocks vs interpreter', () => {
    const r = runBlockComparison(envInt('PARAVIRT_BLOCK_COUNT', 300), seed);
    return {
      name: 'blocks vs interpreter', checked: r.checked, agreed: r.agreed, disagreed: r.disagreed,
      extra: `${r.instructions} instructions, ${r.blocks} blocks compiled`, details: r.failures.join('\n\n') || undefined,
    };
  }));
  try {
    lines.push(await guestComparison());
  } catch (e) {
    lines.push({ name: 'guest kernels vs QEMU', checked: 0, agreed: 0, disagreed: 1, extra: 'could not run', details: '  ' + String((e as Error).stack ?? e) });
  }
  try {
    lines.push(await guestComparison64());
  } catch (e) {
    lines.push({ name: 'guest kernels x86-64 vs QEMU', checked: 0, agreed: 0, disagreed: 1, extra: 'could not run', details: '  ' + String((e as Error).stack ?? e) });
  }

  console.log(`conformance (seed ${seed})`);
  for (const l of lines) {
    console.log(`${l.name.padEnd(28)} checked ${String(l.checked).padStart(8)}  agreed ${String(l.agreed).padStart(8)}  disagreed ${String(l.disagreed).padStart(6)}${l.extra ? '  ' + l.extra : ''}`);
  }
  for (const l of lines) if (l.details) console.log(`\n${l.name}:\n${l.details}`);
  return lines.some((l) => l.disagreed > 0) ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(2); });
