// Summarises V8 CPU profiles (from `npm run bench -- --cpu-prof`): self time by function,
// heaviest first. Usage: node --import tsx bench/profile-summary.ts [file.cpuprofile ...]
// (default: every profile in bench/.cache/profiles/).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const DIR = join(__dirname, '.cache', 'profiles');

function summarise(path: string, top: number): void {
  const p = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]);
    const dt = p.timeDeltas[i] ?? 0;
    if (!n) continue;
    total += dt;
    const url = n.callFrame.url.replace(/^file:\/\//, '');
    const where = url ? `${relative(process.cwd(), url)}:${n.callFrame.lineNumber + 1}` : '';
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  console.log(`\n${relative(process.cwd(), path)}: ${(total / 1e6).toFixed(2)} s sampled`);
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [k, v] of rows) console.log(`${(100 * v / total).toFixed(1).padStart(5)}%  ${(v / 1e3).toFixed(0).padStart(7)} ms  ${k}`);
}

const files = process.argv.slice(2);
const list = files.length ? files : readdirSync(DIR).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(DIR, f));
if (list.length === 0) { console.error('no profiles; run `npm run bench -- --engines ours --cpu-prof` first'); process.exit(1); }
for (const f of list) summarise(f, 25);
