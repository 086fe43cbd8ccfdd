/* Shared by the real-code bench guest's kernel and workloads. */
#ifndef REAL_H
#define REAL_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
/* An address as an integer: 32 bits in the i386 build, 64 in the x86-64 one. */
typedef unsigned long uptr;

/* Physical memory of the 64 MiB guest, identity-mapped with 4 KiB pages. */
#define ARENA        0x00800000u   /* 8 MiB..: the workloads' data */
#define ARENA_B      0x00C00000u   /* a second 4 MiB buffer */
#define CHASE_BASE   0x01000000u   /* 16 MiB of pointer-chase nodes */
#define CODE_BASE    0x02000000u   /* code pages written at run time */
#define FRAME_POOL   0x03000000u   /* frames handed out by the demand pager */
#define DEMAND_VA    0x40000000u   /* unmapped until touched */
#define DEMAND_PAGES 1024u

#define SYS_EXIT  0
#define SYS_ADD   1
#define SYS_UNMAP 2

/* Always the DX form, as the assembly guests use: v86 counts the imm8 form of the exit OUT once more. */
static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "d"(port)); }

void *memset(void *d, int c, u32 n);
void *memcpy(void *d, const void *s, u32 n);

/* Ring 3 entry; returns the argument of the user program's SYS_EXIT. */
u32 run_user(void (*entry)(void));
void demand_reset(void);

static inline u32 sys_int80(u32 nr, u32 arg) {
  u32 r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(arg) : "memory");
  return r;
}

#ifdef __x86_64__
/* The 64-bit build's fast system call is SYSCALL/SYSRET (SYSENTER is not one in long mode on
 * every vendor, and no 64-bit kernel uses it): the same workload through the 64-bit path. */
static inline u32 sys_sysenter(u32 nr, u32 arg) {
  u32 r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "b"(arg) : "rcx", "r11", "memory");
  return r;
}
#else
static inline u32 sys_sysenter(u32 nr, u32 arg) {
  u32 r;
  __asm__ volatile("mov %%esp, %%ecx\n\tmovl $1f, %%edx\n\tsysenter\n1:"
                   : "=a"(r) : "a"(nr), "b"(arg) : "ecx", "edx", "memory");
  return r;
}
#endif

/* Each workload: setup outside the timed region, then run(trips) inside it. */
void workload_setup(void);
u32 workload_run(u32 trips);

#endif
