// Xen's virtual IOPL (guests/iopl.asm): CLI and OUT in the kernel and in ring 3 under IOPL
// 0, 1 and 3, set by physdev_op(set_iopl) and by iret frames under
// vm_assist(architectural_iopl). The expected faults are Xen's rules, written here from its
// documentation (Xen 4.7's XSA-171 ABI): with set_iopl the kernel counts as CPL 1, with the
// vm_assist as CPL 0; user code is CPL 3; the access is allowed when CPL <= IOPL, else #GP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPvGuest, runPv } from './harness';

const LEVELS = [0, 1, 3];

/** The fault mask the guest should report when the kernel counts as `kernelCpl`. */
function expected(kernelCpl: number): number {
  let mask = 0;
  LEVELS.forEach((iopl, i) => {
    for (const insn of [0, 1]) {
      for (const user of [0, 1]) {
        const cpl = user ? 3 : kernelCpl;
        if (cpl > iopl) mask |= 1 << (i * 4 + insn * 2 + user);
      }
    }
  });
  return mask;
}

test('virtual IOPL: set_iopl and architectural_iopl decide which CLI and OUT bounce, kernel and user', () => {
  const r = runPv(buildPvGuest('iopl'));
  const v = (k: string) => { const x = r.values.get(k); assert.notEqual(x, undefined, `${k} missing:\n${r.out}`); return x!; };
  assert.equal(r.stop.kind, 'shutdown', r.out);
  assert.equal(v('vm_assist'), 0);
  assert.equal(v('set_iopl_faults').toString(2), expected(1).toString(2), 'physdev_op(set_iopl)');
  assert.equal(v('architectural_faults').toString(2), expected(0).toString(2), 'vm_assist(architectural_iopl)');
  // Xen's forced-emulation CPUID (ud2; "xen"; cpuid) from user code: leaf 0x40000000's "XenV".
  assert.equal(v('user_cpuid_ebx'), 0x566e6558);
});

test('virtual IOPL under --pv-privileged strict: every CLI and OUT bounces', () => {
  const r = runPv(buildPvGuest('iopl'), { privileged: 'strict' });
  assert.equal(r.stop.kind, 'shutdown', r.out);
  assert.equal(r.values.get('set_iopl_faults'), 0xfff);
  assert.equal(r.values.get('architectural_faults'), 0xfff);
});
