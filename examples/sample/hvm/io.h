/* paravirt: target=hvm (the bare-PC flavour: privileged instructions are VM exits, not errors) */
/* Port I/O: the HVM flavour owns the hardware. */
#ifndef SAMPLE_IO_H
#define SAMPLE_IO_H
#include "../common/platform.h"
static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
#endif
