// Child of linux-symbols-bench.ts: opens Debian's debug vmlinux as the adapter does and times
// what a session asks of it first; prints one JSON line (its own process, so RSS is its own).
import { FileSource } from '../debug-adapter/file-source';
import { DebugFile } from '../emulator/loader/dwarf/debug-file';

const path = process.argv[2]!;
const t0 = performance.now();
const f = new DebugFile(new FileSource(path));
const openMs = performance.now() - t0;
let t = performance.now();
const at = f.dwarf.functionLocations('start_kernel')[0]!.address;
const line = f.lines.stopLine(at);
f.dwarf.inlineFramesAt(at);
const startKernelMs = performance.now() - t;
t = performance.now();
f.dwarf.functionLocations('setup_arch');
const byNameMs = performance.now() - t;
t = performance.now();
const l = f.lines.addressesForLine((p) => p.endsWith('/arch/x86/kernel/setup.c'), 896);
const byLineMs = performance.now() - t;
if (!line || !l) throw new Error('start_kernel or setup.c:896 not found');
process.stdout.write(JSON.stringify({ openMs, startKernelMs, byNameMs, byLineMs, rssMB: process.memoryUsage().rss / 2 ** 20 }) + '\n');
