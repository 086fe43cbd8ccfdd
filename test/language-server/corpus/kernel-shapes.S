/* Preprocessed GAS as kernel entry code writes it, written for this corpus. Lines marked
 * `expect:` hold a privileged or sensitive instruction, read by hand. */
#include <asm/alternative.h>

#define SYSENTER_SEQUENCE	"movl %esp, %ebp; sysenter"       /* expect: PV041 */
#define SAVE_FLAGS		pushfl; popl %eax                  /* expect: PV004 */
#define MONITOR_BYTES		.byte 0x0f, 0x01, 0xc8          /* expect: PV043 */
#define GET_CR0			mov cr0, %eax

	.text
ENTRY(entry)
	ALTERNATIVE "", "cli", X86_FEATURE_XENPV                     # expect: PV002
	ALTERNATIVE_2 "", SYSENTER_SEQUENCE, X86_FEATURE_SEP, "int $0x80", X86_FEATURE_SYSCALL32
1:	rdmsr                                                        # expect: PV026
2:	wrmsr ; xor %eax, %eax                                       # expect: PV027
	_ASM_EXTABLE(1b, 2b)
	.pushsection .fixup, "ax"
3:	movl %cr2, %eax                                              # expect: PV011
	.popsection
idle_loop: hlt                                                  # expect: PV001
	lock; incl counter
	rep; outsb                                                   # expect: PV009
	.ascii "cli; hlt"
	.byte 0x0f, 0x01, 0xd1                                       # expect: PV047
	.byte 0x0f, 0x01
	mov cr3, %eax
	ret
