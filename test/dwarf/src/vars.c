/* A freestanding multiboot kernel whose variables the DWARF tests read: it prints each value
   to COM1, then executes `int3`-free HLT at known labels so the test can stop there. */
typedef unsigned int u32;
typedef unsigned char u8;

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x0
__attribute__((section(".multiboot"), used, aligned(4)))
static const u32 multiboot_header[3] = { MB_MAGIC, MB_FLAGS, (u32)-(MB_MAGIC + MB_FLAGS) };

static inline void outb(unsigned short port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }

enum color { RED, GREEN = 5, BLUE };

struct point { int x; int y; };

struct record {
  char tag;
  short count;
  int values[3];
  struct point where;
  enum color shade;
  const char *label;
  unsigned int flag : 3;
  unsigned int mode : 5;
  int (*op)(int, int);
};

union number { int i; unsigned char bytes[4]; };

typedef struct point point_t;

int matrix[2][3] = { { 1, 2, 3 }, { 4, 5, 6 } };
struct record global_record;
static volatile int counter = 7;
const char greeting[] = "hi";
union number num = { 0x01020304 };
point_t origin = { -3, 9 };
struct point *origin_ptr = &origin;
int add(int a, int b) { return a + b; }
int (*handlers[2])(int, int);
char names[2][4] = { "ab", "cde" };
int (*row_ptr)[3] = matrix;
signed char small = -5;
_Bool ready = 1;
float ratio = 1.5f;
double precise = -2.25;
enum color palette[3] = { GREEN, RED, BLUE };
unsigned long long huge = 0x123456789abcdefULL;
char padded[16] = "xy";
int zeros[12];
int (*binary_op)(int, int) = add;
const char *message = greeting;
const char *const words[2] = { "one", "two" };
enum sign { NEG = -1, ZERO, POS } sgn = NEG;
struct bits { signed int s : 4; _Bool b : 1; enum color c : 3; unsigned int wide : 20; } bf = { -3, 1, BLUE, 0xabcde };
typedef int (*binop_t)(int, int);
binop_t ops[2] = { add, 0 };
int **pp;
void *vp = &matrix;
volatile unsigned char vuc = 200;
short cube[2][2][2] = { { { 1, -2 }, { 3, -4 } }, { { 5, -6 }, { 7, -8 } } };
struct point pts[2] = { { 1, 2 }, { 3, 4 } };
char empty[4];
unsigned char raw[3] = { 1, 2, 255 };
float tenth = 0.1f;
double tiny = 1.5e-300;
double huge_d = 1e300;
double third = 1.0 / 3.0;
int negs[12] = { -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 5 };
const volatile int cv = 3;
struct node { int value; struct node *next; } n2 = { 2, 0 }, n1 = { 1, &n2 };
struct { int a; union { short s; char c; } u; } anon = { 7, { 0x4142 } };

static void put(char c) { outb(0x3f8, (u8)c); }
void put_str(const char *s) { while (*s) put(*s++); }
void put_int(int v) {
  char buf[12];
  int i = 0;
  unsigned int u = v < 0 ? -(unsigned int)v : (unsigned int)v;
  if (v < 0) put('-');
  do { buf[i++] = (char)('0' + u % 10); u /= 10; } while (u);
  while (i) put(buf[--i]);
}
void put_kv(const char *k, int v) { put_str(k); put('='); put_int(v); put('\n'); }


/* The test stops at this function's entry; its parameters and the caller's locals are checked. */
__attribute__((noinline)) void checkpoint(int id, struct point p, const struct record *r) {
  __asm__ volatile("" : : "r"(id), "r"(r) : "memory");
  counter += p.x;
}

__attribute__((noinline)) int compute(int n, int scale) {
  int total = 0;
  for (int i = 0; i < n; i++) {
    int sq = i * i * scale;
    total += sq;
    if (i == n - 1) {
      put_kv("sq", sq);
      put_kv("i", i);
      put_kv("total", total);
      checkpoint(1, origin, &global_record);
    }
  }
  return total;
}

void kmain(void) {
  struct record local;
  struct point pt = { 10, -20 };
  char letter = 'Q';
  unsigned short wide = 60000;
  long long big = -5000000000LL;
  local.tag = 'R';
  local.count = -12;
  local.values[0] = 100; local.values[1] = 200; local.values[2] = 300;
  local.where = pt;
  local.shade = BLUE;
  local.label = greeting;
  local.flag = 5;
  local.mode = 17;
  local.op = add;
  handlers[0] = add;
  global_record = local;
  put_kv("pt.x", pt.x);
  put_kv("pt.y", pt.y);
  put_kv("letter", letter);
  put_kv("wide", wide);
  put_kv("big_lo", (int)(big & 0xffffffff));
  put_kv("big_hi", (int)(big >> 32));
  int result = compute(4, 3);
  put_kv("result", result);
  checkpoint(2, pt, &local);
  put_kv("counter", counter);
  for (;;) __asm__ volatile("cli; hlt");
}

__attribute__((naked, noreturn)) void _start(void) {
  /* The stack area is cleared first so uninitialised locals read the same on any machine
     (firmware and boot loaders leave different bytes there). */
  __asm__ volatile("cld\n\tmov $0x80000, %edi\n\tmov $0x4000, %ecx\n\txor %eax, %eax\n\trep stosl\n\t"
                   "mov $0x90000, %esp\n\tcall kmain\n1:\thlt\n\tjmp 1b");
}
