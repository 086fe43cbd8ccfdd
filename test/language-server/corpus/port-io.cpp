// C++ with inline asm in methods, templates and namespaces (target=pv).
#include <cstdint>

namespace hw {

struct Port {
    std::uint16_t port;
    void write(std::uint8_t v) const {
        asm volatile("outb %[v], %[p]" : : [v] "a"(v), [p] "Nd"(port));   // expect: PV007
    }
    std::uint8_t read() const {
        std::uint8_t v;
        __asm__ __volatile__("inb %w1, %b0" : "=a"(v) : "Nd"(port));      // expect: PV006
        return v;
    }
};

template <typename T>
inline T rdtsc_lo() {
    std::uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));                          // expect: PV028
    return static_cast<T>(lo);
}

inline void halt_forever() {
    for (;;) asm volatile("hlt");                                        // expect: PV001
}

class Irq {
public:
    Irq()  { asm volatile("cli" ::: "memory"); }                          // expect: PV002
    ~Irq() { asm volatile("sti" ::: "memory"); }                          // expect: PV003
};

// Not asm: identifiers and strings that look like it.
inline int asm_like(int hlt) { const char *s = "cli; sti"; return hlt + s[0] + ::hw::Port{1}.port; }

} // namespace hw
