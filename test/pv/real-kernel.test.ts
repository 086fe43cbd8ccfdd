// A real Xen PV kernel, not one of ours: Debian's GRUB 2.06 built for i386-xen (package
// grub-xen-host, installed by scripts/setup.sh). It reads its notes and start_info, builds
// and pins its own page tables, maps shared_info and its grant table, talks to xenstore
// (and finds no disks), draws its prompt on the PV console ring, obeys what is typed into
// the ring's input side, and powers off through sched_op when told to `halt`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Machine } from '../../emulator/machine';
import { loadPvImage } from '../../emulator/pv/pv-image';
import type { StopReason } from '../../emulator/machine';

const GRUB = '/usr/lib/grub-xen/grub-i386-xen.bin';

test("Debian's GRUB i386-xen PV image boots to its prompt, echoes input and halts", (t) => {
  if (!existsSync(GRUB)) { t.skip(`${GRUB} is missing: install grub-xen-host (scripts/setup.sh does)`); return; }
  let out = '';
  const m = new Machine({ mode: 'pv', memoryMiB: 64, serialOut: (b) => { out += String.fromCharCode(b); } });
  m.load(loadPvImage(new Uint8Array(readFileSync(GRUB)), { ramBytes: 64 << 20 }));
  let stop: StopReason = { kind: 'budget' };
  let typed = false;
  while (m.icount < 400_000_000) {
    stop = m.run(2_000_000);
    if (stop.kind !== 'budget') break;
    if (!typed && out.includes('grub> ')) {
      m.serialInput(new TextEncoder().encode('echo paravirt PV says hello\nhalt\n'));
      typed = true;
    }
  }
  assert.match(out, /GNU GRUB {2}version 2\.06/, out.slice(-500));
  assert.ok(typed, 'no grub> prompt');
  assert.match(out, /\r?\n\r?paravirt PV says hello\r?\n/);
  assert.deepEqual(stop, { kind: 'shutdown', code: 0, reason: 'sched_op shutdown: poweroff' });
  const hc = m.exits.hypercalls!;
  // What it used of the interface: page-table management, grant table, events, scheduling.
  for (const name of ['update_va_mapping', 'mmuext_op', 'grant_table_op', 'event_channel_op', 'sched_op']) assert.ok((hc[name] ?? 0) > 0, name);
  assert.ok(m.pv!.domain.xenstore.requests > 0, 'it asked xenstore for its devices');
  t.diagnostic(`${m.icount} instructions, ${m.exits.total} hypervisor entries: ${JSON.stringify(hc)}`);
});
