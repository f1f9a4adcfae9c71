'use strict';
// Reads what a Windows DLL is for and what it links to, from its headers:
// machine type, imported DLLs and functions, exported names. The prebuild
// step uses it to check every binary it makes, including ones no machine here
// can run (win32-arm64).
//   node scripts/build/pe.js FILE      prints the summary as JSON
const fs = require('node:fs');

const MACHINES = { 0x14c: 'ia32', 0x8664: 'x64', 0xaa64: 'arm64' };

/** { machine, arch, dll, imports: { 'KERNEL32.dll': ['CloseHandle', ...] }, exports: [...] } */
function readPe(buf) {
  if (buf.readUInt16LE(0) !== 0x5a4d) throw new Error('not a PE file (no MZ)');
  const pe = buf.readUInt32LE(0x3c);
  if (buf.readUInt32LE(pe) !== 0x4550) throw new Error('not a PE file (no PE signature)');
  const machine = buf.readUInt16LE(pe + 4);
  const nsections = buf.readUInt16LE(pe + 6);
  const optSize = buf.readUInt16LE(pe + 20);
  const characteristics = buf.readUInt16LE(pe + 22);
  const opt = pe + 24;
  const pe32plus = buf.readUInt16LE(opt) === 0x20b;
  const dirs = opt + (pe32plus ? 112 : 96);
  const dir = (i) => ({ rva: buf.readUInt32LE(dirs + i * 8), size: buf.readUInt32LE(dirs + i * 8 + 4) });
  const sections = [];
  for (let i = 0; i < nsections; i++) {
    const s = opt + optSize + i * 40;
    sections.push({ va: buf.readUInt32LE(s + 12), vsize: buf.readUInt32LE(s + 8), raw: buf.readUInt32LE(s + 20), rawSize: buf.readUInt32LE(s + 16) });
  }
  const off = (rva) => {
    const s = sections.find((x) => rva >= x.va && rva < x.va + Math.max(x.vsize, x.rawSize));
    if (!s) throw new Error(`RVA 0x${rva.toString(16)} is in no section`);
    return rva - s.va + s.raw;
  };
  const cstr = (o) => buf.toString('latin1', o, buf.indexOf(0, o));

  const imports = {};
  const imp = dir(1);
  if (imp.rva) {
    for (let d = off(imp.rva); buf.readUInt32LE(d + 12) !== 0; d += 20) {
      const name = cstr(off(buf.readUInt32LE(d + 12)));
      const thunks = buf.readUInt32LE(d) || buf.readUInt32LE(d + 16);
      const fns = [];
      for (let t = off(thunks); ; t += pe32plus ? 8 : 4) {
        const v = pe32plus ? buf.readBigUInt64LE(t) : BigInt(buf.readUInt32LE(t));
        if (v === 0n) break;
        const byOrdinal = pe32plus ? v >> 63n : v >> 31n;
        fns.push(byOrdinal ? `#${Number(v & 0xffffn)}` : cstr(off(Number(v & 0x7fffffffn)) + 2));
      }
      imports[name] = fns;
    }
  }
  const exports = [];
  const exp = dir(0);
  if (exp.rva) {
    const e = off(exp.rva);
    const n = buf.readUInt32LE(e + 24);
    const names = off(buf.readUInt32LE(e + 32));
    for (let i = 0; i < n; i++) exports.push(cstr(off(buf.readUInt32LE(names + i * 4))));
  }
  return { machine, arch: MACHINES[machine] || `0x${machine.toString(16)}`, dll: (characteristics & 0x2000) !== 0, imports, exports };
}

// DLLs every Windows has. Anything else would have to be shipped or installed.
const SYSTEM_DLLS = /^(kernel32|ws2_32|msvcrt|ntdll|advapi32|bcrypt|user32|api-ms-win-[a-z0-9-]+)\.dll$/i;

/**
 * Problems that keep a prebuild from shipping: wrong machine, not a DLL, an
 * import outside node.exe's Node-API and the system DLLs, no Node-API entry.
 */
function checkPrebuild(buf, arch) {
  const info = readPe(buf);
  const problems = [];
  if (info.arch !== arch) problems.push(`machine ${info.arch}, expected ${arch}`);
  if (!info.dll) problems.push('not a DLL');
  for (const [dll, fns] of Object.entries(info.imports)) {
    if (dll.toLowerCase() === 'node.exe') {
      const other = fns.filter((f) => !/^napi_/.test(f));
      if (other.length) problems.push(`imports from node.exe that are not Node-API: ${other.join(', ')}`);
    } else if (!SYSTEM_DLLS.test(dll)) {
      problems.push(`imports ${dll}, which is not a system DLL`);
    }
  }
  if (!info.exports.includes('napi_register_module_v1')) problems.push('no napi_register_module_v1 export');
  return { info, problems };
}

module.exports = { readPe, checkPrebuild };

if (require.main === module) {
  console.log(JSON.stringify(readPe(fs.readFileSync(process.argv[2])), null, 2));
}
