/* boot64.h - what guest/boot64.inc leaves a 64-bit C kernel: its selectors, descriptor
   tables, page tables, stacks and the frame every interrupt and exception handler gets.
   For gcc -m64 (-mno-red-zone: interrupts arrive on the kernel's stack). */
#ifndef BOOT64_H
#define BOOT64_H

/* GDT selectors. SYSCALL loads CS/SS from STAR[47:32] (0x08, 0x10); SYSRET from STAR[63:48]
   (0x18): CS 0x18|3 for 32-bit, 0x28|3 for 64-bit user code, SS 0x20|3. */
#define BOOT64_KCODE   0x08
#define BOOT64_KDATA   0x10
#define BOOT64_UCODE32 0x1B
#define BOOT64_UDATA   0x23
#define BOOT64_UCODE64 0x2B
#define BOOT64_TSS     0x30
#define BOOT64_KCODE32 0x40
#define BOOT64_GDT_FREE 9          /* first GDT slot a kernel may use (0x48) */
#define BOOT64_GDT_ENTRIES 16

/* Stack sizes boot64.inc reserves: the kernel stack below boot64_stack_top, the RSP0 and
   IST stacks below their tops. */
#define BOOT64_STACK_BYTES 16384
#define BOOT64_IST_BYTES 8192

/* IST slots the boot code fills (TSS IST1-3) and the vectors it puts on them. */
#define BOOT64_IST_DF  1
#define BOOT64_IST_NMI 2
#define BOOT64_IST_MC  3

#define BOOT64_ASSERT_OFFSET(type, field, offset) _Static_assert(__builtin_offsetof(type, field) == (offset), #type "." #field)

/* The 64-bit TSS (104 bytes, 4-byte aligned fields as the SDM lays them out). */
struct boot64_tss {
  unsigned int reserved0;
  unsigned long long rsp[3];
  unsigned long long ist[8];      /* ist[1]..ist[7] at offset 36; ist[0] is the reserved quadword at 28 */
  unsigned long long reserved2;
  unsigned short reserved3, iomap;
} __attribute__((packed));
BOOT64_ASSERT_OFFSET(struct boot64_tss, ist[1], 36);   /* the SDM's TSS layout, as boot64.inc fills it */
BOOT64_ASSERT_OFFSET(struct boot64_tss, iomap, 102);

/* One IDT entry: offset 15:0, selector, IST (bits 2:0), type/DPL/P, offset 31:16, 63:32. */
struct boot64_gate {
  unsigned short offset_lo, selector;
  unsigned char ist, type_attr;
  unsigned short offset_mid;
  unsigned int offset_hi, reserved;
} __attribute__((packed));

/* What boot64_isr_common saves, lowest address first, and the CPU's frame above it. The
   handler may change any field; IRETQ resumes from it. */
struct boot64_frame {
  unsigned long long r15, r14, r13, r12, r11, r10, r9, r8;
  unsigned long long rdi, rsi, rbp, rbx, rdx, rcx, rax;
  unsigned long long vector, error_code;
  unsigned long long rip, cs, rflags, rsp, ss;
};

extern unsigned long long boot64_gdt[BOOT64_GDT_ENTRIES];
extern struct boot64_gate boot64_idt[256];
extern struct boot64_tss boot64_tss;
extern unsigned long long boot64_isr_table[256];
/* Page tables: boot64_pml4[0] -> boot64_pdpt_low (0..4 GiB through boot64_pd, four
   directories of 2 MiB pages, the first entry -> boot64_pt0 in 4 KiB pages),
   boot64_pml4[511] -> boot64_pdpt_high (entries 510 and 511 -> the first two directories). */
extern unsigned long long boot64_pml4[512], boot64_pdpt_low[512], boot64_pdpt_high[512];
extern unsigned long long boot64_pd[4 * 512], boot64_pt0[512];
extern char boot64_stack_top[], boot64_rsp0_top[];
extern char boot64_ist1_top[], boot64_ist2_top[], boot64_ist3_top[];

#endif
