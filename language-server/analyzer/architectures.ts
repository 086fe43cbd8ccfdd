// Which paths hold code for architectures other than x86 (skipped by `paravirt lint` and the
// language server).

/**
 * Folders that hold another architecture's code (Linux's arch/, kvm-unit-tests' arm/, lib/s390x/
 * ...): their assembly is not x86 and reading it as x86 only produces false findings.
 */
export const OTHER_ARCH_DIRS = new Set([
  'arm', 'arm64', 'aarch64', 's390', 's390x', 'riscv', 'riscv32', 'riscv64', 'powerpc', 'ppc', 'ppc64', 'ppc64le',
  'mips', 'mips64', 'sparc', 'sparc64', 'loongarch', 'loongarch64', 'ia64', 'alpha', 'parisc', 'm68k', 'xtensa', 'csky',
  'hexagon', 'nios2', 'openrisc', 'microblaze',
]);

/** Whether a path lies in another architecture's folder (by its folder names). */
export function otherArchitecture(path: string): string | null {
  const parts = path.split(/[\\/]/);
  for (let i = 0; i < parts.length - 1; i++) if (OTHER_ARCH_DIRS.has(parts[i].toLowerCase())) return parts[i];
  return null;
}
