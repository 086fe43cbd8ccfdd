// Every guest test kernel under QEMU (TCG) and under our emulator: identical serial
// output and exit status (issue 2, point 7c). Guests with an SDM-derived .expected file
// are judged against that file. QEMU's outputs are cached by kernel hash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { listGuests, GUESTS_DIR } from './guest-files';
import { compareGuest, referenceFor } from './compare';

// The test command builds the guests first; building again here is quick and makes this
// file runnable on its own.
execFileSync('make', ['-s', '-C', GUESTS_DIR], { stdio: 'inherit' });
const guests = listGuests();

test('at least 22 guest kernels are built', () => {
  assert.ok(guests.length >= 22, `only ${guests.length} guests in test/guests/build`);
});

test('every guest reaches its end under its reference', async (t) => {
  for (const g of guests) {
    await t.test(g.name, async () => {
      const ref = await referenceFor(g);
      assert.equal(ref.problem, undefined, ref.problem);
      assert.equal(ref.status, g.status);
      assert.ok(ref.serial.length > 0, 'no serial output');
      assert.doesNotMatch(ref.serial, /unexpected trap|FAILED/, 'the guest reports a failure under its reference');
    });
  }
});

test('our emulator prints what the reference prints', async (t) => {
  for (const g of guests) {
    await t.test(g.name, async () => {
      const r = await compareGuest(g);
      assert.ok(r.agreed, `${g.name} (vs ${r.reference}): ${r.detail}`);
    });
  }
});
