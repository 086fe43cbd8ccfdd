/* Console through the console_io hypercall: one hypercall per string, where the HVM
   flavour's UART costs two port accesses per character. Also maps shared_info, which
   every other PV service needs. */
#include "xen.h"

volatile struct vcpu_info *pv_vcpu_info;
struct shared_info *xen_shared;
static char shared_page[4096] __attribute__((aligned(4096)));

void console_init(void) {
  xen_shared = (struct shared_info *)shared_page;
  HYPERVISOR_update_va_mapping((unsigned long)shared_page, xen_start_info->shared_info | 0x63, 0, UVMF_INVLPG);
  pv_vcpu_info = &xen_shared->vcpu_info[0];
}

void console_write(const char *s, u32 len) {
  HYPERVISOR_console_io(CONSOLEIO_write, len, s);
}
