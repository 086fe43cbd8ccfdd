// Lines of Debian's linux-source-6.1 arch/x86 that extract.ts takes for instructions and that
// are not: each was read in the source and is a string that never reaches an assembler
// (a log message, a name in a table of exit reasons or instruction names, a sysfs name).
// A line is named by its file, the rule the extraction gave it, and a piece of its text, so
// the list survives Debian's point releases moving lines. The test fails on an entry that no
// longer matches anything, so the list cannot go stale unnoticed.
//
// Every line where the extraction and the linter disagreed (6.1.192) was read: each was one of
// these, or a real instruction the linter then missed and now finds (kvm/emulate.c's fastop
// for SALC, in an asm statement that FOP_START opens and FOP_END closes), which stays expected.
// Nothing is listed the other way: the linter reported no line the extraction lacks, so no
// instruction missed by the extraction was seen.

export const NOT_ASM: ReadonlyArray<readonly [file: string, rule: string, text: string]> = [
  // Log and error messages that begin with a word spelled like a mnemonic ("in", "out", "cpuid").
  ["boot/compressed/ident_map_64.c", "PV007", "out of pgt_buf in "],
  ["coco/tdx/tdx.c", "PV001", "HLT instruction emulation failed\\n"],
  ["events/intel/core.c", "PV031", "CPUID marked event: \\'%s\\' unavailable\\n"],
  ["events/zhaoxin/core.c", "PV031", "CPUID marked event: \\'%s\\' unavailable\\n"],
  ["kernel/acpi/cstate.c", "PV043", "Monitor-Mwait will be used to enter C-%d state\\n"],
  ["kernel/apic/x2apic_uv_x.c", "PV006", "in sync"],
  ["kernel/apic/x2apic_uv_x.c", "PV031", "UV: CPUID.11 not implemented\\n"],
  ["kernel/apm_32.c", "PV006", "in minutes and wrong byte order.\\n"],
  ["kernel/cpu/mce/severity.c", "PV006", "In kernel and no restart IP"],
  ["kernel/cpu/proc.c", "PV031", "cpuid level\\t: %d\\n"],
  ["kernel/cpu/resctrl/pseudo_lock.c", "PV007", "Out of RMIDs\\n"],
  ["kernel/cpu/resctrl/rdtgroup.c", "PV007", "Out of CLOSIDs\\n"],
  ["kernel/cpu/resctrl/rdtgroup.c", "PV007", "Out of RMIDs\\n"],
  ["kernel/fpu/xstate.c", "PV031", "CPUID[%02x, %02x]: eax=%08x ebx=%08x ecx=%08x edx=%08x\\n"],
  ["kernel/signal.c", "PV006", " in "],
  ["kernel/traps.c", "PV006", " in "],
  ["kernel/traps.c", "PV034", "iret exception"],
  ["kvm/vmx/vmcs12.h", "PV006", "Offset of "],
  ["kvm/vmx/vmx.c", "PV041", "Sysenter RSP=%016lx CS:RIP=%04x:%016lx\\n"],
  ["lib/kaslr.c", "PV028", " RDTSC"],
  ["mm/fault.c", "PV006", " in "],
  ["xen/platform-pci-unplug.c", "PV006", "in parameter 'xen_emul_unplug'\\n"],
  ["xen/platform-pci-unplug.c", "PV006", "in your root= kernel command line option\\n"],
  ["kernel/cpu/common.c", "PV048", "noinvpcid: INVPCID feature disabled\\n"],
  // SVM and VMX exit-reason names (the tables trace events print), and UMIP's instruction names.
  ["include/uapi/asm/svm.h", "PV048", "invpcid"],
  ["include/uapi/asm/vmx.h", "PV048", "INVPCID"],
  ["include/uapi/asm/svm.h", "PV001", "hlt"],
  ["include/uapi/asm/svm.h", "PV004", "pushf"],
  ["include/uapi/asm/svm.h", "PV005", "popf"],
  ["include/uapi/asm/svm.h", "PV023", "invlpg"],
  ["include/uapi/asm/svm.h", "PV024", "invd"],
  ["include/uapi/asm/svm.h", "PV025", "wbinvd"],
  ["include/uapi/asm/svm.h", "PV028", "rdtsc"],
  ["include/uapi/asm/svm.h", "PV029", "rdtscp"],
  ["include/uapi/asm/svm.h", "PV030", "rdpmc"],
  ["include/uapi/asm/svm.h", "PV031", "cpuid"],
  ["include/uapi/asm/svm.h", "PV034", "iret"],
  ["include/uapi/asm/svm.h", "PV043", "monitor"],
  ["include/uapi/asm/svm.h", "PV044", "mwait"],
  ["include/uapi/asm/svm.h", "PV047", "xsetbv"],
  ["include/uapi/asm/vmx.h", "PV001", "HLT"],
  ["include/uapi/asm/vmx.h", "PV023", "INVLPG"],
  ["include/uapi/asm/vmx.h", "PV024", "INVD"],
  ["include/uapi/asm/vmx.h", "PV025", "WBINVD"],
  ["include/uapi/asm/vmx.h", "PV028", "RDTSC"],
  ["include/uapi/asm/vmx.h", "PV029", "RDTSCP"],
  ["include/uapi/asm/vmx.h", "PV030", "RDPMC"],
  ["include/uapi/asm/vmx.h", "PV031", "CPUID"],
  ["include/uapi/asm/vmx.h", "PV046", "VMCALL"],
  ["include/uapi/asm/vmx.h", "PV047", "XSETBV"],
  ["kernel/umip.c", "PV014", "SMSW"],
  ["kernel/umip.c", "PV017", "SGDT"],
  ["kernel/umip.c", "PV018", "SIDT"],
  ["kernel/umip.c", "PV021", "SLDT"],
  ["kernel/umip.c", "PV022", "STR"],
  // Names: the cpuid device class, and KVM's names of the instruction it is emulating in messages.
  ["kernel/cpuid.c", "PV031", "cpuid"],
  ["kvm/x86.c", "PV026", "wrmsr"],
  ["kvm/x86.c", "PV027", "wrmsr"],
  ["kvm/x86.c", "PV043", "MONITOR"],
  ["kvm/x86.c", "PV044", "MWAIT"],
  // A module parameter prefix, not an instruction.
  ["entry/syscall_x32.c", "PV051", "MODULE_PARAM_PREFIX"],
];
