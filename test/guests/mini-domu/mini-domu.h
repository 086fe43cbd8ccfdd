/* mini-domu: a small x86-64 Xen domU kernel of our own that starts the way Xen's Mini-OS
   does (start of day, memory, time, console, grant tables, xenbus, a scheduler, idle by
   SCHEDOP_block) as a 64-bit PV guest (CONFIG_PARAVIRT) or a PVH guest, from one source.
   It is written against Xen's own public headers (libxen-dev), so every structure and
   number it exchanges with the hypervisor is Xen's, not the emulator's. */
#ifndef MINI_DOMU_H
#define MINI_DOMU_H

#define __XEN_INTERFACE_VERSION__ 0x00040d00
#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/event_channel.h>
#include <xen/memory.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/grant_table.h>
#include <xen/callback.h>
#include <xen/hvm/params.h>
#include <xen/hvm/hvm_op.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>
#include <xen/arch-x86/hvm/start_info.h>

#define PAGE_SIZE 4096UL
#define PAGE_SHIFT 12
#define PFN_UP(x) (((x) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define barrier() __asm__ volatile("" ::: "memory")
#define mb() __asm__ volatile("mfence" ::: "memory")

/* hypercall.S / the hypercall page (Xen fills it: the ELF note in PV, the MSR in PVH). */
extern char hypercall_page[PAGE_SIZE];
long hypercall5(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);
#define HYPERCALL(nr, a1, a2, a3, a4, a5) \
  hypercall5((nr), (unsigned long)(a1), (unsigned long)(a2), (unsigned long)(a3), (unsigned long)(a4), (unsigned long)(a5))
#define HYPERVISOR_console_io(cmd, n, s)      HYPERCALL(__HYPERVISOR_console_io, cmd, n, s, 0, 0)
#define HYPERVISOR_sched_op(cmd, arg)         HYPERCALL(__HYPERVISOR_sched_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_event_channel_op(cmd, arg) HYPERCALL(__HYPERVISOR_event_channel_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_memory_op(cmd, arg)        HYPERCALL(__HYPERVISOR_memory_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_xen_version(cmd, arg)      HYPERCALL(__HYPERVISOR_xen_version, cmd, arg, 0, 0, 0)
#define HYPERVISOR_vcpu_op(cmd, vcpu, arg)    HYPERCALL(__HYPERVISOR_vcpu_op, cmd, vcpu, arg, 0, 0)
#define HYPERVISOR_set_timer_op(t)            HYPERCALL(__HYPERVISOR_set_timer_op, t, 0, 0, 0, 0)
#define HYPERVISOR_grant_table_op(cmd, a, n)  HYPERCALL(__HYPERVISOR_grant_table_op, cmd, a, n, 0, 0)
#define HYPERVISOR_hvm_op(cmd, arg)           HYPERCALL(__HYPERVISOR_hvm_op, cmd, arg, 0, 0, 0)

/* print.c: early output through console_io until the console ring is up, then the ring. */
int printk(const char *fmt, ...);
int snprintf(char *buf, size_t n, const char *fmt, ...);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
void do_exit(const char *why) __attribute__((noreturn));
void poweroff(void) __attribute__((noreturn));

/* arch: pv.c or pvh.c. */
extern shared_info_t *HYPERVISOR_shared_info;
void arch_init(void *boot_info);
void arch_init_mm(unsigned long *start_pfn, unsigned long *max_pfn);
/* The console and xenstore rings and event channels the domain builder set up. */
struct xencons_interface *arch_console_ring(evtchn_port_t *port);
struct xenstore_domain_interface *arch_xenstore_ring(evtchn_port_t *port);
/* Maps the domain's grant table frames; returns them and their number. */
grant_entry_v1_t *arch_init_gnttab(unsigned int nr_frames);
/* The frame number a grant entry names for a page of ours (MFN in PV, PFN in PVH). */
unsigned long arch_frame_of(void *page);
void local_irq_disable(void);
void local_irq_enable(void);
int irqs_disabled(void);
/* Blocks the vCPU (events enabled) until an event or the timer at `until` (ns). */
void block_domain(uint64_t until);

/* events.c */
typedef void (*evtchn_handler_t)(evtchn_port_t port, void *data);
void init_events(void);
evtchn_port_t bind_virq(uint32_t virq, evtchn_handler_t h, void *data);
void bind_evtchn(evtchn_port_t port, evtchn_handler_t h, void *data);
void unmask_evtchn(evtchn_port_t port);
void notify_remote_via_evtchn(evtchn_port_t port);
void do_hypervisor_callback(void);
extern unsigned long event_upcalls;

/* time.c */
void init_time(void);
uint64_t monotonic_clock(void);
extern unsigned long timer_events;

/* console.c */
void init_console(void);
void console_write(const char *s, size_t n);
extern int console_ready;

/* gnttab.c */
void init_gnttab(void);

/* sched.c */
struct thread;
void init_sched(void);
struct thread *create_thread(const char *name, void (*fn)(void *), void *arg);
void schedule(void);
void msleep(uint32_t ms);
void wake_thread(struct thread *t);
void block_current(void);
struct thread *current_thread(void);
void run_idle_thread(void) __attribute__((noreturn));
extern unsigned long idle_blocks;

/* xenbus.c */
void init_xenbus(void);
/* Sends one request; the reply's payload (NUL-terminated) into `reply`. Returns its xsd_sockmsg type. */
int xenbus_request(uint32_t type, const char *const *parts, int nparts, char *reply, size_t size);

/* kernel.c */
void start_kernel(void *boot_info) __attribute__((noreturn));
#endif
