/* The 64-bit guest test library: serial output, formatting, traps, paging helpers, exit.
   guest/boot64.inc has already set up long mode, the GDT, TSS (RSP0, IST1-3), IDT and the
   page tables (guest/boot64.h) when kmain runs. */
#ifndef GUEST_LIB64_H
#define GUEST_LIB64_H
#include "boot64.h"

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long s64;
#include "../common/common.h"

#define KCODE BOOT64_KCODE
#define KDATA BOOT64_KDATA
#define UCODE32 BOOT64_UCODE32
#define UDATA BOOT64_UDATA
#define UCODE64 BOOT64_UCODE64

#define F_AC 0x40000    /* RFLAGS.AC; the rest of the flags are in common.h */

#define MSR_EFER 0xC0000080
#define MSR_STAR 0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_CSTAR 0xC0000083
#define MSR_SFMASK 0xC0000084
#define MSR_FS_BASE 0xC0000100
#define MSR_GS_BASE 0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define EFER_SCE (1ul << 0)
#define EFER_LME (1ul << 8)
#define EFER_LMA (1ul << 10)
#define EFER_NXE (1ul << 11)

/* pic.c: the 8259 pair remapped to 0x20/0x28 and masked. */
void pic_init(void);

/* start.c */
void kmain(void);
extern u32 multiboot_magic;

/* trap.c */
typedef struct boot64_frame frame_t;
typedef void (*trap_hook)(frame_t *f);
/* volatile: a hook is set and cleared around code the compiler sees no call in. */
extern volatile trap_hook trap_hooks[256];
/* The default handling of a trap: record it and resume at recover_rip, or report and exit. */
void trap_dispatch(frame_t *f);
extern volatile u64 recover_rip;
extern volatile u64 try_start;
struct trap_record { u64 count, vector, err, rip, cs, cr2, rflags, rsp, ss; };
extern volatile struct trap_record last_trap;
void trap_clear(void);
/* "what: vec=0e err=0002 at+3": the vector, error code and faulting offset from TRY's start. */
void trap_print(const char *what);
/* Run asm `code` with a fault expected: the trap resumes right after it. */
#define TRY(code, ...) __asm__ volatile("movq $.Lst%=, try_start(%%rip)\n\tmovq $.Lrec%=, recover_rip(%%rip)\n.Lst%=:\n\t" code "\n.Lrec%=:\n\tmovq $0, recover_rip(%%rip)" : __VA_ARGS__)
void idt_set_ist(int vec, int ist);
void idt_set_dpl(int vec, int dpl);
void idt_set_handler(int vec, void *handler);

/* paging.c: the leaf entry that maps `va` in the boot page tables (0 if none), splitting
   nothing; and helpers to build more tables from a pool of zeroed pages. */
u64 *pte_of(u64 va, int *level);
u64 *page_alloc(void);
static inline void invlpg(u64 a) { __asm__ volatile("invlpg (%0)" :: "r"(a) : "memory"); }

static inline u64 read_cr0(void) { u64 v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline u64 read_cr2(void) { u64 v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline u64 read_cr3(void) { u64 v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline u64 read_cr4(void) { u64 v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr3(u64 v) { __asm__ volatile("mov %0, %%cr3" :: "r"(v) : "memory"); }
static inline void write_cr4(u64 v) { __asm__ volatile("mov %0, %%cr4" :: "r"(v) : "memory"); }
static inline u64 read_rflags(void) { u64 v; __asm__ volatile("pushfq; popq %0" : "=r"(v)); return v; }
static inline void wrmsr(u32 msr, u64 v) { __asm__ volatile("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory"); }
static inline u64 rdmsr(u32 msr) { u32 lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr)); return ((u64)hi << 32) | lo; }
static inline u16 read_cs(void) { u16 v; __asm__ volatile("mov %%cs, %0" : "=r"(v)); return v; }
static inline u16 read_ss(void) { u16 v; __asm__ volatile("mov %%ss, %0" : "=r"(v)); return v; }

#endif
