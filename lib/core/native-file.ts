/**
 * Reads a native module's header, without loading it: which format (ELF, PE,
 * Mach-O), which OS family and CPU it is for, and whether the file is whole.
 * The loader uses it so that a binary for another OS or CPU, or a damaged
 * one, is passed over instead of being handed to the OS loader.
 */

/** What a native module file is built for. */
export interface NativeFileInfo {
  format: 'ELF' | 'PE' | 'Mach-O';
  /** `process.platform` values the format can serve ('win32', 'darwin', or the ELF systems). */
  os: 'win32' | 'darwin' | 'elf';
  /** A `process.arch` name, or `machine 0x…` when unknown. */
  arch: string;
}

const ELF_MACHINES: Record<number, string> = {
  0x03: 'ia32', 0x08: 'mips', 0x14: 'ppc', 0x15: 'ppc64', 0x16: 's390x', 0x28: 'arm', 0x3e: 'x64',
  0xb7: 'arm64', 0xf3: 'riscv64', 0x102: 'loong64',
};
const PE_MACHINES: Record<number, string> = { 0x14c: 'ia32', 0x8664: 'x64', 0xaa64: 'arm64', 0x1c4: 'arm' };
const MACHO_CPUS: Record<number, string> = { 0x01000007: 'x64', 0x0100000c: 'arm64' };

/** Thrown for a file that is not a native module, or is truncated. */
export class DamagedFileError extends Error {}

function hex(n: number): string {
  return `machine 0x${n.toString(16)}`;
}

/**
 * The header of a native module. Throws DamagedFileError when it is not one,
 * or when a loaded segment (ELF) or section (PE) lies past the end of the
 * file: mapping such a file killed the process with SIGBUS instead of failing.
 */
export function inspectNativeFile(buf: Buffer): NativeFileInfo {
  const fail = (what: string): never => { throw new DamagedFileError(what); };
  if (buf.length >= 64 && buf.readUInt32BE(0) === 0x7f454c46) { // \x7fELF
    const is64 = buf[4] === 2;
    const le = buf[5] === 1;
    const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
    const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const word = (o: number) => (is64 ? Number(le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o)) : u32(o));
    const phoff = word(is64 ? 0x20 : 0x1c);
    const phentsize = u16(is64 ? 0x36 : 0x2a);
    const phnum = u16(is64 ? 0x38 : 0x2c);
    if (phoff + phentsize * phnum > buf.length) fail('program headers past the end');
    for (let i = 0; i < phnum; i++) {
      const ph = phoff + i * phentsize;
      if (u32(ph) !== 1) continue; // PT_LOAD
      const offset = word(is64 ? ph + 8 : ph + 4);
      const filesz = word(is64 ? ph + 32 : ph + 16);
      if (offset + filesz > buf.length) fail('a loadable segment past the end');
    }
    const machine = u16(0x12);
    return { format: 'ELF', os: 'elf', arch: ELF_MACHINES[machine] ?? hex(machine) };
  }
  if (buf.length >= 64 && buf.readUInt16LE(0) === 0x5a4d) { // MZ
    const pe = buf.readUInt32LE(0x3c);
    if (pe + 24 > buf.length || buf.readUInt32LE(pe) !== 0x4550) fail('no PE header');
    const machine = buf.readUInt16LE(pe + 4);
    const sections = buf.readUInt16LE(pe + 6);
    const table = pe + 24 + buf.readUInt16LE(pe + 20);
    if (table + sections * 40 > buf.length) fail('section table past the end');
    for (let i = 0; i < sections; i++) {
      const sh = table + i * 40;
      if (buf.readUInt32LE(sh + 20) + buf.readUInt32LE(sh + 16) > buf.length) fail('a section past the end');
    }
    if ((buf.readUInt16LE(pe + 22) & 0x2000) === 0) fail('a PE file that is not a DLL'); // IMAGE_FILE_DLL
    return { format: 'PE', os: 'win32', arch: PE_MACHINES[machine] ?? hex(machine) };
  }
  if (buf.length >= 32) {
    const magic = buf.readUInt32LE(0);
    if (magic === 0xfeedfacf || magic === 0xfeedface) {
      const cpu = buf.readUInt32LE(4);
      return { format: 'Mach-O', os: 'darwin', arch: MACHO_CPUS[cpu] ?? hex(cpu) };
    }
    if (buf.readUInt32BE(0) === 0xcafebabe) {
      // A universal binary: it fits every CPU it holds; report them joined.
      const n = buf.readUInt32BE(4);
      const arches = [];
      for (let i = 0; i < n && 8 + i * 20 + 4 <= buf.length; i++) {
        const cpu = buf.readUInt32BE(8 + i * 20);
        arches.push(MACHO_CPUS[cpu] ?? hex(cpu));
      }
      return { format: 'Mach-O', os: 'darwin', arch: arches.join('+') };
    }
  }
  return fail('not a native module');
}

/**
 * Why this file cannot serve a process on `platform`-`arch`, or null when it
 * can (as far as the header tells).
 */
export function mismatch(info: NativeFileInfo, platform: string, arch: string): string | null {
  const osOk = info.os === 'elf' ? platform !== 'win32' && platform !== 'darwin' : info.os === platform;
  const archOk = info.arch.split('+').includes(arch);
  if (osOk && archOk) return null;
  const what = `${info.format} ${info.arch}`;
  return !osOk ? `${what} binary, not for ${platform}` : `${what} binary, not for ${arch}`;
}
