/**
 * The bootstrap of a Deno-native sensor's Worker: it runs with only the permissions the parent
 * granted (read the data dir, the sensor's declared hosts). It captures what the sensor prints,
 * imports the sensor module, awaits a default-exported function if there is one, and posts back
 * the printed text, as a shell sensor's stdout.
 */
/// <reference lib="deno.worker" />

const printed: string[] = [];
const capture = (...args: unknown[]) => {
  printed.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ") + "\n");
};
console.log = capture;
console.info = capture;

self.onmessage = async (e: MessageEvent<{ url: string }>) => {
  try {
    const mod = await import(e.data.url);
    if (typeof mod.default === "function") {
      const value = await mod.default();
      if (value !== undefined) printed.push(JSON.stringify(value) + "\n");
    }
    self.postMessage({ ok: true, stdout: printed.join("") });
  } catch (err) {
    self.postMessage({ ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
};
