/* The platform a modern kernel looks for, found the way kernels find it: the RSDP by its
   signature and checksum in the BIOS area, the root table (XSDT when the RSDP is ACPI 2.0+,
   else the RSDT), the FADT, MADT and HPET tables by signature, \_S5 in the DSDT. Then the
   hardware those tables describe: the PM timer, the I/O APIC (PIT ticks through GSI 2 per
   the MADT override), the HPET (a one-shot and a periodic timer through the I/O APIC, the
   legacy replacement route) and, last, an ACPI S5 power-off. Only what a real PC's firmware
   and QEMU's agree on is printed (no OEM strings, no table addresses or revisions). */
#include "lib.h"

#define APIC_BASE 0xFEE00000u

struct sdt { char sig[4]; u32 length; u8 revision, checksum; char oem[6], table[8]; u32 oemrev, creator, creatorrev; } __attribute__((packed));

static u8 sum(const void *p, u32 n) { const u8 *b = p; u8 s = 0; while (n--) s += *b++; return s; }
static u32 rd32(const void *p) { return *(const volatile u32 *)p; }
static void wr32(u32 addr, u32 v) { *(volatile u32 *)addr = v; }
static u32 mmio32(u32 addr) { return *(volatile u32 *)addr; }

static const u8 *find_rsdp(void) {
  for (u32 a = 0xE0000; a < 0x100000; a += 16) {
    const u8 *p = (const u8 *)a;
    if (memcmp(p, "RSD PTR ", 8) == 0 && sum(p, 20) == 0) return p;
  }
  return 0;
}

static const struct sdt *tables[32];
static u32 ntables;

static const struct sdt *find(const char *sig) {
  for (u32 i = 0; i < ntables; i++) if (memcmp(tables[i]->sig, sig, 4) == 0) return tables[i];
  return 0;
}

/* \_S5's first package element in the DSDT's AML: Name(_S5_, Package(){a, b, ...}). */
static int s5_type(const struct sdt *dsdt) {
  const u8 *p = (const u8 *)dsdt + 36, *end = (const u8 *)dsdt + dsdt->length;
  for (; p + 8 < end; p++) {
    if (memcmp(p, "_S5_", 4) != 0 || p[4] != 0x12) continue;
    const u8 *q = p + 5;
    q += 1 + (*q >> 6);          /* PkgLength: lead byte plus 0-3 more */
    q++;                          /* NumElements */
    if (*q == 0x0A) return q[1];  /* BytePrefix */
    if (*q == 0x00 || *q == 0x01) return *q;
    return -2;
  }
  return -1;
}

/* --- I/O APIC ---------------------------------------------------------------------- */
static u32 ioapic;
static u32 ioapic_read(u32 reg) { wr32(ioapic, reg); return mmio32(ioapic + 0x10); }
static void ioapic_write(u32 reg, u32 v) { wr32(ioapic, reg); wr32(ioapic + 0x10, v); }
static void route(u32 gsi, u32 vector, u32 flags) {
  ioapic_write(0x11 + 2 * gsi, 0);              /* destination: APIC ID 0, physical */
  ioapic_write(0x10 + 2 * gsi, vector | flags);
}

static volatile u32 pit_ticks, hpet_ticks, legacy_ticks, rirr_in_handler;
static u32 hpet_gsi;

static void on_pit(struct frame *f) { (void)f; pit_ticks++; wr32(APIC_BASE + 0xB0, 0); }
static void on_hpet(struct frame *f) {
  (void)f;
  hpet_ticks++;
  rirr_in_handler = (ioapic_read(0x10 + 2 * hpet_gsi) >> 14) & 1;
  wr32(0xFED00020, 1);                            /* clear timer 0's level status */
  wr32(APIC_BASE + 0xB0, 0);
}
static void on_legacy(struct frame *f) { (void)f; legacy_ticks++; wr32(APIC_BASE + 0xB0, 0); }
static volatile u32 sci_count;
static u32 sci_evt;
static void on_sci(struct frame *f) {
  (void)f;
  if (inw(sci_evt) & 1) { sci_count++; outw(sci_evt, 1); }   /* TMR_STS: write 1 to clear */
  wr32(APIC_BASE + 0xB0, 0);
}

static void wait_for(volatile u32 *counter, u32 n) {
  for (u32 guard = 0; *counter < n && guard < 50000000; guard++) __asm__ volatile("sti; nop; cli");
}

void kmain(void) {
  const u8 *rsdp = find_rsdp();
  if (!rsdp) { printf("no RSDP\n"); return; }
  u32 rev = rsdp[15];
  int use_xsdt = rev >= 2 && rd32(rsdp + 24) != 0;
  printf("RSDP in the BIOS area, checksum ok%s\n", rev >= 2 && sum(rsdp, rd32(rsdp + 20)) != 0 ? ", extended checksum BAD" : "");
  /* The RSDT always; the XSDT too when the RSDP is ACPI 2.0+: both must list the same tables. */
  const struct sdt *rsdt = (const struct sdt *)rd32(rsdp + 16);
  const struct sdt *xsdt = use_xsdt ? (const struct sdt *)rd32(rsdp + 24) : 0;
  const struct sdt *root = xsdt ? xsdt : rsdt;
  u32 entry = xsdt ? 8 : 4, agree = 1;
  printf("root table checksum %s\n", sum(root, root->length) == 0 ? "ok" : "BAD");
  for (u32 off = 36; off + entry <= root->length && ntables < 32; off += entry) {
    const struct sdt *t = (const struct sdt *)rd32((const u8 *)root + off);
    if (sum(t, t->length) != 0) printf("table %c%c%c%c checksum BAD\n", t->sig[0], t->sig[1], t->sig[2], t->sig[3]);
    if (xsdt && rd32((const u8 *)xsdt + off + 4) != 0) agree = 0;
    if (xsdt && (36 + (off - 36) / 2 + 4 > rsdt->length || rd32((const u8 *)rsdt + 36 + (off - 36) / 2) != (u32)t)) agree = 0;
    tables[ntables++] = t;
  }
  if (xsdt && rsdt->length - 36 != (xsdt->length - 36) / 2) agree = 0;
  printf("RSDT (and XSDT, if any) consistent: %s\n", agree && sum(rsdt, rsdt->length) == 0 ? "yes" : "no");
  const struct sdt *fadt = find("FACP"), *madt = find("APIC"), *hpet = find("HPET");
  printf("FACP %s, APIC %s, HPET %s\n", fadt ? "found" : "missing", madt ? "found" : "missing", hpet ? "found" : "missing");
  if (!fadt || !madt || !hpet) return;

  /* FADT */
  const u8 *f = (const u8 *)fadt;
  const struct sdt *dsdt = (const struct sdt *)rd32(f + 40);
  const u8 *facs = (const u8 *)rd32(f + 36);
  printf("DSDT %s checksum %s; FACS %s\n", memcmp(dsdt->sig, "DSDT", 4) == 0 ? "found" : "missing",
         sum(dsdt, dsdt->length) == 0 ? "ok" : "BAD", memcmp(facs, "FACS", 4) == 0 ? "found" : "missing");
  u16 sci = *(const u16 *)(f + 46);
  u32 pm1a_evt = rd32(f + 56), pm1a_cnt = rd32(f + 64), pm_tmr = rd32(f + 76);
  printf("SCI_INT %u PM1a_EVT %x/%u PM1a_CNT %x/%u PM_TMR %x/%u\n", sci, pm1a_evt, f[88], pm1a_cnt, f[89], pm_tmr, f[91]);
  int slp_typ = s5_type(dsdt);
  printf("\\_S5 SLP_TYPa %d\n", slp_typ);

  /* PM timer: 24 bits at 3.579545 MHz, counting up. */
  u32 t0 = inl(pm_tmr), t1 = t0;
  for (int i = 0; i < 100000 && t1 == t0; i++) t1 = inl(pm_tmr);
  printf("PM timer advances: %s, 24-bit: %s\n", t1 != t0 ? "yes" : "no", ((t0 | t1) >> 24) == 0 ? "yes" : "no");

  /* MADT */
  const u8 *m = (const u8 *)madt;
  printf("MADT local APIC at %x, PCAT_COMPAT %u\n", rd32(m + 36), rd32(m + 40) & 1);
  u32 cpus = 0, irq0_gsi = 0, irq0_flags = 0xffff, sci_flags = 0xffff, nmi_lint = 0xff;
  for (u32 off = 44; off + 2 <= madt->length; off += m[off + 1]) {
    const u8 *e = m + off;
    if (e[1] < 2) break;
    switch (e[0]) {
      case 0: if (rd32(e + 4) & 1) cpus++; if (e[3] != 0) printf("CPU with APIC ID %u\n", e[3]); break;
      case 1: ioapic = rd32(e + 4); printf("I/O APIC at %x, GSI base %u\n", ioapic, rd32(e + 8)); break;
      case 2:
        if (e[3] == 0) { irq0_gsi = rd32(e + 4); irq0_flags = *(const u16 *)(e + 8); }
        if (e[3] == sci) sci_flags = *(const u16 *)(e + 8);
        break;
      case 4: nmi_lint = e[5]; break;
    }
  }
  printf("enabled CPUs %u; ISA IRQ 0 -> GSI %u flags %x; SCI flags %x; LINT%u is NMI\n", cpus, irq0_gsi, irq0_flags, sci_flags, nmi_lint);
  if (!ioapic) return;

  /* HPET table and registers */
  const u8 *h = (const u8 *)hpet;
  u32 hbase = rd32(h + 44);
  u32 cap = mmio32(hbase), period = mmio32(hbase + 4);
  printf("HPET at %x (space %u): vendor %04x, %u timers, %s-bit counter, legacy route %s, period %u fs\n",
         hbase, h[40], cap >> 16, ((cap >> 8) & 31) + 1, cap & (1 << 13) ? "64" : "32", cap & (1 << 15) ? "yes" : "no", period);
  printf("table's block ID matches GCAP: %s\n", rd32(h + 36) == cap ? "yes" : "no");

  /* I/O APIC: the PIT through the MADT's override, the 8259s masked. */
  u32 ver = ioapic_read(1);
  printf("I/O APIC redirection entries %u\n", ((ver >> 16) & 0xff) + 1);
  printf("entry 2 at reset: masked %u\n", (ioapic_read(0x14) >> 16) & 1);
  pic_set_mask(0xFFFF);
  wr32(APIC_BASE + 0xF0, 0x1FF);
  trap_hooks[0x30] = on_pit;
  route(irq0_gsi, 0x30, 0);
  wait_for(&pit_ticks, 3);
  printf("PIT ticks through the I/O APIC: %u\n", pit_ticks >= 3 ? 3 : pit_ticks);
  route(irq0_gsi, 0x30, 1 << 16);

  /* HPET timer 0, one-shot then periodic, through a GSI its route capability allows. */
  u32 t0cap = mmio32(hbase + 0x104);
  /* GSI 2 is the one route QEMU's HPET offers; the PIT shares it (wired-OR), so the counts
     below are lower bounds. */
  hpet_gsi = 2;
  printf("timer 0 may route to GSI 2: %s; periodic capable %u\n", t0cap & 4 ? "yes" : "no", (mmio32(hbase + 0x100) >> 4) & 1);
  trap_hooks[0x31] = on_hpet;
  route(hpet_gsi, 0x31, 1 << 15);                 /* level, active high */
  wr32(hbase + 0x10, 0);                          /* halt the counter */
  wr32(hbase + 0xF0, 0); wr32(hbase + 0xF4, 0);
  wr32(hbase + 0x108, 100000); wr32(hbase + 0x10C, 0);   /* 1 ms at 10 ns */
  wr32(hbase + 0x100, (hpet_gsi << 9) | (1 << 2) | (1 << 1));  /* route, enable, level */
  wr32(hbase + 0x10, 1);
  wait_for(&hpet_ticks, 1);
  u32 lo = mmio32(hbase + 0xF0);
  printf("one-shot fired %s, remote IRR in handler %u, counter past comparator %s\n", hpet_ticks ? "yes" : "no", rirr_in_handler, lo >= 100000 ? "yes" : "no");
  wr32(hbase + 0x10, 0);
  wr32(hbase + 0xF0, 0);
  wr32(hbase + 0x100, (hpet_gsi << 9) | (1 << 2) | (1 << 1) | (1 << 3) | (1 << 6));  /* periodic, set accumulator */
  wr32(hbase + 0x108, 200000);
  wr32(hbase + 0x108, 200000);                    /* with VAL_SET: the second write is the period */
  hpet_ticks = 0;
  wr32(hbase + 0x10, 1);
  wait_for(&hpet_ticks, 4);
  printf("periodic ticks %u\n", hpet_ticks >= 4 ? 4 : hpet_ticks);
  wr32(hbase + 0x100, 0);
  route(hpet_gsi, 0x31, 1 << 16);

  /* Legacy replacement: timer 0 takes IRQ 0 / GSI 2 from the PIT. */
  trap_hooks[0x32] = on_legacy;
  wr32(hbase + 0x10, 0);
  wr32(hbase + 0xF0, 0);
  wr32(hbase + 0x108, 50000);
  wr32(hbase + 0x100, 1 << 2);                    /* edge, enabled, one-shot */
  route(irq0_gsi, 0x32, 0);
  wr32(hbase + 0x10, 3);                          /* enable + legacy replacement */
  wait_for(&legacy_ticks, 1);
  u32 extra = legacy_ticks;
  /* 100 ms by the HPET's own counter: five periods of the PIT's 18.2 Hz, none of them heard. */
  while (mmio32(hbase + 0xF0) < 10000000) __asm__ volatile("sti; nop; cli");
  printf("legacy route: timer 0 fired %u, then PIT silent: %s\n", extra, legacy_ticks == extra ? "yes" : "no");
  wr32(hbase + 0x10, 0);
  route(irq0_gsi, 0x32, 1 << 16);

  /* ACPI mode, then the SCI: the PM timer's bit 23 toggling sets TMR_STS, which with TMR_EN
     raises the SCI on its MADT route (level, active high). */
  u32 smi_cmd = rd32(f + 48);
  if (smi_cmd) outb(smi_cmd, f[52]);              /* ACPI_ENABLE through SMI_CMD */
  printf("SMI_CMD %x ACPI_ENABLE %x; SCI_EN now %u\n", smi_cmd, f[52], inw(pm1a_cnt) & 1);
  sci_evt = pm1a_evt;
  trap_hooks[0x33] = on_sci;
  outw(pm1a_evt, 1);                              /* clear TMR_STS */
  route(sci, 0x33, (1 << 15) | ((sci_flags & 3) == 3 ? 1 << 13 : 0));
  outw(pm1a_evt + 2, 1);                          /* TMR_EN */
  u32 start = inl(pm_tmr), waited = 0;
  while (!sci_count && waited < 3 * 3579545u) {   /* bit 23 toggles every 2.34 s */
    __asm__ volatile("sti; hlt; cli");            /* the SCI is the only unmasked interrupt */
    waited = (inl(pm_tmr) - start) & 0xFFFFFF;
    if (waited < 0x10) waited = 0;                /* (24-bit wrap: keep waiting) */
  }
  outw(pm1a_evt + 2, 0);
  route(sci, 0x33, 1 << 16);
  printf("SCI from the PM timer: %s, TMR_STS after the handler cleared it %u\n", sci_count ? "yes" : "no", inw(pm1a_evt) & 1);

  /* ACPI S5: SLP_TYPa from \_S5, SLP_EN. Nothing after this runs. */
  if (slp_typ < 0) return;
  outw(pm1a_cnt, (slp_typ << 10) | (1 << 13));
  /* QEMU powers off asynchronously, a few instructions later: wait here, printing nothing. If
     S5 did nothing, this halt ends the run with the wrong status. */
  for (;;) __asm__ volatile("cli; hlt");
}
