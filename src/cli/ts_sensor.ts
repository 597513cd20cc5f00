/**
 * `_ ts-sensor <file> --net=… --env=…`: a Deno-native sensor's own process (started by looop's
 * sensor runner, never by hand). It loads only the sensor runtime, not the CLI.
 */
import { runTsSensorProcess } from "../sensor/ts.ts";

export async function tsSensorCommand(args: string[]): Promise<number> {
  const r = await runTsSensorProcess(args);
  if (r.stderr) console.error(r.stderr);
  if (r.stdout) await Deno.stdout.write(new TextEncoder().encode(r.stdout));
  return r.code;
}
