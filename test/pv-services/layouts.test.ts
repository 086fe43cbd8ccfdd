// Every offset in emulator/pv/layouts.ts against Xen's public headers compiled by gcc for
// each ABI (-m32: x86_32, -m64: x86_64): offsetof/sizeof of the real structures, so a wrong
// number, a field left at its 32-bit place in a 64-bit layout, or a forgotten alignment rule
// of x86_32 (uint64_t aligned to 4) fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xenPublicHeaders } from '../pv/xen-public-headers';
import * as L from '../../emulator/pv/layouts';

type Layout = object;
interface Check { name: string; layout: (w: L.GuestWidth) => Layout; fields: Record<string, string> }

const off = (s: string, f: string) => `offsetof(${s}, ${f})`;
const fixed = (l: Layout) => () => l;

// TypeScript field -> the C expression that gives it. Every numeric field of a layout must be named here.
const CHECKS: Check[] = [
  { name: 'vcpu_time_info', layout: fixed(L.VCPU_TIME_INFO), fields: {
    version: off('struct vcpu_time_info', 'version'), tscTimestamp: off('struct vcpu_time_info', 'tsc_timestamp'),
    systemTime: off('struct vcpu_time_info', 'system_time'), tscToSystemMul: off('struct vcpu_time_info', 'tsc_to_system_mul'),
    tscShift: off('struct vcpu_time_info', 'tsc_shift'), flags: off('struct vcpu_time_info', 'flags'), SIZE: 'sizeof(struct vcpu_time_info)' } },
  { name: 'vcpu_info', layout: L.vcpuInfoLayout, fields: {
    upcallPending: off('struct vcpu_info', 'evtchn_upcall_pending'), upcallMask: off('struct vcpu_info', 'evtchn_upcall_mask'),
    pendingSel: off('struct vcpu_info', 'evtchn_pending_sel'), cr2: off('struct vcpu_info', 'arch.cr2'),
    time: off('struct vcpu_info', 'time'), SIZE: 'sizeof(struct vcpu_info)' } },
  { name: 'shared_info', layout: L.sharedInfoLayout, fields: {
    vcpuInfo: off('struct shared_info', 'vcpu_info'), legacyMaxVcpus: 'XEN_LEGACY_MAX_VCPUS',
    evtchnPending: off('struct shared_info', 'evtchn_pending'), evtchnMask: off('struct shared_info', 'evtchn_mask'),
    wcVersion: off('struct shared_info', 'wc_version'), wcSec: off('struct shared_info', 'wc_sec'), wcNsec: off('struct shared_info', 'wc_nsec'),
    wcSecHi: off('struct shared_info', 'xen_wc_sec_hi'), arch: off('struct shared_info', 'arch'),
    maxPfn: off('struct shared_info', 'arch.max_pfn'), pfnToMfnFrameListList: off('struct shared_info', 'arch.pfn_to_mfn_frame_list_list'),
    nmiReason: off('struct shared_info', 'arch.nmi_reason'), p2mCr3: off('struct shared_info', 'arch.p2m_cr3'),
    p2mVaddr: off('struct shared_info', 'arch.p2m_vaddr'), p2mGeneration: off('struct shared_info', 'arch.p2m_generation'),
    nrEventChannels2l: 'sizeof(xen_ulong_t) * sizeof(xen_ulong_t) * 64' } },
  { name: 'start_info', layout: L.startInfoLayout, fields: {
    magic: off('struct start_info', 'magic'), nrPages: off('struct start_info', 'nr_pages'), sharedInfo: off('struct start_info', 'shared_info'),
    flags: off('struct start_info', 'flags'), storeMfn: off('struct start_info', 'store_mfn'), storeEvtchn: off('struct start_info', 'store_evtchn'),
    consoleMfn: off('struct start_info', 'console.domU.mfn'), consoleEvtchn: off('struct start_info', 'console.domU.evtchn'),
    ptBase: off('struct start_info', 'pt_base'), nrPtFrames: off('struct start_info', 'nr_pt_frames'), mfnList: off('struct start_info', 'mfn_list'),
    modStart: off('struct start_info', 'mod_start'), modLen: off('struct start_info', 'mod_len'), cmdLine: off('struct start_info', 'cmd_line'),
    firstP2mPfn: off('struct start_info', 'first_p2m_pfn'), nrP2mFrames: off('struct start_info', 'nr_p2m_frames'), SIZE: 'sizeof(struct start_info)' } },
  { name: 'multicall_entry', layout: L.multicallEntryLayout, fields: {
    op: off('struct multicall_entry', 'op'), result: off('struct multicall_entry', 'result'), args: off('struct multicall_entry', 'args'),
    argBytes: 'sizeof(((struct multicall_entry *)0)->args[0])', SIZE: 'sizeof(struct multicall_entry)' } },
  { name: 'mmuext_op', layout: L.mmuextOpLayout, fields: {
    cmd: off('struct mmuext_op', 'cmd'), arg1: off('struct mmuext_op', 'arg1'), arg2: off('struct mmuext_op', 'arg2'),
    argBytes: 'sizeof(((struct mmuext_op *)0)->arg1)', SIZE: 'sizeof(struct mmuext_op)' } },
  { name: 'vcpu_runstate_info', layout: L.runstateLayout, fields: {
    state: off('struct vcpu_runstate_info', 'state'), stateEntryTime: off('struct vcpu_runstate_info', 'state_entry_time'),
    time: off('struct vcpu_runstate_info', 'time'), SIZE: 'sizeof(struct vcpu_runstate_info)' } },
  { name: 'xen_memory_map', layout: L.memoryMapLayout, fields: {
    nrEntries: off('struct xen_memory_map', 'nr_entries'), buffer: off('struct xen_memory_map', 'buffer'), SIZE: 'sizeof(struct xen_memory_map)' } },
  { name: 'xen_memory_reservation', layout: L.memoryReservationLayout, fields: {
    extentStart: off('struct xen_memory_reservation', 'extent_start'), nrExtents: off('struct xen_memory_reservation', 'nr_extents'),
    extentOrder: off('struct xen_memory_reservation', 'extent_order'), memFlags: off('struct xen_memory_reservation', 'mem_flags'),
    domid: off('struct xen_memory_reservation', 'domid'), SIZE: 'sizeof(struct xen_memory_reservation)' } },
  { name: 'xen_add_to_physmap', layout: L.addToPhysmapLayout, fields: {
    domid: off('struct xen_add_to_physmap', 'domid'), size: off('struct xen_add_to_physmap', 'size'), space: off('struct xen_add_to_physmap', 'space'),
    idx: off('struct xen_add_to_physmap', 'idx'), gpfn: off('struct xen_add_to_physmap', 'gpfn'), SIZE: 'sizeof(struct xen_add_to_physmap)' } },
  { name: 'xen_machphys_mapping', layout: L.machphysMappingLayout, fields: {
    vStart: off('struct xen_machphys_mapping', 'v_start'), vEnd: off('struct xen_machphys_mapping', 'v_end'),
    maxMfn: off('struct xen_machphys_mapping', 'max_mfn'), SIZE: 'sizeof(struct xen_machphys_mapping)' } },
  { name: 'xen_machphys_mfn_list', layout: L.machphysMfnListLayout, fields: {
    maxExtents: off('struct xen_machphys_mfn_list', 'max_extents'), extentStart: off('struct xen_machphys_mfn_list', 'extent_start'),
    nrExtents: off('struct xen_machphys_mfn_list', 'nr_extents'), SIZE: 'sizeof(struct xen_machphys_mfn_list)' } },
  { name: 'grant_entry_v1', layout: fixed(L.GRANT_ENTRY_V1), fields: {
    flags: off('struct grant_entry_v1', 'flags'), domid: off('struct grant_entry_v1', 'domid'), frame: off('struct grant_entry_v1', 'frame'),
    SIZE: 'sizeof(struct grant_entry_v1)' } },
  { name: 'grant_entry_v2', layout: fixed(L.GRANT_ENTRY_V2), fields: {
    flags: off('union grant_entry_v2', 'hdr.flags'), domid: off('union grant_entry_v2', 'hdr.domid'),
    fullPageFrame: off('union grant_entry_v2', 'full_page.frame'), subPageOff: off('union grant_entry_v2', 'sub_page.page_off'),
    subPageLength: off('union grant_entry_v2', 'sub_page.length'), subPageFrame: off('union grant_entry_v2', 'sub_page.frame'),
    transDomid: off('union grant_entry_v2', 'transitive.trans_domid'), transGref: off('union grant_entry_v2', 'transitive.gref'),
    SIZE: 'sizeof(union grant_entry_v2)' } },
  { name: 'grant_status_t', layout: () => ({ size: L.GRANT_STATUS_SIZE }), fields: { size: 'sizeof(grant_status_t)' } },
  { name: 'gnttab_setup_table', layout: L.gnttabSetupTableLayout, fields: {
    dom: off('struct gnttab_setup_table', 'dom'), nrFrames: off('struct gnttab_setup_table', 'nr_frames'),
    status: off('struct gnttab_setup_table', 'status'), frameList: off('struct gnttab_setup_table', 'frame_list'), SIZE: 'sizeof(struct gnttab_setup_table)' } },
  { name: 'gnttab_query_size', layout: fixed(L.GNTTAB_QUERY_SIZE), fields: {
    dom: off('struct gnttab_query_size', 'dom'), nrFrames: off('struct gnttab_query_size', 'nr_frames'),
    maxNrFrames: off('struct gnttab_query_size', 'max_nr_frames'), status: off('struct gnttab_query_size', 'status'), SIZE: 'sizeof(struct gnttab_query_size)' } },
  { name: 'gnttab_map_grant_ref', layout: fixed(L.GNTTAB_MAP_GRANT_REF), fields: {
    hostAddr: off('struct gnttab_map_grant_ref', 'host_addr'), flags: off('struct gnttab_map_grant_ref', 'flags'), ref: off('struct gnttab_map_grant_ref', 'ref'),
    dom: off('struct gnttab_map_grant_ref', 'dom'), status: off('struct gnttab_map_grant_ref', 'status'), handle: off('struct gnttab_map_grant_ref', 'handle'),
    devBusAddr: off('struct gnttab_map_grant_ref', 'dev_bus_addr'), SIZE: 'sizeof(struct gnttab_map_grant_ref)' } },
  { name: 'gnttab_unmap_grant_ref', layout: fixed(L.GNTTAB_UNMAP_GRANT_REF), fields: {
    hostAddr: off('struct gnttab_unmap_grant_ref', 'host_addr'), devBusAddr: off('struct gnttab_unmap_grant_ref', 'dev_bus_addr'),
    handle: off('struct gnttab_unmap_grant_ref', 'handle'), status: off('struct gnttab_unmap_grant_ref', 'status'), SIZE: 'sizeof(struct gnttab_unmap_grant_ref)' } },
  { name: 'gnttab_copy', layout: L.gnttabCopyLayout, fields: {
    srcRef: off('struct gnttab_copy', 'source.u.ref'), srcDomid: off('struct gnttab_copy', 'source.domid'), srcOffset: off('struct gnttab_copy', 'source.offset'),
    dstRef: off('struct gnttab_copy', 'dest.u.ref'), dstDomid: off('struct gnttab_copy', 'dest.domid'), dstOffset: off('struct gnttab_copy', 'dest.offset'),
    len: off('struct gnttab_copy', 'len'), flags: off('struct gnttab_copy', 'flags'), status: off('struct gnttab_copy', 'status'),
    SIZE: 'sizeof(struct gnttab_copy)', frameBytes: 'sizeof(xen_pfn_t)' } },
  { name: 'gnttab_get_status_frames', layout: L.gnttabGetStatusFramesLayout, fields: {
    nrFrames: off('struct gnttab_get_status_frames', 'nr_frames'), dom: off('struct gnttab_get_status_frames', 'dom'),
    status: off('struct gnttab_get_status_frames', 'status'), frameList: off('struct gnttab_get_status_frames', 'frame_list'),
    SIZE: 'sizeof(struct gnttab_get_status_frames)' } },
  { name: 'gnttab_get_version', layout: fixed(L.GNTTAB_GET_VERSION), fields: {
    dom: off('struct gnttab_get_version', 'dom'), version: off('struct gnttab_get_version', 'version'), SIZE: 'sizeof(struct gnttab_get_version)' } },
  { name: 'gnttab_set_version', layout: fixed(L.GNTTAB_SET_VERSION), fields: {
    version: off('struct gnttab_set_version', 'version'), SIZE: 'sizeof(struct gnttab_set_version)' } },
  { name: 'evtchn_init_control', layout: fixed(L.EVTCHN_INIT_CONTROL), fields: {
    controlGfn: off('struct evtchn_init_control', 'control_gfn'), offset: off('struct evtchn_init_control', 'offset'),
    vcpu: off('struct evtchn_init_control', 'vcpu'), linkBits: off('struct evtchn_init_control', 'link_bits'), SIZE: 'sizeof(struct evtchn_init_control)' } },
  { name: 'evtchn_fifo_control_block', layout: fixed(L.EVTCHN_FIFO_CONTROL_BLOCK), fields: {
    ready: off('struct evtchn_fifo_control_block', 'ready'), head: off('struct evtchn_fifo_control_block', 'head'),
    SIZE: 'sizeof(struct evtchn_fifo_control_block)' } },
  { name: 'sched_poll', layout: L.schedPollLayout, fields: {
    ports: off('struct sched_poll', 'ports'), nrPorts: off('struct sched_poll', 'nr_ports'), timeout: off('struct sched_poll', 'timeout'),
    SIZE: 'sizeof(struct sched_poll)' } },
  { name: 'callback_register', layout: L.callbackRegisterLayout, fields: {
    type: off('struct callback_register', 'type'), flags: off('struct callback_register', 'flags'), address: off('struct callback_register', 'address'),
    SIZE: 'sizeof(struct callback_register)' } },
  { name: 'vcpu_register_vcpu_info', layout: fixed(L.VCPU_REGISTER_VCPU_INFO), fields: {
    mfn: off('struct vcpu_register_vcpu_info', 'mfn'), offset: off('struct vcpu_register_vcpu_info', 'offset'), SIZE: 'sizeof(struct vcpu_register_vcpu_info)' } },
  { name: 'vcpu_set_singleshot_timer', layout: fixed(L.VCPU_SET_SINGLESHOT_TIMER), fields: {
    timeoutAbsNs: off('struct vcpu_set_singleshot_timer', 'timeout_abs_ns'), flags: off('struct vcpu_set_singleshot_timer', 'flags') } },
  { name: 'xenstore_domain_interface', layout: fixed(L.XENSTORE_RING), fields: {
    req: off('struct xenstore_domain_interface', 'req'), rsp: off('struct xenstore_domain_interface', 'rsp'), ringSize: 'XENSTORE_RING_SIZE',
    reqCons: off('struct xenstore_domain_interface', 'req_cons'), reqProd: off('struct xenstore_domain_interface', 'req_prod'),
    rspCons: off('struct xenstore_domain_interface', 'rsp_cons'), rspProd: off('struct xenstore_domain_interface', 'rsp_prod'),
    serverFeatures: off('struct xenstore_domain_interface', 'server_features'), connection: off('struct xenstore_domain_interface', 'connection'),
    error: off('struct xenstore_domain_interface', 'error') } },
];

const HEADERS = ['xen.h', 'vcpu.h', 'memory.h', 'grant_table.h', 'event_channel.h', 'sched.h', 'callback.h', 'io/xs_wire.h'];

function compileAndRun(width: L.GuestWidth, include: string): Map<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'pv-layouts-'));
  const lines = CHECKS.flatMap((c) => Object.entries(c.fields).map(([f, expr]) => `  printf("${c.name}.${f} %lu\\n", (unsigned long)(${expr}));`));
  const src = ['#include <stdio.h>', '#include <stddef.h>', '#include <stdint.h>', ...HEADERS.map((h) => `#include <xen/${h}>`),
    'int main(void) {', ...lines, '  return 0;', '}', ''].join('\n');
  writeFileSync(join(dir, 'layouts.c'), src);
  const exe = join(dir, `layouts${width}`);
  // The latest interface version: vcpu_time_info.flags, grant v2 and the FIFO structures exist only from there.
  execFileSync('gcc', [`-m${width}`, '-D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__', '-I', include, '-o', exe, join(dir, 'layouts.c')]);
  const out = execFileSync(exe, { encoding: 'utf8' });
  return new Map(out.trim().split('\n').map((l) => { const [k, v] = l.split(' '); return [k!, Number(v)]; }));
}

for (const width of [32, 64] as const) {
  test(`layouts.ts agrees with Xen's headers compiled for x86_${width}`, () => {
    const include = xenPublicHeaders();
    const oracle = compileAndRun(width, include);
    let checked = 0;
    for (const c of CHECKS) {
      const layout = c.layout(width) as Readonly<Record<string, unknown>>;
      const numeric = Object.entries(layout).filter(([, v]) => typeof v === 'number').map(([k]) => k).sort();
      assert.deepEqual(Object.keys(c.fields).sort(), numeric, `${c.name}: every numeric field of the layout is checked`);
      for (const f of numeric) {
        assert.equal(layout[f], oracle.get(`${c.name}.${f}`), `${c.name}.${f} (x86_${width})`);
        checked++;
      }
    }
    assert.ok(checked > 150, String(checked));
    console.log(`ℹ x86_${width}: ${checked} offsets and sizes agree with gcc -m${width} over Xen's public headers`);
  });
}

test('start_info magic strings are what Xen writes for each ABI', () => {
  // xen/include/public/xen.h: "xen-<version>-<platform>", x86_32p for PAE, x86_64 for 64-bit.
  assert.equal(L.startInfoLayout(32).magicString, 'xen-3.0-x86_32p');
  assert.equal(L.startInfoLayout(64).magicString, 'xen-3.0-x86_64');
});
