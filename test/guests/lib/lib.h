/* The guest test library: serial output, formatting, descriptor tables, traps, exit. */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
#include "../common/common.h"

#define KCODE 0x08
#define KDATA 0x10
#define UCODE 0x1B
#define UDATA 0x23
#define TSS_SEL 0x28
#define CODE16 0x30
#define DATA16 0x38
#define GDT_FREE 8          /* first GDT slot tests may use */
#define GDT_ENTRIES 32

/* io.c */
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline u16 inw(u16 port) { u16 v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* desc.c */
struct tss {
  u32 link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
  u32 eax, ecx, edx, ebx, esp, ebp, esi, edi;
  u32 es, cs, ss, ds, fs, gs, ldt;
  u16 trap, iomap;
} __attribute__((packed));
extern u64 gdt[GDT_ENTRIES];
extern u64 idt[256];
extern struct tss tss;
void gdt_set(int idx, u32 base, u32 limit, u8 access, u8 flags);
void gdt_set_gate(int idx, u16 sel, u32 offset, u8 access, u8 params);
/* type: 0x8E interrupt gate, 0x8F trap gate, 0x85 task gate; dpl is or'ed in. */
void idt_set(int vec, u16 sel, u32 offset, u8 type_attr);
void idt_set_default(int vec, u8 type_attr);
extern u32 isr_stubs[256];
void lib_init(u32 magic, u32 mbinfo);
extern u32 multiboot_magic;

/* pic.c */
void pic_init(void);
void pic_eoi(int irq);
void pic_set_mask(u16 mask);   /* bit set = IRQ masked */
u8 pic_read_isr(int slave);
u8 pic_read_irr(int slave);

/* trap.c */
struct frame {
  u32 gs, fs, es, ds;
  u32 edi, esi, ebp, esp0, ebx, edx, ecx, eax;
  u32 vector, err;
  u32 eip, cs, eflags, uesp, uss;
};
typedef void (*trap_hook)(struct frame *f);
extern trap_hook trap_hooks[256];
extern volatile u32 recover_eip;
struct trap_record { u32 count, vector, err, eip, cs, cr2, eflags, esp, uesp, eax, ecx, esi, edi; };
extern volatile struct trap_record last_trap;
void trap_clear(void);
void trap_print(const char *what);

/* Run asm `code` with a fault expected: a trap resumes right after it. */
#define TRY(code, ...) __asm__ volatile("movl $.Lst%=, try_start\n\tmovl $.Lrec%=, recover_eip\n.Lst%=:\n\t" code "\n.Lrec%=:\n\tmovl $0, recover_eip" : __VA_ARGS__)
extern volatile u32 try_start;

/* user.asm */
void enter_user(void (*fn)(void), u32 user_esp);  /* returns when user code does int 0x81 */
#define USER_RETURN() __asm__ volatile("int $0x81")
extern u8 user_stack[8192];
#define USER_STACK_TOP ((u32)user_stack + sizeof(user_stack))

static inline u32 read_cr0(void) { u32 v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline u32 read_cr2(void) { u32 v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline u32 read_cr3(void) { u32 v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline u32 read_cr4(void) { u32 v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr0(u32 v) { __asm__ volatile("mov %0, %%cr0" :: "r"(v) : "memory"); }
static inline void write_cr3(u32 v) { __asm__ volatile("mov %0, %%cr3" :: "r"(v) : "memory"); }
static inline void write_cr4(u32 v) { __asm__ volatile("mov %0, %%cr4" :: "r"(v) : "memory"); }
static inline void invlpg(u32 a) { __asm__ volatile("invlpg (%0)" :: "r"(a) : "memory"); }
static inline u32 read_eflags(void) { u32 v; __asm__ volatile("pushfl; popl %0" : "=r"(v)); return v; }
static inline void wrmsr(u32 msr, u64 v) { __asm__ volatile("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))); }
static inline u64 rdmsr(u32 msr) { u32 lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr)); return ((u64)hi << 32) | lo; }

#endif
