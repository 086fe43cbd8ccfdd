// Runs a bench guest under v86 (npm package), booted with Debian's SeaBIOS, which loads the
// Multiboot kernel through v86's multiboot option ROM. The timed region is measured between
// the guest's 'S' and 'E' serial bytes, so the BIOS boot is not part of it.
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { GuestRun, RunRequest } from './protocol';
import { SerialMarkers } from './markers';

const SEABIOS_DIR = '/usr/share/seabios';
// v86 emulates a Bochs/QEMU standard VGA; SeaBIOS's stdvga build drives it.
const BIOS_FILE = 'bios.bin';
const VGABIOS_FILE = 'vgabios-stdvga.bin';

function bufferOf(path: string): ArrayBuffer {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

export function seabiosPaths(): { bios: string; vga: string } {
  const bios = join(SEABIOS_DIR, BIOS_FILE);
  const vga = join(SEABIOS_DIR, VGABIOS_FILE);
  for (const p of [bios, vga]) {
    if (!existsSync(p)) throw new Error(`SeaBIOS image ${p} not found (Debian package seabios; run scripts/setup.sh)`);
  }
  return { bios, vga };
}

export async function runV86(req: RunRequest, jit: boolean): Promise<GuestRun> {
  const require = createRequire(__filename);
  const wasmPath = join(dirname(require.resolve('v86/package.json')), 'build', 'v86.wasm');
  const { V86 } = (await import('v86')) as typeof import('v86');
  const { bios, vga } = seabiosPaths();
  const t0 = performance.now();
  const emulator = new V86({
    wasm_path: wasmPath,
    bios: { buffer: bufferOf(bios) },
    vga_bios: { buffer: bufferOf(vga) },
    multiboot: { buffer: bufferOf(req.image) },
    memory_size: req.memoryMiB * 1024 * 1024,
    autostart: true,
    disable_jit: !jit,
    disable_keyboard: true,
    disable_mouse: true,
    disable_speaker: true,
  });
  // v86 updates its counter at block boundaries; an OUT ends a block, so the value read in
  // the 'S' callback includes that OUT, and the value after the exit OUT is complete.
  const counter = (): number => emulator.get_instruction_counter();
  const markers = new SerialMarkers(req.kind, counter);
  const label = `v86 (${jit ? 'jit' : 'nojit'})`;

  return await new Promise<GuestRun>((resolve, reject) => {
    let done = false;
    const finish = (error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const afterStart = (counter() - markers.counterAtStart) >>> 0;
      void emulator.stop().then(() => emulator.destroy()).catch(() => undefined);
      if (error) { reject(new Error(error)); return; }
      resolve({
        ...markers.result(),
        engineCount: { value: afterStart, span: 'after-start' },
        bootSeconds: (markers.startedAt - t0) / 1000,
        peakRssMB: process.resourceUsage().maxRSS / 1024,
      });
    };
    // v86 wires port 0xF4 to its own test harness's exit, which throws the string "HALT"
    // out of its run loop: for these guests, that is the exit they asked for.
    process.on('uncaughtException', (e) => {
      if (e === ('HALT' as unknown)) {
        finish(markers.finished ? undefined : `${label}: guest exited before finishing its serial protocol: ${JSON.stringify(markers.preview())}`);
        return;
      }
      finish(`${label} threw: ${e instanceof Error ? e.stack : String(e)}`);
    });
    const timer = setTimeout(() => finish(`${label}: guest did not finish within ${req.timeoutSeconds} s; serial so far: ${JSON.stringify(markers.preview())}`),
      req.timeoutSeconds * 1000);
    emulator.add_listener('serial0-output-byte', (byte: number) => { markers.onByte(byte); });
  });
}
