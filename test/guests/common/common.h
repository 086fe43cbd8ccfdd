/* What the 32- and 64-bit guest libraries declare alike (lib/lib.h and lib64/lib.h include
   it after their integer types): the sources in common/ (serial output, printf, exit, the
   string functions) and the port and CPUID helpers both use. */
#ifndef GUEST_COMMON_H
#define GUEST_COMMON_H

/* EFLAGS/RFLAGS bits */
#define F_CF 0x001
#define F_PF 0x004
#define F_AF 0x010
#define F_ZF 0x040
#define F_SF 0x080
#define F_TF 0x100
#define F_IF 0x200
#define F_DF 0x400
#define F_OF 0x800
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* serial.c / print.c: printf knows %s %c %d %u %x %X, the l modifier (a C long) and %p (format.h). */
void serial_init(void);
void serial_putc(char c);
void print(const char *s);
int printf(const char *fmt, ...);
void hexdump(const void *p, u32 len);

/* exit.c: isa-debug-exit; QEMU and our machine report (code << 1) | 1. */
void exit_guest(u32 code) __attribute__((noreturn));

static inline void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d) {
  __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

void *memset(void *d, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);
int memcmp(const void *a, const void *b, unsigned long n);

#endif
