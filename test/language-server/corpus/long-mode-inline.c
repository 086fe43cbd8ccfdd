/* 64-bit C: inline asm in __x86_64__ regions and through the build's mode (target=pv). */
#define MSR_FS_BASE 0xC0000100

static inline void set_fs(unsigned long base)
{
#ifdef __x86_64__
    __asm__ volatile("wrmsr" : : "c"(MSR_FS_BASE), "a"((unsigned)base), "d"((unsigned)(base >> 32))); /* expect: PV058 */
    __asm__ volatile("wrfsbase %0" : : "r"(base));          /* expect: PV054 */
#else
    __asm__ volatile("wrmsr" : : "c"(MSR_FS_BASE), "a"(base), "d"(0)); /* expect: PV058 */
#endif
}

static inline unsigned long get_tpr(void)
{
    unsigned long tpr;
    __asm__ volatile("mov %%cr8, %0" : "=r"(tpr));         /* expect: PV057 */
    return tpr;
}

static inline void kernel_gs(void)
{
    __asm__ volatile("swapgs" ::: "memory");               /* expect: PV050 */
    __asm__ volatile("wrmsr" : : "c"(0xc0000082), "a"(0), "d"(0)); /* expect: PV059 */
    __asm__ volatile("wrmsr" : : "c"(0x1b), "a"(0), "d"(0)); /* expect: PV027 */
}
