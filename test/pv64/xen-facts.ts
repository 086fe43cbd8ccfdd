// Facts of Xen's x86_64 PV ABI read from Xen's own public headers (Debian's libxen-dev, the
// oracle test/pv/xen-public-headers.ts fetches): a small C program compiled with gcc -m64
// against them prints structure offsets and constants, so the tests compare our guests'
// view with the headers rather than with numbers copied into the tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xenPublicHeaders } from '../pv/xen-public-headers';

const FACTS: Array<[string, string]> = [
  ['start_info.magic', 'offsetof(struct start_info, magic)'],
  ['start_info.nr_pages', 'offsetof(struct start_info, nr_pages)'],
  ['start_info.shared_info', 'offsetof(struct start_info, shared_info)'],
  ['start_info.store_mfn', 'offsetof(struct start_info, store_mfn)'],
  ['start_info.store_evtchn', 'offsetof(struct start_info, store_evtchn)'],
  ['start_info.console_mfn', 'offsetof(struct start_info, console.domU.mfn)'],
  ['start_info.console_evtchn', 'offsetof(struct start_info, console.domU.evtchn)'],
  ['start_info.pt_base', 'offsetof(struct start_info, pt_base)'],
  ['start_info.nr_pt_frames', 'offsetof(struct start_info, nr_pt_frames)'],
  ['start_info.mfn_list', 'offsetof(struct start_info, mfn_list)'],
  ['start_info.cmd_line', 'offsetof(struct start_info, cmd_line)'],
  ['start_info.first_p2m_pfn', 'offsetof(struct start_info, first_p2m_pfn)'],
  ['start_info.nr_p2m_frames', 'offsetof(struct start_info, nr_p2m_frames)'],
  ['XEN_ELFNOTE_INIT_P2M', 'XEN_ELFNOTE_INIT_P2M'],
  ['vcpu_info.arch.cr2', 'offsetof(struct vcpu_info, arch.cr2)'],
  ['iret_context.size', 'sizeof(struct iret_context)'],
  ['iret_context.flags', 'offsetof(struct iret_context, flags)'],
  ['iret_context.rip', 'offsetof(struct iret_context, rip)'],
  ['iret_context.ss', 'offsetof(struct iret_context, ss)'],
  ['trap_info.size', 'sizeof(struct trap_info)'],
  ['trap_info.address', 'offsetof(struct trap_info, address)'],
  ['callback_register.address', 'offsetof(struct callback_register, address)'],
  ['mmuext_op.size', 'sizeof(struct mmuext_op)'],
  ['mmuext_op.arg1', 'offsetof(struct mmuext_op, arg1)'],
  ['mmuext_op.arg2', 'offsetof(struct mmuext_op, arg2)'],
  ['FLAT_KERNEL_CS', 'FLAT_KERNEL_CS'],
  ['FLAT_KERNEL_SS', 'FLAT_KERNEL_SS'],
  ['FLAT_KERNEL_DS', 'FLAT_KERNEL_DS'],
  ['FLAT_USER_CS', 'FLAT_USER_CS'],
  ['FLAT_RING3_CS32', 'FLAT_RING3_CS32'],
  ['HYPERVISOR_VIRT_START', '__HYPERVISOR_VIRT_START'],
  ['HYPERVISOR_VIRT_END', '__HYPERVISOR_VIRT_END'],
  ['MACH2PHYS_VIRT_START', '__MACH2PHYS_VIRT_START'], ['MACH2PHYS_VIRT_END', '__MACH2PHYS_VIRT_END'],
  ['MACH2PHYS_NR_ENTRIES', 'MACH2PHYS_NR_ENTRIES'],
  ['VGCF_in_syscall', 'VGCF_in_syscall'],
  ['SEGBASE_FS', 'SEGBASE_FS'], ['SEGBASE_GS_USER', 'SEGBASE_GS_USER'], ['SEGBASE_GS_KERNEL', 'SEGBASE_GS_KERNEL'],
  ['SEGBASE_GS_USER_SEL', 'SEGBASE_GS_USER_SEL'],
  ['CALLBACKTYPE_syscall', 'CALLBACKTYPE_syscall'], ['CALLBACKTYPE_syscall32', 'CALLBACKTYPE_syscall32'],
  ['CALLBACKF_mask_events', 'CALLBACKF_mask_events'],
  ['MMUEXT_PIN_L4_TABLE', 'MMUEXT_PIN_L4_TABLE'], ['MMUEXT_NEW_USER_BASEPTR', 'MMUEXT_NEW_USER_BASEPTR'],
  ['EINVAL', 'XEN_EINVAL'], ['ENOSYS', 'XEN_ENOSYS'], ['EFAULT', 'XEN_EFAULT'], ['EPERM', 'XEN_EPERM'], ['EACCES', 'XEN_EACCES'],
  ['ESRCH', 'XEN_ESRCH'],
];

let cache: Map<string, bigint> | null = null;

/** Every fact above, by name, as Xen's headers give it for x86_64 (gcc -m64). */
export function xenFacts64(): Map<string, bigint> {
  if (cache) return cache;
  const include = xenPublicHeaders();
  const dir = mkdtempSync(join(tmpdir(), 'pv64-facts-'));
  const src = join(dir, 'facts.c'), exe = join(dir, 'facts');
  writeFileSync(src, [
    '#include <stdio.h>', '#include <stddef.h>', '#include <stdint.h>',
    '#define __XEN_TOOLS__ 1', '#include <xen/xen.h>', '#include <xen/callback.h>', '#include <xen/elfnote.h>', '#include <xen/errno.h>',
    'int main(void) {',
    ...FACTS.map(([name, expr]) => `  printf("%s %llu\\n", "${name}", (unsigned long long)(${expr}));`),
    '  return 0; }',
  ].join('\n'));
  const cc = spawnSync('gcc', ['-m64', '-I', include, '-o', exe, src], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`gcc over Xen's headers failed:\n${cc.stderr}`);
  const r = spawnSync(exe, [], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the facts program failed: ${r.stderr}`);
  cache = new Map(r.stdout.trim().split('\n').map((l) => { const [k, v] = l.split(' '); return [k, BigInt(v)]; }));
  return cache;
}

export function fact(name: string): bigint {
  const v = xenFacts64().get(name);
  if (v === undefined) throw new Error(`no fact ${name}`);
  return v;
}
