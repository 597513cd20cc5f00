/**
 * What one sensor may reach (SPEC §10): the hosts and environment variables the config allows
 * (sandbox.allow_net, sandbox.pass_env), narrowed by the sensor's own header lines among its
 * first 20 lines, `# looop:net=host[:port],…` and `# looop:env=NAME,…` (`// looop:` in a `.ts`
 * sensor). `# looop:interval=<secs>` there says how often it runs at most. A header never widens past the config, which only a human edits: asking for more is
 * refused with the reason. A shell sensor without a net header gets allow_net; a `.ts` sensor
 * gets no network without one (its Deno permissions start empty).
 */

import { parseDuration } from "./duration.ts";

export type SensorKind = "sh" | "ts";

/** `interval`: `# looop:interval=<secs>`, the sensor runs at most this often (its last reading stands between) */
export type SensorHeader = { net?: string[]; env?: string[]; interval?: number };

export type SensorPolicy = { net: string[]; env: string[] };

const HEADER_LINES = 20;

/** The `looop:net=`, `looop:env=` and `looop:interval=` lines of a sensor's source. */
export function sensorHeader(source: string, kind: SensorKind): SensorHeader {
  const lead = kind === "ts" ? "\\/\\/" : "#";
  const re = new RegExp(`^\\s*${lead}\\s*looop:(net|env|interval)=(.*)$`);
  const out: SensorHeader = {};
  for (const line of source.split("\n").slice(0, HEADER_LINES)) {
    const m = re.exec(line);
    if (!m) continue;
    if (m[1] === "interval") {
      // Seconds, or a duration ("15m"); anything else is no interval (the sensor runs every beat).
      const s = parseDuration(m[2]);
      if (s !== undefined && s > 0) out.interval = s;
      continue;
    }
    const items = m[2].split(",").map((s) => s.trim()).filter(Boolean);
    const key = m[1] as "net" | "env";
    out[key] = [...(out[key] ?? []), ...items];
  }
  return out;
}

/** `host[:port]` → its parts; the port only when it is one. */
function hostPort(entry: string): { host: string; port?: string } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(entry);
  return m ? { host: m[1].toLowerCase(), port: m[2] } : { host: entry.toLowerCase() };
}

/** Does config entry `allowed` (a host, `*.domain`, with or without a port) cover `asked`? */
export function netCovers(allowed: string, asked: string): boolean {
  const a = hostPort(allowed);
  const b = hostPort(asked);
  if (a.port !== undefined && a.port !== b.port) return false;
  if (a.host === b.host) return true;
  return a.host.startsWith("*.") && b.host.endsWith(a.host.slice(1));
}

/** The entries of `asked` that no entry of `allowed` covers. */
function uncovered(asked: string[], allowed: string[], covers: (a: string, b: string) => boolean): string[] {
  return asked.filter((x) => !allowed.some((a) => covers(a, x)));
}

/** A sensor's hosts and variables, or why its header asks for more than the config allows. */
export function sensorPolicy(
  header: SensorHeader,
  kind: SensorKind,
  config: { allowNet: string[]; passEnv: string[] },
): { ok: true; policy: SensorPolicy } | { ok: false; reason: string } {
  const net = header.net ?? (kind === "ts" ? [] : config.allowNet);
  const env = header.env ?? config.passEnv;
  const badNet = uncovered(net, config.allowNet, netCovers);
  const badEnv = uncovered(env, config.passEnv, (a, b) => a === b);
  const problems = [
    ...(badNet.length ? [`looop:net asks for ${badNet.join(", ")}, not in sandbox.allow_net`] : []),
    ...(badEnv.length ? [`looop:env asks for ${badEnv.join(", ")}, not in sandbox.pass_env`] : []),
  ];
  if (problems.length) {
    return {
      ok: false,
      reason: `${problems.join("; ")} — a sensor's header can only narrow what the config allows; ` +
        `a human adds hosts and variables to "sandbox" in the config`,
    };
  }
  return { ok: true, policy: { net: [...new Set(net)].sort(), env: [...new Set(env)].sort() } };
}
