/* paravirt: target=pvh */
/* What a PVH kernel has instead of the PC's devices: it finds Xen by its CPUID leaves, asks
   for the hypercall page by writing the page's physical address to the MSR that leaf
   0x40000002 names (Xen fills it with VMCALL stubs), writes its console through console_io
   (one hypercall per string, where the UART costs two port exits per character) and leaves
   through sched_op(SCHEDOP_shutdown), there being no isa-debug-exit port. */
#include "../common/platform.h"
#include "paravirt.h"

#define KERNEL_VMA 0xFFFFFFFF80000000ul

static void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d) {
  __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

void console_init(void) {
  for (u32 base = 0x40000000; base < 0x40010000; base += 0x100) {
    u32 a, b, c, d;
    cpuid(base, &a, &b, &c, &d);
    if (b != 0x566e6558 || c != 0x65584d4d || d != 0x4d4d566e) continue;   /* "XenVMMXenVMM" */
    cpuid(base + 2, &a, &b, &c, &d);                                       /* EBX: the MSR */
    u64 page = (u64)(uptr)hypercall_page - KERNEL_VMA;
    __asm__ volatile("wrmsr" :: "c"(b), "a"((u32)page), "d"((u32)(page >> 32)));
    return;
  }
  for (;;) __asm__ volatile("cli; hlt");   /* not under Xen: no way to print or leave */
}

void console_write(const char *s, u32 len) {
  HYPERVISOR_console_io(CONSOLEIO_write, len, s);
}

void machine_exit(u32 code) {
  struct sched_shutdown s = { code == 0 ? SHUTDOWN_poweroff : SHUTDOWN_crash };
  for (;;) HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}
