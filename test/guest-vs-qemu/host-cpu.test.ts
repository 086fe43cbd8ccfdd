// The references checked in turn: the computation-only guests also build as Linux
// programs (make host), and the host CPU must print exactly what they print under QEMU.
// This is what makes QEMU's answers for them trustworthy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_DIR, GUESTS_DIR, listGuests } from './guest-files';
import { qemuReference } from './qemu-cache';
import { firstDifference } from './compare';

const HOST_TESTS = ['alu', 'bcd', 'bits', 'shifts', 'muldiv', 'string', 'x87', 'x87b', 'atomic', 'stack', 'misc'];

test('computation guests print the same on the host CPU as under QEMU', async (t) => {
  // Only the host programs: the guests themselves are built by the test command (or guests.test.ts).
  execFileSync('make', ['-s', '-C', GUESTS_DIR, 'host'], { stdio: 'inherit' });
  const guests = new Map(listGuests().map((g) => [g.name, g]));
  for (const name of HOST_TESTS) {
    await t.test(name, async () => {
      const g = guests.get(name);
      assert.ok(g, `guest ${name} not built`);
      const exe = join(BUILD_DIR, 'host', name);
      assert.ok(existsSync(exe), `${exe} not built`);
      const host = spawnSync(exe, [], { encoding: 'latin1', timeout: 30_000 });
      assert.equal(host.status, 0, `host run failed: ${host.stderr}`);
      const q = await qemuReference(g.elfPath);
      assert.equal(q.status, 1);
      const diff = firstDifference(q.serial, host.stdout);
      assert.equal(diff, null, `QEMU and the host CPU disagree on ${name}: ${diff}`);
    });
  }
});
