// A classic-BPF seccomp program, generated here rather than shipped prebuilt,
// for defence in depth under bwrap: calls a sandboxed command never needs
// (ptrace, io_uring, bpf, keyrings, kexec, ...) get EPERM, and with the
// network off so do sockets other than AF_UNIX. The architecture is checked
// first: a syscall made through another ABI (32-bit int 0x80 on x86_64, x32)
// kills the process instead of slipping past the numbers below. Pure.

// BPF opcodes (linux/bpf_common.h).
const BPF_LD = 0x00,
  BPF_W = 0x00,
  BPF_ABS = 0x20,
  BPF_JMP = 0x05,
  BPF_JEQ = 0x10,
  BPF_JGE = 0x30,
  BPF_K = 0x00,
  BPF_RET = 0x06;
// seccomp return values (linux/seccomp.h).
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const EPERM = 1;
const AF_UNIX = 1;
const X32_SYSCALL_BIT = 0x40000000;

// struct seccomp_data offsets.
const OFF_NR = 0,
  OFF_ARCH = 4,
  OFF_ARG0_LO = 16;

interface ArchTable {
  auditArch: number;
  x32Check: boolean;
  nr: Record<string, number>;
}

/** Syscalls added since Linux 5.1 have one number on every architecture (the unified table from 424 on). */
const UNIFIED = {
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  mount_setattr: 442,
};

export const ARCHES: Record<string, ArchTable> = {
  x64: {
    auditArch: 0xc000003e,
    x32Check: true,
    nr: {
      ptrace: 101,
      process_vm_readv: 310,
      process_vm_writev: 311,
      bpf: 321,
      perf_event_open: 298,
      userfaultfd: 323,
      kexec_load: 246,
      kexec_file_load: 320,
      add_key: 248,
      request_key: 249,
      keyctl: 250,
      socket: 41,
      mount: 165,
      umount2: 166,
      pivot_root: 155,
      ...UNIFIED,
    },
  },
  arm64: {
    auditArch: 0xc00000b7,
    x32Check: false,
    nr: {
      ptrace: 117,
      process_vm_readv: 270,
      process_vm_writev: 271,
      bpf: 280,
      perf_event_open: 241,
      userfaultfd: 282,
      kexec_load: 104,
      kexec_file_load: 294,
      add_key: 217,
      request_key: 218,
      keyctl: 219,
      socket: 198,
      mount: 40,
      umount2: 39,
      pivot_root: 41,
      ...UNIFIED,
    },
  },
};

export const ALWAYS_DENIED = [
  "ptrace",
  "process_vm_readv",
  "process_vm_writev",
  "io_uring_setup",
  "io_uring_enter",
  "io_uring_register",
  "bpf",
  "perf_event_open",
  "userfaultfd",
  "kexec_load",
  "kexec_file_load",
  "add_key",
  "request_key",
  "keyctl",
  // bwrap installs this filter after building the mounts; afterwards nothing
  // in the sandbox may unmount a mask or mount over a protected path.
  "mount",
  "umount2",
  "pivot_root",
  "open_tree",
  "move_mount",
  "fsopen",
  "fsconfig",
  "fsmount",
  "fspick",
  "mount_setattr",
] as const;

export interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const stmt = (code: number, k: number): Insn => ({ code, jt: 0, jf: 0, k });
const jump = (code: number, k: number, jt: number, jf: number): Insn => ({ code, jt, jf, k });

/** The filter as instructions (for tests) — see `encodeFilter` for the bytes bwrap reads. */
export function buildFilter(opts: { arch: string; network: boolean }): Insn[] {
  const t = ARCHES[opts.arch];
  if (!t) throw new Error(`no seccomp syscall table for architecture ${opts.arch}`);
  const errno = SECCOMP_RET_ERRNO | EPERM;
  const p: Insn[] = [];
  p.push(stmt(BPF_LD | BPF_W | BPF_ABS, OFF_ARCH));
  p.push(jump(BPF_JMP | BPF_JEQ | BPF_K, t.auditArch, 1, 0));
  p.push(stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
  p.push(stmt(BPF_LD | BPF_W | BPF_ABS, OFF_NR));
  if (t.x32Check) {
    p.push(jump(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1));
    p.push(stmt(BPF_RET | BPF_K, errno));
  }
  for (const name of ALWAYS_DENIED) {
    p.push(jump(BPF_JMP | BPF_JEQ | BPF_K, t.nr[name] as number, 0, 1));
    p.push(stmt(BPF_RET | BPF_K, errno));
  }
  if (!opts.network) {
    // socket(domain, ...): only AF_UNIX. The domain is an int; its low 32 bits are the whole value.
    p.push(jump(BPF_JMP | BPF_JEQ | BPF_K, t.nr.socket as number, 0, 3));
    p.push(stmt(BPF_LD | BPF_W | BPF_ABS, OFF_ARG0_LO));
    p.push(jump(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 1, 0));
    p.push(stmt(BPF_RET | BPF_K, errno));
  }
  p.push(stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  return p;
}

/** struct sock_filter[] in host byte order (little-endian on both supported arches). */
export function encodeFilter(prog: Insn[]): Buffer {
  const b = Buffer.alloc(prog.length * 8);
  prog.forEach((ins, i) => {
    b.writeUInt16LE(ins.code, i * 8);
    b.writeUInt8(ins.jt, i * 8 + 2);
    b.writeUInt8(ins.jf, i * 8 + 3);
    b.writeUInt32LE(ins.k >>> 0, i * 8 + 4);
  });
  return b;
}

/** Runs the filter over a seccomp_data in JS, for unit tests of its logic. */
export function evaluate(prog: Insn[], data: { arch: number; nr: number; args?: number[] }): number {
  let acc = 0;
  for (let pc = 0; pc < prog.length; pc++) {
    const ins = prog[pc] as Insn;
    if (ins.code === (BPF_LD | BPF_W | BPF_ABS)) {
      acc =
        ins.k === OFF_ARCH ? data.arch : ins.k === OFF_NR ? data.nr : ins.k === OFF_ARG0_LO ? (data.args?.[0] ?? 0) : 0;
    } else if (ins.code === (BPF_RET | BPF_K)) {
      return ins.k;
    } else if (ins.code === (BPF_JMP | BPF_JEQ | BPF_K)) {
      pc += acc >>> 0 === ins.k >>> 0 ? ins.jt : ins.jf;
    } else if (ins.code === (BPF_JMP | BPF_JGE | BPF_K)) {
      pc += acc >>> 0 >= ins.k >>> 0 ? ins.jt : ins.jf;
    } else {
      throw new Error(`unknown opcode ${ins.code}`);
    }
  }
  throw new Error("fell off the end of the filter");
}
