# Run by gdb (-x) on the native x86-64 build of src/frames64.c: at every SIGTRAP (the int3 in
# leaf) it records the registers, the process's memory, and each frame gdb's unwinder finds
# (pc, sp, function, whether it is a signal frame, arguments and locals as gdb prints them),
# then writes everything as JSON to the file named by $FRAMES64_OUT.
import gdb, json, os

GPRS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip', 'eflags']
M64 = (1 << 64) - 1

def u(v):
    return str(int(v) & M64)

def frame_vars(f):
    out = []
    seen = set()
    try:
        block = f.block()
    except RuntimeError:
        return out
    while block is not None:
        for sym in block:
            if not (sym.is_argument or sym.is_variable) or sym.name in seen:
                continue
            seen.add(sym.name)
            try:
                text = str(sym.value(f))
            except Exception as e:
                text = '<error: %s>' % e
            out.append({'name': sym.name, 'arg': bool(sym.is_argument), 'value': text})
        if block.function is not None:
            break
        block = block.superblock
    return out

def memory():
    inf = gdb.selected_inferior()
    out = []
    for line in gdb.execute('info proc mappings', to_string=True).splitlines():
        parts = line.split()
        if len(parts) < 4 or not parts[0].startswith('0x'):
            continue
        start, end = int(parts[0], 16), int(parts[1], 16)
        if end - start > (16 << 20) or '[vvar]' in line or '[vsyscall]' in line:
            continue
        try:
            out.append({'start': str(start), 'hex': bytes(inf.read_memory(start, end - start)).hex()})
        except gdb.MemoryError:
            pass
    return out

stops = []
gdb.execute('set print symbol off')
gdb.execute('set print entry-values no')
gdb.execute('set width 0')
gdb.execute('run')
while gdb.selected_inferior().pid:
    f = gdb.newest_frame()
    regs = {n: u(f.read_register(n)) for n in GPRS}
    for i in range(16):
        q = f.read_register('xmm%d' % i)['v2_int64']
        regs['xmm%d' % i] = str((int(q[0]) & M64) | ((int(q[1]) & M64) << 64))
    frames = []
    while f is not None and len(frames) < 32:
        frames.append({'pc': u(f.pc()), 'sp': u(f.read_register('rsp')), 'name': f.name(),
                       'signal': f.type() == gdb.SIGTRAMP_FRAME, 'vars': frame_vars(f)})
        f = f.older()
    stops.append({'regs': regs, 'memory': memory(), 'frames': frames})
    gdb.execute('continue')
with open(os.environ['FRAMES64_OUT'], 'w') as fh:
    json.dump(stops, fh)
