/* A header with a C half and an assembly half, as Linux's irqflags.h and paravirt.h are;
 * written for this corpus. `expect:` lines were read by hand. */
#ifndef _PV_IRQFLAGS_H
#define _PV_IRQFLAGS_H

#ifndef __ASSEMBLY__
static inline void native_irq_disable(void) { asm volatile("cli" ::: "memory"); }   /* expect: PV002 */
static inline const char *name(void) { return "hlt"; }
#else
#define SAVE_FLAGS	pushfq; popq %rax                           /* expect: PV004 */
#define INTERRUPT_RETURN	jmp native_iret
#define RESTORE_FLAGS	pushq %rdi; popfq                          /* expect: PV005 */
.macro DISABLE_INTERRUPTS
	cli                                                          /* expect: PV002 */
.endm
	verw x86_verw_sel(%rip)                                      /* expect: PV039 */
#endif /* __ASSEMBLY__ */

#ifdef __ASSEMBLY__
#define ENABLE	sti                                              /* expect: PV003 */
#endif
#define NOT_ASM "sti"

#endif
