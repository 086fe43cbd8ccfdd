// The 64-bit guest test kernels (test/guests/src64, put into long mode by guest/boot64.inc)
// under qemu-system-x86_64 (TCG) and under our emulator: identical serial output and exit
// status (issue 15, point 8).
//
// Until our CPU runs a kernel, its comparison is skipped, never passed, and the skip says
// what is missing: either the boot stub's own report that the CPU has no long mode, or
// src64/<name>.waits, which names the piece the kernel waits for. A kernel that agrees
// while its .waits file still exists fails, so the file is deleted as soon as it is stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { listGuests, GUESTS_DIR } from './guest-files';
import { readFileSync } from 'node:fs';
import { NO_LONG_MODE, compareGuest64, firstDifference, referenceFor } from './compare';
import { describeStop, runOnEmulator } from './run-emulator';
import { loadImage } from '../../emulator/loader';

execFileSync('make', ['-s', '-C', GUESTS_DIR], { stdio: 'inherit' });
const guests = listGuests('x86_64');

test('the 64-bit guest kernels are built', () => {
  const names = guests.map((g) => g.name);
  for (const want of ['longmode', 'paging64', 'canonical64', 'ist64', 'gates64', 'syscall64', 'apictimer64', 'pcid64']) {
    assert.ok(names.includes(want), `${want} missing from test/guests/build/x86_64 (have ${names.join(', ')})`);
  }
});

test('every 64-bit guest reaches its end under qemu-system-x86_64', async (t) => {
  for (const g of guests) {
    await t.test(g.name, async () => {
      const ref = await referenceFor(g);
      assert.equal(ref.problem, undefined, ref.problem);
      assert.equal(ref.status, g.status);
      assert.doesNotMatch(ref.serial, NO_LONG_MODE, 'the reference CPU has no long mode');
      assert.ok(ref.serial.length > 0, 'no serial output');
      assert.doesNotMatch(ref.serial, /unexpected trap|FAILED/, 'the guest reports a failure under its reference');
    });
  }
});

test('our emulator prints what qemu-system-x86_64 prints', async (t) => {
  for (const g of guests) {
    await t.test(g.name, async (st) => {
      const r = await compareGuest64(g);
      if (r.agreed) {
        assert.equal(g.waits, undefined, `${g.name} agrees now: delete test/guests/src64/${g.name}.waits`);
        return;
      }
      if (r.waiting !== undefined) {
        st.skip(`waiting for ${r.waiting}; now: ${r.detail}`);
        return;
      }
      assert.fail(`${g.name} (vs ${r.reference}): ${r.detail}`);
    });
  }
});

// The kernels carry both headers; our loader enters them through either, as GRUB does
// (grub-boot64.test.ts), and each way they print what qemu -kernel (Multiboot 1) makes them print.
test('our loader enters the 64-bit kernels through their Multiboot2 header and through their Multiboot 1 header', async (t) => {
  const magic = { multiboot: 0x2BADB002, multiboot2: 0x36D76289 } as const;
  for (const name of ['longmode', 'paging64']) {
    const g = guests.find((x) => x.name === name);
    assert.ok(g, `${name} is built`);
    const ref = await referenceFor(g);
    for (const format of ['multiboot', 'multiboot2'] as const) {
      await t.test(`${name} via ${format}`, () => {
        const bytes = new Uint8Array(readFileSync(g.elfPath));
        const plan = loadImage(bytes, { ramBytes: 64 << 20, format });
        assert.equal(plan.entry.kind, 'flat32', 'entered in 32-bit protected mode, as both specifications say');
        assert.equal(plan.entry.regs?.eax, magic[format]);
        const r = runOnEmulator(g.elfPath, undefined, undefined, undefined, format);
        assert.equal(r.error, undefined, r.error);
        assert.equal(firstDifference(ref.serial, r.serial), null);
        assert.equal(r.status, 1, describeStop(r.stop));
      });
    }
  }
});
