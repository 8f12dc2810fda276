// The WASI calls a proxy-wasm host provides (spec "Unimplemented WASI functions" and the
// logging/clock/random ones), plus the two Emscripten helpers cpp-host registers under "env".
// Results follow cpp-host's wasi_unstable_* implementations.
import { LogLevel, WasiErrno } from "./abi.js";
import type { HostState } from "./host-state.js";
import { text } from "./memory.js";

const RANDOM_GET_MAX_BYTES = 64 * 1024;

export function wasiImports(s: HostState): Record<string, Function> {
  const mem = s.mem;
  return {
    fd_write(fd: number, iovs: number, iovsLen: number, writtenPtr: number): number {
      const level = fd === 1 ? LogLevel.Info : fd === 2 ? LogLevel.Error : -1;
      if (level < 0) return WasiErrno.Badf;
      const chunks: Uint8Array[] = [];
      let total = 0;
      const dv = mem.data();
      for (let i = 0; i < iovsLen >>> 0; i++) {
        const at = (iovs >>> 0) + i * 8;
        if (!mem.inBounds(at, 8)) return WasiErrno.Fault;
        const ptr = dv.getUint32(at, true);
        const len = dv.getUint32(at + 4, true);
        if (len === 0) continue;
        const chunk = mem.read(ptr, len);
        if (chunk === null) return WasiErrno.Fault;
        chunks.push(chunk);
        total += len;
      }
      if (total > 0) {
        const all = new Uint8Array(total);
        let at = 0;
        for (const c of chunks) {
          all.set(c, at);
          at += c.length;
        }
        let message = text(all);
        if (message.endsWith("\n")) message = message.slice(0, -1);
        if (level >= s.logLevel) s.addLog(level, message, s.active().id);
      }
      return mem.writeWord(writtenPtr, total) ? WasiErrno.Success : WasiErrno.Fault;
    },

    fd_read(): number {
      return WasiErrno.Nosys;
    },

    fd_close(): number {
      return WasiErrno.Success;
    },

    fd_seek(): number {
      return WasiErrno.Success;
    },

    fd_fdstat_get(fd: number, statPtr: number): number {
      if (fd !== 1 && fd !== 2) return WasiErrno.Badf;
      // 24 bytes, all zero except fs_rights_base = FD_WRITE.
      const stat = new Uint8Array(24);
      stat[8] = 64;
      mem.write(statPtr, stat);
      return WasiErrno.Success;
    },

    clock_time_get(clockId: number, _precision: bigint, timePtr: number): number {
      if (clockId !== 0 && clockId !== 1) return WasiErrno.Notsup;
      return mem.writeU64(timePtr, s.nowNs()) ? WasiErrno.Success : WasiErrno.Fault;
    },

    clock_res_get(clockId: number, resPtr: number): number {
      if (clockId !== 0 && clockId !== 1) return WasiErrno.Notsup;
      return mem.writeU64(resPtr, 1n) ? WasiErrno.Success : WasiErrno.Fault;
    },

    random_get(ptr: number, size: number): number {
      size >>>= 0;
      if (size > RANDOM_GET_MAX_BYTES) return WasiErrno.Inval;
      if (size === 0) return WasiErrno.Success;
      const random = new Uint8Array(size);
      crypto.getRandomValues(random);
      return mem.write(ptr, random) ? WasiErrno.Success : WasiErrno.Fault;
    },

    environ_sizes_get(countPtr: number, sizePtr: number): number {
      return mem.writeWord(countPtr, 0) && mem.writeWord(sizePtr, 0) ? WasiErrno.Success : WasiErrno.Fault;
    },

    environ_get(): number {
      return WasiErrno.Success;
    },

    args_sizes_get(argcPtr: number, sizePtr: number): number {
      return mem.writeWord(argcPtr, 0) && mem.writeWord(sizePtr, 0) ? WasiErrno.Success : WasiErrno.Fault;
    },

    args_get(): number {
      return WasiErrno.Success;
    },

    sched_yield(): number {
      return WasiErrno.Success;
    },

    poll_oneoff(_in: number, _out: number, _count: number, eventsPtr: number): number {
      return mem.writeWord(eventsPtr, 0) ? WasiErrno.Success : WasiErrno.Fault;
    },

    proc_exit(code: number): void {
      s.addLog(LogLevel.Error, `wasi proc_exit(${code})`, s.active().id);
    },
  };
}

export function envExtraImports(): Record<string, Function> {
  return {
    pthread_equal: (a: number, b: number): number => (a === b ? 1 : 0),
    emscripten_notify_memory_growth: (): void => {},
  };
}
