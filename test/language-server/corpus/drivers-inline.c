/* C with inline asm in several forms (target=pv). */
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t val)
{
    __asm__ __volatile__("outb %0, %1" : : "a"(val), "Nd"(port)); // expect: PV007
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    asm volatile ("inb %1, %0"                                       // expect: PV006
                  : "=a"(v)
                  : "Nd"(port));
    return v;
}

static inline void load_cr3(unsigned long pgd)
{
    asm volatile("movl %0, %%cr3" :: "r"(pgd) : "memory");          // expect: PV010
}

static inline unsigned long read_cr2(void)
{
    unsigned long x;
    __asm__ volatile("mov %%cr2, %[out]" : [out] "=r"(x));          // expect: PV011
    return x;
}

static inline void irq_off(void) { __asm__ __volatile__("cli" ::: "memory"); } // expect: PV002

void idle(void)
{
    const char *s = "hlt";          /* a string, not asm */
    // asm("hlt") in a comment
    (void)s;
    asm("sti\n\t"                   // expect: PV003
        "hlt");                     // expect: PV001
}

void flush(void *p)
{
    asm volatile("invlpg (%0)" :: "r"(p) : "memory");               // expect: PV023
    __asm__ goto("jmp %l0" :::: out);
out:
    return;
}

unsigned cpuid_eax(unsigned leaf)
{
    unsigned a, b, c, d;
    asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "0"(leaf)); // expect: PV031
    return a + b + c + d;
}

#define HALT() __asm__ volatile("hlt")   // expect: PV001
