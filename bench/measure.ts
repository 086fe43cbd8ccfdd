// Spawns one child process per measurement and collects its answer.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildAnswer, ChildFailure, EngineName, GuestKind, GuestRun, RunRequest } from './engines/protocol';
import { RESULT_PREFIX } from './engines/child-protocol';
import { BENCH_DIR, CACHE_DIR } from './build-guests';

export interface SpawnOptions {
  /** The bundled child (plain node), or null to run bench/child.ts under tsx. */
  childBundle: string | null;
  /** Write a V8 CPU profile of our emulator's runs into bench/.cache/profiles/. */
  cpuProfile: boolean;
  timeoutSeconds: number;
}

export function runChild(engine: EngineName, kind: GuestKind, image: string, opts: SpawnOptions,
  reference?: RunRequest['reference'], arch?: RunRequest['arch']): GuestRun {
  const req: RunRequest = { engine, kind, image, memoryMiB: 64, timeoutSeconds: opts.timeoutSeconds, reference, arch };
  const flags = opts.childBundle ? [] : ['--import', 'tsx'];
  if (opts.cpuProfile && engine === 'ours') {
    const dir = join(CACHE_DIR, 'profiles');
    mkdirSync(dir, { recursive: true });
    flags.push('--cpu-prof', '--cpu-prof-dir', dir);
  }
  const r = spawnSync(process.execPath, [...flags, opts.childBundle ?? join(BENCH_DIR, 'child.ts'), JSON.stringify(req)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: (opts.timeoutSeconds + 30) * 1000,
    killSignal: 'SIGKILL',
  });
  if (r.error) throw new Error(`${engine}: child process failed: ${r.error.message}`);
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith(RESULT_PREFIX));
  if (!line) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-8).join('\n');
    throw new Error(`${engine}: child exited (status ${r.status}, signal ${r.signal}) without an answer:\n${tail}`);
  }
  const answer = JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildAnswer | ChildFailure;
  if (!answer.ok) throw new Error(answer.error);
  return answer.run;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
