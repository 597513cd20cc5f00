/**
 * Start a command in its own session and process group through glibc's posix_spawn with
 * POSIX_SPAWN_SETSID (Linux). Deno's Command can only do that by forking all of looop
 * (`detached: true`, 3.5x a plain spawn in a 100 MB process), and util-linux `setsid` costs an
 * extra exec per command (1.7x); posix_spawn does it in the vfork'd child for the price of a plain
 * spawn. libc does the spawning: this file only passes it the arguments, and turns its pipes into
 * Deno files by reopening them through /proc/self/fd.
 * `sessionSpawner()` is undefined where this cannot work (not Linux, no glibc, no /proc).
 */

/** A command's output, a chunk at a time: null at the end; a chunk is valid until the next read. */
export type ChunkReader = { read(): Promise<Uint8Array | null>; close(): void };
/** A command's input. */
export type ByteWriter = { writeAll(data: Uint8Array): Promise<void>; close(): void };

export type SessionChild = {
  pid: number;
  stdin?: ByteWriter;
  stdout: ChunkReader;
  stderr: ChunkReader;
  status: Promise<{ code: number | null; signal: string | null }>;
};

export type SessionSpawnOptions = {
  cwd: string;
  env?: Record<string, string>;
  /** the child gets `env` alone, not this process's environment with `env` over it */
  clearEnv?: boolean;
  stdin: "null" | "piped";
};

/** Starts argv (looked up on PATH like a shell does) or throws an Error "<argv0>: <OS reason>". */
export type SessionSpawner = (argv: string[], opts: SessionSpawnOptions) => SessionChild;

const SYMBOLS = {
  posix_spawnp: { parameters: ["buffer", "pointer", "buffer", "buffer", "pointer", "pointer"], result: "i32" },
  posix_spawnattr_init: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_setflags: { parameters: ["buffer", "i16"], result: "i32" },
  posix_spawnattr_setsigmask: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawnattr_setsigdefault: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawn_file_actions_init: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_adddup2: { parameters: ["buffer", "i32", "i32"], result: "i32" },
  posix_spawn_file_actions_addopen: { parameters: ["buffer", "i32", "pointer", "i32", "u32"], result: "i32" },
  posix_spawn_file_actions_addchdir_np: { parameters: ["buffer", "pointer"], result: "i32" },
  sigemptyset: { parameters: ["buffer"], result: "i32" },
  sigfillset: { parameters: ["buffer"], result: "i32" },
  pipe2: { parameters: ["buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  kill: { parameters: ["i32", "i32"], result: "i32" },
  strerror: { parameters: ["i32"], result: "pointer" },
  sigabbrev_np: { parameters: ["i32"], result: "pointer" },
  // On a thread of its own: it blocks until the child exits.
  waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32", nonblocking: true },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

// glibc's values (spawn.h, fcntl.h); the opaque structs get more room than glibc needs.
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;
const OPAQUE_BYTES = 1024;

const encoder = new TextEncoder();

/**
 * The C strings and pointer arrays of one spawn, in buffers reused by every spawn: buffers made
 * per spawn and handed to native code are garbage that V8 collects late, and a pulse spawning
 * its sensors every beat grew by 40 MB over 1,000 beats with them. posix_spawnp has copied
 * everything by the time it returns, and spawns never overlap (the call is synchronous).
 */
class CStrings {
  private bytes = new Uint8Array(64 * 1024);
  private base = Deno.UnsafePointer.value(Deno.UnsafePointer.of(this.bytes));
  private used = 0;
  private pointers = new BigUint64Array(1024);
  private pointersBase = Deno.UnsafePointer.value(Deno.UnsafePointer.of(this.pointers));
  private count = 0;

  /** Make room for strings of these lengths and pointer arrays of `slots` entries; start over. */
  reset(lengths: number[], slots: number) {
    const need = lengths.reduce((n, l) => n + 3 * l + 1, 0);
    if (need > this.bytes.length) {
      this.bytes = new Uint8Array(need * 2);
      this.base = Deno.UnsafePointer.value(Deno.UnsafePointer.of(this.bytes));
    }
    if (slots > this.pointers.length) {
      this.pointers = new BigUint64Array(slots * 2);
      this.pointersBase = Deno.UnsafePointer.value(Deno.UnsafePointer.of(this.pointers));
    }
    this.used = 0;
    this.count = 0;
  }

  /** Copy `s` in, NUL-terminated; its address. */
  string(s: string): bigint {
    if (s.includes("\0")) throw new Error(`an argument or variable holds a NUL byte: ${JSON.stringify(s)}`);
    const at = this.used;
    this.used += encoder.encodeInto(s, this.bytes.subarray(at)).written;
    this.bytes[this.used++] = 0;
    return BigInt(this.base) + BigInt(at);
  }

  /** A NULL-terminated array of these strings; its address. */
  array(strings: string[]): bigint {
    const at = this.count;
    for (const s of strings) this.pointers[this.count++] = this.string(s);
    this.pointers[this.count++] = 0n;
    return BigInt(this.pointersBase) + BigInt(at * 8);
  }
}

const pointer = (address: bigint) => Deno.UnsafePointer.create(address);

const readCString = (p: Deno.PointerValue) => p ? Deno.UnsafePointerView.getCString(p) : "";

function makeSpawner(libc: Libc): SessionSpawner {
  const fds = new Int32Array(2);
  const pipe = (): [number, number] => {
    if (libc.pipe2(fds, O_CLOEXEC) !== 0) throw new Error("could not create a pipe (too many open files?)");
    return [fds[0], fds[1]];
  };
  // A pipe end reopened as a Deno file, while this process still holds both ends (opening a pipe
  // end through /proc waits for the other end to be open, like a FIFO).
  const reopen = (fd: number, write: boolean) => Deno.openSync(`/proc/self/fd/${fd}`, { read: !write, write });

  const strings = new CStrings();
  const attr = new Uint8Array(OPAQUE_BYTES);
  const actions = new Uint8Array(OPAQUE_BYTES);
  const noSignals = new Uint8Array(OPAQUE_BYTES);
  const allSignals = new Uint8Array(OPAQUE_BYTES);
  libc.sigemptyset(noSignals);
  libc.sigfillset(allSignals);
  const pidOut = new Int32Array(1);

  return (argv, opts) => {
    const env = Object.entries(opts.clearEnv ? { ...opts.env } : { ...Deno.env.toObject(), ...opts.env }).map((
      [k, v],
    ) => `${k}=${v}`);
    const texts = [argv[0], ...argv, ...env, opts.cwd, "/dev/null"];
    strings.reset(texts.map((t) => t.length), argv.length + env.length + 2);
    const path = pointer(strings.string(argv[0]));
    const argvAt = strings.array(argv);
    const envAt = strings.array(env);
    const cwd = pointer(strings.string(opts.cwd));
    const devNull = pointer(strings.string("/dev/null"));
    const ours: number[] = []; // raw descriptors to close once the child has its copies
    const files: Deno.FsFile[] = [];
    try {
      const [outR, outW] = pipe();
      ours.push(outR, outW);
      const [errR, errW] = pipe();
      ours.push(errR, errW);
      const stdinPipe = opts.stdin === "piped" ? pipe() : undefined;
      if (stdinPipe) ours.push(...stdinPipe);
      const stdout = reopen(outR, false);
      files.push(stdout);
      const stderr = reopen(errR, false);
      files.push(stderr);
      const stdin = stdinPipe && reopen(stdinPipe[1], true);
      if (stdin) files.push(stdin);

      libc.posix_spawnattr_init(attr);
      libc.posix_spawn_file_actions_init(actions);
      try {
        // A clean signal state (Deno ignores SIGPIPE, for one) and a session of its own.
        libc.posix_spawnattr_setsigmask(attr, noSignals);
        libc.posix_spawnattr_setsigdefault(attr, allSignals);
        libc.posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        if (stdinPipe) libc.posix_spawn_file_actions_adddup2(actions, stdinPipe[0], 0);
        else libc.posix_spawn_file_actions_addopen(actions, 0, devNull, O_RDONLY, 0);
        libc.posix_spawn_file_actions_adddup2(actions, outW, 1);
        libc.posix_spawn_file_actions_adddup2(actions, errW, 2);
        libc.posix_spawn_file_actions_addchdir_np(actions, cwd);
        const rc = libc.posix_spawnp(pidOut, path, actions, attr, pointer(argvAt), pointer(envAt));
        if (rc !== 0) throw new Error(`${argv[0]}: ${readCString(libc.strerror(rc))}`);
        const pid = pidOut[0];
        return {
          pid,
          stdin: stdin && fileWriter(stdin),
          stdout: fileReader(stdout),
          stderr: fileReader(stderr),
          status: waitFor(libc, pid),
        };
      } finally {
        libc.posix_spawn_file_actions_destroy(actions);
        libc.posix_spawnattr_destroy(attr);
      }
    } catch (e) {
      for (const f of files) f.close();
      throw e;
    } finally {
      for (const fd of ours) libc.close(fd);
    }
  };
}

// Plain reads and writes on the files, not their streams: a stream allocates 64 KiB per read, and
// that garbage, collected late, made a pulse's RSS creep up beat after beat.
const READ_BYTES = 16 * 1024;
const MAX_SPARE_BUFFERS = 64;

/** Read buffers, kept for the next command: 16 KiB of garbage per output made the heap grow. */
const spareBuffers: Uint8Array[] = [];

function fileReader(file: Deno.FsFile): ChunkReader {
  let buffer: Uint8Array | undefined = spareBuffers.pop() ?? new Uint8Array(READ_BYTES);
  let reading = false;
  return {
    read: async () => {
      if (!buffer) return null;
      reading = true;
      const n = await file.read(buffer).finally(() => reading = false);
      return n === null ? null : buffer.subarray(0, n);
    },
    close: () => {
      closeQuietly(file);
      // A read still in flight (given up on) may yet write into it.
      if (buffer && !reading && spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(buffer);
      buffer = undefined;
    },
  };
}

function fileWriter(file: Deno.FsFile): ByteWriter {
  return {
    writeAll: async (data) => {
      for (let off = 0; off < data.length;) off += await file.write(data.subarray(off));
    },
    close: () => closeQuietly(file),
  };
}

function closeQuietly(file: Deno.FsFile) {
  try {
    file.close();
  } catch { /* already closed */ }
}

/** The child's exit, as Deno reports one: a code, or the signal that ended it. */
async function waitFor(libc: Libc, pid: number): Promise<{ code: number | null; signal: string | null }> {
  const status = new Int32Array(1);
  // -1 is an interrupted wait (retry) or a child reaped by someone else (kill(pid, 0) fails).
  while (await libc.waitpid(pid, status, 0) !== pid) {
    if (libc.kill(pid, 0) !== 0) return { code: null, signal: null };
  }
  const s = status[0];
  const signal = s & 0x7f;
  if (signal === 0) return { code: (s >> 8) & 0xff, signal: null };
  return { code: 128 + signal, signal: `SIG${readCString(libc.sigabbrev_np(signal))}` };
}

/** Throws unless a pipe end reopens through /proc/self/fd under this process's permissions. */
function probeReopen(libc: Libc) {
  const fds = new Int32Array(2);
  if (libc.pipe2(fds, O_CLOEXEC) !== 0) throw new Error("pipe2");
  try {
    Deno.openSync(`/proc/self/fd/${fds[0]}`, { read: true }).close();
  } finally {
    libc.close(fds[0]);
    libc.close(fds[1]);
  }
}

let cached: SessionSpawner | null | undefined;

/** The posix_spawn spawner where the OS has it (Linux with glibc 2.32+ and /proc), else undefined. */
export function sessionSpawner(): SessionSpawner | undefined {
  if (cached === undefined) {
    cached = null;
    if (Deno.build.os === "linux") {
      try {
        const libc = Deno.dlopen("libc.so.6", SYMBOLS).symbols;
        probeReopen(libc);
        cached = makeSpawner(libc);
      } catch { /* musl, an old glibc, no /proc: the caller falls back */ }
    }
  }
  return cached ?? undefined;
}
